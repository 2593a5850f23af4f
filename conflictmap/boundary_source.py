"""Where the boundary file comes from: resolve, download, verify, cache (geometry: geodata.py).

Source resolution order:

1. ``CONFLICTMAP_GEODATA`` (or an explicit ``source``) — a local copy of the boundary file;
2. the cache (``Settings.cache_dir``) — a verified earlier download;
3. the pinned URL in the packaged ``conflictmap/data/sources.toml`` — downloaded with
   :mod:`pooch` (streamed to a temporary file, hash-checked, retried on network errors).

Every file is checked against the pinned sha256 before use; a mismatch or an unreadable file raises
:class:`GeodataError` and nothing is cached. A file's checksum is computed once per process (keyed
by its path, size and modification time), not on every load.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import tomllib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from conflictmap import settings
from conflictmap.settings import ENV_CACHE as ENV_CACHE
from conflictmap.settings import ENV_GEODATA as ENV_GEODATA

ProgressFn = Callable[[int, int], None]

DOWNLOAD_RETRIES = 2  # further attempts after a failed download (pooch waits 1 s, then 2 s)
DOWNLOAD_TIMEOUT = 30  # seconds without an answer from the server
CHUNK_SIZE = 1 << 16


class GeodataError(RuntimeError):
    """The boundaries cannot be obtained or read; the message says what to do."""


@dataclass(frozen=True)
class BoundarySource:
    name: str
    file: str
    url: str
    sha256: str
    size: int
    licence: str
    attribution: str
    department_layer: str
    municipality_layer: str


def sources_file() -> Path:
    """The pinned source list shipped inside the package."""
    return Path(str(resources.files("conflictmap") / "data" / "sources.toml"))


def load_source_spec(path: Path | None = None) -> BoundarySource:
    return _load_spec(path or sources_file())


@lru_cache(maxsize=4)
def _load_spec(path: Path) -> BoundarySource:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))["boundaries"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise GeodataError(f"Cannot read the boundary source list {path}: {exc}") from exc
    fields = BoundarySource.__dataclass_fields__
    return BoundarySource(**{k: data[k] for k in fields})


def cache_dir() -> Path:
    return settings.get().cache_dir


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_HASHES: dict[tuple[str, int, int], str] = {}
_HASHES_LOCK = threading.Lock()


def file_sha256(path: Path) -> str:
    """sha256 of ``path``, computed once per process for each (path, size, mtime)."""
    st = os.stat(path)
    key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)
    with _HASHES_LOCK:
        known = _HASHES.get(key)
    if known is None:
        known = sha256_file(path)
        with _HASHES_LOCK:
            _HASHES[key] = known
    return known


def _verify(path: Path, spec: BoundarySource, origin: str) -> None:
    actual = file_sha256(path)
    if actual != spec.sha256:
        raise GeodataError(
            f"Checksum mismatch for the boundary file {path} ({origin}): expected sha256 "
            f"{spec.sha256}, got {actual}. The file is not the pinned '{spec.file}'; nothing was "
            f"cached. Use the file from {spec.url}."
        )


class _Progress:
    """pooch's progress-bar protocol (tqdm-like) -> our ``progress(done, total)`` callback.

    pooch counts whole chunks and finishes with ``reset(); update(total)``: the bytes reported
    here are clamped to the total and only ever increase.
    """

    def __init__(self, report: ProgressFn, size: int) -> None:
        self._report = report
        self._total = size
        self._n = 0
        self._shown = 0

    @property
    def total(self) -> int:
        return self._total

    @total.setter
    def total(self, value: int) -> None:
        self._total = int(value) or self._total  # no Content-Length: the pinned size

    def update(self, n: int) -> None:
        self._n = min(self._n + n, self._total)
        if self._n > self._shown:
            self._shown = self._n
            self._report(self._n, self._total)

    def reset(self) -> None:
        self._n = 0

    def close(self) -> None:
        pass


@contextmanager
def _quiet_pooch():
    """pooch logs each download and retry on stderr; the command line prints its own progress."""
    import pooch

    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _download(spec: BoundarySource, target: Path, progress: ProgressFn | None) -> None:
    """Download ``spec.url`` into ``target`` with pooch: a temporary file in the cache folder,
    moved into place only when its sha256 is the pinned one; network errors retried."""
    import pooch
    import requests

    target.parent.mkdir(parents=True, exist_ok=True)
    store = pooch.create(
        path=target.parent,
        base_url="",
        registry={target.name: f"sha256:{spec.sha256}"},
        urls={target.name: spec.url},
        retry_if_failed=DOWNLOAD_RETRIES,
    )
    bar = _Progress(progress, spec.size) if progress else False
    downloader = pooch.HTTPDownloader(
        progressbar=bar, chunk_size=CHUNK_SIZE, timeout=DOWNLOAD_TIMEOUT
    )
    try:
        with _quiet_pooch():
            store.fetch(target.name, downloader=downloader)
    except ValueError as exc:  # pooch: the downloaded file's hash is not the pinned one
        raise GeodataError(
            f"Checksum mismatch for the boundary file downloaded from {spec.url}: {exc} The file "
            f"is not the pinned '{spec.file}'; nothing was cached."
        ) from exc
    except (requests.RequestException, OSError) as exc:
        raise GeodataError(
            f"Could not download the boundaries from {spec.url} ({exc}) and there is no "
            f"cached copy in {target.parent}. If this machine is offline, set "
            f"{ENV_GEODATA}=/path/to/{spec.file} to a local copy of the file."
        ) from exc


def resolve_source(
    spec: BoundarySource | None = None,
    *,
    progress: ProgressFn | None = None,
    allow_download: bool = True,
    source: str | os.PathLike[str] | None = None,
) -> Path:
    """Return the path of a verified boundary file, downloading it into the cache if needed.

    ``source`` (``conflictmap geodata --source``) takes the place of ``CONFLICTMAP_GEODATA``.
    """
    spec = spec or load_source_spec()
    current = settings.get()
    local = Path(source).expanduser() if source else current.geodata
    if local is not None:
        origin = "--source" if source else f"from {ENV_GEODATA}"
        if not local.is_file():
            raise GeodataError(
                f"{ENV_GEODATA} points at {local}, which is not a file. Point it at a copy of "
                f"{spec.file}, or unset it to use the cache or download."
                if not source
                else f"--source {local} is not a file. Give a copy of {spec.file}."
            )
        _verify(local, spec, origin)
        return local
    cached = current.cache_dir / spec.file
    if cached.is_file():
        try:
            _verify(cached, spec, "cached copy")
            return cached
        except GeodataError:
            cached.unlink()  # a damaged cache is dropped and fetched again
    if not allow_download:
        raise GeodataError(
            f"No boundary file: {ENV_GEODATA} is not set and {cached} does not exist. Set "
            f"{ENV_GEODATA}=/path/to/{spec.file} or run `conflictmap geodata` with internet access."
        )
    _download(spec, cached, progress)
    return cached
