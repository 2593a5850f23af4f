"""Folium map building: choropleth, boundaries, clustered incident points, legend, attribution.

Only what the map draws goes to the browser: simplified geometry nationally, coordinates rounded
to 4 decimals (~11 m, the source's own quantisation), and only the properties the map uses.
Every text that reaches the browser is escaped in Python or set with ``textContent`` in
JavaScript, so markup in incident data is shown as text, never run.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from functools import lru_cache

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.plugins import MarkerCluster
from jinja2 import Template

from conflictmap import assets, geodata, settings
from conflictmap.classify import NO_DATA_COLOUR, ZERO_COLOUR, Classes, classify
from conflictmap.schema import EVENT_TYPES, UNKNOWN_COLOUR
from conflictmap.territories import LEVEL_OPACITY, TerritoryView

COORD_DECIMALS = 4
POINT_BUDGET = settings.get().point_budget  # $CONFLICTMAP_POINT_BUDGET, default 3000
DETAIL_SIMPLIFY = 0.0015  # degrees, for the municipalities of a focused department
MAP_HEIGHT = 620
BASEMAPS = {
    "none": ("No tiles — boundaries only (works offline)", None, None),
    "positron": (
        "CartoDB Positron (online)",
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
        '&copy; <a href="https://carto.com/attributions">CARTO</a>',
    ),
    "osm": (
        "OpenStreetMap (online)",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    ),
}
WATER = "#dde8ef"
LAND = "#f4f3ee"
DEPT_LINE = "#4d4d4d"
MUNI_LINE = "#8c8c8c"
METRIC_LABELS = {"incidents": "Incidents", "fatalities": "Fatalities"}


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


def esc(value: object) -> str:
    """HTML-escape, and neutralise what is code inside a JavaScript template literal (folium
    puts tooltip text in one): backquote, ``$`` and backslash become character references."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return (
        html.escape(str(value), quote=True)
        .replace("\\", "&#92;")
        .replace("`", "&#96;")
        .replace("$", "&#36;")
    )


def _round_geoms(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda c: np.round(c, COORD_DECIMALS))


@lru_cache(maxsize=64)
def _geometry_json(sha: str, layer: str, dept: str | None) -> tuple[tuple[str, dict], ...]:
    """(code, GeoJSON geometry) pairs for a layer, built once per boundary source and view."""
    b = geodata.load_boundaries()
    if layer == "departments":
        frame, key = b.departments_simplified, "dept_code"
    elif layer == "dept_borders":  # outlines over municipalities at national zoom: coarser is fine
        frame, key = b.departments_simplified, "dept_code"
        frame = frame.assign(
            geometry=shapely.coverage_simplify(np.asarray(frame.geometry.values), 0.04)
        )
    elif layer == "municipalities":
        frame, key = b.municipalities_simplified, "muni_code"
    elif layer == "dept_municipalities":
        frame, key = b.department_municipalities(dept or ""), "muni_code"
        geoms = np.asarray(frame.geometry.values)
        try:
            geoms = shapely.coverage_simplify(geoms, DETAIL_SIMPLIFY)
        except Exception:  # noqa: BLE001
            geoms = shapely.simplify(geoms, DETAIL_SIMPLIFY / 3, preserve_topology=True)
        frame = frame.assign(geometry=geoms)
    else:
        raise ValueError(layer)
    geoms = _round_geoms(np.asarray(frame.geometry.values))
    return tuple(
        (code, json.loads(shapely.to_geojson(g)))
        for code, g in zip(frame[key].tolist(), geoms, strict=True)
    )


def _features(
    pairs: tuple[tuple[str, dict], ...], props: dict[str, dict[str, object]]
) -> dict[str, object]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": code, "geometry": geom, "properties": props[code]}
            for code, geom in pairs
            if code in props
        ],
    }


def _fmt_int(value: object) -> str:
    return f"{int(value):,}" if value is not None and not pd.isna(value) else "—"


def choropleth_values(spec: MapSpec, codes: list[str]) -> dict[str, tuple[int, int]]:
    agg = spec.aggregates.set_index("code") if not spec.aggregates.empty else None
    out: dict[str, tuple[int, int]] = {}
    for code in codes:
        if agg is not None and code in agg.index:
            out[code] = (int(agg.at[code, "incidents"]), int(agg.at[code, "fatalities"]))
        else:
            out[code] = (0, 0)
    return out


