"""Snapshots and exports: PNG/SVG/PDF (matplotlib, Agg), standalone HTML, CSV/GeoJSON/GeoPackage.

Every snapshot is built from the same :class:`conflictmap.view.ViewData` the dashboard shows and
carries its metadata (filters, datasets, a content hash of the incidents in view, app version,
view URL) inside the file: PNG text chunks, PDF info, SVG ``<metadata>``, an HTML comment, and a
sidecar JSON on request. Output is deterministic for the same data and day, so the dashboard's
download and the CLI give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

import matplotlib

matplotlib.use("Agg")
import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import FancyArrow, Patch, Rectangle  # noqa: E402

from conflictmap import __version__, assets, geodata, mapping, queries, store  # noqa: E402
from conflictmap.classify import NO_DATA_COLOUR, ZERO_COLOUR  # noqa: E402
from conflictmap.divipola import Gazetteer  # noqa: E402
from conflictmap.filters import Filters, ViewOptions, day_month_year, describe  # noqa: E402
from conflictmap.schema import EVENT_TYPES, MAPPABLE_PRECISION, UNKNOWN_COLOUR  # noqa: E402
from conflictmap.sources import (  # noqa: E402
    CITATIONS,
    Citation,
    citations_for,
    format_of_incident,
    formats_in_view,
)
from conflictmap.territories import LEVEL_OPACITY  # noqa: E402
from conflictmap.view import TerritoryOptions, ViewData, load_view, map_spec, place_label  # noqa: E402

IMAGE_FORMATS = ("png", "svg", "pdf")
DATA_FORMATS = ("csv", "geojson", "gpkg")
FORMATS = (*IMAGE_FORMATS, "html", *DATA_FORMATS, "aggregates.csv")
PROJECTED_CRS = "EPSG:9377"  # MAGNA-SIRGAS 2018 / Origen-Nacional (metres)
SHORT_ATTRIBUTION = "Límites: DANE — MGN 2018 (CC BY 4.0)"
PNG_SIZE = (16.0, 10.0)  # inches; at 100 dpi: 1600 x 1000 px
A4_LANDSCAPE = (11.69, 8.27)

RC = {
    "svg.fonttype": "none",  # text stays text in SVG
    "svg.hashsalt": "conflictmap",  # stable element ids
    "pdf.fonttype": 42,
    "font.family": "DejaVu Sans",
    "text.parse_math": False,  # "$2bn" in a title is money, not a formula
}


@dataclass(frozen=True)
class SnapshotRequest:
    filters: Filters
    options: ViewOptions
    territories: TerritoryOptions = TerritoryOptions()
    title: str | None = None
    dpi: int = 100
    inline_assets: bool = False
    basemap: str = "none"


# --------------------------------------------------------------------------------------------
# Metadata


def view_query(request: SnapshotRequest) -> str:
    params: list[tuple[str, str]] = []
    for key, value in {**request.filters.to_params(), **request.options.to_params()}.items():
        for v in value if isinstance(value, list) else [value]:
            params.append((key, str(v)))
    return "?" + urlencode(params)


def cited_sources(view: ViewData, citations: list[Citation] | None = None) -> list[str]:
    """The incident sources line of an export: the view's sources, with the citation of every
    licensed source in view first (also those found in the database but not in the view's
    first five sources per dataset)."""
    shown = view.sources
    missing = [c.attribution for c in citations or [] if c.attribution not in shown]
    return missing + shown


def metadata(
    request: SnapshotRequest,
    view: ViewData,
    content_hash: str,
    label: str,
    citations: list[Citation] | None = None,
) -> dict:
    """The export's metadata. ``citations``: the licensed sources in view (default: those the
    view's sources name); every one is listed with its licence and references."""
    cites = view.citations if citations is None else citations
    return {
        "app": "ConflictMap",
        "version": __version__,
        "title": title_for(request, label),
        "subtitle": describe(request.filters, label),
        "filters": request.filters.to_params(),
        "view": request.options.to_params(),
        "view_url": view_query(request),
        "datasets": sorted(view.datasets["dataset"].tolist()) if len(view.datasets) else [],
        "territory_datasets": list(view.territory_datasets),
        "incidents": view.figures.incidents,
        "fatalities": view.figures.fatalities,
        "not_on_map": {
            "note": view.unmapped_note,
            "levels": [
                {"level": u.level, "incidents": u.incidents, "fatalities": u.fatalities}
                for u in view.unmapped
            ],
        },
        "content_sha256": content_hash,
        "synthetic_demo_data": view.demo_in_view,
        "boundaries": SHORT_ATTRIBUTION,
        "incident_sources": cited_sources(view, cites),
        "citations": [c.as_json() for c in cites],
        "exported": date.today().isoformat(),
    }


