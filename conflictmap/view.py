"""One dashboard view: everything a page shows for a Filters value, computed in one place.

The Streamlit pages only read widgets, call :func:`load_view` (cached by the page) and draw what
comes back; the snapshot export builds from the same objects.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import pandas as pd

from conflictmap import (
    clusters,
    hexagons,
    i18n,
    matching,
    place_notes,
    public_view,
    queries,
    settings,
    store,
    territories,
)
from conflictmap.filters import Filters, ViewOptions
from conflictmap.geography import Geography
from conflictmap.i18n import N_, _
from conflictmap.map_model import place_extent
from conflictmap.mapping import MAP_HEIGHT, POINT_BUDGET, MapSpec
from conflictmap.sample import DEMO_DATASET, DEMO_SOURCE, is_synthetic
from conflictmap.schema import GEO_PRECISIONS, MAPPABLE_PRECISION
from conflictmap.sources import Citation, citations_for, format_of_source, formats_of_sources
from conflictmap.text import event_type_label, territory_level_label

MAP_WIDTH = 1000  # px: the map's width in a wide page beside the sidebar (a guess)


@dataclass(frozen=True)
class TerritoryOptions:
    declared: bool = True
    inferred: bool = False
    min_incidents: int = territories.DEFAULT_MIN_INCIDENTS


@dataclass
class ViewData:
    filters: Filters
    options: ViewOptions
    figures: queries.KeyFigures
    aggregates: pd.DataFrame  # for the choropleth: the focused department, not only a municipality
    points: pd.DataFrame
    total: int
    table: pd.DataFrame
    datasets: pd.DataFrame
    territories: territories.TerritoryView | None = None
    territory_datasets: tuple[str, ...] = ()
    unmapped: tuple[queries.Unmapped, ...] = ()  # counted, not drawn (department / country)
    hexagons: hexagons.HexLayer | None = None  # options.style == "hexagons": the density view

    @property
    def unmapped_note(self) -> str:
        return queries.unmapped_note(self.unmapped)

    @property
    def demo_in_view(self) -> bool:
        return demo_in(self.datasets) or any(is_synthetic(d) for d in self.territory_datasets)

    @property
    def sources(self) -> list[str]:
        return sources_in(self.datasets)

    @property
    def citations(self) -> list[Citation]:
        return citations_in(self.datasets)


DEMO_LABEL = "synthetic demo data (not real incidents)"


def _is_demo(dataset: object, source_values: list[object]) -> bool:
    return is_synthetic(dataset, source_values)


def demo_in(datasets: pd.DataFrame) -> bool:
    """Whether synthetic demo incidents are among ``queries.datasets_in_view``'s rows: the demo
    dataset, or the generator's source under another dataset name."""
    return any(
        _is_demo(dataset, list(sources))
        for dataset, sources in zip(datasets["dataset"], datasets["sources"], strict=True)
    )


def citations_in(datasets: pd.DataFrame) -> list[Citation]:
    """The citations (e.g. UCDP GED, CC BY 4.0) the incident sources in view ask for."""
    found: set[str] = set()
    for sources in datasets["sources"]:
        found |= formats_of_sources(list(sources))
    return citations_for(found)


def sources_in(datasets: pd.DataFrame) -> list[str]:
    """Incident data sources in view, for attribution: first the citation each licensed source
    asks for (one line for all of UCDP GED, in place of its per-office source values), then the
    other sources in dataset order (synthetic data named as such)."""
    out: list[str] = []
    for dataset, sources in zip(datasets["dataset"], datasets["sources"], strict=True):
        values: list[str] = [str(s) for s in sources]
        if dataset == DEMO_DATASET:
            values = [DEMO_LABEL]
        for s in values:
            shown = DEMO_LABEL if s == DEMO_SOURCE else s
            if format_of_source(shown) is None and shown not in out:
                out.append(shown)
    return [c.attribution for c in citations_in(datasets)] + out


def choropleth_level(filters: Filters, options: ViewOptions) -> str:
    return "municipality" if filters.dept else options.level


