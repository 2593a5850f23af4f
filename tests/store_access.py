"""Reading a test's database on either backend (``--backend postgresql`` maps each database
path to a PostgreSQL schema, see conftest.py): the tests read through the store, not a DuckDB
file."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

import duckdb
import psycopg

from conflictmap import dialect, store

# what a failed statement raises on either backend
DB_ERRORS = (duckdb.Error, psycopg.Error)


def exists(db: Path) -> bool:
    """Whether the test's database was created (a PostgreSQL schema is there once named)."""
    return store.is_postgres(db) or Path(db).exists()


def read(db: Path) -> AbstractContextManager[dialect.Connection]:
    """A read-only connection of the test's database."""
    return store.connect(db, read_only=True)


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with read(db) as con:
        return con.execute(sql, params or []).fetchall()