def view_layer(spec: MapSpec) -> str:
    if spec.dept:
        return "dept_municipalities"
    return "municipalities" if spec.level == "municipality" else "departments"


def view_classes(spec: MapSpec, values: dict[str, tuple[int, int]]) -> Classes:
    if spec.classes is not None:
        return spec.classes
    idx = 0 if spec.metric == "incidents" else 1
    return classify([v[idx] for v in values.values()])


def build_map(spec: MapSpec, boundaries: geodata.Boundaries | None = None) -> folium.Map:
    assets.use_local_assets()
    b = boundaries or geodata.load_boundaries()
    sha = b.source_sha256
    label, tiles_url, tiles_attr = BASEMAPS.get(spec.basemap, BASEMAPS["none"])
    fmap = folium.Map(
        location=[4.6, -74.1],
        zoom_start=5,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        maxZoom=18,
        minZoom=4,
        font_size="12px",
    )
    if tiles_url:
        folium.TileLayer(tiles_url, attr=tiles_attr, name=label, max_zoom=18, control=False).add_to(
            fmap
        )
    else:
        fmap.get_root().header.add_child(
            Element(f"<style>.leaflet-container{{background:{WATER};}}</style>")
        )

    dept_names = dict(zip(b.departments["dept_code"], b.departments["dept_name"], strict=True))
    muni_frame = b.municipalities
    muni_names = dict(zip(muni_frame["muni_code"], muni_frame["muni_name"], strict=True))
    muni_depts = dict(zip(muni_frame["muni_code"], muni_frame["dept_code"], strict=True))

    # Context: every department as land (and, zoomed in, the neighbours in grey)
    dept_pairs = _geometry_json(sha, "departments", None)
    context_props = {
        code: {"name": esc(dept_names[code]), "code": code, "level": "department"}
        for code, _ in dept_pairs
    }
    layer = view_layer(spec)
    metric_idx = 0 if spec.metric == "incidents" else 1
    if layer == "departments":
        pairs = dept_pairs
        codes = [c for c, _ in pairs]
    else:
        pairs = _geometry_json(sha, layer, spec.dept)
        codes = [c for c, _ in pairs]
    values = choropleth_values(spec, codes)
    classes = view_classes(spec, values)

    if layer == "dept_municipalities":
        folium.GeoJson(
            _features(dept_pairs, context_props),
            name="Departments (context)",
            style_function=lambda f: {
                "fillColor": LAND,
                "fillOpacity": 1 if tiles_url is None else 0,
                "color": DEPT_LINE,
                "weight": 0.6,
            },
            highlight_function=lambda f: {"weight": 2},
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False, sticky=False),
            control=False,
            smooth_factor=0.5,
        ).add_to(fmap)

    props: dict[str, dict[str, object]] = {}
    for code in codes:
        incidents, fatalities = values[code]
        value = values[code][metric_idx]
        if layer == "departments":
            name = dept_names[code]
            level = "department"
        else:
            name = f"{muni_names[code]}, {dept_names[muni_depts[code]]}"
            level = "municipality"
        props[code] = {
            "name": esc(name),
            "code": code,
            "level": level,
            "incidents": _fmt_int(incidents),
            "fatalities": _fmt_int(fatalities),
            "fill": classes.colour(value),
        }
    level_label = "Departments" if layer == "departments" else "Municipalities"
    folium.GeoJson(
        _features(pairs, props),
        name=f"{level_label}: {METRIC_LABELS[spec.metric].lower()}",
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.85,
            "color": DEPT_LINE if f["properties"]["level"] == "department" else MUNI_LINE,
            "weight": 1.2 if f["properties"]["level"] == "department" else 0.5,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "incidents", "fatalities"],
            aliases=["", "Incidents", "Fatalities"],
            sticky=False,
        ),
        smooth_factor=0.5,
    ).add_to(fmap)

    # National department view: municipality lines appear once zoomed in (zoom >= 8)
    if layer == "departments":
        muni_pairs = _geometry_json(sha, "municipalities", None)
        lines = folium.GeoJson(
            _features(muni_pairs, {c: {} for c, _ in muni_pairs}),
            name="Municipality lines (zoom in)",
            style_function=lambda f: {"fill": False, "color": MUNI_LINE, "weight": 0.5},
            interactive=False,
            control=False,
        )
        lines.add_to(fmap)
        fmap.add_child(_ZoomGate(lines, MUNI_LINES_ZOOM))

    # Department outlines over municipality fills (heavier than municipality lines)
    if layer == "municipalities":
        border_pairs = _geometry_json(sha, "dept_borders", None)
        folium.GeoJson(
            _features(border_pairs, {c: {} for c, _ in border_pairs}),
            name="Department borders",
            style_function=lambda f: {"fill": False, "color": DEPT_LINE, "weight": 1.4},
            interactive=False,
            control=False,
        ).add_to(fmap)
    if spec.dept:
        focus = [p for p in dept_pairs if p[0] == spec.dept]
        folium.GeoJson(
            _features(focus, {spec.dept: {}}),
            name="Department border",
            style_function=lambda f: {"fill": False, "color": "#000000", "weight": 2.2},
            interactive=False,
            control=False,
        ).add_to(fmap)
    if spec.muni and spec.muni in props:
        selected = [p for p in pairs if p[0] == spec.muni]
        folium.GeoJson(
            _features(selected, {spec.muni: {}}),
            name="Selected municipality",
            style_function=lambda f: {"fill": False, "color": "#e31a1c", "weight": 3.5},
            interactive=False,
            control=False,
        ).add_to(fmap)
        point = shapely.from_geojson(json.dumps(selected[0][1])).representative_point()
        folium.Marker(
            [point.y, point.x],
            icon=folium.DivIcon(
                html=f'<div class="cm-label">{esc(muni_names[spec.muni])}</div>',
                icon_size=(160, 20),
                icon_anchor=(80, -6),
            ),
            interactive=False,
        ).add_to(fmap)

    if spec.territories is not None:
        _add_territories(fmap, spec.territories, muni_names, dept_names)
    shown = _add_points(fmap, spec, muni_names, dept_names)
    _fit_bounds(fmap, b, spec)
    fmap.get_root().header.add_child(Element(_CSS))
    legend = legend_html(spec, classes, shown, label)
    fmap.add_child(
        _MapControls(legend, attribution_text(b.attribution, spec.sources), spec.caption)
    )
    folium.LayerControl(collapsed=True).add_to(fmap)
    return fmap


