"""Filters -> parameterised SQL -> DataFrames and aggregates.

Spatial work happened at ingest (each incident carries its DIVIPOLA codes), so every query here is
a plain filter and group-by on codes, dates and actor names. Values are always bound as
parameters, never formatted into the SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from conflictmap import actor_relation, dialect, matching
from conflictmap.actors import (
    ALWAYS,
    CLASSES,
    ActorRegistry,
    Interval,
    class_of_token,
    class_token,
    default_registry,
    union_intervals,
)
from conflictmap.filters import Filters
from conflictmap.schema import MAPPABLE_PRECISION, PRECISION_LEVELS


@dataclass(frozen=True)
class Where:
    sql: str
    params: list[object]


def actor_spans(
    filters: Filters, registry: ActorRegistry | None = None
) -> dict[str, tuple[Interval, ...]]:
    """The actor filter expanded, each name with the dates it counts: a group selected by name
    (any spelling) always; its factions while they were its members (an ACCU incident is an AUC
    incident from 1997, not in 1995); a class (``class:paramilitary``) every group of the class
    and their factions; a name the registry does not know, itself."""
    registry = registry or default_registry()
    spans: dict[str, list[Interval]] = {}
    for raw in filters.actors:
        actor_class = class_of_token(raw)
        roots = registry.by_class(actor_class) if actor_class else [raw]
        for root in roots:
            for name, intervals in registry.expand_dated(root).items():
                spans.setdefault(name, []).extend(intervals)
    return {name: union_intervals(intervals) for name, intervals in spans.items()}


def actor_names(filters: Filters, registry: ActorRegistry | None = None) -> list[str]:
    """The actor filter expanded (see :func:`actor_spans`), whatever the dates."""
    return sorted(actor_spans(filters, registry))


def filed_under(
    con: dialect.Connection, umbrellas: set[str], registry: ActorRegistry
) -> list[str]:
    """Stored names of factions the registry does not know, written under one of ``umbrellas``
    ("ELN: Domingo Lain Saenz Front" under "ELN"): a filter on the umbrella includes them."""
    stored = actor_relation.faction_names(con)
    return sorted(n for n in stored if registry.faction_umbrella(n) in umbrellas)


def _actor_condition(
    con: dialect.Connection, filters: Filters, registry: ActorRegistry
) -> tuple[str, list[object]]:
    """Incidents naming a wanted actor, on a date it counts (see :func:`actor_spans`)."""
    spans = actor_spans(filters, registry)
    for name in filed_under(con, set(spans), registry):
        spans.setdefault(name, (ALWAYS,))
    always = [n for n, s in spans.items() if ALWAYS in s]
    sql, params = actor_relation.condition(con, always)
    parts = [sql] if sql != "FALSE" else []
    for name in sorted(n for n, s in spans.items() if ALWAYS not in s):
        name_sql, name_params = actor_relation.condition(con, [name])
        if name_sql == "FALSE":  # never stored
            continue
        windows: list[str] = []
        for start, end in spans[name]:
            bounds = []
            if start is not None:
                bounds.append("event_date >= ?")
                name_params.append(start)
            if end is not None:
                bounds.append("event_date < ?")
                name_params.append(end)
            windows.append("(" + " AND ".join(bounds) + ")")
        parts.append(f"({name_sql} AND ({' OR '.join(windows)}))")
        params.extend(name_params)
    if not parts:
        return "FALSE", []
    return "(" + " OR ".join(parts) + ")", params


def _marks(values: object) -> str:
    return ", ".join("?" for _ in values)  # type: ignore[attr-defined]


def where(
    con: dialect.Connection, filters: Filters, registry: ActorRegistry | None = None
) -> Where:
    """The filters as a WHERE condition on ``incidents``: an actor matches in any role (the
    actor part uses the index of :mod:`conflictmap.actor_relation`); counting events (the
    default), the reports matched to another dataset's report of the same event are left out
    (:mod:`conflictmap.matching`)."""
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
        sql, values = _actor_condition(con, filters, registry or default_registry())
        clauses.append(sql)
        params.extend(values)
    if filters.muni:
        clauses.append("muni_code = ?")
        params.append(filters.muni)
    elif filters.dept:
        clauses.append("dept_code = ?")
        params.append(filters.dept)
    if filters.count == "events" and matching.has_matches(con):
        # an event reported by several datasets counts once: its primary report
        clauses.append(f"NOT ({matching.secondary_condition()})")
    return Where(" AND ".join(clauses) or "TRUE", params)


@dataclass(frozen=True)
class KeyFigures:
    incidents: int
    fatalities: int
    fatalities_unknown: int
    actors: int  # distinct actors named in any role (actor 1, actor 2 or associated)
    municipalities: int


@dataclass(frozen=True)
class Overview:
    """Everything countable about the incidents in view, from one scan of the table."""

    figures: KeyFigures
    departments: pd.DataFrame  # code, incidents, fatalities (places with any incident)
    municipalities: pd.DataFrame  # same columns
    datasets: pd.DataFrame  # dataset, incidents, sources (first five, sorted)
    unmapped: tuple[Unmapped, ...] = ()  # in view but not drawn as points, by precision

    def by_level(self, level: str) -> pd.DataFrame:
        return {"department": self.departments, "municipality": self.municipalities}[level]


@dataclass(frozen=True)
class Unmapped:
    """Incidents in view whose place is no finer than ``level``: counted, never drawn."""

    level: str  # "department" | "country or region"
    incidents: int
    fatalities: int


def unmapped_note(unmapped: tuple[Unmapped, ...] | list[Unmapped]) -> str:
    """ "N incidents (F fatalities) in view have no place finer than <level> and are not on the
    map", one clause per level; "" when every incident in view can be drawn."""
    parts = [
        f"{u.incidents:,} incident{'s' if u.incidents != 1 else ''} "
        f"({u.fatalities:,} fatalit{'ies' if u.fatalities != 1 else 'y'}) "
        f"{'have' if u.incidents != 1 else 'has'} no place finer than "
        f"{'a department' if u.level == 'department' else 'Colombia or a region'}"
        for u in unmapped
        if u.incidents
    ]
    if not parts:
        return ""
    return f"In view, {' and '.join(parts)}: counted in the figures, not drawn on the map."


