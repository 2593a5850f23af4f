"""The map model: what a map of one view shows, computed once and independent of the renderer.

:func:`build_model` turns a :class:`MapSpec` (what the view asks for: :func:`conflictmap.view.
map_spec`) and a :class:`~conflictmap.geography.Geography` into a :class:`MapModel`: the view
mode, the choropleth codes, values, classes and the colour of every code, the legend entries as
plain data (swatches with labels, point types, notes, territories), the extent, the labels and
the attribution. :mod:`conflictmap.mapping` (folium, the dashboard and the HTML export) and
:mod:`conflictmap.static_map` (matplotlib, the PNG/SVG/PDF export) only draw it, so both show
the same classes, colours, notes and place.

Texts here are plain text: each renderer escapes them for its medium.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from conflictmap import geodata, geography, settings
from conflictmap.classify import NO_DATA_COLOUR, ZERO_COLOUR, Classes, classify
from conflictmap.geography import Geography
from conflictmap.i18n import N_, _, ngettext, number
from conflictmap.schema import EVENT_TYPES, UNKNOWN_COLOUR
from conflictmap.sources import BOUNDARY_SHORT_ATTRIBUTION
from conflictmap.territories import TerritoryView
from conflictmap.text import NO_DATA, event_type_label

if TYPE_CHECKING:
    from conflictmap.clusters import ViewportLayer
    from conflictmap.hexagons import HexLayer

POINT_BUDGET = settings.get().point_budget  # $CONFLICTMAP_POINT_BUDGET, default 3000
# labels are msgids (conflictmap.i18n): shown as _(LABEL); the keys are the stored/URL values
METRIC_LABELS = {"incidents": N_("Incidents"), "fatalities": N_("Fatalities")}
STYLE_LABELS = {"choropleth": N_("Areas"), "hexagons": N_("Hexagons (H3)")}  # filters.STYLES
LEVEL_LABELS = {"department": N_("Department"), "municipality": N_("Municipality")}
# key -> (label, tile URL template, tile attribution as HTML); "none" draws boundaries only
BASEMAPS = {
    "none": (N_("No tiles — boundaries only (works offline)"), None, None),
    "positron": (
        N_("CartoDB Positron (online)"),
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
        '&copy; <a href="https://carto.com/attributions">CARTO</a>',
    ),
    "osm": (
        N_("OpenStreetMap (online)"),
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    ),
}
# The boundaries' attribution where space is short (static maps, export metadata)
SHORT_ATTRIBUTION = BOUNDARY_SHORT_ATTRIBUTION

# The map's colours, shared by both renderers
WATER = "#dde8ef"
LAND = "#f4f3ee"
DEPT_LINE = "#4d4d4d"
MUNI_LINE = "#8c8c8c"
FOCUS_LINE = "#000000"  # the chosen department's outline
SELECTED = "#e31a1c"  # the chosen municipality's outline (and the locator inset's department)

# View modes: what the choropleth shows
NATIONAL_DEPARTMENTS = "national_departments"
NATIONAL_MUNICIPALITIES = "national_municipalities"
DEPARTMENT = "department"  # one department's municipalities
MUNICIPALITY = "municipality"  # one department's municipalities, one of them chosen
MODES = (NATIONAL_DEPARTMENTS, NATIONAL_MUNICIPALITIES, DEPARTMENT, MUNICIPALITY)
# the boundary layer each mode fills (names of Geography.geometry_json's layers)
MODE_LAYERS = {
    NATIONAL_DEPARTMENTS: "departments",
    NATIONAL_MUNICIPALITIES: "municipalities",
    DEPARTMENT: "dept_municipalities",
    MUNICIPALITY: "dept_municipalities",
}

DEMO_WARNING = N_("Includes SYNTHETIC demo data — not real incidents.")
TERRITORY_NOTE = N_(
    "Declared: solid, darker = recurrent, lighter = occasional, palest = transit. "
    "Inferred: dashed outline."
)
NO_DATA_LABEL = N_("fatalities unknown counted as 0")
QUANTILES = N_("quantiles")  # classify.METHOD, as the legend names it
WEB_SOURCES = 6  # incident sources named in the interactive map's attribution line


@dataclass
class MapSpec:
    """Everything the map shows; the same inputs feed the static snapshot export."""

    level: str  # "department" | "municipality"
    metric: str  # "incidents" | "fatalities"
    aggregates: pd.DataFrame  # code, incidents, fatalities
    points: pd.DataFrame  # queries.points()
    total_incidents: int
    dept: str | None = None
    muni: str | None = None
    demo_in_view: bool = False
    sources: list[str] = field(default_factory=list)
    basemap: str = "none"
    point_budget: int = POINT_BUDGET
    territories: TerritoryView | None = None
    classes: Classes | None = None  # fixed classes (playback): same colours in every frame
    caption: str | None = None  # shown on the map, e.g. the playback period
    # incidents in view placed only to a department, Colombia or a region: never points
    unmapped_incidents: int = 0
    unmapped_note: str = ""  # queries.unmapped_note: what is counted but not drawn
    # the density view: H3 hexagons instead of the choropleth's fills and the points
    hexagons: HexLayer | None = None
    # the page draws every incident per viewport (conflictmap/clusters.py) over this map:
    # no point layer here, and the legend says so
    viewport_points: bool = False
    # places outlined over the fills: the Watchlist page's alerts (conflictmap/alerts.py)
    flagged: tuple[FlaggedPlace, ...] = ()
    # an export's incidents (clusters.export_layer): every incident in view, as points or as
    # clusters with their counts, and the counts placed only to an area; replaces ``points``
    incidents: ViewportLayer | None = None


@dataclass(frozen=True)
class FlaggedPlace:
    """A municipality or department outlined on the map, with its tooltip (plain text: the
    renderer escapes it); ``strong``: flagged by the rule (else only a new actor)."""

    code: str
    level: str  # "municipality" | "department"
    tooltip: str
    strong: bool = True


# --------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class Swatch:
    """A choropleth legend entry: ``kind`` "class" (values ``low`` to ``high``), "zero" or
    "no_data"."""

    colour: str
    label: str
    kind: str = "class"
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class PointType:
    """An event type's colour in the legend; ``present``: some point drawn has it."""

    label: str
    colour: str
    present: bool