def title_for(request: SnapshotRequest, label: str) -> str:
    if request.title:
        return request.title
    metric = "Fatalities" if request.options.metric == "fatalities" else "Incidents"
    return f"{metric} — {label}"


# --------------------------------------------------------------------------------------------
# Geometry in a metric projection (cached)


@lru_cache(maxsize=4)
def _projected(sha: str) -> dict[str, gpd.GeoDataFrame]:
    b = geodata.load_boundaries()
    return {
        "departments": b.departments.to_crs(PROJECTED_CRS),
        "municipalities": b.municipalities.to_crs(PROJECTED_CRS),
        "departments_simplified": b.departments_simplified.to_crs(PROJECTED_CRS),
        "municipalities_simplified": b.municipalities_simplified.to_crs(PROJECTED_CRS),
    }


def _project_geoms(geoms: list[object]) -> gpd.GeoSeries:
    return gpd.GeoSeries(geoms, crs=geodata.CRS).to_crs(PROJECTED_CRS)


# --------------------------------------------------------------------------------------------
# The static map


def render_figure(
    request: SnapshotRequest,
    view: ViewData,
    boundaries: geodata.Boundaries,
    gazetteer: Gazetteer,
    *,
    size: tuple[float, float] = PNG_SIZE,
    incident_sources: list[str] | None = None,
) -> Figure:
    """The static map. ``incident_sources``: the attribution line's sources (default: the
    view's, see :func:`cited_sources`)."""
    layers = _projected(boundaries.source_sha256)
    spec = map_spec(view)
    label = place_label(request.filters, gazetteer)
    fig = plt.figure(figsize=size)
    ax = fig.add_axes((0.02, 0.10, 0.68, 0.76))
    legend_ax = fig.add_axes((0.72, 0.10, 0.26, 0.76))
    legend_ax.axis("off")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#888888")
        spine.set_linewidth(0.6)
    ax.set_facecolor(mapping.WATER)

    layer = mapping.view_layer(spec)
    if layer == "departments":
        shapes, key = layers["departments_simplified"], "dept_code"
    elif layer == "municipalities":
        shapes, key = layers["municipalities_simplified"], "muni_code"
    else:
        shapes = layers["municipalities"][
            layers["municipalities"]["dept_code"] == request.filters.dept
        ]
        key = "muni_code"
    codes = shapes[key].tolist()
    values = mapping.choropleth_values(spec, codes)
    classes = mapping.view_classes(spec, values)
    idx = 0 if spec.metric == "incidents" else 1
    colours = [classes.colour(values[c][idx]) for c in codes]

    depts = (
        layers["departments"]
        if layer == "dept_municipalities"
        else layers["departments_simplified"]
    )
    if layer == "dept_municipalities":
        depts.plot(ax=ax, color=mapping.LAND, edgecolor=mapping.DEPT_LINE, linewidth=0.4, zorder=1)
    shapes.plot(
        ax=ax,
        color=colours,
        edgecolor=mapping.MUNI_LINE if key == "muni_code" else mapping.DEPT_LINE,
        linewidth=0.35 if key == "muni_code" else 0.7,
        zorder=2,
    )
    if layer == "municipalities":
        depts.boundary.plot(ax=ax, color=mapping.DEPT_LINE, linewidth=0.8, zorder=3)
    if request.filters.dept:
        focus = layers["departments"][layers["departments"]["dept_code"] == request.filters.dept]
        focus.boundary.plot(ax=ax, color="#000000", linewidth=1.6, zorder=4)

    territory_handles = _draw_territories(ax, view)
    point_handles = _draw_points(ax, view)

    if request.filters.muni:
        sel = layers["municipalities"][
            layers["municipalities"]["muni_code"] == request.filters.muni
        ]
        if len(sel):
            sel.boundary.plot(ax=ax, color="#e31a1c", linewidth=2.2, zorder=8)
            pt = sel.geometry.iloc[0].representative_point()
            name = gazetteer.municipality(request.filters.muni).muni_name or request.filters.muni
            ax.annotate(
                name,
                (pt.x, pt.y),
                xytext=(0, 10),
                textcoords="offset points",
                ha="center",
                fontsize=11,
                fontweight="bold",
                zorder=9,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8},
            )

    # extent: the focused place, else mainland Colombia (San Andrés in an inset would be nicer)
    if request.filters.dept:
        minx, miny, maxx, maxy = layers["departments"][
            layers["departments"]["dept_code"] == request.filters.dept
        ].total_bounds
    else:
        minx, miny, maxx, maxy = layers["departments"][
            layers["departments"]["dept_code"] != "88"
        ].total_bounds
    pad = 0.04 * max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    ax.set_xlabel("")
    ax.set_ylabel("")
    _scale_bar(ax)
    _north_arrow(ax)
    if request.filters.dept:
        _inset(ax, layers, request.filters.dept)

    _legend(legend_ax, spec, classes, point_handles, territory_handles, view)
    meta_title = title_for(request, label)
    fig.text(0.02, 0.955, meta_title, fontsize=18, fontweight="bold", va="top")
    fig.text(0.02, 0.905, describe(request.filters, label), fontsize=11, va="top", color="#333333")
    shown = view.sources if incident_sources is None else incident_sources
    sources = "; ".join(shown) if shown else "none"
    fig.text(
        0.02,
        0.055,
        f"{SHORT_ATTRIBUTION}. Incidents: {sources}.",
        fontsize=8,
        color="#333333",
        va="top",
        wrap=True,
    )
    fig.text(
        0.02,
        0.03,
        f"Exported {day_month_year(date.today())} with ConflictMap {__version__} · "
        f"view {view_query(request)}",
        fontsize=7,
        color="#666666",
        va="top",
    )
    if view.demo_in_view:
        fig.text(
            0.98,
            0.955,
            "Includes SYNTHETIC demo data — not real incidents",
            fontsize=10,
            color="#8a1c1c",
            fontweight="bold",
            ha="right",
            va="top",
        )
    return fig


