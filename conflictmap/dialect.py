"""Where DuckDB's SQL and PostgreSQL's differ: the few fragments the package needs in both.

The package's SQL is written once, in what the two share; a function here gives the fragment
for the connection at hand (:mod:`conflictmap.postgres` says which parts of DuckDB's Python
API a PostgreSQL connection answers to). PostgreSQL databases also get SQL functions with
DuckDB's names for ``list_distinct`` and ``list_contains`` (see :mod:`conflictmap.migrations`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb
import psycopg

from conflictmap import postgres

# a connection of either store; functions taking one use only what both answer to (see
# conflictmap.postgres.Connection)
Connection = duckdb.DuckDBPyConnection | postgres.Connection

# a table a database from before it lacks (DuckDB); PostgreSQL databases always have them all
# (created by the migrations), so the package's "no such table yet" fallbacks never run there
MissingTable = (duckdb.CatalogException, psycopg.errors.UndefinedTable)


def is_postgres(con: object) -> bool:
    return getattr(con, "dialect", "duckdb") == "postgres"


def columns_query(con: object) -> str:
    """SQL of (column_name, type) of table ``?`` in the current database/schema, each type in
    a form ``CAST(x AS type)`` accepts."""
    if is_postgres(con):
        return (
            "SELECT column_name, CASE WHEN data_type = 'ARRAY' THEN 'VARCHAR[]' "
            "ELSE data_type END FROM information_schema.columns "
            "WHERE table_name = ? AND table_schema = current_schema() ORDER BY ordinal_position"
        )
    return (
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
        "AND database_name = current_database() ORDER BY column_index"
    )


def table_exists_query(con: object) -> str:
    """SQL counting tables or views named ``?`` in the current database/schema."""
    if is_postgres(con):
        return (
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
            "AND table_schema = current_schema()"
        )
    return (
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? "
        "AND database_name = current_database()"
    )


def view_exists_query(con: object) -> str:
    if is_postgres(con):
        return (
            "SELECT count(*) FROM information_schema.views WHERE table_name = ? "
            "AND table_schema = current_schema()"
        )
    return (
        "SELECT count(*) FROM duckdb_views() WHERE view_name = ? "
        "AND database_name = current_database()"
    )


def sha256_hex(con: object, text_sql: str) -> str:
    """SQL: the SHA-256 of a text expression, as lower-case hex."""
    if is_postgres(con):
        return f"encode(sha256(convert_to({text_sql}, 'UTF8')), 'hex')"
    return f"sha256({text_sql})"


def binary_order(con: object, column_sql: str) -> str:
    """SQL: ``column`` ordered by its bytes (DuckDB's order; PostgreSQL's default collation may
    follow a language's rules instead)."""
    if is_postgres(con):
        return f'{column_sql} COLLATE "C"'
    return column_sql


def regexp_test(con: object, text_sql: str, pattern: str) -> str:
    """SQL: whether a text expression contains a match of ``pattern`` (a literal, no quotes)."""
    quoted = "'" + pattern.replace("'", "''") + "'"
    if is_postgres(con):
        return f"({text_sql} ~ {quoted})"
    return f"regexp_matches({text_sql}, {quoted})"


def bit_word(con: object, n_sql: str) -> str:
    """SQL: the 64-bit word with bit ``n`` set (0 <= n < 64); the type of the actor index."""
    if is_postgres(con):
        return f"(1::BIGINT << ({n_sql})::INTEGER)"
    return f"(1::UBIGINT << ({n_sql})::UBIGINT)"


@contextlib.contextmanager
def scratch(con: object) -> Iterator[None]:
    """A block whose temporary tables (``register``) go away after it, on a read-only
    connection too: on PostgreSQL a read-write transaction that is rolled back (a read-only
    session refuses CREATE even of a temporary table; nothing else is written in the block);
    on DuckDB nothing (its registered DataFrames are views, not writes)."""
    if not is_postgres(con):
        yield
        return
    con.execute("BEGIN READ WRITE")  # type: ignore[attr-defined]
    try:
        yield
    finally:
        con.execute("ROLLBACK")  # type: ignore[attr-defined]