def _geojson(geom: object) -> dict[str, object]:
    return json.loads(shapely.to_geojson(_round_geoms(np.asarray([geom]))[0]))


def _validity_text(start: object, end: object) -> str:
    if start is None:
        return "in the filtered period"
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}" if end else f"since {start:%Y-%m-%d} (open)"


def _add_territories(
    fmap: folium.Map, view: TerritoryView, muni_names: dict[str, str], dept_names: dict[str, str]
) -> None:
    """One toggleable layer per group and kind; declared solid (opacity by level), inferred
    dashed; contested municipalities outlined with the groups named."""
    groups: dict[tuple[str, str], folium.FeatureGroup] = {}
    for area in view.areas:
        key = (area.group, area.kind)
        if key not in groups:
            label = (
                "declared"
                if area.kind == "declared"
                else (f"inferred from incidents (≥ {view.min_incidents})")
            )
            groups[key] = folium.FeatureGroup(name=f"{area.group} — {label}", show=True)
            groups[key].add_to(fmap)
        names = ", ".join(muni_names.get(c, c) for c in area.municipalities[:8])
        more = len(area.municipalities) - 8
        tip = (
            f"<b>{esc(area.group)}</b><br>{esc(area.kind)}"
            + (f" · {esc(area.level)}" if area.level else "")
            + f"<br>{len(area.municipalities):,} municipalities: {esc(names)}"
            + (f" and {more:,} more" if more > 0 else "")
            + f"<br>Sources: {esc('; '.join(area.sources))}"
            + f"<br>Valid: {esc(_validity_text(area.valid_from, area.valid_to))}"
        )
        if area.kind == "declared":
            style = {
                "fillColor": area.colour,
                "fillOpacity": LEVEL_OPACITY.get(area.level or "", 0.3),
                "color": area.colour,
                "weight": 1.5,
                "opacity": 0.9,
            }
        else:
            style = {
                "fillColor": area.colour,
                "fillOpacity": 0.06,
                "color": area.colour,
                "weight": 2.2,
                "dashArray": "6 4",
                "opacity": 0.95,
            }
        folium.GeoJson(
            {
                "type": "Feature",
                "properties": {"territory": area.group},
                "geometry": _geojson(area.geometry),
            },
            style_function=lambda f, st=style: st,
            highlight_function=lambda f: {"weight": 3.5},
            tooltip=folium.Tooltip(tip, sticky=True),
            smooth_factor=0.5,
        ).add_to(groups[(area.group, area.kind)])
    if view.contested:
        layer = folium.FeatureGroup(name="Contested municipalities", show=True)
        layer.add_to(fmap)
        for c in view.contested:
            code = c.muni_code
            place = f"{muni_names.get(code, code)}, {dept_names.get(code[:2], '')}"
            folium.GeoJson(
                {
                    "type": "Feature",
                    "properties": {"territory": "contested"},
                    "geometry": _geojson(c.geometry),
                },
                style_function=lambda f: {
                    "fill": True,
                    "fillColor": "#000000",
                    "fillOpacity": 0.05,
                    "color": "#000000",
                    "weight": 2.5,
                    "dashArray": "2 4",
                },
                tooltip=folium.Tooltip(
                    f"<b>Contested: {esc(place)}</b><br>claimed by {esc(', '.join(c.groups))}",
                    sticky=True,
                ),
            ).add_to(layer)