def _draw_points(ax: plt.Axes, view: ViewData) -> list[Line2D]:
    pts = view.points
    if pts.empty:
        return []
    projected = _project_geoms(list(gpd.points_from_xy(pts["longitude"], pts["latitude"])))
    xs, ys = projected.x.to_numpy(), projected.y.to_numpy()
    colours = [EVENT_TYPES.get(t, UNKNOWN_COLOUR) for t in pts["event_type"]]
    size = 9 if len(pts) > 1500 else 16
    ax.scatter(xs, ys, s=size, c=colours, edgecolors="white", linewidths=0.3, zorder=7, alpha=0.9)
    present = [t for t in EVENT_TYPES if t in set(pts["event_type"])]
    return [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            color=EVENT_TYPES[t],
            markeredgecolor="white",
            markersize=6,
            label=t,
        )
        for t in present
    ]


def _draw_territories(ax: plt.Axes, view: ViewData) -> list[Patch]:
    terr = view.territories
    if terr is None or not (terr.areas or terr.contested):
        return []
    handles: list[Patch] = []
    seen: set[str] = set()
    for area in terr.areas:
        geom = _project_geoms([area.geometry])
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
        if area.group not in seen:
            seen.add(area.group)
            handles.append(
                Patch(facecolor=area.colour, alpha=0.6, edgecolor=area.colour, label=area.group)
            )
    if terr.contested:
        geoms = _project_geoms([c.geometry for c in terr.contested])
        geoms.plot(
            ax=ax, facecolor="none", edgecolor="#000000", hatch="///", linewidth=1.0, zorder=6
        )
        handles.append(
            Patch(
                facecolor="white",
                edgecolor="black",
                hatch="///",
                label=f"contested ({len(terr.contested)})",
            )
        )
    return handles


