"""Deleted datasets, recoverable until an admin purges them (soft delete).

Deleting a dataset **moves** its incidents from ``incidents`` into ``deleted_incidents`` (the
record columns, plus ``deleted_at`` and ``deleted_by``), in one transaction. Restoring moves
them back; purging drops them for good (and the dataset's source terms, unless the name is in
use again).

Why a separate table rather than a ``deleted_at`` column on ``incidents`` or a
``deleted_datasets`` table joined out of every query: every reader of ``incidents`` — the map's
figures, clusters, hexagons, the table, trends, inferred territories, the actor relation (a view
over ``incidents``) and its bit index, the duplicate check of imports, ``conflictmap summary``,
exports — sees live incidents only *without a single change*, and none pays for a predicate or a
join (at a million incidents an extra ``dataset NOT IN (…)`` or ``deleted_at IS NULL`` costs on
every one of the several queries a view runs, and one forgotten reader would show deleted
incidents). The price is paid only when an admin deletes or restores: one copy of the dataset's
rows.

- A restored incident goes back through :func:`conflictmap.store.insert_records`: its actor index
  is recomputed, and an id stored again meanwhile (the same file imported again) is kept as it is
  and counted as skipped. The hand mappings are applied again (they may have changed while it
  was deleted).
- A dataset deleted twice (deleted, imported again, deleted again) keeps one copy of each
  incident in the trash: the latest.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from conflictmap import actor_mappings, dialect, store
from conflictmap.actors import default_registry
from conflictmap.schema import RECORD_COLUMNS

TABLE = "deleted_incidents"
LISTING_COLUMNS = ["dataset", "incidents", "deleted_at", "deleted_by"]


class TrashError(ValueError):
    """No deleted dataset of that name; the message says so."""


@dataclass(frozen=True)
class Restored:
    dataset: str
    restored: int  # incidents back in view
    skipped: int  # incidents stored again meanwhile (kept as they are)


def _columns(con: dialect.Connection, table: str) -> dict[str, str]:
    return dict(con.execute(dialect.columns_query(con), [table]).fetchall())


def _has_table(con: dialect.Connection, table: str) -> bool:
    """Whether the database has ``table`` (asked, not tried: on PostgreSQL a failed statement
    aborts the caller's transaction)."""
    return bool(con.execute(dialect.table_exists_query(con), [table]).fetchall()[0][0])


def schema() -> str:
    """The trash table: every record column of the incidents, and who deleted them when."""
    records = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
    return (
        f"CREATE TABLE IF NOT EXISTS {TABLE} AS SELECT {records}, "
        "NULL::TIMESTAMP AS deleted_at, NULL::VARCHAR AS deleted_by FROM incidents LIMIT 0"
    )


def _ensure(con: dialect.Connection) -> None:
    """The trash table, with every record column of today's incidents (writing connection)."""
    con.execute(schema())
    have, types = _columns(con, TABLE), _columns(con, "incidents")
    for column in RECORD_COLUMNS:  # a column added to incidents since the trash was made
        if column not in have:
            con.execute(f'ALTER TABLE {TABLE} ADD COLUMN "{column}" {types[column]}')


def move(con: dialect.Connection, dataset: str, who: str, at: object) -> int:
    """Move a dataset's incidents to the trash (inside the caller's transaction); how many."""
    _ensure(con)
    records = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
    # an incident already in the trash (deleted before under this name) keeps its latest copy
    con.execute(
        f"DELETE FROM {TABLE} WHERE dataset = ? AND incident_id IN "
        "(SELECT incident_id FROM incidents WHERE dataset = ?)",
        [dataset, dataset],
    )
    con.execute(
        f"INSERT INTO {TABLE} ({records}, deleted_at, deleted_by) "
        f"SELECT {records}, ?, ? FROM incidents WHERE dataset = ?",
        [at, who, dataset],
    )
    deleted = con.execute("DELETE FROM incidents WHERE dataset = ?", [dataset]).fetchall()
    return int(deleted[0][0])


def _count(con: dialect.Connection, dataset: str) -> int:
    if not _has_table(con, TABLE):  # nothing was ever deleted
        return 0
    rows = con.execute(f"SELECT count(*) FROM {TABLE} WHERE dataset = ?", [dataset]).fetchall()
    return int(rows[0][0])


def restore(con: dialect.Connection, dataset: str) -> Restored:
    """Put a deleted dataset's incidents back (inside the caller's transaction). TrashError
    when no dataset of that name is in the trash."""
    total = _count(con, dataset)
    if not total:
        raise TrashError(f"no deleted dataset named {dataset!r}")
    _ensure(con)
    records = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
    con.execute("DROP TABLE IF EXISTS restoring")
    con.execute(
        f"CREATE TEMPORARY TABLE restoring AS SELECT {records} FROM {TABLE} "
        "WHERE dataset = ?",
        [dataset],
    )
    try:
        restored = store.insert_records(con, "restoring")
    finally:
        con.execute("DROP TABLE IF EXISTS restoring")
    con.execute(f"DELETE FROM {TABLE} WHERE dataset = ?", [dataset])
    if restored:  # the hand mappings of today (the incidents kept their names as resolved then)
        actor_mappings.reresolve(con, default_registry())
    return Restored(dataset, restored, total - restored)


def purge(con: dialect.Connection, dataset: str) -> int:
    """Drop a deleted dataset's incidents for good (inside the caller's transaction); how many.
    TrashError when no dataset of that name is in the trash."""
    total = _count(con, dataset)
    if not total:
        raise TrashError(f"no deleted dataset named {dataset!r}")
    con.execute(f"DELETE FROM {TABLE} WHERE dataset = ?", [dataset])
    _forget_terms(con, dataset)
    return total


def _forget_terms(con: dialect.Connection, dataset: str) -> None:
    """A purged dataset's source terms go with it (a later import under the name starts from
    its format's defaults), unless the name is in use again (imported since it was deleted)."""
    live = con.execute(
        "SELECT count(*) FROM incidents WHERE dataset = ?", [dataset]
    ).fetchall()[0][0]
    if live:
        return
    if _has_table(con, "dataset_terms"):  # not in a database from before the terms table
        con.execute("DELETE FROM dataset_terms WHERE dataset = ?", [dataset])


def listing(con: dialect.Connection) -> pd.DataFrame:
    """dataset, incidents, deleted_at, deleted_by: the datasets in the trash, latest first."""
    if not _has_table(con, TABLE):
        return pd.DataFrame(columns=LISTING_COLUMNS)
    return con.execute(
        f"SELECT dataset, count(*) AS incidents, max(deleted_at) AS deleted_at, "
        f"(array_agg(deleted_by ORDER BY deleted_at DESC NULLS LAST))[1] AS deleted_by "
        f"FROM {TABLE} GROUP BY dataset ORDER BY deleted_at DESC, dataset"
    ).df()
