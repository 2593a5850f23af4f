"""The interactive map: draws a :class:`~conflictmap.map_model.MapModel` with folium.

What the map shows (classes, colours, legend entries, extent, labels) is computed once in
:mod:`conflictmap.map_model`; this module only draws it. Only what the map draws goes to the
browser: simplified geometry (:meth:`~conflictmap.geography.Geography.geometry_json`),
coordinates rounded to 4 decimals (~11 m, the source's own quantisation), and only the
properties the map uses.

Every text that reaches the browser is escaped: HTML fragments (legend, tooltips, the label)
come from autoescaped Jinja2 templates whose escaping also neutralises what is code inside a
JavaScript template literal (see :func:`esc`), point popups are built in the browser with
``textContent``, and data put into a ``<script>`` is JSON with ``<``, ``>`` and ``&`` escaped.
The self-hosted asset links are set on each map (:func:`conflictmap.assets.localize`), never on
folium's classes.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from folium.plugins import MarkerCluster
from jinja2 import Environment, Template
from markupsafe import Markup

from conflictmap import assets, geodata
from conflictmap.geography import Geography, dept_of
from conflictmap.map_model import (  # noqa: F401 - re-exported: callers import them from here
    BASEMAPS,
    DEPT_LINE,
    FOCUS_LINE,
    LAND,
    METRIC_LABELS,
    MUNI_LINE,
    POINT_BUDGET,
    SELECTED,
    WATER,
    Attribution,
    MapModel,
    MapSpec,
    as_geography,
    build_model,
    choropleth_values,
    view_classes,
    view_layer,
)
from conflictmap.schema import EVENT_TYPES, UNKNOWN_COLOUR
from conflictmap.territories import LEVEL_OPACITY, TerritoryView

COORD_DECIMALS = 4
MAP_HEIGHT = 620
MUNI_LINES_ZOOM = 8  # national department view: municipality lines from this zoom on
TOOLTIP_NAMES = 8  # municipalities named in a territory's tooltip


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


# --------------------------------------------------------------------------------------------
# HTML fragments: autoescaped templates, every value through esc()


def _escape(value: object) -> Markup:
    return value if isinstance(value, Markup) else Markup(esc(value))


_HTML = Environment(autoescape=True, finalize=_escape, keep_trailing_newline=False)


def _compact(source: str) -> str:
    """A template written one element per line, joined without the line breaks."""
    return "".join(line.strip() for line in source.strip().splitlines())


LEGEND = _HTML.from_string(
    _compact(
        """
        <details open><summary>Legend</summary>
        <h4>{{ legend.title }}</h4>
        {% for s in legend.swatches %}
        <div><span class="sw" style="background:{{ s.colour }}"></span>{{ s.label }}</div>
        {% endfor %}
        {% if legend.point_types %}
        <h4 style='margin-top:6px'>{{ legend.points_title }}</h4>
        {% for p in legend.point_types %}
        <div><span class="dot" style="background:{{ p.colour }}"></span>{{ p.label }}</div>
        {% endfor %}
        {% endif %}
        {% for n in legend.notes if n.kind != "demo" %}
        <div class="{{ 'note unmapped' if n.kind == 'unmapped' else 'note' }}">{{ n.text }}</div>
        {% endfor %}
        {% if legend.territories %}
        {% set t = legend.territories %}
        <h4 style='margin-top:6px'>Territories</h4>
        {% for e in t.entries %}
        <div><span class="sw" style="background:{{ e.colour }};opacity:.75"></span>
        {{- e.group }} <span style='color:#666'>({{ ", ".join(e.kinds) }})</span></div>
        {% endfor %}
        <div class="note">{{ t.note }}</div>
        {% if t.contested %}
        <div><span class="sw" style="border:2px dashed #000;background:#fff"></span>
        {{- t.contested_label }}</div>
        {% endif %}
        {% endif %}
        {% for n in legend.notes if n.kind == "demo" %}
        <div class="demo">{{ n.text }}</div>
        {% endfor %}
        </details>
        """
    )
)
TERRITORY_TOOLTIP = _HTML.from_string(
    "<b>{{ area.group }}</b><br>{{ area.kind }}{% if area.level %} · {{ area.level }}{% endif %}"
    "<br>{{ count }} municipalities: {{ names }}{% if more %} and {{ more }} more{% endif %}"
    "<br>Sources: {{ sources }}<br>Valid: {{ valid }}"
)
CONTESTED_TOOLTIP = _HTML.from_string(
    "<b>Contested: {{ place }}</b><br>claimed by {{ groups }}"
)
PLACE_LABEL = _HTML.from_string('<div class="cm-label">{{ text }}</div>')
ATTRIBUTION = _HTML.from_string(
    "{{ boundaries }}{% if shown %} | Incidents: {{ shown }}"
    "{% if more %} and {{ more }} more{% endif %}{% endif %}"
)


def legend_html(model: MapModel) -> str:
    return LEGEND.render(legend=model.legend)


def attribution_text(boundaries_attr: str, sources: list[str] | tuple[str, ...]) -> str:
    """Escaped attribution: boundaries, then the incident sources in view (the first six)."""
    shown, more = Attribution(boundaries_attr, "", tuple(sources)).web_sources()
    return ATTRIBUTION.render(boundaries=boundaries_attr, shown="; ".join(shown), more=more)


# --------------------------------------------------------------------------------------------
# The map


def build_map(
    spec: MapSpec, boundaries: Geography | geodata.Boundaries | None = None
) -> folium.Map:
    """The interactive map of ``spec`` (``boundaries``: a Geography; a Boundaries is accepted
    while callers move over)."""
    geo = as_geography(boundaries)
    return draw(build_model(spec, geo), geo)


def _base_map() -> folium.Map:
    return folium.Map(
        location=[4.6, -74.1],
        zoom_start=5,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        maxZoom=18,
        minZoom=4,
        font_size="12px",
    )


def _root(fmap: folium.Map) -> Figure:
    """The map's page (typed as an Element by folium; a map's root is always its Figure)."""
    root = fmap.get_root()
    assert isinstance(root, Figure)
    return root


def _water(fmap: folium.Map) -> None:
    _root(fmap).header.add_child(
        Element(f"<style>.leaflet-container{{background:{WATER};}}</style>")
    )


def draw(model: MapModel, geo: Geography) -> folium.Map:
    """The folium map of a model."""
    fmap = _base_map()
    basemap = model.basemap
    if basemap.tiles:
        folium.TileLayer(
            basemap.tiles, attr=basemap.attribution, name=basemap.label, max_zoom=18,
            control=False,
        ).add_to(fmap)
    else:
        _water(fmap)

    # Context: every department as land (and, zoomed in, the neighbours in grey)
    dept_pairs = geo.geometry_json("departments")
    layer = model.layer
    pairs = dept_pairs if layer == "departments" else geo.geometry_json(layer, model.dept)

    if layer == "dept_municipalities":
        context_props = {
            code: {"name": esc(geo.dept_names[code]), "code": code, "level": "department"}
            for code, _ in dept_pairs
        }
        folium.GeoJson(
            _features(dept_pairs, context_props),
            name="Departments (context)",
            style_function=lambda f: {
                "fillColor": LAND,
                "fillOpacity": 1 if basemap.tiles is None else 0,
                "color": DEPT_LINE,
                "weight": 0.6,
            },
            highlight_function=lambda f: {"weight": 2},
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False, sticky=False),
            control=False,
            smooth_factor=0.5,
        ).add_to(fmap)

    level = "department" if layer == "departments" else "municipality"
    props: dict[str, dict[str, object]] = {
        code: {
            "name": esc(model.names[code]),
            "code": code,
            "level": level,
            "incidents": _fmt_int(model.values[code][0]),
            "fatalities": _fmt_int(model.values[code][1]),
            "fill": model.fills[code],
        }
        for code in model.codes
    }
    level_label = "Departments" if layer == "departments" else "Municipalities"
    folium.GeoJson(
        _features(pairs, props),
        name=f"{level_label}: {model.metric_label.lower()}",
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

    if layer == "departments":
        _add_zoomed_municipality_lines(fmap, geo)
    if layer == "municipalities":  # department outlines over municipality fills
        border_pairs = geo.geometry_json("dept_borders")
        _outline(fmap, border_pairs, "Department borders", DEPT_LINE, 1.4)
    if model.dept:
        focus = [p for p in dept_pairs if p[0] == model.dept]
        _outline(fmap, focus, "Department border", FOCUS_LINE, 2.2)
    for label in model.labels:
        selected = [p for p in pairs if p[0] == label.code]
        _outline(fmap, selected, "Selected municipality", SELECTED, 3.5)
        folium.Marker(
            [label.lat, label.lon],
            icon=folium.DivIcon(
                html=PLACE_LABEL.render(text=label.text),
                icon_size=(160, 20),
                icon_anchor=(80, -6),
            ),
            interactive=False,
        ).add_to(fmap)

    if model.territories is not None:
        _add_territories(fmap, model.territories, geo)
    _add_points(fmap, model, geo)
    minx, miny, maxx, maxy = model.extent.bounds
    fmap.add_child(_FitBounds([[miny, minx], [maxy, maxx]]))
    _root(fmap).header.add_child(Element(_CSS))
    attribution = model.attribution
    fmap.add_child(
        _MapControls(
            legend_html(model),
            attribution_text(attribution.boundaries, attribution.sources),
            model.caption,
        )
    )
    folium.LayerControl(collapsed=True).add_to(fmap)
    assets.localize(fmap)
    return fmap


def pick_map(
    boundaries: Geography | geodata.Boundaries | None = None,
    point: tuple[float, float] | None = None,
) -> folium.Map:
    """A plain map to click a place on (the add-incident form): departments, municipality
    lines once zoomed in, and the picked point."""
    geo = as_geography(boundaries)
    fmap = _base_map()
    _water(fmap)
    dept_pairs = geo.geometry_json("departments")
    folium.GeoJson(
        _features(dept_pairs, {c: {"name": esc(geo.dept_names[c])} for c, _ in dept_pairs}),
        style_function=lambda f: {"fillColor": LAND, "fillOpacity": 1, "color": DEPT_LINE,
                                  "weight": 0.8},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False, sticky=False),
        control=False,
    ).add_to(fmap)
    _add_zoomed_municipality_lines(fmap, geo, named=False)
    if point is not None:
        folium.CircleMarker(list(point), radius=7, color="#ffffff", weight=2, fill=True,
                            fill_color=SELECTED, fill_opacity=1).add_to(fmap)
        fmap.location = list(point)
    fmap.add_child(_MapControls("", attribution_text(geo.attribution, ())))
    assets.localize(fmap)
    return fmap


def _features(
    pairs: tuple[tuple[str, dict], ...] | list[tuple[str, dict]],
    props: Mapping[str, Mapping[str, object]],
) -> dict[str, object]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": code, "geometry": geom, "properties": props[code]}
            for code, geom in pairs
            if code in props
        ],
    }


def _fmt_int(value: float | None) -> str:
    return f"{int(value):,}" if value is not None and not pd.isna(value) else "—"


def _outline(
    fmap: folium.Map, pairs: list[tuple[str, dict]] | tuple[tuple[str, dict], ...], name: str,
    colour: str, weight: float,
) -> None:
    folium.GeoJson(
        _features(pairs, {code: {} for code, _ in pairs}),
        name=name,
        style_function=lambda f: {"fill": False, "color": colour, "weight": weight},
        interactive=False,
        control=False,
    ).add_to(fmap)


def _add_zoomed_municipality_lines(fmap: folium.Map, geo: Geography, *, named: bool = True) -> None:
    """Municipality lines that appear once zoomed in (zoom >= :data:`MUNI_LINES_ZOOM`)."""
    muni_pairs = geo.geometry_json("municipalities")
    lines = folium.GeoJson(
        _features(muni_pairs, {c: {} for c, _ in muni_pairs}),
        name="Municipality lines (zoom in)" if named else None,  # None: folium's default
        style_function=lambda f: {"fill": False, "color": MUNI_LINE, "weight": 0.5},
        interactive=False,
        control=False,
    )
    lines.add_to(fmap)
    fmap.add_child(_ZoomGate(lines, MUNI_LINES_ZOOM))


def _geojson(geom: object) -> dict[str, object]:
    rounded = shapely.transform(np.asarray([geom]), lambda c: np.round(c, COORD_DECIMALS))[0]
    return json.loads(shapely.to_geojson(rounded))


def _validity_text(start: object, end: object) -> str:
    if start is None:
        return "in the filtered period"
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}" if end else f"since {start:%Y-%m-%d} (open)"


def _add_territories(fmap: folium.Map, view: TerritoryView, geo: Geography) -> None:
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
        more = len(area.municipalities) - TOOLTIP_NAMES
        tip = TERRITORY_TOOLTIP.render(
            area=area,
            count=f"{len(area.municipalities):,}",
            names=", ".join(
                geo.name(c) or c for c in area.municipalities[:TOOLTIP_NAMES]
            ),
            more=f"{more:,}" if more > 0 else "",
            sources="; ".join(area.sources),
            valid=_validity_text(area.valid_from, area.valid_to),
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
            place = f"{geo.name(code) or code}, {geo.name(dept_of(code))}"
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
                    CONTESTED_TOOLTIP.render(place=place, groups=", ".join(c.groups)),
                    sticky=True,
                ),
            ).add_to(layer)


def _add_points(fmap: folium.Map, model: MapModel, geo: Geography) -> int:
    """Clustered circle markers coloured by event type; popups built with textContent."""
    pts = model.points
    if pts.empty:
        return 0
    # Column-wise (this runs on every rerun, for up to POINT_BUDGET points): texts become
    # indexes into one shared string table, in order of first appearance.
    def text(column: pd.Series) -> pd.Series:
        return column.astype(object).where(column.notna(), "").astype(str)

    dept = pts["dept_code"].map(geo.dept_names).fillna("").astype(str)
    muni = pts["muni_code"].map(geo.muni_names)
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
    flat, strings = pd.factorize(stacked.ravel(), sort=False)
    codes = flat.reshape(len(stacked), len(columns))
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


# --------------------------------------------------------------------------------------------
# Leaflet glue (JavaScript templates; data goes in as JSON, see _js_string_json)


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