def territory_legend(view: TerritoryView) -> str:
    if not view.areas and not view.contested:
        return ""
    rows = ["<h4 style='margin-top:6px'>Territories</h4>"]
    for group in view.groups:
        colour = next(a.colour for a in view.areas if a.group == group)
        kinds = sorted({a.kind for a in view.areas if a.group == group})
        rows.append(
            f'<div><span class="sw" style="background:{colour};opacity:.75"></span>'
            f"{esc(group)} <span style='color:#666'>({esc(', '.join(kinds))})</span></div>"
        )
    rows.append(
        '<div class="note">Declared: solid, darker = recurrent, lighter = occasional, '
        "palest = transit. Inferred: dashed outline.</div>"
    )
    if view.contested:
        rows.append(
            '<div><span class="sw" style="border:2px dashed #000;background:#fff"></span>'
            f"contested ({len(view.contested):,} municipalities)</div>"
        )
    return "".join(rows)


def _fit_bounds(fmap: folium.Map, b: geodata.Boundaries, spec: MapSpec) -> None:
    if spec.muni:
        geom = b.municipalities.loc[b.municipalities["muni_code"] == spec.muni].geometry
    elif spec.dept:
        geom = b.departments.loc[b.departments["dept_code"] == spec.dept].geometry
    else:
        geom = b.departments.loc[b.departments["dept_code"] != "88"].geometry  # mainland
    if len(geom):
        minx, miny, maxx, maxy = geom.total_bounds
        fmap.add_child(_FitBounds([[miny, minx], [maxy, maxx]]))


