"""The static map: draws a :class:`~conflictmap.map_model.MapModel` with matplotlib.

Used by the PNG/SVG/PDF exports. The same model as the interactive map (classes, colours,
legend entries, notes, the chosen place), drawn in a metric projection with a scale bar, a north
arrow and, for a department, a locator inset. Built with matplotlib's object-oriented API
(:class:`matplotlib.figure.Figure` with an Agg canvas), never matplotlib's stateful interface:
no global figure registry to leak into, no backend switch, safe in a web server's threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Patch, Rectangle
from shapely.geometry import Polygon

from conflictmap import geodata

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType
from conflictmap.geography import ISLANDS, Geography
from conflictmap.i18n import _, number
from conflictmap.map_model import (
    DEPT_LINE,
    FOCUS_LINE,
    LAND,
    MUNI_LINE,
    SELECTED,
    WATER,
    MapModel,
    point_colour,
)
from conflictmap.territories import LEVEL_OPACITY

# MAGNA-SIRGAS 2018 / Origen-Nacional (metres): DANE's national projection for printed maps.
# (Geography.projected, for measures, is in EPSG:3116; Geography.projected_to keeps both.)
PROJECTED_CRS = "EPSG:9377"
PNG_SIZE = (16.0, 10.0)  # inches; at 100 dpi: 1600 x 1000 px
A4_LANDSCAPE = (11.69, 8.27)
INSET_LAND = "#eeeeee"

RC: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # text stays text in SVG
    "svg.hashsalt": "conflictmap",  # stable element ids
    "pdf.fonttype": 42,
    "font.family": "DejaVu Sans",
    "text.parse_math": False,  # "$2bn" in a title is money, not a formula
}


@dataclass(frozen=True)
class Sheet:
    """The texts around the map on the page."""

    title: str
    subtitle: str
    footer: str  # export date, version, view URL
    citation: str = ""  # the citation block (sources, filters, changes), printed small


def citation_print(text: str) -> str:
    """The citation block compacted for print: one paragraph per section (the sources on one
    line, the changes on one line), wrapped to the page when drawn."""
    paragraphs = [" ".join(ln.strip() for ln in p.splitlines() if ln.strip())
                  for p in text.split("\n\n")]
    return "\n".join(p for p in paragraphs if p)


# --------------------------------------------------------------------------------------------
# Geometry in the metric projection (the Geography keeps its layers, once per CRS)


def projected(geo: Geography) -> dict[str, gpd.GeoDataFrame]:
    """The boundary layers in :data:`PROJECTED_CRS` (:meth:`Geography.projected_to`)."""
    return geo.projected_to(PROJECTED_CRS)


def project(geoms: list[object]) -> gpd.GeoSeries:
    return gpd.GeoSeries(geoms, crs=geodata.CRS).to_crs(PROJECTED_CRS)


# --------------------------------------------------------------------------------------------
# The figure


def render(
    model: MapModel, geo: Geography, sheet: Sheet, *, size: tuple[float, float] = PNG_SIZE
) -> Figure:
    """The static map of ``model`` on a page of ``size`` inches (draw within the caller's
    ``matplotlib.rc_context(RC)`` for stable SVG/PDF output)."""
    layers = projected(geo)
    # no canvas while drawing: geopandas asks for a redraw after every layer, which a plain
    # Figure's canvas skips; the Agg canvas comes in for the legend's layout (it measures text)
    fig = Figure(figsize=size)
    # the band under the map: attribution, citation block (small), footer
    bottom = 0.17  # (the same with or without a citation: one layout for every export)
    ax = fig.add_axes((0.02, bottom, 0.68, 0.86 - bottom))
    legend_ax = fig.add_axes((0.72, bottom, 0.26, 0.86 - bottom))
    legend_ax.axis("off")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#888888")
        spine.set_linewidth(0.6)
    ax.set_facecolor(WATER)

    layer = model.layer
    munis = layers["municipalities"]
    if layer == "departments":
        shapes, key = layers["departments_simplified"], "dept_code"
    elif layer == "municipalities":
        shapes, key = layers["municipalities_simplified"], "muni_code"
    else:
        shapes, key = munis[munis["dept_code"] == model.dept], "muni_code"
    colours = [model.fills[c] for c in shapes[key]]

    detail = layer == "dept_municipalities"
    depts = layers["departments"] if detail else layers["departments_simplified"]
    if detail:
        depts.plot(ax=ax, color=LAND, edgecolor=DEPT_LINE, linewidth=0.4, zorder=1)
    shapes.plot(
        ax=ax,
        color=colours,
        edgecolor=MUNI_LINE if key == "muni_code" else DEPT_LINE,
        linewidth=0.35 if key == "muni_code" else 0.7,
        zorder=2,
    )
    if layer == "municipalities":
        depts.boundary.plot(ax=ax, color=DEPT_LINE, linewidth=0.8, zorder=3)
    if model.dept:
        focus = layers["departments"][layers["departments"]["dept_code"] == model.dept]
        focus.boundary.plot(ax=ax, color=FOCUS_LINE, linewidth=1.6, zorder=4)

    _draw_hexagons(ax, model)
    territory_handles = _draw_territories(ax, model)
    cells = model.incidents is not None and model.incidents.mode == "clusters"
    point_handles = _draw_clusters(ax, model) if cells else _draw_points(ax, model)
    _draw_areas(ax, model, geo)

    for label in model.labels:
        munis[munis["muni_code"] == label.code].boundary.plot(
            ax=ax, color=SELECTED, linewidth=2.2, zorder=8
        )
        anchor = project([_point(label.lon, label.lat)]).iloc[0]
        ax.annotate(
            label.text,
            (anchor.x, anchor.y),
            xytext=(0, 10),
            textcoords="offset points",
            ha="center",
            fontsize=11,
            fontweight="bold",
            zorder=9,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8},
        )

    # the frame: the chosen department, else mainland Colombia
    frame = layers["departments"]
    if model.frame.code is None:
        frame = frame[frame["dept_code"] != ISLANDS]
    else:
        frame = frame[frame["dept_code"] == model.frame.code]
    minx, miny, maxx, maxy = frame.total_bounds
    pad = 0.04 * max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    off_frame = _off_frame(ax, model)
    ax.set_aspect("equal")
    ax.set_xlabel("")
    ax.set_ylabel("")
    _scale_bar(ax)
    _north_arrow(ax)
    if model.dept:
        _inset(ax, layers, model.dept)

    FigureCanvasAgg(fig)
    _legend(legend_ax, model, point_handles, territory_handles, off_frame)
    fig.text(0.02, 0.955, sheet.title, fontsize=18, fontweight="bold", va="top")
    fig.text(0.02, 0.905, sheet.subtitle, fontsize=11, va="top", color="#333333")
    fig.text(
        0.02,
        0.158,
        model.attribution.print_line,
        fontsize=8,
        color="#333333",
        va="top",
        wrap=True,
    )
    if sheet.citation:
        fig.text(
            0.02,
            0.118,
            citation_print(sheet.citation),
            fontsize=5,
            color="#444444",
            va="top",
            wrap=True,
            linespacing=1.15,
        )
    fig.text(0.02, 0.028, sheet.footer, fontsize=7, color="#666666", va="top")
    demo = model.legend.note("demo")
    if demo:
        fig.text(
            0.98,
            0.955,
            demo,
            fontsize=10,
            color="#8a1c1c",
            fontweight="bold",
            ha="right",
            va="top",
        )
    return fig


def _point(lon: float, lat: float) -> object:
    return gpd.points_from_xy([lon], [lat])[0]


def _draw_points(ax: Axes, model: MapModel) -> list[Line2D]:
    pts = model.points
    if pts.empty:
        return []
    projected_points = project(list(gpd.points_from_xy(pts["longitude"], pts["latitude"])))
    xs, ys = projected_points.x.to_numpy(), projected_points.y.to_numpy()
    colours = [point_colour(t) for t in pts["event_type"]]
    size = 9 if len(pts) > 1500 else 16
    ax.scatter(xs, ys, s=size, c=colours, edgecolors="white", linewidths=0.3, zorder=7, alpha=0.9)
    return [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            color=p.colour,
            markeredgecolor="white",
            markersize=6,
            label=p.label,
        )
        for p in model.legend.point_types
        if p.present
    ]


# A cluster's circle (diameter in points) by its count, as the dashboard sizes its icons
CLUSTER_SIZES = ((10, 15.0), (100, 18.0), (1_000, 21.0), (10_000, 24.0))
CLUSTER_MAX_SIZE = 27.0
CLUSTER_FILL = "#282828"
AREA_EDGE = "#333333"


def cluster_diameter(n: int) -> float:
    return next((size for limit, size in CLUSTER_SIZES if n < limit), CLUSTER_MAX_SIZE)


def _draw_clusters(ax: Axes, model: MapModel) -> list[Line2D]:
    """An export's clusters (:func:`conflictmap.clusters.export_layer`): a dark circle per
    cluster at its incidents' mean position, sized by its count, the count written on it."""
    layer = model.incidents
    assert layer is not None
    cells = layer.clusters
    handle = Line2D(
        [], [], marker="o", ls="", color=CLUSTER_FILL, alpha=0.78, markeredgecolor="white",
        markersize=11, label=_("Cluster: the number counts its incidents"),
    )
    if cells.empty:
        return [handle]
    xy = project(list(gpd.points_from_xy(cells["lon"], cells["lat"])))
    counts = [int(n) for n in cells["incidents"]]
    sizes = [cluster_diameter(n) ** 2 for n in counts]
    ax.scatter(xy.x.to_numpy(), xy.y.to_numpy(), s=sizes, c=CLUSTER_FILL, alpha=0.78,
               edgecolors="white", linewidths=1.0, zorder=7)
    for x, y, n in zip(xy.x, xy.y, counts, strict=True):
        ax.text(x, y, number(n), ha="center", va="center", fontsize=5.5, color="white",
                fontweight="bold", zorder=7.5, clip_on=True)
    return [handle]


