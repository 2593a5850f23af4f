"""One read-only DuckDB instance per process, kept open between views.

Opening a database costs a new DuckDB instance and a cold buffer pool: at a million incidents
that was 70-90 ms of every view (more than the view's queries on an open connection). Readers
therefore share one read-only instance per process and take a cursor of it for each use.

Rules that keep this safe:

- **Always current.** The instance is reopened when the database file or its WAL changes (size,
  modification time or inode), so a view never shows data older than the last commit, whether
  the write came from this process or from ``conflictmap import`` in another.
- **Writers go first.** DuckDB refuses a read-write connection while this process holds a
  read-only instance of the same file; :meth:`SharedReader.writing` (entered by
  ``store.connect`` before it opens for writing) waits until no reader is using the instance,
  closes it, and makes readers wait until the write is over.
- **Other processes are not locked out for long.** A read-only instance holds a shared file
  lock, which makes a writer in another process fail; the instance is closed after
  ``CONFLICTMAP_IDLE_RELEASE`` seconds (default 10, see :mod:`conflictmap.settings`) without a
  reader, so an import from the command line can run a few seconds after the dashboard was last
  used.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from conflictmap import settings

IDLE_SECONDS = settings.DEFAULT_IDLE_RELEASE  # the process's value: SHARED.idle_seconds
WAIT_SECONDS = 30.0  # how long a writer waits for running readers
READER_WAIT_SECONDS = 5.0  # how long a reader waits for a write of this process


class StoreBusyError(RuntimeError):
    """Another program holds the database (DuckDB allows one writer, or readers, per file)."""


def open_file(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open the database file; another program holding its lock is a :class:`StoreBusyError`."""
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        if read_only:
            message = (
                f"{path} is being written by another program{lock_holder(exc)}, for example an "
                "import from the command line. Reload the page when it has finished."
            )
        else:
            message = (
                f"{path} is open in another program{lock_holder(exc)}. A running dashboard "
                f"lets go of it {settings.get().idle_release:.0f} s after its last view; try "
                "again then, or close the other program"
            )
        raise StoreBusyError(message) from None


def lock_holder(exc: Exception) -> str:
    """The program holding the lock, as " (program (PID n))", from DuckDB's message."""
    found = re.search(r"held in (.+?\(PID \d+\))", str(exc))
    return f" ({found.group(1)})" if found else ""


def file_stamp(path: Path) -> tuple[object, ...]:
    """What changes when anyone writes to the database: the file and its write-ahead log."""
    parts: list[object] = []
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            st = os.stat(p)
        except FileNotFoundError:
            parts.append(None)
        else:
            parts.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(parts)


