"""Shared fixtures. Boundaries come from CONFLICTMAP_GEODATA (CI points it at ../shared/geodata).

``--backend postgresql`` runs the tests against PostgreSQL instead of DuckDB files: every database
path a test uses becomes a schema of its own in a throwaway database of the server at
``$CONFLICTMAP_TEST_POSTGRES`` (a server URL; `.ci/run` starts one), dropped at the end. `make
test` runs the store's test modules this way as well (tests/postgres_modules.txt).
"""

from __future__ import annotations

import hashlib
import os
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV_POSTGRES = "CONFLICTMAP_TEST_POSTGRES"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=("duckdb", "postgresql"),
        default="duckdb",
        help=f"the store the tests use (postgresql: the server at ${ENV_POSTGRES})",
    )


class PostgresPaths:
    """Database paths as schemas of one throwaway PostgreSQL database."""

    def __init__(self, server: str) -> None:
        import psycopg

        self.name = f"conflictmap_test_{os.getpid()}"
        self.server = server
        with psycopg.connect(server, autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {self.name}")
            con.execute(f"CREATE DATABASE {self.name}")
        parts = urllib.parse.urlsplit(server)
        self.base = urllib.parse.urlunsplit(parts._replace(path="/" + self.name, query=""))
        self.made: set[str] = set()

    def url(self, path: Path) -> str:
        import psycopg

        schema = "t_" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
        if schema not in self.made:
            with psycopg.connect(self.base, autocommit=True) as con:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            self.made.add(schema)
        return f"{self.base}?options=-csearch_path%3D{schema}"

    def drop(self) -> None:
        import psycopg

        from conflictmap import postgres

        postgres.close_pools()
        with psycopg.connect(self.server, autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


_PG: PostgresPaths | None = None


def pytest_unconfigure(config: pytest.Config) -> None:
    if _PG is not None:
        _PG.drop()


def _use_postgres() -> None:
    global _PG
    server = os.environ.get(ENV_POSTGRES)
    if not server:
        raise pytest.UsageError(f"--backend postgresql needs ${ENV_POSTGRES} (a server URL)")
    from conflictmap import store

    _PG = pg = PostgresPaths(server)
    original = store.resolve_db

    def resolve_db(explicit=None):  # type: ignore[no-untyped-def]
        ref = original(explicit)
        return ref if isinstance(ref, str) else pg.url(ref)

    store.resolve_db = resolve_db  # type: ignore[assignment]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--backend") != "postgresql":
        return
    skip = pytest.mark.skip(reason="about DuckDB files (duckdb_only); not a PostgreSQL store test")
    for item in items:
        if "duckdb_only" in item.keywords:
            item.add_marker(skip)


def pytest_configure(config: pytest.Config) -> None:
    # the tests written before the Spanish interface read English labels; tests/test_i18n.py
    # asks for each language explicitly (lang= in the URL, i18n.using)
    os.environ.setdefault("CONFLICTMAP_LANG", "en")
    if not os.environ.get("CONFLICTMAP_GEODATA"):
        shared = ROOT.parent / "shared" / "geodata" / "colombia_2018.topojson"
        if shared.is_file():
            os.environ["CONFLICTMAP_GEODATA"] = str(shared)
    if config.getoption("--backend") == "postgresql":
        _use_postgres()


@pytest.fixture(autouse=True)
def _postgres_pools_per_test():
    """Under --backend postgresql every test's databases are schemas with their own URL, hence
    their own connection pools: close them after each test, or the server runs out of
    connection slots ("too many clients") long before the run ends."""
    yield
    if _PG is not None:
        from conflictmap import postgres

        postgres.close_pools()


@pytest.fixture(scope="session")
def boundaries():
    from conflictmap import geodata

    if not os.environ.get("CONFLICTMAP_GEODATA") and not (geodata.cache_dir() / "colombia_2018.topojson").exists():
        pytest.fail("CONFLICTMAP_GEODATA is not set and no cached boundary file exists")
    return geodata.load_boundaries(allow_download=False)


MINI_BOUNDARIES = ROOT / "tests" / "fixtures" / "mini_colombia.topojson"


@pytest.fixture(scope="session")
def mini_geography():
    """A Geography over made-up square boundaries with real DIVIPOLA codes and names
    (tests/fixtures/make_mini_boundaries.py): for unit tests of place logic that need neither
    the 1.9 MB DANE file nor its cache. Containment, borders and areas are known by hand."""
    from conflictmap import geodata
    from conflictmap.geography import Geography

    dept, muni = geodata.decode(MINI_BOUNDARIES)
    return Geography(
        geodata.Boundaries(
            departments=dept,
            municipalities=muni,
            departments_simplified=dept,
            municipalities_simplified=muni,
            source_sha256=hashlib.sha256(MINI_BOUNDARIES.read_bytes()).hexdigest(),
            attribution="Synthetic test boundaries (squares), not DANE's",
        )
    )


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:
    """The synthetic sample (seed events + synthetic demo incidents and territory claims + the
    annotation, as `conflictmap sample --synthetic`); treat as read-only."""
    from conflictmap import sample

    db = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    result = sample.load_sample(db, synthetic=True)
    assert result.loaded
    return db


@pytest.fixture(scope="session")
def real_sample_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:
    """The default sample (seed events + UCDP GED Colombia + the annotation, as `conflictmap
    sample` and `make run`); treat as read-only."""
    from conflictmap import sample

    db = tmp_path_factory.mktemp("real-sample") / "sample.duckdb"
    result = sample.load_sample(db)
    assert result.loaded
    return db


@pytest.fixture(scope="session")
def dense_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:
    """A few thousand incidents, dense in Neiva, some placed only to a department or to
    Colombia (tests/dense_incidents.py); treat as read-only."""
    from dense_incidents import build

    return build(tmp_path_factory.mktemp("dense"), boundaries)


@pytest.fixture()
def empty_db(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"