@dataclass(frozen=True)
class Note:
    """A line of text in the legend: ``kind`` "points", "unmapped", "basemap" or "demo"."""

    kind: str
    text: str


@dataclass(frozen=True)
class TerritoryEntry:
    group: str
    colour: str
    kinds: tuple[str, ...]  # "declared", "inferred"


@dataclass(frozen=True)
class TerritoryLegend:
    entries: tuple[TerritoryEntry, ...]
    note: str
    contested: int  # contested municipalities (0: no entry)
    contested_label: str = ""


@dataclass(frozen=True)
class Legend:
    title: str  # "Incidents per department (quantiles)"
    swatches: tuple[Swatch, ...]
    points_title: str
    point_types: tuple[PointType, ...]  # empty when no point is drawn
    notes: tuple[Note, ...]
    territories: TerritoryLegend | None = None

    def note(self, kind: str) -> str | None:
        return next((n.text for n in self.notes if n.kind == kind), None)


@dataclass(frozen=True)
class PointsSummary:
    shown: int  # points drawn (at most the point budget)
    drawable: int  # incidents in view with a place on the map
    total: int  # incidents in view, also those placed only to a department or coarser
    drawn: bool  # False: the point budget is 0, no points at all


@dataclass(frozen=True)
class Extent:
    """A place's bounds in longitude/latitude; ``code`` None: mainland Colombia."""

    code: str | None
    bounds: tuple[float, float, float, float]  # minx, miny, maxx, maxy


@dataclass(frozen=True)
class Label:
    code: str
    text: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Basemap:
    key: str
    label: str
    tiles: str | None  # URL template; None: boundaries only
    attribution: str | None  # the tile provider's attribution (HTML, a constant)


