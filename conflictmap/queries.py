"""Filters -> parameterised SQL -> DataFrames and aggregates.

Spatial work happened at ingest (each incident carries its DIVIPOLA codes), so every query here is
a plain filter and group-by on codes, dates and actor names. Values are always bound as
parameters, never formatted into the SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from conflictmap.actors import ActorRegistry, default_registry
from conflictmap.filters import Filters


@dataclass(frozen=True)
class Where:
    sql: str
    params: list[object]


def actor_names(filters: Filters, registry: ActorRegistry | None = None) -> list[str]:
    """The actor filter expanded: umbrellas include their factions; aliases become canonical."""
    registry = registry or default_registry()
    names: set[str] = set()
    for raw in filters.actors:
        canonical = registry.canonical(raw)
        if canonical is None:
            names.add(raw.strip())
        else:
            names |= registry.expand(canonical)
    return sorted(names)


def _marks(values: object) -> str:
    return ", ".join("?" for _ in values)  # type: ignore[attr-defined]


def where(filters: Filters, registry: ActorRegistry | None = None) -> Where:
    clauses: list[str] = []
    params: list[object] = []
    if filters.date_from:
        clauses.append("event_date >= ?")
        params.append(filters.date_from)
    if filters.date_to:
        clauses.append("event_date <= ?")
        params.append(filters.date_to)
    if filters.event_types:
        clauses.append(f"event_type IN ({_marks(filters.event_types)})")
        params.extend(filters.event_types)
    if filters.actors:
        # IN lists of bound values: DuckDB turns them into a hash lookup (list_contains or
        # list_has_any with a list parameter searched row by row, ~5x slower at 1M incidents)
        names = actor_names(filters, registry)
        marks = _marks(names)
        clauses.append(
            f"(actor1 IN ({marks}) OR actor2 IN ({marks}) OR (len(assoc_actors) > 0 AND "
            f"len(list_filter(assoc_actors, lambda a: a IN ({marks}))) > 0))"
        )
        params.extend([*names, *names, *names])
    if filters.muni:
        clauses.append("muni_code = ?")
        params.append(filters.muni)
    elif filters.dept:
        clauses.append("dept_code = ?")
        params.append(filters.dept)
    return Where(" AND ".join(clauses) or "TRUE", params)


@dataclass(frozen=True)
class KeyFigures:
    incidents: int
    fatalities: int
    fatalities_unknown: int
    actors: int
    municipalities: int


def key_figures(con: duckdb.DuckDBPyConnection, filters: Filters) -> KeyFigures:
    """Incidents, fatalities (and how many unknown), distinct actors and municipalities.

    The filtered rows are scanned once (a materialised CTE of the four columns used)."""
    w = where(filters)
    row = con.execute(
        f"""
        WITH f AS MATERIALIZED (
            SELECT fatalities, muni_code, actor1, actor2 FROM incidents WHERE {w.sql})
        SELECT
            (SELECT count(*) FROM f),
            (SELECT coalesce(sum(fatalities), 0) FROM f),
            (SELECT count(*) FROM f WHERE fatalities IS NULL),
            (SELECT count(DISTINCT a) FROM (
                SELECT actor1 AS a FROM f UNION ALL SELECT actor2 FROM f) WHERE a IS NOT NULL),
            (SELECT count(DISTINCT muni_code) FROM f WHERE muni_code IS NOT NULL)
        """,
        w.params,
    ).fetchall()[0]
    return KeyFigures(*(int(v) for v in row))


def aggregate(con: duckdb.DuckDBPyConnection, filters: Filters, level: str) -> pd.DataFrame:
    """Incidents and fatalities per department or municipality code (only places with any)."""
    column = {"department": "dept_code", "municipality": "muni_code"}[level]
    w = where(filters)
    return con.execute(
        f"""SELECT {column} AS code, count(*) AS incidents,
                   coalesce(sum(fatalities), 0)::BIGINT AS fatalities
            FROM incidents WHERE {w.sql} AND {column} IS NOT NULL
            GROUP BY 1 ORDER BY 1""",
        w.params,
    ).df()


def by_event_type(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    w = where(filters)
    return con.execute(
        f"""SELECT event_type, count(*) AS incidents,
                   coalesce(sum(fatalities), 0)::BIGINT AS fatalities
            FROM incidents WHERE {w.sql} GROUP BY 1 ORDER BY 2 DESC, 1""",
        w.params,
    ).df()


POINT_COLUMNS = (
    "incident_id, event_date, event_type, sub_event_type, actor1, actor2, fatalities, latitude, "
    "longitude, geo_precision, dept_code, muni_code, location, source, source_url, dataset"
)


def points(
    con: duckdb.DuckDBPyConnection, filters: Filters, limit: int
) -> tuple[pd.DataFrame, int]:
    """Incidents to draw as points (newest first, at most ``limit``) and the total in view."""
    w = where(filters)
    total = con.execute(f"SELECT count(*) FROM incidents WHERE {w.sql}", w.params).fetchone()[0]
    frame = con.execute(
        f"""SELECT {POINT_COLUMNS} FROM incidents WHERE {w.sql}
            AND latitude IS NOT NULL ORDER BY event_date DESC, incident_id LIMIT ?""",
        [*w.params, limit],
    ).df()
    return frame, int(total)


TABLE_COLUMNS = (
    "event_date, event_type, sub_event_type, actor1, actor2, fatalities, dept_code, muni_code, "
    "location, source, source_url, notes, dataset, incident_id"
)


def incident_table(
    con: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 5000
) -> pd.DataFrame:
    w = where(filters)
    return con.execute(
        f"""SELECT {TABLE_COLUMNS} FROM incidents WHERE {w.sql}
            ORDER BY event_date DESC, incident_id LIMIT ?""",
        [*w.params, limit],
    ).df()


def datasets_in_view(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    w = where(filters)
    return con.execute(
        f"""SELECT dataset, count(*) AS incidents,
                   list(DISTINCT source ORDER BY source)[:5] AS sources
            FROM incidents WHERE {w.sql} GROUP BY 1 ORDER BY 2 DESC""",
        w.params,
    ).df()


def actor_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every actor named in the database (actor1, actor2 or associated) with its incident count."""
    return con.execute(
        """SELECT actor, count(DISTINCT incident_id) AS incidents FROM (
               SELECT incident_id, actor1 AS actor FROM incidents
               UNION ALL SELECT incident_id, actor2 FROM incidents
               UNION ALL SELECT incident_id, unnest(assoc_actors) FROM incidents)
           WHERE actor IS NOT NULL AND actor <> '' GROUP BY 1 ORDER BY 2 DESC, 1"""
    ).df()


