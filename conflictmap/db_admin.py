"""``conflictmap db init|migrate|status|copy``: create, upgrade and move a whole database.

``copy`` moves everything a ConflictMap database holds (incidents with their actor index, actor
numbers, territory claims, hand mappings, annotations, layouts, the import log, users, the audit
trail, source terms and the trash) from one store to the other — a DuckDB file to a team's
PostgreSQL, or back — in one transaction on the target, and checks the result: the same rows in
every table and the same content hash of the incidents (:func:`conflictmap.queries.
content_hash`) on both sides. The target must be empty (a new file or a new schema).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from conflictmap import (
    audit,
    dialect,
    migrations,
    postgis,
    postgres,
    queries,
    source_terms,
    store,
    trash,
    users,
    watchlists,
)
from conflictmap.filters import Filters

# every table, parents before the tables that refer to them; views (incident_actors) are not
# copied: the target has its own
TABLES = (
    "incidents", "actor_ids", "territory_claims", "actor_mappings", "annotations", "layouts",
    "imports", "users", "audit_log", "dataset_terms", "deleted_incidents", "event_matches",
    "match_decisions", "watchlists",
)  # fmt: skip
SEQUENCES = {"claim_seq": ("territory_claims", "claim_id"),
             "annotation_seq": ("annotations", "annotation_id"),
             "audit_seq": ("audit_log", "audit_id")}  # fmt: skip
MASK64 = (1 << 64) - 1


class CopyError(ValueError):
    """The copy cannot start (target not empty, same database); the message says why."""


@dataclass(frozen=True)
class Status:
    database: str
    backend: str  # "duckdb" | "postgresql"
    version: int  # the latest migration applied
    applied: list[int]
    incidents: int
    postgis: str | None = None  # PostGIS's version when the store uses it (conflictmap.postgis)

    def as_json(self) -> dict[str, object]:
        return {
            "database": self.database,
            "backend": self.backend,
            "schema_version": self.version,
            "migrations_applied": self.applied,
            "latest": migrations.LATEST,
            "incidents": self.incidents,
            "postgis": self.postgis,
        }


def status(db: store.Db = None) -> Status:
    with store.connect(db, read_only=True) as con:
        applied = migrations.applied(con)
        n = store.count_incidents(con)
        spatial = postgis.version(con)
    return Status(
        database=store.describe(db),
        backend="postgresql" if store.is_postgres(db) else "duckdb",
        version=max(applied, default=0),
        applied=applied,
        incidents=n,
        postgis=spatial,
    )


def migrate(db: store.Db = None) -> tuple[list[int], Status]:
    """Bring the database to the latest schema (creating it when new); the versions applied
    now, and its status after."""
    before: list[int] = []
    ref = store.resolve_db(db)
    if isinstance(ref, str):
        with postgres.connect(ref) as con:
            before = migrations.applied(con)
            migrations.migrate_postgres(con)
    else:
        if ref.exists():
            with store.connect(db, read_only=True) as con:
                before = migrations.applied(con)
        with store.connect(db):
            pass  # a writing connection creates the schema and upgrades an older file
    after = status(db)
    return [v for v in after.applied if v not in before], after


@dataclass
class CopyResult:
    source: str
    target: str
    rows: dict[str, int] = field(default_factory=dict)
    content_hash: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "from": self.source,
            "to": self.target,
            "rows": self.rows,
            "incidents": self.rows.get("incidents", 0),
            "content_hash": self.content_hash,
            "verified": True,
        }


def _tables(con: dialect.Connection) -> list[str]:
    return [t for t in TABLES if con.execute(dialect.table_exists_query(con), [t]).fetchall()[0][0]]


def _for_target(frame: pd.DataFrame, target: dialect.Connection) -> pd.DataFrame:
    """The actor index's 64-bit words as the target stores them (DuckDB UBIGINT, PostgreSQL
    BIGINT: the same bits)."""
    out = frame.copy()
    for c in out.columns:
        if len(out) and out[c].isna().all():
            out[c] = out[c].astype("string")  # DuckDB reads an all-None column as type NULL
        if not str(c).startswith("actor_bits"):
            continue
        words = [int(v) & MASK64 for v in out[c].fillna(0)]
        if dialect.is_postgres(target):
            out[c] = pd.Series([w - (1 << 64) if w >> 63 else w for w in words], dtype="int64")
        else:
            out[c] = pd.Series(words, dtype="uint64")
    return out


def copy(source: store.Db, target: store.Db) -> CopyResult:
    """Copy the whole database ``source`` into the empty database ``target``."""
    if store.describe(source) == store.describe(target):
        raise CopyError("--from and --to name the same database")
    result = CopyResult(store.describe(source), store.describe(target))
    with store.connect(source, read_only=True) as src:
        tables = _tables(src)
        frames = {t: src.execute(f"SELECT * FROM {t}").df() for t in tables}
        source_hash = queries.content_hash(src, Filters())
    with store.connect(target) as dst:
        for t in ("incidents", "territory_claims", "users", "audit_log"):
            present = dst.execute(dialect.table_exists_query(dst), [t]).fetchall()[0][0]
            if present and dst.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]:
                raise CopyError(
                    f"{result.target} is not empty (table {t} has rows): copy into a new "
                    "database file or a new PostgreSQL database or schema"
                )
        with store.transaction(dst):
            for schema in (users.SCHEMA, audit.SCHEMA, source_terms.SCHEMA):
                dst.execute(schema)  # tables a new DuckDB file creates on first use
            for t in tables:
                frame = _for_target(frames[t], dst)
                _ensure_table(dst, t, frame)
                types = store._column_types(dst, t)
                columns = [c for c in frame.columns if c in types]
                if not len(frame):
                    result.rows[t] = 0
                    continue
                dst.register("copy_source", _relation(frame[columns], types, dst))
                select = ", ".join(f'CAST("{c}" AS {types[c]})' for c in columns)
                names = ", ".join(f'"{c}"' for c in columns)
                dst.execute(f"INSERT INTO {t} ({names}) SELECT {select} FROM copy_source").fetchall()
                dst.unregister("copy_source")  # (on failure the transaction goes, and it with it)
                result.rows[t] = len(frame)
            _advance_sequences(dst)
            for t in tables:
                (n,) = dst.execute(f"SELECT count(*) FROM {t}").fetchall()[0]
                if int(n) != len(frames[t]):
                    raise CopyError(f"{t}: {len(frames[t])} rows read, {n} written")
            target_hash = queries.content_hash(dst, Filters())
            if target_hash != source_hash:
                raise CopyError("the incidents differ after the copy (content hash); nothing was copied")
    result.content_hash = source_hash
    return result


def _relation(frame: pd.DataFrame, types: dict[str, str], target: dialect.Connection) -> object:
    """What the target reads the rows from. For DuckDB, an Arrow table whose list columns say
    they hold text: DuckDB infers a pandas column's type from its first rows, and a column of
    empty lists would be read as NULL[]."""
    if dialect.is_postgres(target):
        return frame
    lists = [c for c in frame.columns if types[c].endswith("[]")]
    table = pa.Table.from_pandas(frame.drop(columns=lists), preserve_index=False)
    for c in lists:
        values = [None if v is None else [str(x) for x in v] for v in frame[c]]
        table = table.append_column(c, pa.array(values, type=pa.list_(pa.string())))
    return table


def _ensure_table(con: dialect.Connection, table: str, frame: pd.DataFrame) -> None:
    """Tables a new database lacks until first used (the trash; the actor index's extra words)."""
    types = store._column_types(con, table)
    if table == "incidents":
        for c in frame.columns:
            if str(c).startswith("actor_bits_") and c not in types:
                con.execute(f"ALTER TABLE incidents ADD COLUMN {c} UBIGINT DEFAULT 0")
    elif table == "deleted_incidents":
        trash._ensure(con)
    elif table == "watchlists":
        con.execute(watchlists.SCHEMA)


def _advance_sequences(con: dialect.Connection) -> None:
    """Sequences past the copied ids, so the next claim, annotation or audit row gets a new one."""
    for seq, (table, column) in SEQUENCES.items():
        (top,) = con.execute(f"SELECT coalesce(max({column}), 0) FROM {table}").fetchall()[0]
        if not top:
            continue
        if dialect.is_postgres(con):
            con.execute(f"SELECT setval('{seq}', ?)", [int(top)]).fetchall()
        else:  # DuckDB has no setval: draw the numbers the copied rows use
            con.execute(f"SELECT max(nextval('{seq}')) FROM range(?)", [int(top)]).fetchall()