@dataclass(frozen=True)
class Attribution:
    boundaries: str  # the boundary source's attribution
    boundaries_short: str
    sources: tuple[str, ...]  # incident sources in view

    def web_sources(self, limit: int = WEB_SOURCES) -> tuple[tuple[str, ...], int]:
        """The sources named on the interactive map and how many more there are."""
        return self.sources[:limit], max(len(self.sources) - limit, 0)

    @property
    def print_line(self) -> str:
        """The static map's attribution line: short boundaries, then every source."""
        sources = "; ".join(self.sources) if self.sources else "none"
        return f"{self.boundaries_short}. Incidents: {sources}."


@dataclass(frozen=True, eq=False)
class MapModel:
    mode: str  # one of MODES
    layer: str  # the filled layer: MODE_LAYERS[mode]
    metric: str  # "incidents" | "fatalities"
    unit: str  # "department" | "municipality": what one filled shape is
    dept: str | None
    muni: str | None
    codes: tuple[str, ...]  # the filled shapes, in boundary-file order
    values: dict[str, tuple[int, int]]  # code -> (incidents, fatalities)
    classes: Classes
    fills: dict[str, str]  # code -> fill colour
    names: dict[str, str]  # code -> "Huila" or "Neiva, Huila"
    extent: Extent  # where the map looks: the chosen municipality, department or mainland
    frame: Extent  # the department (or mainland) around it: a printed map's frame
    labels: tuple[Label, ...]  # the chosen municipality's name
    points: pd.DataFrame  # the incidents drawn as points (at most the point budget)
    points_summary: PointsSummary
    legend: Legend
    attribution: Attribution
    basemap: Basemap
    territories: TerritoryView | None
    caption: str | None
    demo: bool
    style: str = "choropleth"  # "choropleth" | "hexagons"
    hexagons: HexLayer | None = None
    hex_fills: tuple[str, ...] = ()  # fill colour of each of hexagons.cells, in order
    viewport_points: bool = False  # the page draws the incidents per viewport over it
    flagged: tuple[FlaggedPlace, ...] = ()  # places outlined (MapSpec.flagged)
    incidents: ViewportLayer | None = None  # an export's clusters or points (MapSpec.incidents)

    @property
    def metric_index(self) -> int:
        return 0 if self.metric == "incidents" else 1

    @property
    def metric_label(self) -> str:
        return _(METRIC_LABELS[self.metric])

    @property
    def national(self) -> bool:
        return self.mode in (NATIONAL_DEPARTMENTS, NATIONAL_MUNICIPALITIES)

    def value(self, code: str) -> int:
        return self.values[code][self.metric_index]


# --------------------------------------------------------------------------------------------
# Building it


def as_geography(boundaries: Geography | geodata.Boundaries | None = None) -> Geography:
    """The Geography to draw on: the one given, the one of the boundaries given (callers that
    still hold a :class:`~conflictmap.geodata.Boundaries`), or the pinned boundaries'."""
    if boundaries is None:
        return geography.load_geography()
    if isinstance(boundaries, Geography):
        return boundaries
    return geography._geography_for(boundaries)


def view_mode(spec: MapSpec) -> str:
    if spec.dept:
        return MUNICIPALITY if spec.muni else DEPARTMENT
    return NATIONAL_MUNICIPALITIES if spec.level == "municipality" else NATIONAL_DEPARTMENTS


def view_layer(spec: MapSpec) -> str:
    return MODE_LAYERS[view_mode(spec)]


def layer_codes(geo: Geography, layer: str, dept: str | None = None) -> list[str]:
    """The codes of a layer's shapes, in the boundary file's order."""
    if layer in ("departments", "dept_borders"):
        return geo.departments["dept_code"].tolist()
    if layer == "municipalities":
        return geo.municipalities["muni_code"].tolist()
    if layer == "dept_municipalities":
        return geo.department_municipalities(dept or "")["muni_code"].tolist()
    raise ValueError(f"unknown layer {layer!r}")