def _draw_areas(ax: Axes, model: MapModel, geo: Geography) -> None:
    """An export's incidents placed only to a department: "+N" in a dashed box on it (those
    placed only to Colombia or a region have no place: the legend counts them)."""
    layer = model.incidents
    if layer is None or layer.areas.empty:
        return
    reps = geo.representative_points
    for code, n in zip(layer.areas["code"], layer.areas["incidents"], strict=True):
        if code not in reps:  # clusters.COUNTRY: no department known
            continue
        at = project([_point(*reps[code])]).iloc[0]
        ax.text(
            at.x, at.y, "+" + number(int(n)), ha="center", va="center", fontsize=7,
            color=AREA_EDGE, fontweight="bold", zorder=7.6, clip_on=True,
            bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": AREA_EDGE, "ls": "--",
                  "lw": 0.8, "alpha": 0.92},
        )


def _off_frame(ax: Axes, model: MapModel) -> int:
    """Incidents in clusters outside the printed frame (San Andrés y Providencia on a map of
    the mainland), said in the legend."""
    layer = model.incidents
    if layer is None or layer.mode != "clusters" or layer.clusters.empty:
        return 0
    cells = layer.clusters
    xy = project(list(gpd.points_from_xy(cells["lon"], cells["lat"])))
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    inside = (xy.x >= x0) & (xy.x <= x1) & (xy.y >= y0) & (xy.y <= y1)
    return int(cells["incidents"].to_numpy()[~inside.to_numpy()].sum())