def load_view(
    filters: Filters,
    options: ViewOptions,
    *,
    db: str | os.PathLike[str] | None = None,
    point_budget: int = POINT_BUDGET,
    table_limit: int = settings.get().table_limit,  # $CONFLICTMAP_TABLE_LIMIT, default 5000
    territory_options: TerritoryOptions | None = None,
    geo: Geography | None = None,
) -> ViewData:
    """Everything a page shows for ``filters``; territories are dissolved by ``geo`` (the
    pinned boundaries' when None)."""
    level = choropleth_level(filters, options)
    with store.connect(db, read_only=True) as con:
        counts = queries.overview(con, filters)
        # a municipality is shown within its department: the choropleth counts the department
        aggregates = (
            queries.aggregate(con, filters.with_place(filters.dept, None), level)
            if filters.muni
            else counts.by_level(level)
        )
        rows = queries.newest(con, filters, max(table_limit, point_budget))
        terr, terr_sets = _territories(con, filters, territory_options, geo)
        hexes = (
            hexagons.HexLayer(res := hexagons.resolution_for(filters),
                              hexagons.hex_counts(con, filters, res))
            if options.style == "hexagons"
            else None
        )
    figures, datasets = counts.figures, counts.datasets
    # a public view: at the municipality's point, never the incident's own (public_view.py)
    points = public_view.coarsen(queries.points_from(rows, point_budget), geo)
    table = rows.head(table_limit).loc[:, [c.strip() for c in queries.TABLE_COLUMNS.split(",")]]
    total = figures.incidents
    return ViewData(
        filters=filters,
        options=options,
        figures=figures,
        aggregates=aggregates,
        points=points,
        total=total,
        table=table,
        datasets=datasets,
        territories=terr,
        territory_datasets=terr_sets,
        unmapped=counts.unmapped,
        hexagons=hexes,
    )


def _territories(
    con,  # noqa: ANN001 - duckdb connection
    filters: Filters,
    options: TerritoryOptions | None,
    geo: Geography | None,
) -> tuple[territories.TerritoryView | None, tuple[str, ...]]:
    """Claims valid in the date window, for the groups the actor filter selects."""
    if options is None or not (options.declared or options.inferred):
        return None, ()
    groups = queries.actor_names(filters) if filters.actors else None
    declared = (
        territories.claims(con, date_from=filters.date_from, date_to=filters.date_to, groups=groups)
        if options.declared
        else pd.DataFrame(
            columns=[
                "group_name",
                "level",
                "muni_code",
                "source",
                "valid_from",
                "valid_to",
                "dataset",
            ]
        )
    )
    inferred = (
        territories.inferred(con, filters, min_incidents=options.min_incidents)
        if (options.inferred)
        else None
    )
    if inferred is not None and groups is not None:
        inferred = inferred[inferred["group_name"].isin(groups)]
    view = territories.build_view(
        declared, inferred, geo=geo, min_incidents=options.min_incidents
    )
    return view, tuple(sorted(set(declared["dataset"]))) if len(declared) else ()


def map_spec(
    view: ViewData, basemap: str = "none", *, viewport_points: bool = False
) -> MapSpec:
    """The map of the view (``viewport_points``: the page draws the incidents per viewport,
    :mod:`conflictmap.clusters`, instead of the newest as points)."""
    return MapSpec(
        level=choropleth_level(view.filters, view.options),
        metric=view.options.metric,
        aggregates=view.aggregates,
        points=view.points,
        total_incidents=view.total,
        dept=view.filters.dept,
        muni=view.filters.muni,
        demo_in_view=view.demo_in_view,
        sources=view.sources,
        basemap=basemap,
        territories=view.territories,
        unmapped_incidents=sum(u.incidents for u in view.unmapped),
        unmapped_note=view.unmapped_note,
        hexagons=view.hexagons,
        viewport_points=viewport_points,
    )


def start_viewport(
    filters: Filters,
    geo: Geography,
    width_px: int = MAP_WIDTH,
    height_px: int = MAP_HEIGHT,
) -> clusters.Viewport:
    """The viewport a new map opens at (the place's extent, fitted), until it reports its own."""
    minx, miny, maxx, maxy = place_extent(geo, filters.dept, filters.muni).bounds
    bounds = clusters.Bounds(miny, minx, maxy, maxx)
    return clusters.Viewport(bounds, clusters.fit_zoom(bounds, width_px, height_px))


def breadcrumb(filters: Filters, geo: Geography) -> list[tuple[str, Filters]]:
    """("Colombia", filters without place), ("Huila", ...), ("Neiva", ...): each a way back."""
    name = geo.name
    crumbs = [("Colombia", filters.with_place(None, None))]
    if filters.dept:
        crumbs.append((name(filters.dept) or filters.dept, filters.with_place(filters.dept)))
    if filters.muni:
        crumbs.append((name(filters.muni) or filters.muni, filters))
    return crumbs