def _nice_length(span_m: float) -> float:
    target = span_m / 5
    magnitude = 10 ** np.floor(np.log10(target))
    for step in (1, 2, 5, 10):
        if step * magnitude >= target:
            return float(step * magnitude)
    return float(10 * magnitude)


def _scale_bar(ax: plt.Axes) -> None:
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


def _north_arrow(ax: plt.Axes) -> None:
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


def _inset(ax: plt.Axes, layers: dict[str, gpd.GeoDataFrame], dept: str) -> None:
    """Locator map of Colombia with the focused department in red, in the map's lower right."""
    inset = ax.inset_axes((0.76, 0.02, 0.22, 0.30))
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor("white")
    for spine in inset.spines.values():
        spine.set_edgecolor("#666666")
        spine.set_linewidth(0.6)
    shapes = layers["departments_simplified"]
    shown = shapes if dept == "88" else shapes[shapes["dept_code"] != "88"]  # islands far off
    shown.plot(ax=inset, color="#eeeeee", edgecolor="#999999", linewidth=0.3)
    focus = shapes[shapes["dept_code"] == dept]
    focus.plot(ax=inset, color="#e31a1c")
    if dept == "88":  # too small to see at this scale: mark it
        pt = focus.geometry.iloc[0].centroid
        inset.plot([pt.x], [pt.y], marker="o", markersize=6, color="#e31a1c")
    inset.set_aspect("equal")
    inset.set_xlabel("")
    inset.set_ylabel("")
    inset.set_zorder(25)


def _legend(
    ax: plt.Axes, spec: mapping.MapSpec, classes, point_handles, territory_handles, view: ViewData
) -> None:  # noqa: ANN001
    unit = "department" if mapping.view_layer(spec) == "departments" else "municipality"
    metric = mapping.METRIC_LABELS[spec.metric]
    handles = [
        Patch(facecolor=c, edgecolor="#888888", label=t)
        for c, t in zip(classes.colours, classes.labels(), strict=True)
    ]
    handles.append(Patch(facecolor=ZERO_COLOUR, edgecolor="#888888", label="0"))
    if spec.metric == "fatalities":
        handles.append(
            Patch(
                facecolor=NO_DATA_COLOUR, edgecolor="#888888", label="unknown fatalities count as 0"
            )
        )
    groups = [(handles, f"{metric} per {unit} ({classes.method})")]
    if point_handles:
        shown = len(view.points)
        total = view.total - sum(u.incidents for u in view.unmapped)  # those with a place
        groups.append(
            (
                point_handles,
                "Incidents by event type"
                + (f"\n({shown:,} most recent of {total:,})" if shown < total else f" ({total:,})"),
            )
        )
    if territory_handles:
        groups.append((territory_handles, "Territories"))
    renderer = ax.figure.canvas.get_renderer()
    top = 1.0
    for items, title in groups:
        legend = ax.legend(
            handles=items,
            title=title,
            loc="upper left",
            bbox_to_anchor=(0, top),
            frameon=False,
            fontsize=9,
            title_fontsize=10,
            alignment="left",
        )
        ax.add_artist(legend)
        box = legend.get_window_extent(renderer).transformed(ax.transAxes.inverted())
        top = box.y0 - 0.03
    if view.unmapped_note:
        # what the figures count but the map cannot show (department-only, country or region)
        ax.text(0, top, view.unmapped_note, fontsize=8, va="top", wrap=True, color="#333333")