def choropleth_values(spec: MapSpec, codes: list[str]) -> dict[str, tuple[int, int]]:
    """code -> (incidents, fatalities) of the view; codes without incidents get (0, 0)."""
    agg = spec.aggregates
    if agg.empty:
        return dict.fromkeys(codes, (0, 0))
    found = dict(
        zip(
            agg["code"].tolist(),
            zip(
                agg["incidents"].fillna(0).astype(int).tolist(),
                agg["fatalities"].fillna(0).astype(int).tolist(),
                strict=True,
            ),
            strict=True,
        )
    )
    return {code: found.get(code, (0, 0)) for code in codes}


def view_classes(spec: MapSpec, values: dict[str, tuple[int, int]]) -> Classes:
    if spec.classes is not None:
        return spec.classes
    idx = 0 if spec.metric == "incidents" else 1
    return classify([v[idx] for v in values.values()])


def build_model(spec: MapSpec, geo: Geography) -> MapModel:
    """The map of ``spec`` on ``geo``'s boundaries."""
    mode = view_mode(spec)
    layer = MODE_LAYERS[mode]
    dept = spec.dept
    codes = layer_codes(geo, layer, dept)
    values = choropleth_values(spec, codes)
    idx = 0 if spec.metric == "incidents" else 1
    hexes = spec.hexagons
    hex_fills: tuple[str, ...] = ()
    if hexes is not None:  # the hexagons carry the classes; the places are plain land
        hex_values = [float(v) for v in hexes.cells[spec.metric]]
        classes = spec.classes if spec.classes is not None else classify(hex_values)
        hex_fills = tuple(classes.colour(v) for v in hex_values)
        fills = dict.fromkeys(values, LAND)
    else:
        classes = view_classes(spec, values)
        fills = {code: classes.colour(v[idx]) for code, v in values.items()}
    if layer == "departments":
        names = {code: geo.dept_names[code] for code in codes}
    else:
        names = {code: geo.label(code) for code in codes}
    unit = "department" if layer == "departments" else "municipality"

    drawable = spec.total_incidents - spec.unmapped_incidents
    incidents = spec.incidents if hexes is None else None
    if incidents is not None:  # an export: every incident, as points or in clusters
        points = incidents.points
        drawable = incidents.in_region
        summary = PointsSummary(drawable, drawable, spec.total_incidents, True)
    elif spec.viewport_points or hexes is not None:  # no point layer in this map
        points = spec.points.head(0)
        summary = PointsSummary(drawable, drawable, spec.total_incidents, True)
    else:
        points = spec.points.head(spec.point_budget)
        summary = PointsSummary(
            len(points), drawable, spec.total_incidents, spec.point_budget != 0
        )
    label, tiles, tiles_attr = BASEMAPS.get(spec.basemap, BASEMAPS["none"])
    basemap = Basemap(spec.basemap if spec.basemap in BASEMAPS else "none", _(label), tiles,
                      tiles_attr)

    chosen = spec.muni if mode == MUNICIPALITY and spec.muni in values else None
    labels: tuple[Label, ...] = ()
    if chosen:
        shape = geo.municipalities.loc[geo.municipalities["muni_code"] == chosen].geometry
        anchor = shape.iloc[0].representative_point()
        labels = (Label(chosen, geo.name(chosen) or chosen, anchor.x, anchor.y),)
    frame = _extent(geo, dept)
    extent = _extent(geo, spec.muni, municipality=True) if spec.muni else frame

    return MapModel(
        mode=mode,
        layer=layer,
        metric=spec.metric,
        unit=unit,
        dept=dept,
        muni=chosen,
        codes=tuple(codes),
        values=values,
        classes=classes,
        fills=fills,
        names=names,
        extent=extent,
        frame=frame,
        labels=labels,
        points=points,
        points_summary=summary,
        legend=_legend(spec, classes, unit, points, summary, basemap),
        attribution=Attribution(geo.attribution, SHORT_ATTRIBUTION, tuple(spec.sources)),
        basemap=basemap,
        territories=spec.territories,
        caption=spec.caption,
        demo=spec.demo_in_view,
        style="hexagons" if hexes is not None else "choropleth",
        hexagons=hexes,
        hex_fills=hex_fills,
        viewport_points=spec.viewport_points and hexes is None and incidents is None,
        flagged=spec.flagged,
        incidents=incidents,
    )