def place_label(filters: Filters, geo: Geography) -> str:
    return " › ".join(label for label, _ in breadcrumb(filters, geo))


def display_table(table: pd.DataFrame, geo: Geography) -> pd.DataFrame:
    """The incident table with place names instead of bare codes (codes kept beside them)."""
    out = table.copy()
    out["event_date"] = pd.to_datetime(out["event_date"]).dt.date
    # department-only and unplaced incidents: an empty cell, not "None"
    out.insert(6, "department", out["dept_code"].map(geo.dept_names).fillna(""))
    out.insert(7, "municipality", out["muni_code"].map(geo.muni_names).fillna(""))
    return out


@dataclass(frozen=True)
class IncidentDetail:
    """One incident as the detail panel shows it: labelled fields and the source's own record."""

    incident_id: str
    fields: pd.DataFrame  # field, value (text)
    original: object  # the source row as imported (dict), or its text if not JSON
    source_url: str | None
    # the reports of the same event in other datasets (conflictmap/matching.py): one row per
    # report, this one included; empty when no other dataset reports it
    reports: pd.DataFrame = field(default_factory=pd.DataFrame)
    reports_note: str = ""


def incident_detail(
    incident_id: str,
    geo: Geography,
    *,
    db: str | os.PathLike[str] | None = None,
) -> IncidentDetail | None:
    """Everything stored about one incident (None if it is not in the database)."""
    with store.connect(db, read_only=True) as con:
        row = queries.incident_detail(con, incident_id)
        reports = matching.reports_of(con, incident_id) if row is not None else None
    if row is None:
        return None

    def text(value: object) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        if isinstance(value, list | tuple):
            return "; ".join(str(v) for v in value)
        return str(value)

    def named(canonical: object, raw: object) -> str:
        shown, given = text(canonical), text(raw)
        if given and given != shown:
            return shown + " " + _("(source: {name})").format(name=given)
        return shown

    muni, dept = row["muni_code"], row["dept_code"]
    place = f"{geo.name(muni) or muni} ({muni}), " if muni else ""
    place += f"{geo.name(dept) or dept} ({dept})" if dept else _("Colombia (no department known)")
    event_type = event_type_label(text(row["event_type"]))
    if row["event_type_original"] and row["event_type_original"] != row["event_type"]:
        event_type += " " + _("(source: {name})").format(name=row["event_type_original"])
    precision = _("(precision: {precision})").format(precision=row["date_precision"])
    fields = [
        ("date", f"{row['event_date']} {precision}"),
        ("event type", event_type),
        ("sub-type", text(row["sub_event_type"])),
        ("actor 1", named(row["actor1"], row["actor1_raw"])),
        ("actor 2", named(row["actor2"], row["actor2_raw"])),
        ("associated actors", named(row["assoc_actors"], row["assoc_actors_raw"])),
        (
            "fatalities",
            fatalities_text(row["fatalities"], row["fatalities_low"], row["fatalities_high"]),
        ),
        ("place", place),
        ("place precision", GEO_PRECISIONS.get(int(row["geo_precision"]), "")),
        ("placement", place_notes.shown(text(row["place_note"]))),  # stored in English
        ("location", text(row["location"])),
        (
            "coordinates",
            f"{row['latitude']:.5f}, {row['longitude']:.5f}"
            if row["latitude"] is not None and int(row["geo_precision"]) <= MAPPABLE_PRECISION
            else "",
        ),
        ("notes", text(row["notes"])),
        ("source", text(row["source"])),
        ("source link", text(row["source_url"])),
        ("dataset", text(row["dataset"])),
        ("imported", text(row["imported_at"])),
        ("incident id", text(row["incident_id"])),
    ]
    if public_view.enabled():  # do no harm: no notes, no source point, no original record
        hidden = {"notes", "placement", "coordinates"}
        fields = [(k, "" if k in hidden else v) for k, v in fields]
        row = {**row, "original": None}
    fields = [(_(DETAIL_FIELDS[k]), v) for k, v in fields]
    try:
        original = json.loads(row["original"]) if row["original"] else {}
    except ValueError:
        original = row["original"]
    shown, note = _reports_table(reports, geo)
    return IncidentDetail(
        incident_id=str(row["incident_id"]),
        fields=pd.DataFrame(fields, columns=[_("field"), _("value")]),
        original=original,
        source_url=row["source_url"] or None,
        reports=shown,
        reports_note=note,
    )