# --------------------------------------------------------------------------------------------
# Writing files


def _image_bytes(fig: Figure, fmt: str, meta: dict, dpi: int) -> bytes:
    buffer = io.BytesIO()
    blob = json.dumps(meta, ensure_ascii=False, sort_keys=True)
    try:
        _save(fig, buffer, fmt, meta, blob, dpi)
    finally:
        plt.close(fig)
    return buffer.getvalue()


def _rights(meta: dict) -> str:
    """Boundaries' attribution, then the citation of every licensed incident source in view."""
    cites = [c["attribution"] for c in meta.get("citations", [])]
    return "; ".join([SHORT_ATTRIBUTION, *cites])


def _save(fig: Figure, buffer: io.BytesIO, fmt: str, meta: dict, blob: str, dpi: int) -> None:
    if fmt == "png":
        info = {
            "Title": meta["title"],
            "Description": meta["subtitle"],
            "Software": f"ConflictMap {__version__}",
            "Source": _rights(meta),
            "conflictmap": blob,
        }
        fig.savefig(buffer, format="png", dpi=dpi, metadata=info)
    elif fmt == "svg":
        info = {
            "Title": meta["title"],
            "Description": blob,
            "Creator": f"ConflictMap {__version__}",
            "Date": None,
            "Rights": _rights(meta),
        }
        fig.savefig(buffer, format="svg", metadata=info)
    elif fmt == "pdf":
        info = {
            "Title": meta["title"],
            "Subject": blob,
            "Keywords": meta["view_url"],
            "Creator": f"ConflictMap {__version__}",
            "CreationDate": None,
            "ModDate": None,
        }
        fig.savefig(buffer, format="pdf", metadata=info)
    else:
        raise ValueError(fmt)


def html_bytes(
    request: SnapshotRequest, view: ViewData, boundaries: geodata.Boundaries, meta: dict
) -> bytes:
    """The interactive map as one file: assets from pinned CDNs, or inlined for offline use."""
    spec = map_spec(view, request.basemap)
    if "incident_sources" in meta:
        spec = replace(spec, sources=list(meta["incident_sources"]))
    fmap = mapping.build_map(spec, boundaries)
    page = _stable_ids(fmap.get_root().render())
    page = assets.inline_assets(page) if request.inline_assets else assets.cdn_assets(page)
    # JSON escapes keep the comment closed and markup from the data (e.g. a source named
    # "<script>…") out of the page's text; json.loads gives the metadata back unchanged
    blob = (
        json.dumps(meta, ensure_ascii=False, sort_keys=True)
        .replace("--", "\\u002d\\u002d")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
    )
    title = mapping.esc(meta["title"])
    head = f"<!-- conflictmap-snapshot {blob} -->\n"
    page = page.replace("<head>", f"<head>\n<title>{title}</title>", 1)
    return (head + page).encode("utf-8")


def _stable_ids(page: str) -> str:
    """folium names elements with random hex ids: number them in order of appearance instead,
    so the same map gives the same bytes."""
    import re

    ids: dict[str, str] = {}
    return re.sub(
        r"(?<=_)[0-9a-f]{32}(?![0-9a-f])",
        lambda m: ids.setdefault(m.group(0), f"{len(ids):032x}"),
        page,
    )


def incidents_frame(
    request: SnapshotRequest, db: str | os.PathLike[str] | None, boundaries: geodata.Boundaries
) -> pd.DataFrame:
    with store.connect(db, read_only=True) as con:
        frame = queries.incident_export(con, request.filters)
    depts = dict(
        zip(boundaries.departments["dept_code"], boundaries.departments["dept_name"], strict=True)
    )
    munis = dict(
        zip(
            boundaries.municipalities["muni_code"],
            boundaries.municipalities["muni_name"],
            strict=True,
        )
    )
    frame.insert(frame.columns.get_loc("dept_code") + 1, "dept_name", frame["dept_code"].map(depts))
    frame.insert(frame.columns.get_loc("muni_code") + 1, "muni_name", frame["muni_code"].map(munis))
    return frame