def _draw_hexagons(ax: Axes, model: MapModel) -> None:
    """The density view's H3 hexagons, filled by class, over the plain land."""
    hexes = model.hexagons
    if hexes is None or hexes.cells.empty:
        return
    polygons: list[object] = [
        Polygon([(lon, lat) for lat, lon in ring]) for ring in hexes.boundaries()
    ]
    project(polygons).plot(
        ax=ax, color=list(model.hex_fills), edgecolor="#555555", linewidth=0.15, zorder=2.5
    )


def _draw_territories(ax: Axes, model: MapModel) -> list[Patch]:
    terr, legend = model.territories, model.legend.territories
    if terr is None or legend is None:
        return []
    for area in terr.areas:
        geom = project([area.geometry])
        if area.kind == "declared":
            geom.plot(
                ax=ax,
                color=area.colour,
                alpha=LEVEL_OPACITY.get(area.level or "", 0.3),
                edgecolor=area.colour,
                linewidth=0.8,
                zorder=5,
            )
        else:
            geom.boundary.plot(ax=ax, color=area.colour, linewidth=1.4, linestyle="--", zorder=5)
    handles = [
        Patch(facecolor=e.colour, alpha=0.6, edgecolor=e.colour, label=e.group)
        for e in legend.entries
    ]
    if terr.contested:
        geoms = project([c.geometry for c in terr.contested])
        geoms.plot(
            ax=ax, facecolor="none", edgecolor="#000000", hatch="///", linewidth=1.0, zorder=6
        )
        handles.append(
            Patch(facecolor="white", edgecolor="black", hatch="///", label=legend.contested_label)
        )
    return handles


def _nice_length(span_m: float) -> float:
    target = span_m / 5
    magnitude = 10 ** np.floor(np.log10(target))
    for step in (1, 2, 5, 10):
        if step * magnitude >= target:
            return float(step * magnitude)
    return float(10 * magnitude)