def _add_points(
    fmap: folium.Map, spec: MapSpec, muni_names: dict[str, str], dept_names: dict[str, str]
) -> int:
    """Clustered circle markers coloured by event type; popups built with textContent."""
    pts = spec.points.head(spec.point_budget)
    if pts.empty:
        return 0
    # Column-wise (this runs on every rerun, for up to POINT_BUDGET points): texts become
    # indexes into one shared string table, in order of first appearance.
    def text(column: pd.Series) -> pd.Series:
        return column.astype(object).where(column.notna(), "").astype(str)

    dept = pts["dept_code"].map(dept_names).fillna("").astype(str)
    muni = pts["muni_code"].map(muni_names)
    place = (muni.astype(str) + ", " + dept).where(muni.notna(), dept + " (department only)")
    columns = [
        pd.to_datetime(pts["event_date"]).dt.strftime("%Y-%m-%d"),
        text(pts["sub_event_type"]),
        text(pts["actor1"]),
        text(pts["actor2"]),
        place,
        text(pts["location"]),
        text(pts["source"]),
        text(pts["source_url"]),
        text(pts["dataset"]),
    ]
    stacked = np.stack([c.to_numpy(dtype=object) for c in columns], axis=1)  # rows x fields
    codes, strings = pd.factorize(stacked.ravel(), sort=False)
    codes = codes.reshape(stacked.shape)
    types = list(EVENT_TYPES)
    kind = pts["event_type"].map({t: i for i, t in enumerate(types)}).fillna(-1).astype(int)
    fatalities = [None if pd.isna(v) else int(v) for v in pts["fatalities"]]
    lat = pts["latitude"].astype(float).round(COORD_DECIMALS).tolist()
    lon = pts["longitude"].astype(float).round(COORD_DECIMALS).tolist()
    rows = [
        [la, lo, k, c[0], c[1], c[2], c[3], f, c[4], c[5], c[6], c[7], c[8]]
        for la, lo, k, f, c in zip(lat, lon, kind.tolist(), fatalities, codes.tolist(),
                                   strict=True)
    ]
    cluster = MarkerCluster(
        name=f"Incidents ({len(pts):,} points)",
        icon_create_function=_CLUSTER_ICON,
        options={"maxClusterRadius": 40, "spiderfyOnMaxZoom": True},
    )
    cluster.add_to(fmap)
    payload = {
        "types": types,
        "colours": [EVENT_TYPES[t] for t in types] + [UNKNOWN_COLOUR],
        "strings": [str(v) for v in strings],
        "rows": rows,
    }
    cluster.add_child(_PointLoader(payload))
    return len(pts)


MUNI_LINES_ZOOM = 8


class _FitBounds(MacroElement):
    """Fit the view to the place without an animation (the first view is the final one)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.fitBounds({{ this.bounds }}, {animate: false});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "FitBounds"
        self.bounds = json.dumps([[round(v, 5) for v in corner] for corner in bounds])


class _ZoomGate(MacroElement):
    """Shows a layer only from a zoom level on (municipality lines on the national map)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var layer = {{ this.layer.get_name() }};
            function gate() {
                if (map.getZoom() >= {{ this.zoom }}) {
                    if (!map.hasLayer(layer)) map.addLayer(layer);
                }
                else if (map.hasLayer(layer)) { map.removeLayer(layer); }
            }
            map.on('zoomend', gate);
            gate();
        })();
        {% endmacro %}
        """
    )

    def __init__(self, layer: folium.GeoJson, zoom: int) -> None:
        super().__init__()
        self._name = "ZoomGate"
        self.layer = layer
        self.zoom = int(zoom)


class _PointLoader(MacroElement):
    """Adds circle markers to its parent cluster from a compact payload (shared string table)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var d = {{ this.payload }};
            var cluster = {{ this._parent.get_name() }};
            function cell(tr, label, text, href) {
                var row = document.createElement('tr');
                var th = document.createElement('th'); th.textContent = label;
                var td = document.createElement('td');
                if (href) {
                    var a = document.createElement('a');
                    a.href = href; a.target = '_blank'; a.rel = 'noopener noreferrer';
                    a.textContent = text; td.appendChild(a);
                } else { td.textContent = text; }
                row.appendChild(th); row.appendChild(td); tr.appendChild(row);
            }
            var markers = [];
            d.rows.forEach(function(r) {
                var t = r[2] >= 0 ? d.types[r[2]] : 'Other';
                var colour = d.colours[r[2] >= 0 ? r[2] : d.colours.length - 1];
                var m = L.circleMarker([r[0], r[1]], {
                    radius: 6, color: '#ffffff', weight: 1, fillColor: colour, fillOpacity: 0.95
                });
                m.bindPopup(function() {
                    var box = document.createElement('div'); box.className = 'cm-popup';
                    var title = document.createElement('b'); title.textContent = t;
                    box.appendChild(title);
                    var table = document.createElement('table');
                    cell(table, 'Date', d.strings[r[3]]);
                    if (d.strings[r[4]]) cell(table, 'Sub-type', d.strings[r[4]]);
                    cell(table, 'Actor 1', d.strings[r[5]] || '—');
                    if (d.strings[r[6]]) cell(table, 'Actor 2', d.strings[r[6]]);
                    cell(table, 'Fatalities', r[7] === null ? 'unknown' : String(r[7]));
                    cell(table, 'Place', d.strings[r[8]]);
                    if (d.strings[r[9]]) cell(table, 'Location', d.strings[r[9]]);
                    var url = d.strings[r[11]];
                    var safe = /^https?:\\/\\//i.test(url) ? url : null;
                    cell(table, 'Source', d.strings[r[10]], safe);
                    cell(table, 'Dataset', d.strings[r[12]]);
                    box.appendChild(table);
                    return box;
                }, {maxWidth: 320});
                markers.push(m);
            });
            cluster.addLayers(markers);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict[str, object]) -> None:
        super().__init__()
        self._name = "PointLoader"
        # json.dumps escapes nothing HTML-specific: make "</script>" impossible inside the data
        self.payload = _js_string_json(payload)


