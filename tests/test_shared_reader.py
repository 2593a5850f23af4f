"""The shared read-only instance: reused between views, never stale, never in a writer's way."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from conflictmap import store
from conflictmap.shared_reader import SHARED, SharedReader


def make_db(path: Path, rows: int) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT range AS a FROM range(?)", [rows])
    return path


@pytest.fixture()
def db(empty_db: Path) -> Path:
    """A database file with the schema (reading a missing file gives an in-memory one)."""
    with store.connect(empty_db):
        pass
    return empty_db


def count(reader: SharedReader, path: Path) -> int:
    with reader.cursor(path.resolve(), lambda con: None) as con:
        return con.execute("SELECT count(*) FROM t").fetchone()[0]


WAIT = 30.0  # seconds: a deadline for things that happen at once unless something is broken


def wait_until(condition, what: str, timeout: float = WAIT) -> None:  # noqa: ANN001
    """Poll ``condition`` until true; past the deadline fail, saying what did not happen."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not after {timeout:.0f} s")
        time.sleep(0.01)


def wait_for(event: threading.Event, what: str, timeout: float = WAIT) -> None:
    if not event.wait(timeout):
        pytest.fail(f"{what}: not after {timeout:.0f} s")


class Worker(threading.Thread):
    """A thread whose exception is kept for the test (a plain thread's would be lost)."""

    def __init__(self, target) -> None:  # noqa: ANN001
        super().__init__(daemon=True)
        self._work = target
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._work()
        except BaseException as exc:  # noqa: BLE001 - handed to the test by finish()
            self.error = exc

    def finish(self, timeout: float = WAIT) -> None:
        """Join; fail if the thread is still running or raised."""
        self.join(timeout)
        if self.is_alive():
            pytest.fail(f"thread {self.name} still running after {timeout:.0f} s")
        if self.error is not None:
            raise AssertionError(f"thread {self.name} raised {self.error!r}") from self.error


