"""The incident database: an embedded DuckDB file by default.

Path resolution: an explicit ``--db`` path, else ``CONFLICTMAP_DB``, else
``data/conflictmap.duckdb`` under the project root. Every import is one transaction; incidents
already stored (same ``incident_id``) are skipped and counted as duplicates.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from conflictmap.geodata import project_root
from conflictmap.schema import RECORD_COLUMNS

ENV_DB = "CONFLICTMAP_DB"

SCHEMA = """
CREATE TABLE IF NOT EXISTS incidents (
    incident_id VARCHAR PRIMARY KEY,
    event_date DATE NOT NULL,
    date_precision VARCHAR NOT NULL,
    event_type VARCHAR NOT NULL,
    sub_event_type VARCHAR,
    event_type_original VARCHAR,
    actor1 VARCHAR,
    actor2 VARCHAR,
    assoc_actors VARCHAR[],
    actor1_raw VARCHAR,
    actor2_raw VARCHAR,
    assoc_actors_raw VARCHAR,
    fatalities INTEGER CHECK (fatalities >= 0),
    latitude DOUBLE,
    longitude DOUBLE,
    geo_precision SMALLINT NOT NULL CHECK (geo_precision BETWEEN 1 AND 3),
    dept_code VARCHAR NOT NULL,
    muni_code VARCHAR,
    location VARCHAR,
    notes VARCHAR,
    source VARCHAR NOT NULL,
    source_url VARCHAR,
    dataset VARCHAR NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    original VARCHAR
);
CREATE TABLE IF NOT EXISTS imports (
    imported_at TIMESTAMP NOT NULL,
    dataset VARCHAR NOT NULL,
    file VARCHAR,
    format VARCHAR,
    read INTEGER,
    inserted INTEGER,
    duplicates INTEGER,
    rejected INTEGER
);
"""


def resolve_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env)
    return project_root() / "data" / "conflictmap.duckdb"


@contextmanager
def connect(
    db: str | os.PathLike[str] | None = None, *, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the database (creating it and its schema when writing); always closed after use."""
    path = resolve_db_path(db)
    if read_only and not path.exists():
        # an empty, schema-only database in memory: reading a missing file shows nothing
        con = duckdb.connect(":memory:")
        con.execute(SCHEMA)
    else:
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
        if not read_only:
            con.execute(SCHEMA)
    try:
        yield con
    finally:
        con.close()


@dataclass(frozen=True)
class InsertResult:
    inserted: int
    duplicates: int


def insert_incidents(
    con: duckdb.DuckDBPyConnection,
    records: pd.DataFrame,
    *,
    import_log: dict[str, object] | None = None,
) -> InsertResult:
    """Insert records in one transaction, skipping ids already stored or repeated in the batch.

    ``records`` has the columns of :data:`RECORD_COLUMNS`. Either every new record is stored
    (and the import logged) or, on any error, nothing is.
    """
    missing = [c for c in RECORD_COLUMNS if c not in records.columns]
    if missing:
        raise ValueError(f"records lack columns: {', '.join(missing)}")
    batch = records.loc[:, list(RECORD_COLUMNS)]
    unique = batch.drop_duplicates("incident_id", keep="first")
    within = len(batch) - len(unique)
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("incoming", unique)
        before = con.execute("SELECT count(*) FROM incidents").fetchone()[0]
        columns = ", ".join(RECORD_COLUMNS)
        con.execute(
            f"INSERT INTO incidents ({columns}) SELECT {columns} FROM incoming "
            "WHERE incident_id NOT IN (SELECT incident_id FROM incidents)"
        )
        after = con.execute("SELECT count(*) FROM incidents").fetchone()[0]
        inserted = after - before
        duplicates = within + (len(unique) - inserted)
        if import_log is not None:
            log = {**import_log, "inserted": inserted, "duplicates": duplicates}
            con.execute(
                "INSERT INTO imports VALUES (current_timestamp, ?, ?, ?, ?, ?, ?, ?)",
                [
                    log.get("dataset"),
                    log.get("file"),
                    log.get("format"),
                    log.get("read"),
                    inserted,
                    duplicates,
                    log.get("rejected"),
                ],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("incoming")
    return InsertResult(inserted=inserted, duplicates=duplicates)


def existing_ids(con: duckdb.DuckDBPyConnection, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    frame = pd.DataFrame({"incident_id": ids})
    con.register("probe_ids", frame)
    try:
        rows = con.execute(
            "SELECT incident_id FROM incidents WHERE incident_id IN (SELECT incident_id FROM probe_ids)"
        ).fetchall()
    finally:
        con.unregister("probe_ids")
    return {r[0] for r in rows}


def count_incidents(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(*) FROM incidents").fetchone()[0])


def datasets(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per dataset: name, incidents, first and last event date."""
    return con.execute(
        "SELECT dataset, count(*) AS incidents, min(event_date) AS first_date, "
        "max(event_date) AS last_date FROM incidents GROUP BY dataset ORDER BY dataset"
    ).df()


def version(db: str | os.PathLike[str] | None = None) -> str:
    """A token that changes whenever the database file changes (for UI caches)."""
    path = resolve_db_path(db)
    parts = []
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            st = p.stat()
            parts.append(f"{st.st_mtime_ns}:{st.st_size}")
    return f"{path}|{'|'.join(parts)}"