class SharedReader:
    """The process's read-only instance (at most one database at a time)."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self._cond = threading.Condition()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._path: Path | None = None
        self._stamp: tuple[object, ...] | None = None
        self._users = 0
        self._writers: dict[Path, int] = {}  # connections writing, per database, in this process
        self._mine = threading.local()  # readers open in the current thread
        self._last_used = 0.0
        self._timer: threading.Timer | None = None
        self.opened = 0  # instances opened so far (tests and benchmarks read it)

    @contextmanager
    def cursor(
        self, path: Path, setup: Callable[[duckdb.DuckDBPyConnection], None]
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the shared instance of ``path``, closed after use; ``setup`` applies
        settings once per instance.

        While the shared instance serves another database and is in use, the connection is a
        private one, opened and closed here.
        """
        with self._cond:
            shared = self._ready(path, setup)
            if shared:
                assert self._con is not None
                cur = self._con.cursor()
                self._users += 1
                self._mine.count = getattr(self._mine, "count", 0) + 1
        if not shared:
            private = open_file(path, read_only=True)
            try:
                setup(private)
                yield private
            finally:
                private.close()
            return
        try:
            cur.execute("SET enable_progress_bar = false")  # a setting of each connection
            yield cur
        finally:
            cur.close()
            with self._cond:
                self._users -= 1
                self._mine.count -= 1
                self._last_used = time.monotonic()
                self._cond.notify_all()
                self._schedule_idle_close()

    @contextmanager
    def writing(self, path: Path) -> Iterator[None]:
        """Hold off readers of ``path`` while this process writes to it.

        DuckDB refuses a read-write connection while the process holds a read-only instance of
        the same file (and the reverse), so the shared instance is closed first, once no reader
        uses it, and readers wait until the write is over.
        """
        with self._cond:
            if self._path == path and getattr(self._mine, "count", 0) > 0:
                raise RuntimeError(
                    f"{path}: cannot open the database for writing while this thread is still "
                    "reading it; close the reading connection first"
                )
            if self._con is not None and self._path == path:
                if not self._cond.wait_for(lambda: self._users == 0, timeout=WAIT_SECONDS):
                    raise TimeoutError(f"{path}: readers still busy after {WAIT_SECONDS:.0f} s")
                self._close()
            self._writers[path] = self._writers.get(path, 0) + 1
            self._writing_here()[path] = self._writing_here().get(path, 0) + 1
        try:
            yield
        finally:
            with self._cond:
                self._writers[path] -= 1
                if not self._writers[path]:
                    del self._writers[path]
                mine = self._writing_here()
                mine[path] -= 1
                if not mine[path]:
                    del mine[path]
                self._cond.notify_all()

    def close(self) -> None:
        """Close the instance now if no reader uses it."""
        with self._cond:
            if self._users == 0:
                self._close()

    @property
    def is_open(self) -> bool:
        return self._con is not None

    # -- internals (called with the lock held) --------------------------------------------

    def _ready(self, path: Path, setup: Callable[[duckdb.DuckDBPyConnection], None]) -> bool:
        """Make the shared instance serve ``path``; False when it is busy with another file."""
        if path in self._writing_here():
            raise RuntimeError(
                f"{path}: cannot read the database through a second connection while this "
                "thread is writing to it; use the writing connection"
            )
        # a short write in this process (an annotation, a territory edit) finishes first; a long
        # one (an import from the Data page) makes the view say so
        if not self._cond.wait_for(lambda: path not in self._writers, timeout=READER_WAIT_SECONDS):
            raise StoreBusyError(
                f"{path} is being written by this dashboard (an import from the Data page?). "
                "Reload the page when it has finished."
            )
        if self._con is not None and self._path != path:
            if self._users:
                return False
            self._close()
        stamp = file_stamp(path)
        if self._con is not None and self._stamp != stamp:
            # a newer version of the database: wait for the current readers (a view takes a
            # fraction of a second), then reopen. A reader of this thread keeps its instance
            # (DuckDB gives one instance per file and process) until it is done.
            if getattr(self._mine, "count", 0) == 0:
                self._cond.wait_for(lambda: self._users == 0, timeout=WAIT_SECONDS)
            if self._users == 0:
                self._close()
                stamp = file_stamp(path)
        if self._con is None:
            self._con = open_file(path, read_only=True)
            setup(self._con)
            self._path, self._stamp = path, stamp
            self.opened += 1
        return True

    def _writing_here(self) -> dict[Path, int]:
        """Databases the current thread has open for writing."""
        if not hasattr(self._mine, "writing"):
            self._mine.writing = {}
        return self._mine.writing

    def _close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._con is not None:
            self._con.close()
        self._con = self._path = self._stamp = None

    def _schedule_idle_close(self) -> None:
        if self._users or self._con is None:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(self.idle_seconds, self._close_if_idle)
        self._timer.daemon = True
        self._timer.start()

    def _close_if_idle(self) -> None:
        with self._cond:
            if self._users == 0 and time.monotonic() - self._last_used >= self.idle_seconds * 0.99:
                self._close()


SHARED = SharedReader(settings.get().idle_release)