class WatchedCondition(threading.Condition):
    """The shared reader's lock, telling the test when a thread starts to wait on it (a
    reader waiting for a writer, or a writer waiting for readers)."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = threading.Event()

    def wait_for(self, predicate, timeout=None):  # noqa: ANN001, ANN201
        if not predicate():
            self.waiting.set()
        return super().wait_for(predicate, timeout)


@pytest.fixture()
def watched(monkeypatch: pytest.MonkeyPatch) -> WatchedCondition:
    """SHARED with a watched lock (closed first: no reader holds the old one)."""
    SHARED.close()
    assert SHARED._users == 0
    cond = WatchedCondition()
    monkeypatch.setattr(SHARED, "_cond", cond)
    return cond


def test_views_reuse_one_instance(tmp_path: Path) -> None:
    db = make_db(tmp_path / "a.duckdb", 5)
    reader = SharedReader()
    assert [count(reader, db) for _ in range(5)] == [5] * 5
    assert reader.opened == 1
    reader.close()
    assert not reader.is_open


def test_store_reads_go_through_the_shared_instance(sample_db: Path) -> None:
    SHARED.close()
    before = SHARED.opened
    for _ in range(3):
        with store.connect(sample_db, read_only=True) as con:
            assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] > 5000
    assert SHARED.opened == before + 1
    assert SHARED.is_open


def test_a_write_in_this_process_is_seen_at_once(db: Path) -> None:
    with store.connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM annotations").fetchone()[0] == 0
    assert SHARED.is_open
    # the writer closes the shared instance first (DuckDB refuses read-write next to it)
    with store.connect(db) as con:
        con.execute("INSERT INTO annotations (day, label) VALUES (DATE '2022-08-07', 'x')")
    with store.connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM annotations").fetchone()[0] == 1


def test_a_write_from_another_process_is_seen_after_the_idle_release(tmp_path: Path) -> None:
    db = make_db(tmp_path / "b.duckdb", 3)
    reader = SharedReader(idle_seconds=0.2)
    assert count(reader, db) == 3
    assert reader.is_open
    # the file lock is free for other programs once the idle time has passed
    wait_until(lambda: not reader.is_open, "the idle reader closing its instance")
    code = f"import duckdb; duckdb.connect({str(db)!r}).execute('INSERT INTO t VALUES (99)')"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    assert count(reader, db) == 4


def test_a_changed_file_is_reopened(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    make_db(db, 2)
    reader = SharedReader()
    assert count(reader, db) == 2
    reader_con_opened = reader.opened
    reader.close()  # a program replaces the file while the dashboard is idle
    db.unlink()
    make_db(db, 7)
    assert count(reader, db) == 7
    assert reader.opened == reader_con_opened + 1


def test_a_stale_instance_is_replaced_when_the_wal_changes(tmp_path: Path) -> None:
    """Writes by this process through another instance (not via store) change the stamp."""
    db = make_db(tmp_path / "d.duckdb", 1)
    reader = SharedReader()
    assert count(reader, db) == 1
    reader.close()
    with duckdb.connect(str(db)) as con:
        con.execute("INSERT INTO t VALUES (5)")
    assert count(reader, db) == 2


def test_writer_waits_for_a_reader_in_another_thread(db: Path, watched: WatchedCondition) -> None:
    reading, release, wrote = threading.Event(), threading.Event(), threading.Event()
    log: list[str] = []

    def view() -> None:
        with store.connect(db, read_only=True) as con:
            reading.set()
            wait_for(release, "the test releasing the reader")
            con.execute("SELECT count(*) FROM incidents").fetchone()
            log.append("reader done")  # still inside: the reader is released only after this

    def write() -> None:
        with store.connect(db) as con:  # waits for the reader, then opens for writing
            log.append("writer in")
            con.execute("INSERT INTO annotations (day, label) VALUES (DATE '2022-08-07', 'y')")
        wrote.set()

    reader = Worker(view)
    reader.start()
    wait_for(reading, "the reader opening the database")
    writer = Worker(write)
    writer.start()
    wait_for(watched.waiting, "the writer waiting for the reader")
    assert log == [] and not wrote.is_set()  # held off while the reader reads
    release.set()
    reader.finish()
    writer.finish()
    assert log == ["reader done", "writer in"]
    with store.connect(db, read_only=True) as con:
        assert con.execute("SELECT label FROM annotations").fetchall() == [("y",)]


def test_reader_waits_for_a_writer_in_another_thread(
    db: Path, watched: WatchedCondition, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictmap import shared_reader

    monkeypatch.setattr(shared_reader, "READER_WAIT_SECONDS", WAIT)  # never "busy" here
    writing, release = threading.Event(), threading.Event()
    seen: list[int] = []

    def write() -> None:
        with store.connect(db) as con:
            writing.set()
            wait_for(release, "the test releasing the writer")
            con.execute("INSERT INTO annotations (day, label) VALUES (DATE '2022-08-07', 'z')")

    def view() -> None:
        with store.connect(db, read_only=True) as con:
            seen.append(con.execute("SELECT count(*) FROM annotations").fetchone()[0])

    writer = Worker(write)
    writer.start()
    wait_for(writing, "the writer opening the database")
    reader = Worker(view)
    reader.start()
    wait_for(watched.waiting, "the reader waiting for the writer")
    assert seen == []  # nothing read while the write is open
    release.set()
    writer.finish()
    reader.finish()
    assert seen == [1]  # the reader saw the committed write


def test_same_thread_read_and_write_of_one_database_is_a_clear_error(db: Path) -> None:
    reading = store.connect(db, read_only=True)
    with reading, pytest.raises(RuntimeError, match="reading"), store.connect(db):
        pass
    writing = store.connect(db)
    with writing, pytest.raises(RuntimeError, match="writing"), store.connect(db, read_only=True):
        pass


def test_another_database_while_the_shared_one_is_busy(tmp_path: Path) -> None:
    first = make_db(tmp_path / "e.duckdb", 2)
    second = make_db(tmp_path / "f.duckdb", 9)
    reader = SharedReader()
    with reader.cursor(first.resolve(), lambda con: None) as held:
        assert count(reader, second) == 9  # a private connection, not the busy instance
        assert held.execute("SELECT count(*) FROM t").fetchone()[0] == 2
    assert count(reader, second) == 9
    reader.close()


def test_another_program_writing_gets_a_clear_message(tmp_path: Path) -> None:
    db = make_db(tmp_path / "g.duckdb", 1)
    reader = SharedReader()
    with reader.cursor(db.resolve(), lambda con: None):
        code = f"from conflictmap import store\nwith store.connect({str(db)!r}) as con: pass\n"
        result = subprocess.run(
            [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60
        )
    reader.close()
    assert result.returncode != 0
    assert "StoreBusyError" in result.stderr
    assert "is open in another program" in result.stderr
    assert "try again" in result.stderr


@pytest.mark.parametrize("page", ["dashboard.py", "pages/1_Data.py", "pages/3_Trends.py"])
def test_pages_say_the_database_is_busy_while_another_program_writes(
    db: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parents[1]
    monkeypatch.setenv("CONFLICTMAP_DB", str(db))
    SHARED.close()  # this process must not hold the file, as a dashboard after its idle release
    code = f"import duckdb, sys; c = duckdb.connect({str(db)!r}); print('ready', flush=True)"
    holder = subprocess.Popen(
        [sys.executable, "-c", code + "; sys.stdin.read()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        app = AppTest.from_file(str(root / page), default_timeout=120).run()
        assert not app.exception
        warnings = [w.value for w in app.warning]
        assert any("database is busy" in w and "Reload the page" in w for w in warnings)
    finally:
        holder.communicate("", timeout=60)
    app = AppTest.from_file(str(root / page), default_timeout=120).run()  # free again
    assert not app.exception
    assert not any("database is busy" in w.value for w in app.warning)


def test_a_long_write_in_this_process_makes_readers_say_busy(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictmap import shared_reader

    monkeypatch.setattr(shared_reader, "READER_WAIT_SECONDS", 0.2)
    writing, finish = threading.Event(), threading.Event()

    def long_import() -> None:
        with store.connect(db):
            writing.set()
            wait_for(finish, "the test ending the long import")

    t = Worker(long_import)
    t.start()
    try:
        wait_for(writing, "the long import opening the database")
        busy = pytest.raises(store.StoreBusyError, match="being written by this dashboard")
        with busy, store.connect(db, read_only=True):
            pass
    finally:
        finish.set()
        t.finish()
    with store.connect(db, read_only=True) as con:  # free again
        assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0