def aggregates_frame(view: ViewData, boundaries: geodata.Boundaries) -> pd.DataFrame:
    spec = map_spec(view)
    layer = mapping.view_layer(spec)
    if layer == "departments":
        names = boundaries.departments.set_index("dept_code")["dept_name"]
    else:
        munis = boundaries.municipalities
        if spec.dept:
            munis = munis[munis["dept_code"] == spec.dept]
        names = munis.set_index("muni_code")["muni_name"]
    values = mapping.choropleth_values(spec, list(names.index))
    classes = mapping.view_classes(spec, values)
    idx = 0 if spec.metric == "incidents" else 1
    return pd.DataFrame(
        {
            "code": list(names.index),
            "name": list(names.values),
            "incidents": [values[c][0] for c in names.index],
            "fatalities": [values[c][1] for c in names.index],
            "class_colour": [classes.colour(values[c][idx]) for c in names.index],
        }
    )


CITATION_COLUMN = "citation"


def with_citation_column(frame: pd.DataFrame) -> pd.DataFrame:
    """The incidents with a last column ``citation``: for each row from a licensed source (by
    its incident_id, e.g. ``ucdp:``), the attribution its licence asks for; else empty. It
    travels with every row of a CSV, GeoJSON or GeoPackage export."""
    by_format = {c.format: c.attribution for c in CITATIONS.values()}
    cites = frame["incident_id"].map(lambda i: by_format.get(format_of_incident(i) or "", ""))
    return frame.assign(**{CITATION_COLUMN: cites.astype(object)})


def _gpkg_options(frame: pd.DataFrame) -> dict[str, str]:
    """The GeoPackage layer's description (gpkg_contents) names the citations of its rows."""
    cites = sorted({c for c in frame[CITATION_COLUMN] if c})
    return {"DESCRIPTION": "Incidents: " + "; ".join(cites)} if cites else {}


def _incident_points(frame: pd.DataFrame) -> gpd.GeoSeries:
    """Points of the incidents placed to a municipality or finer; department-only and unplaced
    incidents get a null geometry (their figures are in the attributes), never a centroid."""
    drawn = frame["latitude"].notna() & (frame["geo_precision"] <= MAPPABLE_PRECISION)
    points = gpd.GeoSeries(
        gpd.points_from_xy(frame["longitude"].fillna(0), frame["latitude"].fillna(0)),
        index=frame.index,
        crs=geodata.CRS,
    )
    return points.where(drawn.to_numpy(), None)


def data_bytes(fmt: str, request: SnapshotRequest, view: ViewData, db, boundaries) -> bytes:  # noqa: ANN001
    if fmt == "aggregates.csv":
        return aggregates_frame(view, boundaries).to_csv(index=False).encode("utf-8")
    frame = with_citation_column(incidents_frame(request, db, boundaries))
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    gdf = gpd.GeoDataFrame(
        frame.assign(
            event_date=frame["event_date"].astype(str),
            imported_at=frame["imported_at"].astype(str),
            assoc_actors=frame["assoc_actors"].map(
                lambda v: "; ".join(v) if isinstance(v, (list, np.ndarray)) else ""
            ),
        ),
        geometry=_incident_points(frame),
        crs=geodata.CRS,
    )
    if fmt == "geojson":
        return gdf.to_json(drop_id=True, ensure_ascii=False).encode("utf-8")
    if fmt == "gpkg":
        import pyogrio

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "incidents.gpkg"
            # GDAL stamps the current time into the file: pin it to the day for stable bytes
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": f"{date.today()}T00:00:00.000Z"})
            try:
                gdf.to_file(
                    path, layer="incidents", driver="GPKG", layer_options=_gpkg_options(frame)
                )
            finally:
                pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
            return path.read_bytes()
    raise ValueError(fmt)


