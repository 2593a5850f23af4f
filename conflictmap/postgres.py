"""The PostgreSQL (+ PostGIS) store: for a team, many dashboard processes on one database.

Chosen by the database reference: ``--db postgresql://…`` or ``CONFLICTMAP_DB=postgresql://…``
(a path keeps the embedded DuckDB file). Several ConflictMap databases can share one PostgreSQL
database, each in its own schema: ``postgresql://host/db?options=-csearch_path%3Dnewsroom``.

**One SQL for both stores.** The package's queries are written once, in the SQL DuckDB and
PostgreSQL share (``GROUP BY 1``, ``count(*) FILTER``, ``GROUPING SETS``, ``string_agg``, arrays
of text, ``information_schema``); the few places where the two differ ask :mod:`conflictmap.
dialect`. :class:`Connection` gives a psycopg 3 connection the small part of DuckDB's Python
API the package uses — ``execute(sql, params)`` with ``?`` placeholders, ``fetchall``,
``fetchone``, ``df()``, ``register(name, frame)`` — so a store function takes either
connection. The type names DuckDB accepts and PostgreSQL does not are mapped here
(``UBIGINT`` → ``BIGINT``: the actor index's bit words are stored as signed 64-bit integers,
with the same bits; ``DOUBLE`` → ``DOUBLE PRECISION``).

**Many readers, one writer at a time, never blocked.** Each process keeps a psycopg_pool
connection pool per database (reads in read-only sessions). PostgreSQL's MVCC gives every
view a consistent snapshot: a view running while an import commits sees all of it or none of
it, and never waits for it. Imports run in one transaction, as on DuckDB.
"""

from __future__ import annotations

import atexit
import datetime as dt
import decimal
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql as pgsql
from psycopg_pool import ConnectionPool

SCHEMES = ("postgresql://", "postgres://")
MAX_U64 = (1 << 64) - 1
MAX_I64 = (1 << 63) - 1
POOL_SIZE = 8  # connections per process and database (a view uses one at a time)


def is_url(db: object) -> bool:
    """Whether a database reference names a PostgreSQL database (not a DuckDB file)."""
    return isinstance(db, str) and db.startswith(SCHEMES)


def redacted(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


# --------------------------------------------------------------------------------------------
# SQL text: DuckDB's placeholders and type names to PostgreSQL's


_TYPES = (("UBIGINT", "BIGINT"), ("DOUBLE", "DOUBLE PRECISION"))
# words that may follow a subquery in FROM when it has no alias
_AFTER_SUBQUERY = {
    "WHERE", "GROUP", "ORDER", "UNION", "LIMIT", "OFFSET", "HAVING", "WINDOW", "JOIN", "LEFT",
    "RIGHT", "INNER", "FULL", "CROSS", "ON", "EXCEPT", "INTERSECT", "USING", "NATURAL", "FETCH",
}  # fmt: skip


def translate(sql: str, *, with_params: bool) -> str:
    """``?`` → ``%s`` (and a literal ``%`` → ``%%`` when the statement has parameters), DuckDB
    type names PostgreSQL lacks → PostgreSQL's, and an alias for every subquery in ``FROM`` or
    ``JOIN`` that has none (PostgreSQL 15 requires one; DuckDB and PostgreSQL 16 do not).
    Quoted strings, identifiers and comments are left as they are."""
    out: list[str] = []
    i, n = 0, len(sql)
    word_start = -1
    last_word = ""  # the last keyword or name before the current position
    parens: list[bool] = []  # per open parenthesis: is it a subquery in FROM/JOIN?
    aliases = 0
    while i < n:
        c = sql[i]
        if c in "'\"":
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:  # doubled quote inside
                        j += 2
                        continue
                    break
                j += 1
            chunk = sql[i : j + 1]
            out.append(chunk.replace("%", "%%") if with_params and c == "'" else chunk)
            i = j + 1
            continue
        if c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j].replace("%", "%%") if with_params else sql[i:j])
            i = j
            continue
        if c.isalpha() or c == "_":
            word_start = i
            while i < n and (sql[i].isalnum() or sql[i] == "_"):
                i += 1
            word = sql[word_start:i]
            upper = word.upper()
            last_word = upper
            for duck, pg in _TYPES:
                if upper == duck and not (
                    duck == "DOUBLE" and sql[i : i + 10].upper().lstrip().startswith("PRECISION")
                ):
                    word = pg
                    break
            out.append(word)
            continue
        if c == "(":
            parens.append(last_word in ("FROM", "JOIN") and _next_word(sql, i + 1) == "SELECT")
            last_word = ""
            out.append(c)
            i += 1
            continue
        if c == ")":
            subquery = parens.pop() if parens else False
            out.append(c)
            i += 1
            following = _next_word(sql, i)
            if subquery and (following is None or following in _AFTER_SUBQUERY):
                aliases += 1
                out.append(f" AS _q{aliases}")
            last_word = ")"
            continue
        if c == "?" and with_params:
            out.append("%s")
        elif c == "%" and with_params:
            out.append("%%")
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _next_word(sql: str, i: int) -> str | None:
    """The next word (upper case) from position ``i``, skipping blanks; None at the end, at a
    closing parenthesis, a comma or a semicolon."""
    n = len(sql)
    while i < n and sql[i].isspace():
        i += 1
    if i >= n or sql[i] in "),;":
        return None
    j = i
    while j < n and (sql[j].isalnum() or sql[j] == "_"):
        j += 1
    return sql[i:j].upper() if j > i else sql[i]