def date_bounds(con: duckdb.DuckDBPyConnection) -> tuple[object, object]:
    first, last = con.execute("SELECT min(event_date), max(event_date) FROM incidents").fetchone()
    return first, last


def summary(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    names: dict[str, str] | None = None,
) -> dict[str, object]:
    """The CLI/JSON summary: totals and breakdowns by event type, department and municipality."""
    names = names or {}
    figures = key_figures(con, filters)

    def table(frame: pd.DataFrame, key: str) -> dict[str, dict[str, object]]:
        out: dict[str, dict[str, object]] = {}
        for row in frame.itertuples(index=False):
            code = getattr(row, key)
            entry: dict[str, object] = {}
            if code in names:
                entry["name"] = names[code]
            entry["incidents"] = int(row.incidents)
            entry["fatalities"] = int(row.fatalities)
            out[code] = entry
        return out

    return {
        "incidents": figures.incidents,
        "fatalities": figures.fatalities,
        "fatalities_unknown": figures.fatalities_unknown,
        "actors": figures.actors,
        "municipalities": figures.municipalities,
        "by_event_type": {
            r.event_type: {"incidents": int(r.incidents), "fatalities": int(r.fatalities)}
            for r in by_event_type(con, filters).itertuples(index=False)
        },
        "by_department": table(aggregate(con, filters, "department"), "code"),
        "by_municipality": table(aggregate(con, filters, "municipality"), "code"),
        "datasets": {
            r.dataset: int(r.incidents)
            for r in datasets_in_view(con, filters).itertuples(index=False)
        },
    }


EXPORT_COLUMNS = (
    "incident_id, event_date, date_precision, event_type, sub_event_type, event_type_original, "
    "actor1, actor2, assoc_actors, actor1_raw, actor2_raw, fatalities, latitude, longitude, "
    "geo_precision, dept_code, muni_code, location, notes, source, source_url, dataset, imported_at"
)


def incident_export(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Every incident in view (no limit) with its provenance, for data exports."""
    w = where(filters)
    return con.execute(
        f"SELECT {EXPORT_COLUMNS} FROM incidents WHERE {w.sql} ORDER BY event_date, incident_id",
        w.params,
    ).df()


def content_hash(con: duckdb.DuckDBPyConnection, filters: Filters) -> str:
    """SHA-256 over the incidents in view (ids and the values the map and figures use)."""
    w = where(filters)
    row = con.execute(
        f"""SELECT sha256(coalesce(string_agg(
                concat_ws('|', incident_id, event_date, event_type, coalesce(actor1, ''),
                          coalesce(actor2, ''), coalesce(fatalities::VARCHAR, ''),
                          coalesce(latitude::VARCHAR, ''), coalesce(longitude::VARCHAR, ''),
                          coalesce(muni_code, ''), dept_code, dataset),
                chr(10) ORDER BY incident_id), ''))
            FROM incidents WHERE {w.sql}""",
        w.params,
    ).fetchall()
    return str(row[0][0])