@dataclass
class Snapshot:
    content: bytes
    metadata: dict
    fmt: str

    @property
    def sidecar(self) -> bytes:
        return json.dumps(self.metadata, ensure_ascii=False, indent=2, sort_keys=True).encode()


def snapshot(
    request: SnapshotRequest,
    fmt: str,
    *,
    db: str | os.PathLike[str] | None = None,
    view: ViewData | None = None,
    boundaries: geodata.Boundaries | None = None,
    gazetteer: Gazetteer | None = None,
) -> Snapshot:
    """Build one export in memory. ``fmt`` is one of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format '{fmt}' (known: {', '.join(FORMATS)})")
    b = boundaries or geodata.load_boundaries()
    gaz = gazetteer or Gazetteer.from_boundaries(b)
    view = view or load_view(
        request.filters, request.options, db=db, territory_options=request.territories
    )
    with store.connect(db, read_only=True) as con:
        content_hash = queries.content_hash(con, request.filters)
        # licensed sources by incident_id, not only by the view's first sources per dataset
        cited = formats_in_view(con, request.filters)
    citations = citations_for({c.format for c in view.citations} | cited)
    label = place_label(request.filters, gaz)
    meta = metadata(request, view, content_hash, label, citations)
    meta["format"] = fmt
    if fmt in IMAGE_FORMATS:
        size = A4_LANDSCAPE if fmt == "pdf" else PNG_SIZE
        dpi = max(request.dpi, 100)
        with matplotlib.rc_context(RC):
            fig = render_figure(
                request, view, b, gaz, size=size, incident_sources=meta["incident_sources"]
            )
            return Snapshot(_image_bytes(fig, fmt, meta, dpi), meta, fmt)
    if fmt == "html":
        return Snapshot(html_bytes(request, view, b, meta), meta, fmt)
    return Snapshot(data_bytes(fmt, request, view, db, b), meta, fmt)


def format_of(path: str | os.PathLike[str]) -> str:
    name = Path(path).name.lower()
    if name.endswith(".aggregates.csv"):
        return "aggregates.csv"
    suffix = Path(name).suffix.lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(
            f"{path}: unknown export format '.{suffix}' (use one of: "
            f"{', '.join('.' + f for f in FORMATS)})"
        )
    return suffix


def write(snap: Snapshot, out: str | os.PathLike[str], *, sidecar: bool = False) -> list[Path]:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(snap.content)
    written = [out]
    if sidecar:
        side = out.with_name(out.name + ".json")
        side.write_bytes(snap.sidecar)
        written.append(side)
    return written


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# What the dashboard's Export panel offers: label -> (format, dpi, inline assets)
UI_CHOICES: dict[str, tuple[str, int, bool]] = {
    "PNG image (1600 px)": ("png", 100, False),
    "PNG for print (300 dpi)": ("png", 300, False),
    "SVG (editable text)": ("svg", 100, False),
    "PDF (A4 landscape)": ("pdf", 100, False),
    "Interactive HTML": ("html", 100, False),
    "Interactive HTML, works offline": ("html", 100, True),
    "Incidents CSV": ("csv", 100, False),
    "Incidents GeoJSON": ("geojson", 100, False),
    "Incidents GeoPackage": ("gpkg", 100, False),
    "Choropleth table CSV": ("aggregates.csv", 100, False),
}
MIME = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "html": "text/html",
    "csv": "text/csv",
    "aggregates.csv": "text/csv",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
}


def filename_for(request: SnapshotRequest, fmt: str) -> str:
    from conflictmap.divipola import normalise

    f = request.filters
    parts = ["conflictmap", f.muni or f.dept or "colombia"]
    if f.date_from or f.date_to:
        parts.append(f"{f.date_from or 'start'}_{f.date_to or 'today'}")
    if request.title:
        parts.append("-".join(normalise(request.title).split())[:40])
    return "-".join(str(p) for p in parts) + f".{fmt}"