_CLUSTER_ICON = """
function(cluster) {
    var n = cluster.getChildCount();
    var size = n < 10 ? 28 : n < 100 ? 34 : n < 1000 ? 40 : 46;
    return L.divIcon({
        html: '<div><span>' + n.toLocaleString('en-US') + '</span></div>',
        className: 'cm-cluster', iconSize: L.point(size, size)
    });
}
"""

_CSS = """
<style>
.cm-cluster div { background: rgba(40,40,40,0.78); color: #fff; border: 2px solid #fff;
  border-radius: 50%; width: 100%; height: 100%; display: flex; align-items: center;
  justify-content: center; font: 600 12px/1 system-ui, sans-serif; box-sizing: border-box; }
.cm-legend { background: rgba(255,255,255,.93);
  padding: 6px 9px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3);
  font: 11px/1.3 system-ui, sans-serif; max-width: 240px; max-height: 70vh; overflow-y: auto; }
.cm-legend summary { cursor: pointer; font-weight: 600; }
.cm-legend h4 { margin: 0 0 4px; font-size: 12px; }
.cm-legend .sw { display: inline-block; width: 14px; height: 12px; margin-right: 6px;
  vertical-align: -2px; border: 1px solid #888; }
.cm-legend .dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
  margin-right: 6px; border: 1px solid #fff; box-shadow: 0 0 0 1px #999; }
.cm-legend .note { color: #444; margin-top: 4px; }
.cm-legend .demo { color: #8a1c1c; font-weight: 600; margin-top: 4px; }
.leaflet-control-attribution { max-width: 62%; white-space: normal; line-height: 1.3; }
.cm-caption { background: rgba(255,255,255,.92); padding: 4px 10px; border-radius: 4px;
  font: 700 16px system-ui, sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.3); }
.cm-label { font: 600 12px system-ui, sans-serif; color: #111; text-align: center;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 3px #fff; white-space: nowrap; }
.cm-popup table { border-collapse: collapse; font-size: 12px; }
.cm-popup th { text-align: left; padding: 1px 6px 1px 0; color: #555; font-weight: 500;
  vertical-align: top; }
.cm-popup td { padding: 1px 0; }
</style>
"""


def legend_html(spec: MapSpec, classes: Classes, shown_points: int, basemap_label: str) -> str:
    metric = METRIC_LABELS[spec.metric]
    unit = "department" if view_layer(spec) == "departments" else "municipality"
    rows = [f"<h4>{esc(metric)} per {unit} ({esc(classes.method)})</h4>"]
    for colour, text in zip(classes.colours, classes.labels(), strict=True):
        rows.append(f'<div><span class="sw" style="background:{colour}"></span>{esc(text)}</div>')
    rows.append(f'<div><span class="sw" style="background:{ZERO_COLOUR}"></span>0</div>')
    if spec.metric == "fatalities":
        rows.append(
            f'<div><span class="sw" style="background:{NO_DATA_COLOUR}"></span>'
            "fatalities unknown counted as 0</div>"
        )
    if shown_points:
        rows.append("<h4 style='margin-top:6px'>Incidents by event type</h4>")
        for kind, colour in EVENT_TYPES.items():
            rows.append(
                f'<div><span class="dot" style="background:{colour}"></span>{esc(kind)}</div>'
            )
    total = spec.total_incidents
    drawable = total - spec.unmapped_incidents
    if spec.point_budget == 0:
        rows.append(f'<div class="note">{total:,} incidents in this view; points not drawn.</div>')
    elif shown_points < drawable:
        rows.append(
            f'<div class="note">Points: the {shown_points:,} most recent of {drawable:,} '
            f"incidents with a place on the map; colours count all {total:,}.</div>"
        )
    elif drawable:
        rows.append(
            f'<div class="note">Points: all {drawable:,} incidents with a place on the map.</div>'
        )
    elif not total:
        rows.append('<div class="note">No incidents match the filters.</div>')
    if spec.unmapped_note:
        rows.append(f'<div class="note unmapped">{esc(spec.unmapped_note)}</div>')
    rows.append(f'<div class="note">Basemap: {esc(basemap_label)}</div>')
    if spec.territories is not None:
        rows.append(territory_legend(spec.territories))
    if spec.demo_in_view:
        rows.append('<div class="demo">Includes SYNTHETIC demo data — not real incidents.</div>')
    return f"<details open><summary>Legend</summary>{''.join(rows)}</details>"