_PART = """CASE WHEN GROUPING(dept_code) = 0 THEN 'dept' WHEN GROUPING(muni_code) = 0 THEN 'muni'
    WHEN GROUPING(dataset) = 0 THEN 'dataset' WHEN GROUPING(actor_bits) = 0 THEN 'actors'
    WHEN GROUPING(geo_precision) = 0 THEN 'precision' ELSE 'all' END"""
_PART_WITHOUT_INDEX = _PART.replace("WHEN GROUPING(actor_bits) = 0 THEN 'actors'", "")


def overview(con: dialect.Connection, filters: Filters) -> Overview:
    """Key figures, counts per department and municipality, and datasets in view.

    One GROUPING SETS query: the filtered rows are read once for all of them (the page used to
    run four queries, each filtering the whole table again). The distinct actors (in any role)
    come from the same query: it groups by the actor index's bit columns, whose OR over the
    incidents in view has one bit per actor (see :mod:`conflictmap.actor_relation`)."""
    w = where(con, filters)
    index = actor_relation.index_columns(con)
    if index:
        words = ", ".join(f"{c}::VARCHAR AS {c}" for c in index)  # exact: no float on the way
        select, by_actors, part = f", {words}", f", ({', '.join(index)})", _PART
    else:
        select, by_actors, part = "", "", _PART_WITHOUT_INDEX
    rows = con.execute(
        f"""SELECT {part} AS part, dept_code, muni_code, dataset, source{select},
                   geo_precision, count(*) AS incidents, count(fatalities) AS known,
                   coalesce(sum(fatalities), 0)::BIGINT AS fatalities
            FROM incidents WHERE {w.sql}
            GROUP BY GROUPING SETS ((), (dept_code), (muni_code), (dataset, source){by_actors},
                                    (geo_precision))""",
        w.params,
    ).df()
    parts = dict(tuple(rows.groupby("part", sort=False)))
    empty = rows.iloc[0:0]
    total = parts.get("all", empty)
    n = int(total["incidents"].sum())
    if index:
        sets = parts.get("actors", empty)
        n_actors = sum(_or(sets[c]).bit_count() for c in index)
    else:  # a database from before the index, read-only: the relation itself
        n_actors = _distinct_actors(con, w)

    def places(part: str, column: str) -> pd.DataFrame:
        frame = parts.get(part, empty)
        frame = frame[frame[column].notna()]
        out = pd.DataFrame(
            {
                "code": frame[column].astype(object).to_numpy(),
                "incidents": frame["incidents"].astype("int64").to_numpy(),
                "fatalities": frame["fatalities"].astype("int64").to_numpy(),
            }
        )
        return out.sort_values("code", ignore_index=True)

    municipalities = places("muni", "muni_code")
    by_source = parts.get("dataset", empty).sort_values(["dataset", "source"])
    datasets = (
        by_source.groupby("dataset", sort=False)
        .agg(incidents=("incidents", "sum"), sources=("source", lambda s: list(s.dropna())[:5]))
        .reset_index()
    )
    datasets["incidents"] = datasets["incidents"].astype("int64")
    datasets = datasets.sort_values(
        ["incidents", "dataset"], ascending=[False, True], ignore_index=True
    )
    figures = KeyFigures(
        incidents=n,
        fatalities=int(total["fatalities"].sum()),
        fatalities_unknown=n - int(total["known"].sum()),
        actors=n_actors,
        municipalities=len(municipalities),
    )
    precision = parts.get("precision", empty)
    unmapped = tuple(
        Unmapped(
            level=PRECISION_LEVELS[level],
            incidents=int(at_level["incidents"].sum()),
            fatalities=int(at_level["fatalities"].sum()),
        )
        for level in (3, 4)
        if len(at_level := precision[precision["geo_precision"] == level])
    )
    return Overview(figures, places("dept", "dept_code"), municipalities, datasets, unmapped)