def place_extent(geo: Geography, dept: str | None, muni: str | None = None) -> Extent:
    """Where the map of a place opens: the municipality, else the department, else the
    mainland."""
    return _extent(geo, muni, municipality=True) if muni else _extent(geo, dept)


def _extent(geo: Geography, code: str | None, *, municipality: bool = False) -> Extent:
    """The bounds of a municipality, a department or (``code`` None or unknown) the mainland."""
    frame = None
    if code is not None:
        layer, key = (
            (geo.municipalities, "muni_code") if municipality else (geo.departments, "dept_code")
        )
        frame = layer[layer[key] == code]
    if frame is None or frame.empty:
        code, frame = None, geo.mainland_departments()
    minx, miny, maxx, maxy = (float(v) for v in frame.total_bounds)
    return Extent(code, (minx, miny, maxx, maxy))


def _legend(
    spec: MapSpec,
    classes: Classes,
    unit: str,
    points: pd.DataFrame,
    summary: PointsSummary,
    basemap: Basemap,
) -> Legend:
    swatches = [
        Swatch(colour, text, "class", low, high)
        for colour, text, low, high in zip(
            classes.colours, classes.labels(), classes.lower, classes.upper, strict=True
        )
    ]
    hexes = spec.hexagons
    if hexes is None or spec.metric == "fatalities":  # no hexagon holds 0 incidents
        swatches.append(Swatch(ZERO_COLOUR, "0", "zero", 0, 0))
    if spec.metric == "fatalities":
        swatches.append(Swatch(NO_DATA_COLOUR, _(NO_DATA_LABEL), "no_data"))

    point_types: tuple[PointType, ...] = ()
    incidents = spec.incidents if hexes is None else None
    if incidents is not None:
        if len(points):  # the points drawn (in an HTML export's clusters: once zoomed in)
            present = set(points["event_type"].dropna().unique().tolist())
            point_types = tuple(
                PointType(event_type_label(t), c, t in present) for t, c in EVENT_TYPES.items()
            )
    elif spec.viewport_points and hexes is None:  # every event type may be drawn
        point_types = tuple(
            PointType(event_type_label(t), c, True) for t, c in EVENT_TYPES.items()
        )
    elif summary.shown and hexes is None:
        present = set(points["event_type"].dropna().unique().tolist())
        point_types = tuple(
            PointType(event_type_label(t), c, t in present) for t, c in EVENT_TYPES.items()
        )

    if hexes is not None:
        text = _hexagons_note(summary)
    elif incidents is not None:
        text = incidents_note(incidents, spec.total_incidents)
    elif spec.viewport_points:
        text = _viewport_note(summary)
    else:
        text = _points_note(summary)
    notes = [Note("points", text)] if text else []
    if incidents is not None:  # said where they are: badges on their department
        notes.append(Note("areas", areas_note(incidents)))
    elif spec.unmapped_note:
        notes.append(Note("unmapped", spec.unmapped_note))
    notes.append(Note("basemap", _("Basemap: {name}").format(name=basemap.label)))
    if spec.demo_in_view:
        notes.append(Note("demo", _(DEMO_WARNING)))
    method = _(QUANTILES) if classes.method == "quantiles" else classes.method
    if hexes is not None:
        title = _("{metric} per hexagon ({cells}; {method})").format(
            metric=_(METRIC_LABELS[spec.metric]), cells=hexes.label, method=method
        )
    elif unit == "department":
        title = _("{metric} per department ({method})").format(
            metric=_(METRIC_LABELS[spec.metric]), method=method
        )
    else:
        title = _("{metric} per municipality ({method})").format(
            metric=_(METRIC_LABELS[spec.metric]), method=method
        )
    return Legend(
        title=title,
        swatches=tuple(swatches),
        points_title=_("Incidents by event type"),
        point_types=point_types,
        notes=tuple(notes),
        territories=_territory_legend(spec.territories),
    )