def _js_string_json(value: object) -> str:
    """JSON for a <script>: "<", ">" and "&" escaped so data can never close the element."""
    return (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


class _MapControls(MacroElement):
    """Legend (a Leaflet control) and the boundary/data attribution, run with the map script."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var legend = L.control({position: 'bottomright'});
            legend.onAdd = function() {
                var div = L.DomUtil.create('div', 'cm-legend');
                div.id = 'cm-legend';  // content: legend_html(), escaped in Python
                div.innerHTML = {{ this.legend }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legend.addTo(map);
            var caption = {{ this.caption }};
            if (caption) {
                var box = L.control({position: 'topleft'});
                box.onAdd = function() {
                    var div = L.DomUtil.create('div', 'cm-caption');
                    div.id = 'cm-caption';
                    div.textContent = caption;
                    return div;
                };
                box.addTo(map);
            }
            map.attributionControl.setPrefix(false);
            map.attributionControl.addAttribution({{ this.attribution }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, legend: str, attribution: str, caption: str | None = None) -> None:
        super().__init__()
        self._name = "MapControls"
        self.caption = _js_string_json(caption or "")
        self.legend = _js_string_json(legend)
        self.attribution = _js_string_json(attribution)


def attribution_text(boundaries_attr: str, sources: list[str]) -> str:
    """Escaped attribution: boundaries, then the incident sources in view."""
    text = esc(boundaries_attr)
    if sources:
        text += " | Incidents: " + esc("; ".join(sources[:6]))
        if len(sources) > 6:
            text += esc(f" and {len(sources) - 6} more")
    return text


def pick_map(
    boundaries: geodata.Boundaries | None = None, point: tuple[float, float] | None = None
) -> folium.Map:
    """A plain map to click a place on (the add-incident form): departments, municipality
    lines once zoomed in, and the picked point."""
    assets.use_local_assets()
    b = boundaries or geodata.load_boundaries()
    fmap = folium.Map(location=[4.6, -74.1], zoom_start=5, tiles=None, control_scale=True,
                      maxZoom=18, minZoom=4, font_size="12px")
    fmap.get_root().header.add_child(
        Element(f"<style>.leaflet-container{{background:{WATER};}}</style>")
    )
    dept_pairs = _geometry_json(b.source_sha256, "departments", None)
    names = dict(zip(b.departments["dept_code"], b.departments["dept_name"], strict=True))
    folium.GeoJson(
        _features(dept_pairs, {c: {"name": esc(names[c])} for c, _ in dept_pairs}),
        style_function=lambda f: {"fillColor": LAND, "fillOpacity": 1, "color": DEPT_LINE,
                                  "weight": 0.8},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False, sticky=False),
        control=False,
    ).add_to(fmap)
    muni_pairs = _geometry_json(b.source_sha256, "municipalities", None)
    lines = folium.GeoJson(
        _features(muni_pairs, {c: {} for c, _ in muni_pairs}),
        style_function=lambda f: {"fill": False, "color": MUNI_LINE, "weight": 0.5},
        interactive=False,
        control=False,
    )
    lines.add_to(fmap)
    fmap.add_child(_ZoomGate(lines, MUNI_LINES_ZOOM))
    if point is not None:
        folium.CircleMarker(list(point), radius=7, color="#ffffff", weight=2, fill=True,
                            fill_color="#e31a1c", fill_opacity=1).add_to(fmap)
        fmap.location = list(point)
    fmap.add_child(_MapControls("", esc(b.attribution)))
    return fmap