def _param(value: object) -> object:
    """A Python value psycopg adapts, as DuckDB would read it (unsigned 64-bit words wrap)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value > MAX_I64:
        return value - (1 << 64) if value <= MAX_U64 else value
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (list, tuple)):
        return [_param(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------
# Results as DuckDB gives them

_INT_TYPES = {"int2": "Int16", "int4": "Int32", "int8": "Int64"}
_NUMPY_INT = {"int2": "int16", "int4": "int32", "int8": "int64"}


def frame(names: Sequence[str], type_names: Sequence[str], rows: Sequence[tuple]) -> pd.DataFrame:
    """Rows as a DataFrame with the column types DuckDB's ``.df()`` gives: integers as numpy
    integers (nullable ``Int…`` where a NULL is present), numerics and doubles as float64,
    dates and timestamps as ``datetime64[us]``, text as strings, arrays as lists."""
    columns: dict[str, Any] = {}
    for k, (name, kind) in enumerate(zip(names, type_names, strict=True)):
        values = [r[k] for r in rows]
        if kind in _INT_TYPES:
            has_null = any(v is None for v in values)
            dtype = _INT_TYPES[kind] if has_null else _NUMPY_INT[kind]
            columns[name] = pd.Series(values, dtype=dtype).array
        elif kind in ("numeric", "float4", "float8"):
            columns[name] = pd.array(
                [np.nan if v is None else float(v) for v in values], dtype="float64"
            )
        elif kind in ("date", "timestamp", "timestamptz"):
            stamps = pd.to_datetime(pd.Series(values, dtype=object), utc=kind == "timestamptz")
            if kind == "timestamptz":
                stamps = stamps.dt.tz_localize(None)
            columns[name] = stamps.astype("datetime64[us]").to_numpy()
        elif kind == "bool":
            has_null = any(v is None for v in values)
            columns[name] = pd.array(values, dtype="boolean" if has_null else "bool")
        else:
            columns[name] = pd.Series(values, dtype=object) if kind.startswith("_") else values
    out = pd.DataFrame(columns)
    if not rows:
        out = pd.DataFrame({n: pd.Series(dtype=_empty_dtype(t)) for n, t in zip(names, type_names, strict=True)})
    return out


def _empty_dtype(kind: str) -> str:
    if kind in _NUMPY_INT:
        return _NUMPY_INT[kind]
    if kind in ("numeric", "float4", "float8"):
        return "float64"
    if kind in ("date", "timestamp", "timestamptz"):
        return "datetime64[us]"
    if kind == "bool":
        return "bool"
    return "object"


# --------------------------------------------------------------------------------------------
# The connection


class Connection:
    """A psycopg connection with the part of DuckDB's connection API the package uses."""

    dialect = "postgres"

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw
        self._cur: psycopg.Cursor[Any] | None = None
        self._types: dict[int, str] = {}

    # -- statements ---------------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[object] | None = None) -> Connection:
        values = [_param(p) for p in params] if params else None
        text = translate(sql, with_params=values is not None)
        cur = self.raw.cursor()
        cur.execute(text.encode("utf-8"), values)
        self._cur = cur
        return self

    @property
    def description(self) -> list[tuple[str, ...]] | None:
        if self._cur is None or self._cur.description is None:
            return None
        return [(d.name, self._type_name(d.type_code)) for d in self._cur.description]

    def fetchall(self) -> list[tuple[Any, ...]]:
        cur = self._need()
        if cur.description is None:  # INSERT/UPDATE/DELETE: DuckDB returns the row count
            return [(max(cur.rowcount, 0),)]
        return [tuple(_value(v) for v in row) for row in cur.fetchall()]

    def fetchone(self) -> tuple[Any, ...] | None:
        cur = self._need()
        if cur.description is None:
            return (max(cur.rowcount, 0),)
        row = cur.fetchone()
        return None if row is None else tuple(_value(v) for v in row)

    def df(self) -> pd.DataFrame:
        cur = self._need()
        if cur.description is None:
            return pd.DataFrame({"Count": [max(cur.rowcount, 0)]})
        names = [d.name for d in cur.description]
        kinds = [self._type_name(d.type_code) for d in cur.description]
        return frame(names, kinds, cur.fetchall())

    def fetchnumpy(self) -> dict[str, np.ndarray]:
        table = self.df()
        return {c: table[c].to_numpy() for c in table.columns}

    def _need(self) -> psycopg.Cursor[Any]:
        if self._cur is None:
            raise RuntimeError("no statement was executed")
        return self._cur

    def _type_name(self, oid: int) -> str:
        if oid not in self._types:
            info = self.raw.adapters.types.get(oid)
            if info is not None and oid == info.array_oid:
                self._types[oid] = "_" + info.name
            elif info is None:
                row = self.raw.execute(
                    "SELECT typname FROM pg_type WHERE oid = %s", [oid]
                ).fetchone()
                self._types[oid] = row[0] if row else "unknown"
            else:
                self._types[oid] = info.name
        return self._types[oid]

    # -- DataFrames as tables (DuckDB's register) ---------------------------------------------

    def register(self, name: str, data: pd.DataFrame | Any) -> Connection:
        """A temporary table ``name`` holding ``data`` (a DataFrame or an Arrow table), for the
        rest of this session or until :meth:`unregister`."""
        if not isinstance(data, pd.DataFrame):
            data = data.to_pandas()
        frame = data
        types = {c: _pg_type(frame[c]) for c in frame.columns}

        def create() -> None:
            self.raw.execute(pgsql.SQL("DROP TABLE IF EXISTS {}").format(pgsql.Identifier(name)))
            self.raw.execute(
                pgsql.SQL("CREATE TEMPORARY TABLE {} ({})").format(
                    pgsql.Identifier(name),
                    pgsql.SQL(", ").join(
                        pgsql.SQL("{} {}").format(pgsql.Identifier(str(c)), pgsql.SQL(t))
                        for c, t in types.items()
                    ),
                )
            )
            copy_rows(
                self.raw, name, list(frame.columns), frame.itertuples(index=False, name=None)
            )

        self._session_scratch(create)
        return self

    def unregister(self, name: str) -> Connection:
        self._session_scratch(
            lambda: self.raw.execute(
                pgsql.SQL("DROP TABLE IF EXISTS {}").format(pgsql.Identifier(name))
            )
        )
        return self

    def _session_scratch(self, work: Callable[[], object]) -> None:
        """Run ``work`` (creating or dropping this session's temporary tables). A connection of
        the read pool opens every transaction read-only, where PostgreSQL refuses even CREATE
        TEMPORARY TABLE; outside a transaction the work gets its own READ WRITE transaction,
        which can only touch this session's temporary tables because nothing else runs in it."""
        if self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            work()  # inside the caller's transaction (read-write: the write pool)
            return
        self.raw.execute("BEGIN READ WRITE")
        try:
            work()
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise
        self.raw.execute("COMMIT")

    # -- the rest -----------------------------------------------------------------------------

    @contextmanager
    def cursor(self) -> Iterator[Connection]:
        """Another statement handle on the same session (DuckDB's cursor is a second connection
        of the same database; the package only uses it for work that PostgreSQL does in the
        session itself)."""
        yield Connection(self.raw)

    def close(self) -> None:
        self._cur = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _value(v: object) -> object:
    if isinstance(v, decimal.Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def _pg_type(column: pd.Series) -> str:
    kind = column.dtype
    if pd.api.types.is_bool_dtype(kind):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(kind):
        return "BIGINT"
    if pd.api.types.is_float_dtype(kind):
        return "DOUBLE PRECISION"
    if pd.api.types.is_datetime64_any_dtype(kind):
        return "TIMESTAMP"
    for v in column:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        if isinstance(v, (list, tuple, np.ndarray)):
            return "TEXT[]"
        if isinstance(v, bool):
            return "BOOLEAN"
        if isinstance(v, (int, np.integer)):
            return "BIGINT"
        if isinstance(v, float):
            return "DOUBLE PRECISION"
        if isinstance(v, dt.datetime):
            return "TIMESTAMP"
        if isinstance(v, dt.date):
            return "DATE"
        return "TEXT"
    return "TEXT"


def copy_rows(
    raw: psycopg.Connection[Any], table: str, columns: Sequence[str], rows: Any
) -> int:
    """COPY rows (tuples in ``columns`` order) into ``table``; how many."""
    n = 0
    statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
        pgsql.Identifier(table), pgsql.SQL(", ").join(pgsql.Identifier(str(c)) for c in columns)
    )
    with raw.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            copy.write_row([_copy_value(v) for v in row])
            n += 1
    return n