def _points_note(s: PointsSummary) -> str:
    if not s.drawn:
        return _("{n} incidents in this view; points not drawn.").format(n=number(s.total))
    if s.shown < s.drawable:
        return _(
            "Points: the {shown} most recent of {drawable} incidents with a place on the map; "
            "colours count all {total}."
        ).format(shown=number(s.shown), drawable=number(s.drawable), total=number(s.total))
    if s.drawable:
        return _("Points: all {n} incidents with a place on the map.").format(
            n=number(s.drawable)
        )
    if not s.total:
        return _(NO_DATA)
    return ""


def _viewport_note(s: PointsSummary) -> str:
    if not s.total:
        return _(NO_DATA)
    if not s.drawable:
        return ""
    return _(
        "Points: all {n} incidents with a place on the map, in clusters that show how many "
        "(click one to zoom in); zoomed in, each incident is its own point."
    ).format(n=number(s.drawable))


def incidents_note(layer: ViewportLayer, total: int) -> str:
    """What an export draws of the incidents in view (:func:`conflictmap.clusters.
    export_layer`), in a sentence or two: nothing is left out."""
    n = layer.in_region
    if not total:
        return _(NO_DATA)
    if layer.mode == "points":
        if not n:
            return ""
        return _("Points: all {n} incidents with a place on the map, each its own point.").format(
            n=number(n)
        )
    k = len(layer.clusters)
    text = ngettext(
        "All {n} incidents with a place on the map, in {k} cluster: the number on it counts "
        "its incidents (larger circle, more incidents).",
        "All {n} incidents with a place on the map, in {k} clusters: the number on each "
        "counts its incidents (larger circle, more incidents).",
        k,
    ).format(n=number(n), k=number(k))
    if layer.points_zoom is not None:  # an HTML export, zoomed in
        text += " " + _(
            "Zoom in for smaller clusters; from zoom level {zoom} on, each incident is its "
            "own point."
        ).format(zoom=layer.points_zoom)
    elif layer.levels:
        deepest = layer.levels[-1][0]
        text += " " + _(
            "Zoom in for smaller clusters, down to those of zoom level {zoom}; too many "
            "incidents to include one by one: narrow the filters to see each."
        ).format(zoom=deepest)
    return text


def areas_note(layer: ViewportLayer) -> str:
    """The incidents placed only to a department or coarser: where the export counts them."""
    areas = layer.areas
    if not len(areas):
        return ""
    country = areas[areas["code"] == "CO"]  # clusters.COUNTRY: no department known
    in_country = int(country["incidents"].sum())
    in_depts = int(areas["incidents"].sum()) - in_country
    parts = []
    if in_depts:
        parts.append(
            ngettext(
                "{n} more incident placed only to a department: the dashed box on it (+N).",
                "{n} more incidents placed only to a department: the dashed box on each "
                "(+N).",
                in_depts,
            ).format(n=number(in_depts))
        )
    if in_country:
        parts.append(
            ngettext(
                "{n} more incident placed only to Colombia or a region: counted, with no "
                "place on the map.",
                "{n} more incidents placed only to Colombia or a region: counted, with no "
                "place on the map.",
                in_country,
            ).format(n=number(in_country))
        )
    return " ".join(parts)


def _hexagons_note(s: PointsSummary) -> str:
    if not s.total:
        return _(NO_DATA)
    if not s.drawable:
        return ""
    return _(
        "Hexagons: all {n} incidents with a place on the map; no hexagon, none."
    ).format(n=number(s.drawable))


def _territory_legend(view: TerritoryView | None) -> TerritoryLegend | None:
    if view is None or not (view.areas or view.contested):
        return None
    entries = tuple(
        TerritoryEntry(
            group,
            next(a.colour for a in view.areas if a.group == group),
            tuple(sorted({a.kind for a in view.areas if a.group == group})),
        )
        for group in view.groups
    )
    n = len(view.contested)
    contested = ngettext(
        "contested ({n} municipality)", "contested ({n} municipalities)", n
    ).format(n=number(n))
    return TerritoryLegend(entries, _(TERRITORY_NOTE), n, contested if n else "")


def point_colour(event_type: object) -> str:
    if not isinstance(event_type, str):  # None or NaN: no type known
        return UNKNOWN_COLOUR
    return EVENT_TYPES.get(event_type, UNKNOWN_COLOUR)