def _or(words: pd.Series) -> int:
    out = 0
    for value in words.dropna():
        out |= int(value) & _WORD  # PostgreSQL stores the words as signed 64-bit integers
    return out


_WORD = (1 << 64) - 1


def _distinct_actors(con: dialect.Connection, w: Where) -> int:
    """Distinct actors, in any role, of the incidents matching ``w`` (from the relation)."""
    return int(
        con.execute(
            f"""WITH f AS (SELECT incident_id, actor1, actor2, assoc_actors FROM incidents
                           WHERE {w.sql})
                SELECT count(DISTINCT actor) FROM ({actor_relation.incident_actors("f")})""",
            w.params,
        ).fetchall()[0][0]
    )


def aggregate(con: dialect.Connection, filters: Filters, level: str) -> pd.DataFrame:
    """Incidents and fatalities per department or municipality code (only places with any)."""
    column = {"department": "dept_code", "municipality": "muni_code"}[level]
    w = where(con, filters)
    return con.execute(
        f"""SELECT {column} AS code, count(*) AS incidents,
                   coalesce(sum(fatalities), 0)::BIGINT AS fatalities
            FROM incidents WHERE {w.sql} AND {column} IS NOT NULL
            GROUP BY 1 ORDER BY 1""",
        w.params,
    ).df()


def by_event_type(con: dialect.Connection, filters: Filters) -> pd.DataFrame:
    w = where(con, filters)
    return con.execute(
        f"""SELECT event_type, count(*) AS incidents,
                   coalesce(sum(fatalities), 0)::BIGINT AS fatalities
            FROM incidents WHERE {w.sql} GROUP BY 1 ORDER BY 2 DESC, 1""",
        w.params,
    ).df()