def _copy_value(v: object) -> object:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, np.ndarray):
        return [_copy_value(x) for x in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [_copy_value(x) for x in v]
    return _param(v)


# --------------------------------------------------------------------------------------------
# Pools: one per database and access mode, per process


_POOLS: dict[tuple[str, bool], ConnectionPool[Any]] = {}
_POOLS_LOCK = threading.Lock()


def _configure(raw: psycopg.Connection[Any]) -> None:
    raw.execute("SET TIME ZONE 'UTC'")


def pool(url: str, *, read_only: bool) -> ConnectionPool[Any]:
    key = (url, read_only)
    with _POOLS_LOCK:
        found = _POOLS.get(key)
        if found is None:
            kwargs: dict[str, Any] = {"autocommit": True}
            if read_only:  # added to the URL's own options (a search_path, say)
                given = psycopg.conninfo.conninfo_to_dict(url).get("options") or ""
                kwargs["options"] = f"{given} -c default_transaction_read_only=on".strip()
            found = ConnectionPool(
                url,
                min_size=0,
                max_size=POOL_SIZE,
                kwargs=kwargs,
                configure=_configure,
                open=True,
                name=f"conflictmap-{'read' if read_only else 'write'}",
            )
            _POOLS[key] = found
        return found


def close_pools() -> None:
    with _POOLS_LOCK:
        for p in _POOLS.values():
            p.close()
        _POOLS.clear()


atexit.register(close_pools)


@contextmanager
def connect(url: str, *, read_only: bool = False) -> Iterator[Connection]:
    """A connection of the process's pool for ``url`` (returned to it afterwards; an
    unfinished transaction is rolled back)."""
    with pool(url, read_only=read_only).connection() as raw:
        con = Connection(raw)
        try:
            yield con
        finally:
            if raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                raw.rollback()
