"""Versioned schema: ``conflictmap db init|migrate`` and every connection's check.

Each migration has a number and a name; a database records the ones applied in
``schema_migrations``. A PostgreSQL database is brought to the latest version by the first
connection of each process (under an advisory lock, so two dashboard servers starting together
do not both create tables); ``conflictmap db migrate`` does the same on demand and says what it
applied. An embedded DuckDB file is upgraded by any writing connection (as before this module,
see ``store._upgrade``); its ``schema_migrations`` rows say which versions it has.

Migrations only ever add: a new version appends to :data:`MIGRATIONS`, never edits one that
shipped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TABLE = "schema_migrations"
_LOCK_KEY = 7_104_202_201  # pg_advisory_xact_lock key: "ConflictMap schema"

TABLE_SQL = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    version INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
)"""

# DuckDB's list functions the package's SQL uses, for PostgreSQL
PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION list_distinct(anyarray) RETURNS anyarray
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT array(SELECT DISTINCT x FROM unnest($1) x WHERE x IS NOT NULL)';
CREATE OR REPLACE FUNCTION list_contains(anyarray, anyelement) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT $2 = ANY($1)';
"""

GENERATION_SQL = """
CREATE TABLE IF NOT EXISTS store_generation (only_row BOOLEAN PRIMARY KEY DEFAULT TRUE, n BIGINT NOT NULL);
INSERT INTO store_generation VALUES (TRUE, 0) ON CONFLICT DO NOTHING;
"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    postgres: Callable[[], str]  # the SQL (a function: the schemas live in their modules)


def _v1() -> str:
    from conflictmap import actor_relation, store

    return PG_FUNCTIONS + store.SCHEMA + actor_relation.SCHEMA + actor_relation.VIEW_SQL + ";" + GENERATION_SQL


def _v2() -> str:
    from conflictmap import audit, users

    return users.SCHEMA + audit.SCHEMA


def _v3() -> str:
    from conflictmap import source_terms

    return source_terms.SCHEMA


def _v4() -> str:
    # what views filter and group on (DuckDB's zone maps do this without indexes)
    return """
CREATE INDEX IF NOT EXISTS incidents_event_date ON incidents (event_date);
CREATE INDEX IF NOT EXISTS incidents_dept ON incidents (dept_code, event_date);
CREATE INDEX IF NOT EXISTS incidents_muni ON incidents (muni_code, event_date);
CREATE INDEX IF NOT EXISTS incidents_dataset ON incidents (dataset);
CREATE INDEX IF NOT EXISTS claims_group ON territory_claims (group_name);
"""


def _v5() -> str:
    from conflictmap import matching

    return matching.SCHEMA


def _v6() -> str:
    from conflictmap import trash, watchlists

    return watchlists.SCHEMA + trash.schema() + ";"


def _v7() -> str:
    from conflictmap import postgis

    return postgis.MIGRATION_SQL


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "incidents, actor index, territories, imports, layouts, annotations", _v1),
    Migration(2, "users and audit trail", _v2),
    Migration(3, "source terms per dataset", _v3),
    Migration(4, "indexes for filtered views", _v4),
    Migration(5, "cross-source event matching and the analysts' decisions", _v5),
    Migration(6, "saved watchlists and the trash of deleted datasets", _v6),
    Migration(7, "PostGIS: point index of incidents, municipalities for placing points", _v7),
)
LATEST = MIGRATIONS[-1].version

_CURRENT: set[str] = set()  # PostgreSQL URLs verified current by this process
_CURRENT_LOCK = threading.Lock()


def applied(con: Any) -> list[int]:
    """Versions recorded in the database (none for a database from before this module)."""
    from conflictmap import dialect

    if not con.execute(dialect.table_exists_query(con), [TABLE]).fetchall()[0][0]:
        return []
    return [int(v) for (v,) in con.execute(f"SELECT version FROM {TABLE} ORDER BY 1").fetchall()]


def migrate_postgres(con: Any) -> list[Migration]:
    """Apply the migrations a PostgreSQL database lacks, each in its own transaction, under an
    advisory lock (a second process waits, then finds nothing to do); what was applied."""
    done: list[Migration] = []
    if LATEST in applied(con):
        return done
    con.execute("BEGIN")
    try:
        con.execute(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
        con.execute(TABLE_SQL)
        have = set(applied(con))
        for m in MIGRATIONS:
            if m.version in have:
                continue
            con.execute(m.postgres())
            con.execute(f"INSERT INTO {TABLE} (version, name) VALUES (?, ?)", [m.version, m.name])
            done.append(m)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return done


def record_duckdb(con: Any) -> list[Migration]:
    """Record on a DuckDB file (already upgraded by its writing connection) the versions it now
    has; what was newly recorded."""
    con.execute(TABLE_SQL)
    have = set(applied(con))
    new = [m for m in MIGRATIONS if m.version not in have]
    for m in new:
        con.execute(f"INSERT INTO {TABLE} (version, name) VALUES (?, ?)", [m.version, m.name])
    return new


def ensure_postgres(url: str, connect: Callable[..., Any]) -> None:
    """Bring ``url`` to the latest version once per process (``connect``: a writing
    connection factory)."""
    with _CURRENT_LOCK:
        if url in _CURRENT:
            return
    with connect(url) as con:
        migrate_postgres(con)
    with _CURRENT_LOCK:
        _CURRENT.add(url)


def forget(url: str) -> None:
    """Check ``url`` again on its next connection (a dropped and recreated database)."""
    with _CURRENT_LOCK:
        _CURRENT.discard(url)