def _scale_bar(ax: Axes) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    height = 0.008 * (y1 - y0)
    for i in range(2):
        ax.add_patch(
            Rectangle(
                (bx + i * length / 2, by),
                length / 2,
                height,
                facecolor="black" if i == 0 else "white",
                edgecolor="black",
                linewidth=0.6,
                zorder=21,
            )
        )
    km = length / 1000
    ax.text(bx, by + 2.2 * height, "0", fontsize=7, ha="center", zorder=21)
    ax.text(bx + length, by + 2.2 * height, f"{km:g} km", fontsize=7, ha="center", zorder=21)


def _north_arrow(ax: Axes) -> None:
    ax.add_patch(
        FancyArrow(
            0.95,
            0.86,
            0,
            0.07,
            width=0.008,
            head_width=0.03,
            head_length=0.03,
            transform=ax.transAxes,
            color="black",
            zorder=21,
        )
    )
    ax.text(
        0.95,
        0.965,
        "N",
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=10,
        fontweight="bold",
        zorder=21,
    )


def _inset(ax: Axes, layers: dict[str, gpd.GeoDataFrame], dept: str) -> None:
    """Locator map of Colombia with the focused department in red, in the map's lower right."""
    inset = ax.inset_axes((0.76, 0.02, 0.22, 0.30))
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor("white")
    for spine in inset.spines.values():
        spine.set_edgecolor("#666666")
        spine.set_linewidth(0.6)
    shapes = layers["departments_simplified"]
    islands = dept == ISLANDS  # far off the mainland: shown only when they are the place
    shown = shapes if islands else shapes[shapes["dept_code"] != ISLANDS]
    shown.plot(ax=inset, color=INSET_LAND, edgecolor="#999999", linewidth=0.3)
    focus = shapes[shapes["dept_code"] == dept]
    focus.plot(ax=inset, color=SELECTED)
    if islands:  # too small to see at this scale: mark them
        pt = focus.geometry.iloc[0].centroid
        inset.plot([pt.x], [pt.y], marker="o", markersize=6, color=SELECTED)
    inset.set_aspect("equal")
    inset.set_xlabel("")
    inset.set_ylabel("")
    inset.set_zorder(25)


def _legend(
    ax: Axes,
    model: MapModel,
    point_handles: list[Line2D],
    territory_handles: list[Patch],
    off_frame: int = 0,
) -> None:
    legend = model.legend
    handles = [Patch(facecolor=s.colour, edgecolor="#888888", label=s.label)
               for s in legend.swatches]
    groups: list[tuple[list, str]] = [(handles, legend.title)]
    layer = model.incidents
    if layer is not None and layer.mode == "clusters":
        area = Patch(facecolor="white", edgecolor=AREA_EDGE, linestyle="--",
                     label=_("+N: incidents placed only to the department"))
        groups.append((
            [*point_handles, *([area] if layer.area_incidents else [])],
            _("Incidents ({n}), in clusters").format(
                n=number(layer.in_region + layer.area_incidents)
            ),
        ))
    elif point_handles:
        s = model.points_summary
        groups.append(
            (
                point_handles,
                legend.points_title
                + (
                    "\n"
                    + _("({shown} most recent of {drawable})").format(
                        shown=number(s.shown), drawable=number(s.drawable)
                    )
                    if s.shown < s.drawable
                    else f" ({number(s.drawable)})"
                ),
            )
        )
    if territory_handles:
        groups.append((territory_handles, _("Territories")))
    canvas = ax.figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)  # render_figure attaches one
    renderer = canvas.get_renderer()
    top = 1.0
    for items, title in groups:
        box = ax.legend(
            handles=items,
            title=title,
            loc="upper left",
            bbox_to_anchor=(0, top),
            frameon=False,
            fontsize=9,
            title_fontsize=10,
            alignment="left",
        )
        ax.add_artist(box)
        extent = box.get_window_extent(renderer).transformed(ax.transAxes.inverted())
        top = extent.y0 - 0.03
    texts = [legend.note("unmapped")]
    if layer is not None:  # what is drawn, and where the rest is counted
        texts = [legend.note("points"), legend.note("areas")]
        if off_frame:
            texts.append(
                _("{n} of the incidents in clusters lie outside this frame.").format(
                    n=number(off_frame)
                )
            )
    for text in texts:
        if not text:
            continue
        # what the figures count but the map cannot show (department-only, country or region)
        note = ax.text(0, top, text, fontsize=8, va="top", wrap=True, color="#333333")
        extent = note.get_window_extent(renderer).transformed(ax.transAxes.inverted())
        top = extent.y0 - 0.015