# Not the notes: at 1M incidents (160 characters each on average) reading them for the newest
# rows of a filtered view touches nearly every row group and doubled the query; a selected
# incident's notes and original record come from incident_detail (a primary-key lookup).
TABLE_COLUMNS = (
    "event_date, event_type, sub_event_type, actor1, actor2, fatalities, dept_code, muni_code, "
    "location, source, source_url, dataset, incident_id"
)
POINT_COLUMNS = (
    "incident_id, event_date, event_type, sub_event_type, actor1, actor2, fatalities, latitude, "
    "longitude, geo_precision, dept_code, muni_code, location, source, source_url, dataset"
)
NEWEST_COLUMNS = f"{TABLE_COLUMNS}, latitude, longitude, geo_precision"
_FIRST_DAY = "DATE '0001-01-01'"


def newest(con: dialect.Connection, filters: Filters, limit: int) -> pd.DataFrame:
    """The ``limit`` most recent incidents in view (ties by id): the table's and the map's rows.

    Two steps: the date of the ``limit``-th newest row (a one-column top-N), then the full rows
    from that date on. The second scan skips the other columns of older rows, which at 1M
    incidents is most of the cost of a plain ``ORDER BY … LIMIT`` over every column.
    """
    if limit <= 0:
        return con.execute(f"SELECT {NEWEST_COLUMNS} FROM incidents LIMIT 0").df()
    w = where(con, filters)
    return con.execute(
        f"""SELECT {NEWEST_COLUMNS} FROM incidents WHERE {w.sql} AND event_date >= coalesce(
                (SELECT event_date FROM incidents WHERE {w.sql}
                 ORDER BY event_date DESC LIMIT 1 OFFSET ?), {_FIRST_DAY})
            ORDER BY event_date DESC, incident_id LIMIT ?""",
        [*w.params, *w.params, limit - 1, limit],
    ).df()


def points_from(rows: pd.DataFrame, limit: int) -> pd.DataFrame:
    """Map points from :func:`newest` rows: those placed to a municipality or finer, with
    coordinates, at most ``limit`` (a department-only or unplaced incident is never a point)."""
    columns = [c.strip() for c in POINT_COLUMNS.split(",")]
    drawn = rows["latitude"].notna() & (rows["geo_precision"] <= MAPPABLE_PRECISION)
    return rows.loc[drawn, columns].head(limit).reset_index(drop=True)


def datasets_in_view(con: dialect.Connection, filters: Filters) -> pd.DataFrame:
    """dataset, incidents, sources (first five, sorted) of the incidents in view."""
    return overview(con, filters).datasets


def actor_counts(con: dialect.Connection) -> pd.DataFrame:
    """Every actor named in the database (actor1, actor2 or associated) with its incident count."""
    return actor_relation.counts(con)


def class_counts(
    con: dialect.Connection, registry: ActorRegistry | None = None
) -> list[tuple[str, int]]:
    """(class token, incidents) for each actor class some stored incident names, in the
    registry's class order: what "All paramilitaries" and the like would show."""
    registry = registry or default_registry()
    result: list[tuple[str, int]] = []
    for actor_class in CLASSES:
        where_ = where(con, Filters(actors=(class_token(actor_class),)), registry)
        (n,) = con.execute(
            f"SELECT count(*) FROM incidents WHERE {where_.sql}", where_.params
        ).fetchall()[0]
        if n:
            result.append((class_token(actor_class), int(n)))
    return result


def date_bounds(con: dialect.Connection) -> tuple[object, object]:
    first, last = con.execute(
        "SELECT min(event_date), max(event_date) FROM incidents"
    ).fetchall()[0]
    return first, last


