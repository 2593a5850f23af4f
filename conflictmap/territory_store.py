"""Territory claims in the database: storing checked claims (one transaction per import or
edit), reading the claims valid in a window, and the claims inferred from incidents (armed groups
with at least k incidents in a municipality, over the ``incident_actors`` relation)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from conflictmap import dialect, store
from conflictmap.actors import ActorRegistry, default_registry
from conflictmap.geography import Geography, load_geography
from conflictmap.importers.candidates import Reject, first_data_row
from conflictmap.rejects import write_rejects
from conflictmap.territory_claims import (
    DEFAULT_MIN_INCIDENTS,
    STORED_COLUMNS,
    ClaimReport,
    read_file,
    validate,
)


def import_claims(
    path: str | os.PathLike[str],
    *,
    db: str | os.PathLike[str] | None = None,
    dataset: str | None = None,
    rejects_dir: str | os.PathLike[str] | None = None,
    geo: Geography | None = None,
) -> ClaimReport:
    """Import a claims CSV or GeoJSON file in one transaction."""
    geo = geo or load_geography()
    path = Path(path)
    dataset = dataset or path.stem
    frame, read = read_file(path, geo)
    return store_claims(
        frame, db=db, dataset=dataset, name=str(path), rejects_dir=rejects_dir, read=read, geo=geo
    )


def store_claims(
    frame: pd.DataFrame,
    *,
    db: str | os.PathLike[str] | None,
    dataset: str,
    name: str,
    rejects_dir: str | os.PathLike[str] | None = None,
    read: int | None = None,
    geo: Geography | None = None,
) -> ClaimReport:
    """Validate claim rows (CSV columns or GeoJSON-derived rows); store them in one transaction."""
    read = len(frame) if read is None else read
    pre_rejects: list[Reject] = []
    if "_reason" in frame.columns:
        bad = frame["_reason"].fillna("").astype(str) != ""
        for offset in np.flatnonzero(bad.to_numpy()):
            raw = frame.iloc[offset].to_dict()
            pre_rejects.append(
                Reject(
                    row=int(raw.get("feature") or offset + 1),
                    reason=str(raw["_reason"]),
                    raw={str(k): str(v) for k, v in raw.items() if k != "_reason"},
                )
            )
        frame = frame[~bad.to_numpy()].drop(columns=["_reason"])
    start = 1 if "feature" in frame.columns else first_data_row
    records, rejects, warnings = validate(frame, dataset=dataset, geo=geo, start_row=start)
    if "feature" in frame.columns:  # GeoJSON: report feature numbers, not row positions
        rejects = [
            Reject(row=int(r.raw.get("feature", r.row)), reason=r.reason, raw=r.raw)
            for r in rejects
        ]
    rejects = sorted(pre_rejects + rejects, key=lambda r: r.row)
    with store.connect(db) as con, store.transaction(con):
        inserted, duplicates = _insert(con, records)
    written = write_rejects(rejects, name, None, db, rejects_dir)
    rejects_file = str(written) if written else None
    return ClaimReport(
        read=read,
        inserted=inserted,
        duplicates=duplicates,
        rejected=len(rejects),
        rejects_file=rejects_file,
        warnings=warnings,
        rejects=rejects,
    )


_KEY = ["group_name", "muni_code", "valid_from", "valid_to", "level", "source"]


def _insert(con, records: pd.DataFrame) -> tuple[int, int]:  # noqa: ANN001 - duckdb connection
    if records.empty:
        return 0, 0
    unique = records.drop_duplicates(subset=_KEY)
    within = len(records) - len(unique)
    con.register("incoming_claims", unique)
    # the registered frame's columns as the table's types (PostgreSQL reads a column of only
    # NULLs as text, and compares a date with text only after a cast)
    types = dict(con.execute(dialect.columns_query(con), ["territory_claims"]).fetchall())
    typed = ", ".join(f"CAST({c} AS {types[c]}) AS {c}" for c in STORED_COLUMNS)
    try:
        inserted = con.execute(
            f"""INSERT INTO territory_claims ({", ".join(STORED_COLUMNS)}, imported_at)
                SELECT {", ".join("i." + c for c in STORED_COLUMNS)}, current_timestamp
                FROM (SELECT {typed} FROM incoming_claims) i WHERE NOT EXISTS (
                    SELECT 1 FROM territory_claims t WHERE t.group_name = i.group_name
                    AND t.muni_code = i.muni_code AND t.valid_from = i.valid_from
                    AND t.valid_to IS NOT DISTINCT FROM i.valid_to AND t.level = i.level
                    AND t.source = i.source)"""
        ).fetchall()[0][0]
    finally:
        con.unregister("incoming_claims")
    return int(inserted), within + len(unique) - int(inserted)


# --------------------------------------------------------------------------------------------
# Reading claims for a view


def replace_claims(
    con,  # noqa: ANN001 - duckdb connection
    keep_ids: list[int],
    new_rows: pd.DataFrame,
    *,
    dataset: str,
    geo: Geography | None = None,
) -> tuple[int, list[Reject]]:
    """Delete claims not in ``keep_ids`` and add validated ``new_rows``, all or nothing.

    Returns (inserted, rejects); with any reject nothing is changed.
    """
    if len(new_rows):
        records, rejects, _ = validate(new_rows, dataset=dataset, geo=geo)
    else:
        records, rejects = pd.DataFrame(columns=STORED_COLUMNS), []
    if rejects:
        return 0, rejects
    with store.transaction(con):
        con.execute(
            "DELETE FROM territory_claims WHERE NOT list_contains(?::BIGINT[], claim_id)",
            [list(map(int, keep_ids))],
        ).fetchall()
        inserted, _ = _insert(con, records)
    return inserted, []


def claims(
    con,  # noqa: ANN001 - duckdb connection
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    groups: list[str] | None = None,
) -> pd.DataFrame:
    """Claims valid at some point in [date_from, date_to] (all claims when both are None)."""
    sql = "SELECT * FROM territory_claims WHERE TRUE"
    params: list[object] = []
    if date_to:
        sql += " AND valid_from <= ?"
        params.append(date_to)
    if date_from:
        sql += " AND (valid_to IS NULL OR valid_to >= ?)"
        params.append(date_from)
    if groups is not None:
        sql += " AND list_contains(?::VARCHAR[], group_name)"
        params.append(list(groups))
    return con.execute(sql + " ORDER BY group_name, muni_code, valid_from", params).df()


def inferred(
    con,  # noqa: ANN001 - duckdb connection
    filters,  # noqa: ANN001 - conflictmap.filters.Filters (not imported: avoids a cycle)
    *,
    min_incidents: int = DEFAULT_MIN_INCIDENTS,
    registry: ActorRegistry | None = None,
) -> pd.DataFrame:
    """group_name, muni_code, incidents: armed groups with >= k incidents there under the filters.

    The place filter is ignored (territories are drawn as context around the focused place).
    """
    from conflictmap.actor_relation import incident_actors
    from conflictmap.queries import where

    registry = registry or default_registry()
    armed = [a.name for a in registry.actors() if a.kind == "armed_group"]
    w = where(con, filters.with_place(None, None))
    frame = con.execute(
        f"""WITH f AS (SELECT incident_id, actor1, actor2, assoc_actors, muni_code FROM incidents
                       WHERE {w.sql} AND muni_code IS NOT NULL),
            a AS ({incident_actors("f", ["muni_code"])})
            SELECT actor AS group_name, muni_code, count(DISTINCT incident_id) AS incidents
            FROM a WHERE list_contains(?::VARCHAR[], actor)
            GROUP BY 1, 2 HAVING count(DISTINCT incident_id) >= ? ORDER BY 1, 2""",
        [*w.params, armed, int(min_incidents)],
    ).df()
    return frame
