"""The incident database: an embedded DuckDB file by default, PostgreSQL for a team.

Resolution: an explicit ``--db`` (a path or a ``postgresql://`` URL), else ``CONFLICTMAP_DB``,
else the default of :mod:`conflictmap.settings` (``data/conflictmap.duckdb`` in a source
checkout, the user data folder for an installed package). A URL selects the PostgreSQL store
(:mod:`conflictmap.postgres`); the functions here take a connection of either. Every import is
one transaction; incidents already stored (same ``incident_id``) are skipped and counted as
duplicates.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from conflictmap import actor_relation, dialect, matching, migrations, postgres, settings
from conflictmap.schema import RECORD_COLUMNS
from conflictmap.shared_reader import (
    SHARED,
    StoreBusyError,  # noqa: F401 - callers catch store.StoreBusyError
    file_stamp,
    open_file,
)

ENV_DB = settings.ENV_DB
ENV_MEMORY = settings.ENV_DB_MEMORY
DEFAULT_MEMORY_LIMIT = settings.DEFAULT_DB_MEMORY  # see settings.py

INCIDENTS_TABLE = """
CREATE TABLE IF NOT EXISTS {table} (
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
    fatalities_low INTEGER CHECK (fatalities_low >= 0),  -- a source's own range (UCDP low/high)
    fatalities_high INTEGER CHECK (fatalities_high >= 0),
    victims INTEGER CHECK (victims >= 0),  -- people a source counts as victims (CNMH, Policía)
    latitude DOUBLE,
    longitude DOUBLE,
    -- 1 point, 2 municipality, 3 department only, 4 country or region only (see schema.py)
    geo_precision SMALLINT NOT NULL CHECK (geo_precision BETWEEN 1 AND 4),
    dept_code VARCHAR,  -- NULL only at precision 4 when the source names no department
    muni_code VARCHAR,
    place_note VARCHAR,  -- how the place was decided when not by the point: snapped, by name
    location VARCHAR,
    notes VARCHAR,
    source VARCHAR NOT NULL,
    source_url VARCHAR,
    dataset VARCHAR NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    original VARCHAR,
    -- the actor index (names 0-63; actor_bits_1, _2 … are added for more): actor_relation.py
    actor_bits UBIGINT NOT NULL DEFAULT 0
);
"""

SCHEMA = INCIDENTS_TABLE.format(table="incidents") + """
CREATE SEQUENCE IF NOT EXISTS claim_seq;
CREATE TABLE IF NOT EXISTS territory_claims (
    claim_id BIGINT PRIMARY KEY DEFAULT nextval('claim_seq'),
    group_name VARCHAR NOT NULL,
    group_raw VARCHAR,
    muni_code VARCHAR NOT NULL,
    dept_code VARCHAR NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE,
    level VARCHAR NOT NULL CHECK (level IN ('recurrent', 'occasional', 'transit')),
    source VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    original VARCHAR,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
-- an analyst's decision that an actor name the registry does not know names a registry group
-- or class (actor_mappings.py): applied to stored incidents and to every later import
CREATE TABLE IF NOT EXISTS actor_mappings (
    name_key VARCHAR PRIMARY KEY,
    written VARCHAR NOT NULL,
    target VARCHAR NOT NULL,
    mapped_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE SEQUENCE IF NOT EXISTS annotation_seq;
CREATE TABLE IF NOT EXISTS annotations (
    annotation_id BIGINT PRIMARY KEY DEFAULT nextval('annotation_seq'),
    day DATE NOT NULL,
    label VARCHAR NOT NULL CHECK (length(trim(label)) > 0),
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS layouts (
    -- saved column layouts for spreadsheets (layout_store.py); spec is the layout as TOML
    name VARCHAR PRIMARY KEY,
    fingerprint VARCHAR,
    spec VARCHAR NOT NULL,
    saved_at TIMESTAMP NOT NULL
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


Db = str | os.PathLike[str] | None
Connection = dialect.Connection


SCHEMA += matching.SCHEMA  # cross-source event groups and decisions (conflictmap/matching.py)


def resolve_db(explicit: Db = None) -> str | Path:
    """The database in use: a PostgreSQL URL (str) or a DuckDB file (Path)."""
    ref = explicit if explicit else settings.get().db
    if postgres.is_url(ref):
        return str(ref)
    return Path(ref)


def is_postgres(db: Db = None) -> bool:
    return isinstance(resolve_db(db), str)


def resolve_db_path(explicit: Db = None) -> Path:
    """The DuckDB file in use; for a PostgreSQL database, a folder-less name in the data folder
    (where files that belong beside the database, such as rejected rows, go)."""
    ref = resolve_db(explicit)
    if isinstance(ref, str):
        return settings.get().data_dir / "postgresql.db"
    return ref


def describe(db: Db = None) -> str:
    """The database for messages: the file, or the URL without its password."""
    ref = resolve_db(db)
    return postgres.redacted(ref) if isinstance(ref, str) else str(ref)


def _settings(con: duckdb.DuckDBPyConnection) -> None:
    """Per-instance settings, applied after connecting rather than as connect() options: DuckDB
    lets connections of one process share an instance only when their options are equal."""
    con.execute("SET memory_limit = ?", [settings.get().db_memory])
    con.execute("SET enable_progress_bar = false")


@contextmanager
def connect(
    db: str | os.PathLike[str] | None = None, *, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the database (creating it and its schema when writing); always closed after use.

    Reading connections are cursors of the process's shared read-only instance
    (:mod:`conflictmap.shared_reader`): no open cost and warm buffers from one view to the next,
    and always the last committed data.
    """
    ref = resolve_db(db)
    if isinstance(ref, str):
        with _connect_postgres(ref, read_only=read_only) as pg:
            yield pg  # type: ignore[misc]
        return
    path = ref.resolve()
    if read_only and path.exists():
        with SHARED.cursor(path, _settings) as con:
            yield con
        return
    if read_only:
        # an empty, schema-only database in memory: reading a missing file shows nothing
        con = duckdb.connect(":memory:")
        _settings(con)
        con.execute(SCHEMA)
        con.execute(actor_relation.SCHEMA)
        con.execute(actor_relation.VIEW_SQL)
        try:
            yield con
        finally:
            con.close()
        return
    if settings.get().read_only:  # a public deployment: see conflictmap/permissions.py
        raise PermissionError(
            f"this ConflictMap is read-only ({settings.ENV_READ_ONLY}): nothing can be written"
        )
    with SHARED.writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        con = open_file(path, read_only=False)
        try:
            _settings(con)
            con.execute(SCHEMA)
            _upgrade(con)
            yield con
        finally:
            con.close()


@contextmanager
def _connect_postgres(url: str, *, read_only: bool) -> Iterator[postgres.Connection]:
    if not read_only and settings.get().read_only:
        raise PermissionError(
            f"this ConflictMap is read-only ({settings.ENV_READ_ONLY}): nothing can be written"
        )
    migrations.ensure_postgres(url, postgres.connect)
    with postgres.connect(url, read_only=read_only) as con:
        yield con
        if not read_only:  # views' caches key on the generation (see version())
            con.execute("UPDATE store_generation SET n = n + 1").fetchall()


def _upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a database written by an older version up to date (on any writing connection)."""
    if not _has_column(con, "place_note"):
        _rebuild_incidents(con)
    if not _has_column(con, "victims"):  # added with column-mapped imports (issue 21)
        con.execute("ALTER TABLE incidents ADD COLUMN IF NOT EXISTS victims INTEGER")
    if not actor_relation.is_current(con):
        with transaction(con):
            actor_relation.upgrade(con)
    if migrations.LATEST not in migrations.applied(con):
        migrations.record_duckdb(con)


def _is_current(con: Connection) -> bool:
    return (
        _has_column(con, "place_note")
        and _has_column(con, "victims")
        and actor_relation.is_current(con)
        and migrations.LATEST in migrations.applied(con)
    )


def _has_column(con: Connection, column: str) -> bool:
    return column in _column_types(con)


def _rebuild_incidents(con: duckdb.DuckDBPyConnection) -> None:
    """Incidents of a version before place precision 4 (no place_note, fatality range, and a
    CHECK on precision 1–3 that DuckDB cannot drop in place): copy them into today's table."""
    with transaction(con):
        con.execute(INCIDENTS_TABLE.format(table="incidents_upgraded"))
        con.execute("INSERT INTO incidents_upgraded BY NAME SELECT * FROM incidents")
        con.execute("DROP TABLE incidents")
        con.execute("ALTER TABLE incidents_upgraded RENAME TO incidents")


# Record columns added after the first release: records built without them (older callers)
# store NULL there.
OPTIONAL_COLUMNS = ("victims",)


def _with_optional(records: pd.DataFrame) -> pd.DataFrame:
    absent = [c for c in OPTIONAL_COLUMNS if c not in records.columns]
    return records.assign(**{c: None for c in absent}) if absent else records


@dataclass(frozen=True)
class InsertResult:
    inserted: int
    duplicates: int


@contextmanager
def transaction(con: Connection) -> Iterator[Connection]:
    """All or nothing: commit when the block ends normally, roll back on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def insert_batch(con: Connection, records: pd.DataFrame) -> InsertResult:
    """Insert records whose incident_id is not stored yet (nor earlier in the batch).

    Runs inside the caller's transaction; ids inserted by earlier batches of the same
    transaction count as duplicates too.
    """
    records = _with_optional(records)
    missing = [c for c in RECORD_COLUMNS if c not in records.columns]
    if missing:
        raise ValueError(f"records lack columns: {', '.join(missing)}")
    if records.empty:
        return InsertResult(0, 0)
    batch = records.loc[:, list(RECORD_COLUMNS)]
    unique = batch.drop_duplicates("incident_id", keep="first")
    within = len(batch) - len(unique)
    con.register("incoming", unique)
    try:
        inserted = _insert_new(con, "incoming", _column_types(con))
    finally:
        con.unregister("incoming")
    return InsertResult(inserted=inserted, duplicates=within + (len(unique) - inserted))


def _column_types(con: Connection, table: str = "incidents") -> dict[str, str]:
    """column -> type (as ``CAST`` takes it) of a table of the database."""
    return dict(con.execute(dialect.columns_query(con), [table]).fetchall())


def _insert_new(con: Connection, relation: str, types: dict[str, str]) -> int:
    """Insert the records of ``relation`` (unique ids, the record columns) whose id is not
    stored yet, with their actors' index (:mod:`conflictmap.actor_relation`); how many."""
    typed = ", ".join(f'CAST("{c}" AS {types[c]}) AS "{c}"' for c in RECORD_COLUMNS)
    new = (
        f"(SELECT {typed} FROM {relation} "
        "WHERE incident_id NOT IN (SELECT incident_id FROM incidents))"
    )
    sql, columns = actor_relation.insert_source(con, new, RECORD_COLUMNS)
    names = ", ".join(columns)
    # fetchall: DuckDB keeps an unfinished result open until it is consumed
    return int(con.execute(f"INSERT INTO incidents ({names}) {sql}").fetchall()[0][0])


def insert_records(con: Connection, relation: str) -> int:
    """Insert the records of ``relation`` (a table with the record columns and unique ids) whose
    id is not stored yet, with their actors' index; how many (restoring a deleted dataset,
    :mod:`conflictmap.trash`). Runs inside the caller's transaction."""
    return _insert_new(con, relation, _column_types(con))


class Stage:
    """An import's records, staged chunk by chunk as Parquet files, then inserted in one statement.

    Use inside the import's transaction. Inserting many small batches keeps every uncommitted
    row in DuckDB's memory until the commit (3.4 GB for a million ACLED rows); one
    ``INSERT … SELECT FROM read_parquet`` lets DuckDB write row groups to the database file as
    it goes (about 1.5 GB at 1M, same wall time). The import stays all or nothing: the files
    are only read by that insert, inside the transaction, and the folder is removed in any case.

    Duplicates follow :func:`insert_batch`: the first record of an id wins, within the file and
    against what is stored.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, folder: str | os.PathLike[str]) -> None:
        self._con = con
        self._folder = Path(folder)
        self._files: list[Path] = []
        self._seen: set[str] = set()
        self._types = _column_types(con)
        self.staged = 0
        self.repeated = 0  # records whose id came earlier in the same import
        self.repeated_fatalities = 0
        self.repeated_victims = 0

    def add(self, records: pd.DataFrame) -> None:
        records = _with_optional(records)
        missing = [c for c in RECORD_COLUMNS if c not in records.columns]
        if missing:
            raise ValueError(f"records lack columns: {', '.join(missing)}")
        if records.empty:
            return
        batch = records.loc[:, list(RECORD_COLUMNS)]
        ids = batch["incident_id"].to_numpy(dtype=object)
        # set lookups, not Series.isin(self._seen): isin copies the growing set on every chunk
        seen = self._seen
        keep = ~batch["incident_id"].duplicated(keep="first").to_numpy() & np.fromiter(
            (i not in seen for i in ids), dtype=bool, count=len(ids)
        )
        unique = batch[keep]
        self.repeated += len(batch) - len(unique)
        self.repeated_fatalities += int(batch.loc[~keep, "fatalities"].fillna(0).sum())
        self.repeated_victims += int(batch.loc[~keep, "victims"].fillna(0).sum())
        seen.update(ids[keep])
        if unique.empty:
            return
        path = self._folder / f"chunk-{len(self._files):05d}.parquet"
        select = ", ".join(f'CAST("{c}" AS {self._types[c]}) AS "{c}"' for c in RECORD_COLUMNS)
        # written through a cursor of its own (outside the import's transaction): a DataFrame
        # registered inside a transaction stays referenced by DuckDB's catalog until the commit,
        # which kept every chunk in memory (2.5 GB at 1M rows)
        # the associated actors as an Arrow list of strings: DuckDB infers a pandas column's type
        # from its first rows, and a chunk whose first rows have none (an empty list) would be
        # read as NULL[] and fail on the first name further down
        table = pa.Table.from_pandas(unique.drop(columns=["assoc_actors"]), preserve_index=False)
        table = table.append_column(
            "assoc_actors",
            pa.array(unique["assoc_actors"].tolist(), type=pa.list_(pa.string())),
        )
        with self._con.cursor() as writer:
            writer.register("staged_chunk", table)
            try:
                writer.execute(
                    f"COPY (SELECT {select} FROM staged_chunk) TO '{_sql_path(path)}' "
                    "(FORMAT parquet)"
                )
            finally:
                writer.unregister("staged_chunk")
        self._files.append(path)
        self.staged += len(unique)

    def outcomes(self) -> pd.DataFrame:
        """What :meth:`insert` will do, by place precision and placement (call before it): see
        :func:`outcomes`; records repeated within the import are counted apart (``repeated``)."""
        if not self._files:
            return outcomes(self._con, None)
        files = ", ".join(f"'{_sql_path(p)}'" for p in self._files)
        return outcomes(self._con, f"read_parquet([{files}])")

    def insert(self) -> InsertResult:
        """Insert every staged record whose id is not stored yet, with its actors' index (the
        actors' names are numbered in the same transaction); the folder is then emptied."""
        if not self._files:
            return InsertResult(0, self.repeated)
        files = ", ".join(f"'{_sql_path(p)}'" for p in self._files)
        inserted = _insert_new(self._con, f"read_parquet([{files}])", self._types)
        for p in self._files:
            p.unlink(missing_ok=True)
        self._files = []
        return InsertResult(int(inserted), self.repeated + (self.staged - int(inserted)))


def outcomes(con: Connection, relation: str | None) -> pd.DataFrame:
    """Records of ``relation`` (a table expression with the record columns) grouped by whether
    they are already stored (``duplicate``; later repeats of an id in ``relation`` too), their
    ``geo_precision`` and ``placement`` (the first word of ``place_note``: snapped, placed,
    unplaced, or '' when the point decided), with ``incidents``, ``fatalities`` and ``victims``."""
    columns = ["duplicate", "geo_precision", "placement", "incidents", "fatalities", "victims"]
    if relation is None:
        return pd.DataFrame(columns=columns)
    return con.execute(
        f"""SELECT duplicate, geo_precision, placement, count(*) AS incidents,
                   coalesce(sum(fatalities), 0)::BIGINT AS fatalities,
                   coalesce(sum(victims), 0)::BIGINT AS victims
            FROM (SELECT incident_id IN (SELECT incident_id FROM incidents)
                         OR row_number() OVER (PARTITION BY incident_id) > 1 AS duplicate,
                         geo_precision, coalesce(split_part(place_note, ':', 1), '') AS placement,
                         fatalities, victims
                  FROM {relation}) records
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""
    ).df()[columns]


class PostgresStage:
    """:class:`Stage` for PostgreSQL: chunks are copied (COPY) into a temporary table of the
    import's session, inside its transaction, then inserted in one statement. Same counting of
    repeated ids."""

    TABLE = "import_stage"

    def __init__(self, con: postgres.Connection) -> None:
        self._con = con
        self._seen: set[str] = set()
        self.staged = 0
        self.repeated = 0
        self.repeated_fatalities = 0
        self.repeated_victims = 0
        self._types = _column_types(con)
        con.execute(f"DROP TABLE IF EXISTS {self.TABLE}")
        typed = ", ".join(f'"{c}" {self._types[c]}' for c in RECORD_COLUMNS)
        con.execute(f"CREATE TEMPORARY TABLE {self.TABLE} ({typed})")

    def add(self, records: pd.DataFrame) -> None:
        records = _with_optional(records)
        missing = [c for c in RECORD_COLUMNS if c not in records.columns]
        if missing:
            raise ValueError(f"records lack columns: {', '.join(missing)}")
        if records.empty:
            return
        batch = records.loc[:, list(RECORD_COLUMNS)]
        ids = batch["incident_id"].to_numpy(dtype=object)
        seen = self._seen
        keep = ~batch["incident_id"].duplicated(keep="first").to_numpy() & np.fromiter(
            (i not in seen for i in ids), dtype=bool, count=len(ids)
        )
        unique = batch[keep]
        self.repeated += len(batch) - len(unique)
        self.repeated_fatalities += int(batch.loc[~keep, "fatalities"].fillna(0).sum())
        self.repeated_victims += int(batch.loc[~keep, "victims"].fillna(0).sum())
        seen.update(ids[keep])
        if unique.empty:
            return
        postgres.copy_rows(
            self._con.raw,
            self.TABLE,
            list(RECORD_COLUMNS),
            unique.astype(object).where(unique.notna(), None).itertuples(index=False, name=None),
        )
        self.staged += len(unique)

    def outcomes(self) -> pd.DataFrame:
        return outcomes(self._con, self.TABLE)

    def insert(self) -> InsertResult:
        if not self.staged:
            return InsertResult(0, self.repeated)
        inserted = _insert_new(self._con, self.TABLE, self._types)
        self._con.execute(f"TRUNCATE {self.TABLE}")
        return InsertResult(int(inserted), self.repeated + (self.staged - int(inserted)))


@contextmanager
def stage(con: Connection, db: Db) -> Iterator[Stage | PostgresStage]:
    """A :class:`Stage` in a temporary folder beside the database (same disk, removed after);
    on PostgreSQL, a :class:`PostgresStage`."""
    if isinstance(con, postgres.Connection):
        try:
            yield PostgresStage(con)
        finally:
            if con.raw.info.transaction_status == postgres.psycopg.pq.TransactionStatus.IDLE:
                con.execute(f"DROP TABLE IF EXISTS {PostgresStage.TABLE}")
        return
    parent = resolve_db_path(db).resolve().parent
    with tempfile.TemporaryDirectory(prefix=".import-", dir=parent) as folder:
        yield Stage(con, folder)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def log_import(con: Connection, log: dict[str, object]) -> None:
    con.execute(
        "INSERT INTO imports VALUES (current_timestamp, ?, ?, ?, ?, ?, ?, ?)",
        [
            log.get("dataset"),
            log.get("file"),
            log.get("format"),
            log.get("read"),
            log.get("inserted"),
            log.get("duplicates"),
            log.get("rejected"),
        ],
    ).fetchall()


def delete_dataset(con: Connection, dataset: str) -> int:
    """Delete every incident of a dataset (one transaction); return how many were deleted.
    Their actors go with them: the relation ``incident_actors`` is a view of the incidents."""
    with transaction(con):
        n = con.execute("DELETE FROM incidents WHERE dataset = ?", [dataset]).fetchall()[0][0]
    return int(n)


def unknown_actors(con: Connection, known: set[str]) -> pd.DataFrame:
    """Actor names stored verbatim (not in the registry), in any role, with their incident
    counts."""
    frame = actor_relation.counts(con)
    return frame[~frame["actor"].isin(known)].reset_index(drop=True)


def existing_ids(con: Connection, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    frame = pd.DataFrame({"incident_id": ids})
    con.register("probe_ids", frame)
    try:
        rows = con.execute(
            "SELECT incident_id FROM incidents "
            "WHERE incident_id IN (SELECT incident_id FROM probe_ids)"
        ).fetchall()
    finally:
        con.unregister("probe_ids")
    return {r[0] for r in rows}


def count_incidents(con: Connection) -> int:
    return int(con.execute("SELECT count(*) FROM incidents").fetchall()[0][0])


def datasets(con: Connection) -> pd.DataFrame:
    """One row per dataset: name, incidents, first and last event date."""
    return con.execute(
        "SELECT dataset, count(*) AS incidents, min(event_date) AS first_date, "
        "max(event_date) AS last_date FROM incidents GROUP BY dataset ORDER BY dataset"
    ).df()


def ensure_current(db: str | os.PathLike[str] | None = None) -> None:
    """Upgrade a database written by an older version before views read it (they read through a
    read-only instance, which cannot upgrade); a no-op check for a current one."""
    ref = resolve_db(db)
    if isinstance(ref, str):
        migrations.ensure_postgres(ref, postgres.connect)
        return
    path = ref
    if not path.exists():
        return
    with connect(db, read_only=True) as con:
        current = _is_current(con)
    if not current and not settings.get().read_only:  # read-only: read as it is
        with connect(db):
            pass  # a writing connection upgrades (see _upgrade)


def version(db: str | os.PathLike[str] | None = None) -> str:
    """A token that changes whenever the database changes (for UI caches): the file's stamp, or
    PostgreSQL's write generation (bumped by every writing connection)."""
    ref = resolve_db(db)
    if isinstance(ref, str):
        with connect(ref, read_only=True) as con:
            (n,) = con.execute("SELECT n FROM store_generation").fetchall()[0]
        return f"{postgres.redacted(ref)}|{n}"
    return f"{ref}|{file_stamp(ref)}"