def summary(
    con: dialect.Connection,
    filters: Filters,
    names: dict[str, str] | None = None,
) -> dict[str, object]:
    """The CLI/JSON summary: totals and breakdowns by event type, department and municipality."""
    names = names or {}
    counts = overview(con, filters)
    figures = counts.figures
    types = by_event_type(con, filters)

    def table(frame: pd.DataFrame, key: str) -> dict[str, dict[str, object]]:
        out: dict[str, dict[str, object]] = {}
        for code, incidents, fatalities in zip(
            frame[key], frame["incidents"], frame["fatalities"], strict=True
        ):
            entry: dict[str, object] = {}
            if code in names:
                entry["name"] = names[code]
            entry["incidents"] = int(incidents)
            entry["fatalities"] = int(fatalities)
            out[code] = entry
        return out

    w = where(con, filters)
    victims, victims_known = con.execute(
        f"SELECT coalesce(sum(victims), 0), count(victims) FROM incidents WHERE {w.sql}", w.params
    ).fetchall()[0]
    if filters.count == "events":
        reports = overview(con, replace(filters, count="reports")).figures.incidents
    else:
        reports = figures.incidents
    return {
        "incidents": figures.incidents,
        "reports": reports,  # every report, when one event is in several datasets
        "fatalities": figures.fatalities,
        "fatalities_unknown": figures.fatalities_unknown,
        # victims (killed and injured) where a source counts them (memory-centre case tables)
        "victims": int(victims),
        "victims_known": int(victims_known),
        "actors": figures.actors,
        "municipalities": figures.municipalities,
        "by_event_type": {
            kind: {"incidents": int(incidents), "fatalities": int(fatalities)}
            for kind, incidents, fatalities in zip(
                types["event_type"], types["incidents"], types["fatalities"], strict=True
            )
        },
        "by_department": table(counts.departments, "code"),
        "by_municipality": table(counts.municipalities, "code"),
        "datasets": {
            d: int(n)
            for d, n in zip(counts.datasets["dataset"], counts.datasets["incidents"], strict=True)
        },
    }


EXPORT_COLUMNS = (
    "incident_id, event_date, date_precision, event_type, sub_event_type, event_type_original, "
    "actor1, actor2, assoc_actors, actor1_raw, actor2_raw, fatalities, fatalities_low, "
    "fatalities_high, victims, latitude, longitude, geo_precision, dept_code, muni_code, "
    "place_note, location, notes, source, source_url, dataset, imported_at"
)


def incident_export(con: dialect.Connection, filters: Filters) -> pd.DataFrame:
    """Every incident in view (no limit) with its provenance, for data exports."""
    w = where(con, filters)
    return con.execute(
        f"SELECT {EXPORT_COLUMNS} FROM incidents WHERE {w.sql} ORDER BY event_date, incident_id",
        w.params,
    ).df()


def incident_detail(con: dialect.Connection, incident_id: str) -> dict[str, Any] | None:
    """Every stored field of one incident, with its notes and original source record (values as
    DuckDB returns them: their types follow the columns')."""
    cursor = con.execute(
        f"SELECT {EXPORT_COLUMNS}, assoc_actors_raw, original FROM incidents WHERE incident_id = ?", [incident_id]
    )
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description or ()], row, strict=True))


def content_hash(con: dialect.Connection, filters: Filters) -> str:
    """SHA-256 over the incidents in view (ids and the values the map and figures use; the
    coordinates to the micro-degree): the same on DuckDB and PostgreSQL."""
    w = where(con, filters)
    text = f"""coalesce(string_agg(
                concat_ws('|', incident_id, event_date, event_type, coalesce(actor1, ''),
                          coalesce(actor2, ''), coalesce(fatalities::VARCHAR, ''),
                          coalesce(CAST(latitude AS DECIMAL(10, 6))::VARCHAR, ''),
                          coalesce(CAST(longitude AS DECIMAL(10, 6))::VARCHAR, ''),
                          coalesce(muni_code, ''), dept_code, dataset),
                chr(10) ORDER BY {dialect.binary_order(con, 'incident_id')}), '')"""
    row = con.execute(
        f"SELECT {dialect.sha256_hex(con, text)} FROM incidents WHERE {w.sql}",
        w.params,
    ).fetchall()
    return str(row[0][0])