def _reports_table(reports: pd.DataFrame | None, geo: Geography) -> tuple[pd.DataFrame, str]:
    """The event's reports as shown, and the sentence above them ("" for a single report)."""
    if reports is None or len(reports) < 2:
        return pd.DataFrame(), ""
    span = matching.fatality_range(reports)
    if span is None:
        figures = _("fatalities unknown")
    elif span[0] == span[1]:
        figures = _("{n} fatalities in every report").format(n=i18n.number(span[0]))
    else:
        figures = _("fatalities {low}–{high} across the reports").format(
            low=i18n.number(span[0]), high=i18n.number(span[1])
        )
    note = _("The same event is in {n} reports of different datasets; {figures}.").format(
        n=len(reports), figures=figures
    )
    shown = pd.DataFrame(
        {
            _("report"): reports["incident_id"].astype(str),
            _("dataset"): reports["dataset"].astype(str),
            _("source"): reports["source"].astype(str),
            _("date"): pd.to_datetime(reports["event_date"]).dt.date.astype(str),
            _("fatalities"): [
                fatalities_text(b, lo, hi)
                for b, lo, hi in zip(
                    reports["fatalities"], reports["fatalities_low"], reports["fatalities_high"],
                    strict=True,
                )
            ],
            _("place"): [geo.name(m) or (m or "") for m in reports["muni_code"]],
            _("counted"): [_("yes") if p else "" for p in reports["primary_report"]],
            _("why matched"): reports["explanation"].fillna("").astype(str),
        }
    )
    return shown, note


# the incident detail's fields as shown (the keys stay English)
DETAIL_FIELDS = {
    "date": N_("date"),
    "event type": N_("event type"),
    "sub-type": N_("sub-type"),
    "actor 1": N_("actor 1"),
    "actor 2": N_("actor 2"),
    "associated actors": N_("associated actors"),
    "fatalities": N_("fatalities"),
    "place": N_("place"),
    "place precision": N_("place precision"),
    "placement": N_("placement"),
    "location": N_("location"),
    "coordinates": N_("coordinates"),
    "notes": N_("notes"),
    "source": N_("source"),
    "source link": N_("source link"),
    "dataset": N_("dataset"),
    "imported": N_("imported"),
    "incident id": N_("incident id"),
}
# the territory table's columns and kinds as shown (the frame's own names stay English)
TERRITORY_COLUMNS = {
    "group": N_("group"),
    "kind": N_("kind"),
    "level": N_("level"),
    "municipalities": N_("municipalities"),
    "contested": N_("contested"),
    "valid": N_("valid"),
    "sources": N_("sources"),
}
TERRITORY_KINDS = {"declared": N_("declared"), "inferred": N_("inferred")}


def fatalities_text(best: float | None, low: float | None, high: float | None) -> str:
    """ "12 (low 10 – best 12 – high 15)" when the source gives a range, "unknown" if none."""
    if best is None or (isinstance(best, float) and pd.isna(best)):
        return _("unknown")
    shown = str(best)
    if low is not None and high is not None and not (pd.isna(low) or pd.isna(high)):
        shown += " " + _("(low {low} – best {best} – high {high})").format(
            low=low, best=best, high=high
        )
    return shown


def territory_table(view: ViewData) -> pd.DataFrame:
    """The territory legend as a table: one row per group, kind and level."""
    columns = ["group", "kind", "level", "municipalities", "contested", "valid", "sources"]
    if view.territories is None:
        return pd.DataFrame(columns=columns)
    contested = {c.muni_code for c in view.territories.contested}
    rows = []
    for a in view.territories.areas:
        if a.valid_from is None:
            valid = _("filtered period")
        elif a.valid_to:
            valid = f"{a.valid_from} – {a.valid_to}"
        else:
            valid = _("since {start}").format(start=a.valid_from)
        kind = TERRITORY_KINDS.get(a.kind)
        rows.append(
            {
                "group": a.group,
                "kind": _(kind) if kind else a.kind,
                "level": territory_level_label(a.level) if a.level else "",
                "municipalities": len(a.municipalities),
                "contested": len(contested.intersection(a.municipalities)),
                "valid": valid,
                "sources": "; ".join(a.sources),
            }
        )
    return pd.DataFrame(rows, columns=columns).rename(columns=lambda c: _(TERRITORY_COLUMNS[c]))
