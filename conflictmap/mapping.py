"""The interactive map: draws a :class:`~conflictmap.map_model.MapModel` with folium.

What the map shows (classes, colours, legend entries, extent, labels) is computed once in
:mod:`conflictmap.map_model`; this module only draws it. Only what the map draws goes to the
browser: simplified geometry (:meth:`~conflictmap.geography.Geography.geometry_json`),
coordinates rounded to 4 decimals (~11 m, the source's own quantisation), and only the
properties the map uses. The dashboard's map (``build_map(..., served=True)``) fetches that
geometry once from files the app serves (:mod:`conflictmap.boundary_files`) and gets only the
per-view properties with each rerun; every other map, exports above all, embeds it.

Every text that reaches the browser is escaped: HTML fragments (legend, tooltips, the label)
come from autoescaped Jinja2 templates whose escaping also neutralises what is code inside a
JavaScript template literal (see :func:`esc`), point popups are built in the browser with
``textContent``, and data put into a ``<script>`` is JSON with ``<``, ``>`` and ``&`` escaped.
The self-hosted asset links are set on each map (:func:`conflictmap.assets.localize`), never on
folium's classes.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections import OrderedDict
from collections.abc import Mapping
from threading import Lock
from typing import TYPE_CHECKING

import folium
import numpy as np
import pandas as pd
import shapely
from babel.numbers import get_group_symbol
from branca.element import Element, Figure, MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import MarkerCluster
from jinja2 import Environment, Template
from markupsafe import Markup

from conflictmap import assets, boundary_files, geodata, i18n
from conflictmap.clusters import COUNTRY, MAX_POINTS, POINTS_ZOOM
from conflictmap.geography import ISLANDS, Geography, dept_of
from conflictmap.i18n import N_, _, ngettext, number
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
from conflictmap.text import event_type_label, territory_level_label

if TYPE_CHECKING:
    from conflictmap.clusters import ViewportLayer

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
        <details open><summary>{{ words.legend }}</summary>
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
        <h4 style='margin-top:6px'>{{ words.territories }}</h4>
        {% for e in t.entries %}
        <div><span class="sw" style="background:{{ e.colour }};opacity:.75"></span>
        {{- e.group }} <span style='color:#666'>({{ ", ".join(kinds(e.kinds)) }})</span></div>
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
# the lines are translated before they go in (and escaped there, as every value)
TERRITORY_TOOLTIP = _HTML.from_string(
    "<b>{{ area.group }}</b><br>{{ kind }}{% if level %} · {{ level }}{% endif %}"
    "<br>{{ municipalities }}<br>{{ sources }}<br>{{ valid }}"
)
CONTESTED_TOOLTIP = _HTML.from_string("<b>{{ title }}</b><br>{{ claimed }}")
# a territory's kind as the map names it
KIND_LABELS = {"declared": N_("declared"), "inferred": N_("inferred")}
PLACE_LABEL = _HTML.from_string('<div class="cm-label">{{ text }}</div>')
ATTRIBUTION = _HTML.from_string(
    "{{ boundaries }}{% if shown %} | {{ incidents }}{% endif %}"
)


def legend_html(model: MapModel) -> str:
    words = {"legend": _("Legend"), "territories": _("Territories")}
    def kinds(values: tuple[str, ...]) -> list[str]:  # "declared" -> "declarado"
        return [_(KIND_LABELS[k]) if k in KIND_LABELS else k for k in values]

    return LEGEND.render(legend=model.legend, words=words, kinds=kinds)


def attribution_text(boundaries_attr: str, sources: list[str] | tuple[str, ...]) -> str:
    """Escaped attribution: boundaries, then the incident sources in view (the first six)."""
    shown, more = Attribution(boundaries_attr, "", tuple(sources)).web_sources()
    incidents = _("Incidents: {sources}").format(sources="; ".join(shown))
    if more:
        incidents += " " + _("and {n} more").format(n=number(more))
    return ATTRIBUTION.render(boundaries=boundaries_attr, shown=bool(shown), incidents=incidents)


# --------------------------------------------------------------------------------------------
# The map


def build_map(
    spec: MapSpec,
    boundaries: Geography | geodata.Boundaries | None = None,
    *,
    served: bool = False,
) -> folium.Map:
    """The interactive map of ``spec`` (``boundaries``: a Geography; a Boundaries is accepted
    while callers move over). ``served``: the boundary layers' geometry is fetched from files
    the app serves (:mod:`conflictmap.boundary_files`) instead of written into the map's script
    (the dashboard, which sends that script on every pan; never an export, which must stay one
    self-contained file)."""
    geo = as_geography(boundaries)
    return draw(build_model(spec, geo), geo, served=served)


def _base_map() -> folium.Map:
    return folium.Map(
        location=[4.6, -74.1],
        zoom_start=5,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        maxZoom=18,
        minZoom=4,
        zoomSnap=0.25,  # fitBounds fills the map with the place, not the next whole zoom down
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


def draw(model: MapModel, geo: Geography, *, served: bool = False) -> folium.Map:
    """The folium map of a model (``served``: see :func:`build_map`)."""
    fmap = _base_map()
    basemap = model.basemap
    if basemap.tiles:
        folium.TileLayer(
            basemap.tiles,
            attr=basemap.attribution,
            name=basemap.label,
            max_zoom=18,
            control=False,
        ).add_to(fmap)
    else:
        _water(fmap)

    # Context: every department as land (and, zoomed in, the neighbours in grey)
    dept_pairs = geo.geometry_json("departments")
    layer = model.layer
    pairs = dept_pairs if layer == "departments" else geo.geometry_json(layer, model.dept)

    def source(layer_name: str, dept: str | None = None) -> str | None:
        """The URL of a layer's geometry file when served, else None (embedded; also when the
        app's static folder cannot be written: the map still works, only heavier)."""
        if not served:
            return None
        try:
            return boundary_files.publish(geo, layer_name, dept)
        except OSError:
            return None

    if layer == "dept_municipalities":
        context_props = {
            code: {"name": esc(geo.dept_names[code]), "code": code, "level": "department"}
            for code, _ in dept_pairs
        }
        _bounded_geojson(
            fmap,
            dept_pairs,
            context_props,
            source=source("departments"),
            bounds=_country_bounds(geo),
            name=_("Departments (context)"),
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
    level_label = _("Departments") if layer == "departments" else _("Municipalities")
    _bounded_geojson(
        fmap,
        pairs,
        props,
        source=source(layer, model.dept),
        bounds=_country_bounds(geo),
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
            aliases=["", _("Incidents"), _("Fatalities")],
            sticky=False,
        ),
        smooth_factor=0.5,
    ).add_to(fmap)

    if layer == "departments":
        _add_zoomed_municipality_lines(fmap, geo, source=source("municipalities"))
    if layer == "municipalities":  # department outlines over municipality fills
        border_pairs = geo.geometry_json("dept_borders")
        if served:
            _bounded_geojson(
                fmap,
                border_pairs,
                {code: {} for code, _ in border_pairs},
                source=source("dept_borders"),
                bounds=_country_bounds(geo),
                name="Department borders",
                style_function=lambda f: {"fill": False, "color": DEPT_LINE, "weight": 1.4},
                interactive=False,
                control=False,
            ).add_to(fmap)
        else:
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
    if model.flagged:
        _add_flagged(fmap, model, geo)
    if model.hexagons is not None:
        _add_hexagons(fmap, model)
    if model.incidents is not None:  # an export: every incident, as points or in clusters
        _add_incidents(fmap, model, geo)
    else:
        _add_points(fmap, model, geo)
    if model.viewport_points:  # the page adds clusters or points per viewport (viewport_layer)
        fmap.add_child(_ClusterAssets())
    minx, miny, maxx, maxy = model.extent.bounds
    fmap.add_child(_FitBounds([[miny, minx], [maxy, maxx]]))
    if model.national:  # San Andrés y Providencia lie far off the mainland's frame
        islands = geo.departments[geo.departments["dept_code"] == ISLANDS]
        if not islands.empty:
            ix0, iy0, ix1, iy1 = (float(v) for v in islands.total_bounds)
            fmap.add_child(
                _IslandsButton(
                    "San Andrés y Providencia",
                    [[iy0, ix0], [iy1, ix1]],
                    [[miny, minx], [maxy, maxx]],
                )
            )
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
        style_function=lambda f: {
            "fillColor": LAND,
            "fillOpacity": 1,
            "color": DEPT_LINE,
            "weight": 0.8,
        },
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False, sticky=False),
        control=False,
    ).add_to(fmap)
    _add_zoomed_municipality_lines(fmap, geo, named=False)
    if point is not None:
        folium.CircleMarker(
            list(point),
            radius=7,
            color="#ffffff",
            weight=2,
            fill=True,
            fill_color=SELECTED,
            fill_opacity=1,
        ).add_to(fmap)
        fmap.location = list(point)
    fmap.add_child(_MapControls("", attribution_text(geo.attribution, ())))
    assets.localize(fmap)
    return fmap


class _BoundedGeoJson(folium.GeoJson):
    """A GeoJSON layer whose bounds are given rather than walked from its coordinates:
    streamlit-folium asks the map for its bounds on every rerun (its default value), and walking
    the country's boundaries took ~80 ms of each pan.

    Its features are a :class:`_SharedFeatures`: serialised once (and kept for the next rerun
    of the same view), defined by a :class:`_GeometryScript` added to the map before the layer,
    and named by the layer's script instead of embedded in it (see :func:`_bounded_geojson`)."""

    def __init__(self, data: object, *, bounds: list[list[float]], **kwargs: object) -> None:
        super().__init__(data, **kwargs)  # type: ignore[arg-type]
        self._bounds = bounds

    def _get_self_bounds(self) -> list[list[float | None]]:
        return [list(corner) for corner in self._bounds]


class _SharedFeatures(dict[str, object]):
    """A FeatureCollection with its JSON text, written once: folium's layer script names its
    JavaScript variable (:data:`_SHARED_NAME`) instead of embedding the data. Folium wrote the
    base map's ~0.7 MB of boundaries into its script twice per rerun (the page's and
    streamlit-folium's rendering) and branca compiled that output as a Jinja template each time:
    about 60 % of each pan's time on the server."""

    def __init__(
        self, collection: Mapping[str, object], payload: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(collection)
        # ``payload``: what the browser gets instead of the collection (served boundaries)
        self.text = _js_string_json_sorted(collection if payload is None else payload)
        # stable across reruns (streamlit-folium keys the map by its script) and with no
        # underscore (streamlit-folium renames "_<id>" suffixes)
        self.var = "cmFeatures" + hashlib.sha1(self.text.encode()).hexdigest()[:16]


def _js_string_json_sorted(value: object) -> str:
    """JSON for a <script> (as folium writes it: keys sorted), "<", ">" and "&" escaped."""
    return (
        json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


_SHARED_CACHE: OrderedDict[tuple[int, str, bool], tuple[object, _SharedFeatures]] = OrderedDict()
_SHARED_LOCK = Lock()
_SHARED_MAX = 24  # views kept (a few per session and place)


def _shared_features(
    pairs: tuple[tuple[str, dict], ...] | list[tuple[str, dict]],
    props: Mapping[str, Mapping[str, object]],
    *,
    served: bool = False,
) -> _SharedFeatures:
    """The features of ``pairs`` with ``props``, serialised once per content: a pan reruns the
    page with the same boundaries, fills and tooltips (``served``: without their geometry, see
    :func:`_served_features`)."""
    key = (id(pairs), json.dumps(props, sort_keys=True, default=str), served)
    with _SHARED_LOCK:
        hit = _SHARED_CACHE.get(key)
        if hit is not None and hit[0] is pairs:
            _SHARED_CACHE.move_to_end(key)
            return hit[1]
    shared = (
        _SharedFeatures(_served_features(pairs, props), _served_payload(pairs, props))
        if served
        else _SharedFeatures(_features(pairs, props))
    )
    with _SHARED_LOCK:
        _SHARED_CACHE[key] = (pairs, shared)  # the pairs kept: their id stays theirs
        while len(_SHARED_CACHE) > _SHARED_MAX:
            _SHARED_CACHE.popitem(last=False)
    return shared


def _dumps_shared(obj: object, **kwargs: object) -> str:
    """Jinja's ``tojson`` for folium's templates: a :class:`_SharedFeatures` becomes the name of
    its variable; anything else is dumped as before."""
    if isinstance(obj, _SharedFeatures):
        return obj.var
    return json.dumps(obj, **kwargs)  # type: ignore[arg-type]


def _install_shared_json() -> None:
    """Teach folium's Jinja environment :func:`_dumps_shared` (the same output for every other
    value; folium's GeoJson writes its data with ``tojson``)."""
    env = folium.GeoJson._template.environment
    current = env.policies.get("json.dumps_function")
    if current is None or current is json.dumps:
        env.policies["json.dumps_function"] = _dumps_shared


_install_shared_json()


class _RawScript(Element):
    """A script fragment added to the page as it is (branca's Element compiles its text as a
    Jinja template: slow for ~0.7 MB of boundaries, and the text is data, not a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: object) -> str:
        return self.text


class _GeometryScript(MacroElement):
    """Defines a :class:`_SharedFeatures`' variable (before the layer that names it)."""

    _template = Template(
        "{% macro script(this, kwargs) %}var {{ this.shared.var }} = {{ this.shared.text }};"
        "{% endmacro %}"
    )

    def __init__(self, shared: _SharedFeatures) -> None:
        super().__init__()
        self._name = "GeometryScript"
        self.shared = shared

    def render(self, **kwargs: object) -> str:
        figure = self.get_root()
        assert isinstance(figure, Figure)
        figure.script.add_child(
            _RawScript(f"var {self.shared.var} = {self.shared.text};"), name=self.get_name()
        )
        return ""


class _GeometryLoader(MacroElement):
    """Fetches a served layer's geometry file (:mod:`conflictmap.boundary_files`) and adds
    the features of its parent GeoJSON layer with it: the properties the page sent
    (:func:`_served_payload`: fills, escaped names and figures, by code) joined to the file's
    geometry by code.

    Every loader of the map waits for all the files, then adds its layer's features and brings
    them to the back, the map's last boundary layer first: the layers end in the order they
    were added (context, fills, lines), under whatever the map drew meanwhile (outlines,
    territories, markers), as when the geometry was in the script. A file is fetched once per
    page even when two layers use it."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var cm = window.cmBoundaries;
            if (!cm) {
                cm = window.cmBoundaries = {files: {}, queue: []};
                cm.file = function(url) {
                    if (!cm.files[url]) {
                        cm.files[url] = fetch(url).then(function(r) {
                            if (!r.ok) throw new Error(url + ': ' + r.status);
                            return r.json();
                        });
                    }
                    return cm.files[url];
                };
                cm.apply = function(item, file) {
                    var c = item.props.cm, shapes = {}, out = [];
                    file.features.forEach(function(f) { shapes[f.id] = f.geometry; });
                    var codes = c.codes || file.features.map(function(f) { return f.id; });
                    codes.forEach(function(code, i) {
                        if (!shapes[code]) return;
                        var p = {}, k;
                        for (k in c.same) p[k] = c.same[k];
                        for (k in c.columns) {
                            var col = c.columns[k];
                            p[k] = col === null ? code
                                : Array.isArray(col) ? col[i] : col.values[col.index[i]];
                        }
                        out.push({type: 'Feature', id: code, properties: p, geometry: shapes[code]});
                    });
                    item.layer.addData({type: 'FeatureCollection', features: out});
                    if (item.layer._map) {
                        var parts = item.layer.getLayers();
                        for (var i = parts.length - 1; i >= 0; i--) parts[i].bringToBack();
                    }
                };
                cm.drain = function() {
                    var items = cm.queue;
                    cm.queue = [];
                    Promise.all(items.map(function(it) { return cm.file(it.url); }))
                        .then(function(files) {
                            for (var i = items.length - 1; i >= 0; i--) cm.apply(items[i], files[i]);
                        })
                        .catch(function(e) { console.error('boundaries not loaded', e); });
                };
            }
            cm.queue.push({layer: {{ this._parent.get_name() }}, props: {{ this.shared.var }},
                           url: {{ this.url }}});
            if (cm.queue.length === 1) Promise.resolve().then(cm.drain);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, shared: _SharedFeatures, url: str) -> None:
        super().__init__()
        self._name = "GeometryLoader"
        self.shared = shared
        self.url = _js_string_json(url)


def _bounded_geojson(
    fmap: folium.Map,
    pairs: tuple[tuple[str, dict], ...] | list[tuple[str, dict]],
    props: Mapping[str, Mapping[str, object]],
    *,
    source: str | None = None,
    **kwargs: object,
) -> _BoundedGeoJson:
    """A :class:`_BoundedGeoJson` of ``pairs`` with ``props``, its data defined on ``fmap``
    first (add the layer to ``fmap`` next). ``source``: the URL of the layer's geometry file
    (:mod:`conflictmap.boundary_files`); the map then carries only the properties and fetches
    the geometry (:class:`_GeometryLoader`)."""
    shared = _shared_features(pairs, props, served=source is not None)
    fmap.add_child(_GeometryScript(shared))
    layer = _BoundedGeoJson(shared, **kwargs)  # type: ignore[arg-type]
    if source is not None:
        layer.add_child(_GeometryLoader(shared, source))
    return layer


def _served_features(
    pairs: tuple[tuple[str, dict], ...] | list[tuple[str, dict]],
    props: Mapping[str, Mapping[str, object]],
) -> dict[str, object]:
    """The features of ``pairs`` with ``props`` and no geometry: what folium's layer styles
    (its style and highlight functions read the properties); the browser gets
    :func:`_served_payload` instead."""
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": code, "geometry": None, "properties": props[code]}
            for code, _ in pairs
            if code in props
        ],
    }


def _served_payload(
    pairs: tuple[tuple[str, dict], ...] | list[tuple[str, dict]],
    props: Mapping[str, Mapping[str, object]],
) -> dict[str, object]:
    """The properties of a served layer by column, for :class:`_GeometryLoader`: ``codes`` (None:
    every feature of the file, in its order), ``same`` (a property every feature has alike),
    ``columns`` (a property per code: a list; ``{"values", "index"}`` when few values repeat;
    None when it is the code itself). ``features`` is empty: the layer's own script adds it
    (nothing) before the geometry is there."""
    codes = [code for code, _ in pairs if code in props]
    keys = sorted({key for code in codes for key in props[code]})
    same: dict[str, object] = {}
    columns: dict[str, object] = {}
    for key in keys:
        values = [props[code].get(key) for code in codes]
        if all(v == values[0] for v in values):
            same[key] = values[0]
        elif values == codes:
            columns[key] = None
        else:
            distinct = list(dict.fromkeys(values))
            if len(distinct) * 4 <= len(values):
                position = {v: i for i, v in enumerate(distinct)}
                columns[key] = {"values": distinct, "index": [position[v] for v in values]}
            else:
                columns[key] = values
    every = len(codes) == len(pairs)
    return {
        "type": "FeatureCollection",
        "features": [],
        "cm": {"codes": None if every else codes, "same": same, "columns": columns},
    }


def _country_bounds(geo: Geography) -> list[list[float]]:
    """[[south, west], [north, east]] of every department: what any layer of the map lies in."""
    minx, miny, maxx, maxy = (round(float(v), 4) for v in geo.departments.total_bounds)
    return [[miny, minx], [maxy, maxx]]


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
    fmap: folium.Map,
    pairs: list[tuple[str, dict]] | tuple[tuple[str, dict], ...],
    name: str,
    colour: str,
    weight: float,
) -> None:
    folium.GeoJson(
        _features(pairs, {code: {} for code, _ in pairs}),
        name=name,
        style_function=lambda f: {"fill": False, "color": colour, "weight": weight},
        interactive=False,
        control=False,
    ).add_to(fmap)


def _add_zoomed_municipality_lines(
    fmap: folium.Map, geo: Geography, *, named: bool = True, source: str | None = None
) -> None:
    """Municipality lines that appear once zoomed in (zoom >= :data:`MUNI_LINES_ZOOM`);
    ``source``: their geometry file's URL (see :func:`_bounded_geojson`)."""
    muni_pairs = geo.geometry_json("municipalities")
    lines = _bounded_geojson(
        fmap,
        muni_pairs,
        {c: {} for c, _ in muni_pairs},
        source=source,
        bounds=_country_bounds(geo),
        name=_("Municipality lines (zoom in)") if named else None,  # None: folium's default
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
        return _("in the filtered period")
    if end:
        return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"
    return _("since {start} (open)").format(start=f"{start:%Y-%m-%d}")


def _add_territories(fmap: folium.Map, view: TerritoryView, geo: Geography) -> None:
    """One toggleable layer per group and kind; declared solid (opacity by level), inferred
    dashed; contested municipalities outlined with the groups named."""
    groups: dict[tuple[str, str], folium.FeatureGroup] = {}
    for area in view.areas:
        key = (area.group, area.kind)
        if key not in groups:
            label = (
                _("declared")
                if area.kind == "declared"
                else _("inferred from incidents (≥ {k})").format(k=view.min_incidents)
            )
            groups[key] = folium.FeatureGroup(
                name=html.escape(f"{area.group} — {label}"), show=True
            )
            groups[key].add_to(fmap)
        more = len(area.municipalities) - TOOLTIP_NAMES
        n = len(area.municipalities)
        municipalities = ngettext(
            "{n} municipality: {names}", "{n} municipalities: {names}", n
        ).format(
            n=number(n),
            names=", ".join(geo.name(c) or c for c in area.municipalities[:TOOLTIP_NAMES]),
        )
        if more > 0:
            municipalities += " " + _("and {n} more").format(n=number(more))
        kind = KIND_LABELS.get(area.kind)
        tip = TERRITORY_TOOLTIP.render(
            area=area,
            kind=_(kind) if kind else area.kind,
            level=territory_level_label(area.level) if area.level else "",
            municipalities=municipalities,
            sources=_("Sources: {sources}").format(sources="; ".join(area.sources)),
            valid=_("Valid: {period}").format(
                period=_validity_text(area.valid_from, area.valid_to)
            ),
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
        layer = folium.FeatureGroup(name=_("Contested municipalities"), show=True)
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
                    CONTESTED_TOOLTIP.render(
                        title=_("Contested: {place}").format(place=place),
                        claimed=_("claimed by {groups}").format(groups=", ".join(c.groups)),
                    ),
                    sticky=True,
                ),
            ).add_to(layer)


def _add_flagged(fmap: folium.Map, model: MapModel, geo: Geography) -> None:
    """The Watchlist page's alerts: flagged places outlined in red (a new actor only: dashed),
    each with its escaped tooltip, in one layer."""
    layer = folium.FeatureGroup(name=_("Alerts"), show=True)
    layer.add_to(fmap)
    shapes = {
        level: dict(geo.geometry_json("municipalities" if level == "municipality" else "departments"))
        for level in {f.level for f in model.flagged}
    }
    for place in model.flagged:
        geometry = shapes[place.level].get(place.code)
        if geometry is None:
            continue
        style = {
            "fill": True,
            "fillColor": SELECTED,
            "fillOpacity": 0.12 if place.strong else 0.04,
            "color": SELECTED,
            "weight": 3 if place.strong else 2,
        }
        if not place.strong:
            style["dashArray"] = "4 4"
        folium.GeoJson(
            {"type": "Feature", "properties": {"alert": place.code}, "geometry": geometry},
            style_function=lambda f, st=style: st,
            tooltip=folium.Tooltip(esc(place.tooltip), sticky=True),
        ).add_to(layer)


def _add_points(fmap: folium.Map, model: MapModel, geo: Geography) -> int:
    """Clustered circle markers coloured by event type; popups built with textContent."""
    pts = model.points
    if pts.empty:
        return 0
    name = ngettext("Incidents ({n} point)", "Incidents ({n} points)", len(pts))
    _point_cluster(pts, geo, name.format(n=number(len(pts)))).add_to(fmap)
    return len(pts)


def _point_cluster(pts: pd.DataFrame, geo: Geography, name: str | None) -> MarkerCluster:
    """One circle marker per incident in a client-side marker cluster, from a compact payload."""

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
        for la, lo, k, f, c in zip(lat, lon, kind.tolist(), fatalities, codes.tolist(), strict=True)
    ]
    cluster = MarkerCluster(
        name=name,
        control=name is not None,
        icon_create_function=cluster_icon_js(),
        options={"maxClusterRadius": 40, "spiderfyOnMaxZoom": True},
    )
    payload = {
        "types": types,
        "colours": [EVENT_TYPES[t] for t in types] + [UNKNOWN_COLOUR],
        "strings": [str(v) for v in strings],
        "rows": rows,
        "words": {
            "types": [event_type_label(t) for t in types],
            "other": _("Other"),
            "date": _("Date"),
            "subtype": _("Sub-type"),
            "actor1": _("Actor 1"),
            "actor2": _("Actor 2"),
            "fatalities": _("Fatalities"),
            "unknown": _("unknown"),
            "place": _("Place"),
            "location": _("Location"),
            "source": _("Source"),
            "dataset": _("Dataset"),
        },
    }
    cluster.add_child(_PointLoader(payload))
    return cluster


class _ClusterAssets(JSCSSMixin, MacroElement):
    """Leaflet.markercluster's files (self-hosted) on a map that has no point layer yet: the
    page adds one per viewport later, and the component loads a map's scripts once, when it
    first draws it."""

    _template = Template("{% macro script(this, kwargs) %}{% endmacro %}")

    def __init__(self) -> None:
        super().__init__()
        self._name = "ClusterAssets"
        links = [
            (a.kind, a.name, f"{assets.STATIC_URL}/{a.target}")
            for a in assets.CLASS_ASSETS[MarkerCluster]
        ]
        self.default_js = [(name, url) for kind, name, url in links if kind == "js"]
        self.default_css = [(name, url) for kind, name, url in links if kind == "css"]


# --------------------------------------------------------------------------------------------
# The density view (H3 hexagons) and the incidents of a viewport


def _add_hexagons(fmap: folium.Map, model: MapModel) -> None:
    """The hexagons, filled by class, with their counts in a tooltip (one compact payload)."""
    hexes = model.hexagons
    if hexes is None or hexes.cells.empty:
        return
    fills = list(dict.fromkeys(model.hex_fills))
    rings = hexes.boundaries()
    cells = hexes.cells
    payload = {
        "fills": fills,
        "rows": [
            [fills.index(fill), int(n), int(f), [c for vertex in ring for c in vertex]]
            for fill, n, f, ring in zip(
                model.hex_fills, cells["incidents"], cells["fatalities"], rings, strict=True
            )
        ],
    }
    group = folium.FeatureGroup(name=_("Hexagons ({cells})").format(cells=hexes.label), show=True)
    payload["words"] = count_words()
    group.add_child(_HexLoader(payload))
    group.add_to(fmap)


def viewport_layer(layer: ViewportLayer, geo: Geography) -> folium.FeatureGroup:
    """The incidents of one viewport request (:mod:`conflictmap.clusters`) as a feature group
    for streamlit-folium's ``feature_group_to_add``: clusters (count on the icon, fatalities in
    the tooltip, a click zooms to the cluster's incidents) or one point per incident (the same
    popups as ever), the counts of incidents placed only to a department or coarser on their
    department, and a status line saying what is drawn."""
    group = folium.FeatureGroup(name=_("Incidents"), control=False)
    if layer.mode == "points" and len(layer.points):
        _point_cluster(layer.points, geo, None).add_to(group)
    elif layer.mode == "clusters" and len(layer.clusters):
        group.add_child(
            _CellLoader(cells_payload(layer.clusters, POINTS_ZOOM if not layer.capped else None))
        )
    group.add_child(
        _AreaLoader(
            {"areas": area_rows(layer, geo), "status": status_text(layer), "group": group_symbol()}
        )
    )
    assets.localize(group)
    return group


def cells_payload(cells: pd.DataFrame, points_zoom: int | None) -> dict[str, object]:
    """The clusters of one zoom as :class:`_CellLoader` draws them: [lat, lon, incidents,
    fatalities, with a figure, south, west, north, east] per cluster; a click zooms at most to
    ``points_zoom`` (None: to the cluster's extent)."""
    c = cells
    return {
        "pointsZoom": points_zoom,
        "words": count_words(),
        "rows": [
            [
                round(float(la), COORD_DECIMALS),
                round(float(lo), COORD_DECIMALS),
                int(n),
                int(f),
                int(k),
                round(float(s), COORD_DECIMALS),
                round(float(w), COORD_DECIMALS),
                round(float(no), COORD_DECIMALS),
                round(float(e), COORD_DECIMALS),
            ]
            for la, lo, n, f, k, s, w, no, e in zip(
                c["lat"], c["lon"], c["incidents"], c["fatalities"], c["known"], c["south"],
                c["west"], c["north"], c["east"],
                strict=True,
            )
        ],
    }


def area_rows(layer: ViewportLayer, geo: Geography) -> list[list[object]]:
    """[lat, lon, incidents, sentence] of each department's incidents placed only to it, at its
    representative point (those placed only to Colombia: said in the status line or legend)."""
    rows: list[list[object]] = []
    reps = geo.representative_points
    for code, n, f in zip(
        layer.areas["code"], layer.areas["incidents"], layer.areas["fatalities"], strict=True
    ):
        if code == COUNTRY or code not in reps:
            continue
        text = area_text(int(n), int(f), geo.name(code))
        lon, lat = reps[code]
        rows.append([round(lat, COORD_DECIMALS), round(lon, COORD_DECIMALS), int(n), text])
    return rows


def _add_incidents(fmap: folium.Map, model: MapModel, geo: Geography) -> None:
    """An export's incidents (:func:`conflictmap.clusters.export_layer`), as the dashboard
    draws them but with no server to ask: the points, or the clusters of the zoom the map opens
    at, then those of each deeper zoom embedded (each shown from its zoom to the next), then,
    if embedded, every incident as its own point; and the badges of incidents placed only to
    a department."""
    layer = model.incidents
    assert layer is not None
    if layer.mode == "points":
        _add_points(fmap, model, geo)
    else:
        bands = [(layer.request.zoom, layer.clusters), *layer.levels]
        deepest = bands[-1][0]
        click_zoom = layer.points_zoom if layer.points_zoom is not None else deepest
        for i, (zoom, cells) in enumerate(bands):
            if i + 1 < len(bands):
                until: int | None = bands[i + 1][0] - 1
            else:
                until = None if layer.points_zoom is None else layer.points_zoom - 1
            group = folium.FeatureGroup(name=None, control=False)
            group.add_child(_CellLoader(cells_payload(cells, click_zoom)))
            group.add_to(fmap)
            fmap.add_child(_ZoomBand(group, zoom if i else None, until))
        if layer.points_zoom is not None and len(layer.points):
            points = _point_cluster(layer.points, geo, None)
            points.add_to(fmap)
            fmap.add_child(_ZoomBand(points, layer.points_zoom, None))
    areas = folium.FeatureGroup(name=None, control=False)
    areas.add_child(_AreaLoader({"areas": area_rows(layer, geo), "status": None,
                                 "group": group_symbol()}))
    areas.add_to(fmap)


def group_symbol() -> str:
    """The current language's thousands separator ("." in Spanish, "," in English)."""
    return get_group_symbol(i18n.babel_locale())


def cluster_icon_js() -> str:
    """The client-side cluster icon (folium's MarkerCluster), its count grouped the current
    language's way."""
    return _CLUSTER_ICON.replace("GROUP", json.dumps(group_symbol()))


def count_words() -> dict[str, object]:
    """The words of the hexagon and cluster tooltips (one/other forms of "{n} incidents") and
    the locale of their numbers, for the map's JavaScript."""
    return {
        "locale": "es-CO" if i18n.current() == "es" else "en-US",
        # the thousands separator (1.234 in Spanish, 1,234 in English), as i18n.number writes
        # it: the browser's own es-CO format leaves four-digit numbers ungrouped
        "group": group_symbol(),
        "incidents": [ngettext("{n} incident", "{n} incidents", n) for n in (1, 2)],
        "fatalities": [ngettext("{n} fatality", "{n} fatalities", n) for n in (1, 2)],
        "unknown": [_("{n} unknown")] * 2,
        "zoom": _("click to zoom in"),
    }


def area_text(incidents: int, fatalities: int, place: str) -> str:
    """ "12 more placed only to Huila (3 fatalities)": plain text, shown with textContent."""
    where = place or _("Colombia or a region")
    deaths = ngettext("{n} fatality", "{n} fatalities", fatalities).format(n=number(fatalities))
    return _("{n} more placed only to {place} ({deaths})").format(
        n=number(incidents), place=where, deaths=deaths
    )


def status_text(layer: ViewportLayer) -> str:
    """What the viewport's layer draws, in a sentence or two (plain text)."""
    n = layer.in_region
    where = (
        _("with a place on the map")
        if layer.request.region is None
        else _("in and around this view")
    )
    if layer.mode == "points":
        if not n:
            text = _("No incident {where}.").format(where=where)
        elif n == 1:
            text = _("The one incident {where} is its own point.").format(where=where)
        else:
            text = _("Each of the {n} incidents {where} is its own point.").format(
                n=number(n), where=where
            )
    else:
        k = len(layer.clusters)
        text = ngettext(
            "{n} incidents {where}, in {k} cluster: ", "{n} incidents {where}, in {k} clusters: ", k
        ).format(n=number(n), where=where, k=number(k))
        text += (
            _("more than {max} here to draw one by one; narrow the filters to see each.").format(
                max=number(MAX_POINTS)
            )
            if layer.capped
            else _("click one, or zoom in, to see each incident.")
        )
    areas = layer.areas
    country = areas[areas["code"] == COUNTRY]
    in_country, country_deaths = int(country["incidents"].sum()), int(country["fatalities"].sum())
    in_depts = layer.area_incidents - in_country
    more = []
    if in_depts:
        more.append(
            _("{n} placed only to a department (dashed badges)").format(n=number(in_depts))
        )
    if in_country:
        deaths = ngettext("{n} fatality", "{n} fatalities", country_deaths).format(
            n=number(country_deaths)
        )
        more.append(
            _("{n} only to Colombia or a region ({deaths})").format(
                n=number(in_country), deaths=deaths
            )
        )
    if more:
        text += " " + _("Also {what}.").format(what=_(" and ").join(more))
    return text


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


class _IslandsButton(MacroElement):
    """A button to the islands' department and back to the mainland (bottom left)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var islands = {{ this.islands }}, mainland = {{ this.mainland }};
            var control = L.control({position: 'bottomleft'});
            control.onAdd = function() {
                var button = L.DomUtil.create('button', 'cm-islands');
                button.type = 'button';
                var there = false;
                function label() {
                    button.textContent = there ? '← Mainland Colombia' : {{ this.name }} + ' →';
                }
                label();
                L.DomEvent.disableClickPropagation(button);
                L.DomEvent.on(button, 'click', function() {
                    there = !there;
                    map.fitBounds(there ? islands : mainland, {animate: false});
                    label();
                });
                return button;
            };
            control.addTo(map);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, name: str, islands: list[list[float]], mainland: list[list[float]]) -> None:
        super().__init__()
        self._name = "IslandsButton"
        self.name = _js_string_json(name)
        self.islands = json.dumps([[round(v, 4) for v in corner] for corner in islands])
        self.mainland = json.dumps([[round(v, 4) for v in corner] for corner in mainland])


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


class _ZoomBand(MacroElement):
    """Shows a layer only between two zoom levels (whole levels, both included; None: no
    limit): an export's clusters of each zoom, then its points."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var layer = {{ this.layer.get_name() }};
            var low = {{ this.low }}, high = {{ this.high }};
            function band() {
                var z = Math.floor(map.getZoom() + 1e-9);
                var shown = (low === null || z >= low) && (high === null || z <= high);
                if (shown) { if (!map.hasLayer(layer)) map.addLayer(layer); }
                else if (map.hasLayer(layer)) { map.removeLayer(layer); }
            }
            map.on('zoomend', band);
            band();
        })();
        {% endmacro %}
        """
    )

    def __init__(self, layer: folium.map.Layer, low: int | None, high: int | None) -> None:
        super().__init__()
        self._name = "ZoomBand"
        self.layer = layer
        self.low = json.dumps(low)
        self.high = json.dumps(high)


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
                var t = r[2] >= 0 ? d.words.types[r[2]] : d.words.other;
                var colour = d.colours[r[2] >= 0 ? r[2] : d.colours.length - 1];
                var m = L.circleMarker([r[0], r[1]], {
                    radius: 6, color: '#ffffff', weight: 1, fillColor: colour, fillOpacity: 0.95
                });
                m.bindPopup(function() {
                    var box = document.createElement('div'); box.className = 'cm-popup';
                    var title = document.createElement('b'); title.textContent = t;
                    box.appendChild(title);
                    var table = document.createElement('table');
                    var w = d.words;
                    cell(table, w.date, d.strings[r[3]]);
                    if (d.strings[r[4]]) cell(table, w.subtype, d.strings[r[4]]);
                    cell(table, w.actor1, d.strings[r[5]] || '—');
                    if (d.strings[r[6]]) cell(table, w.actor2, d.strings[r[6]]);
                    cell(table, w.fatalities, r[7] === null ? w.unknown : String(r[7]));
                    cell(table, w.place, d.strings[r[8]]);
                    if (d.strings[r[9]]) cell(table, w.location, d.strings[r[9]]);
                    var url = d.strings[r[11]];
                    var safe = /^https?:\\/\\//i.test(url) ? url : null;
                    cell(table, w.source, d.strings[r[10]], safe);
                    cell(table, w.dataset, d.strings[r[12]]);
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


class _HexLoader(MacroElement):
    """Adds the hexagons to its parent group from a compact payload (flat vertex lists)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var d = {{ this.payload }};
            var group = {{ this._parent.get_name() }};
            var w = d.words;
            function say(forms, n) {
                return forms[n === 1 ? 0 : 1].replace('{n}', n.toLocaleString('en-US').replace(/,/g, w.group));
            }
            function tip(n, f) {
                var box = document.createElement('div');
                box.textContent = say(w.incidents, n) + ' · ' + say(w.fatalities, f);
                return box;
            }
            d.rows.forEach(function(r) {
                var ring = [];
                for (var i = 0; i < r[3].length; i += 2) ring.push([r[3][i], r[3][i + 1]]);
                var hex = L.polygon(ring, {
                    color: '#555555', weight: 0.4, opacity: 0.7,
                    fillColor: d.fills[r[0]], fillOpacity: 0.85
                });
                hex.bindTooltip(tip(r[1], r[2]), {sticky: true});
                hex.cmHexagon = true;
                group.addLayer(hex);
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict[str, object]) -> None:
        super().__init__()
        self._name = "HexLoader"
        self.payload = _js_string_json(payload)


class _CellLoader(MacroElement):
    """Server-side clusters: one marker per grid cell with its count; the tooltip gives the
    fatalities; a click zooms to the cell's incidents (at most to the zoom of single points)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var d = {{ this.payload }};
            var group = {{ this._parent.get_name() }};
            var w = d.words;
            function say(forms, n) {
                return forms[n === 1 ? 0 : 1].replace('{n}', n.toLocaleString('en-US').replace(/,/g, w.group));
            }
            function tip(r) {
                var box = document.createElement('div');
                var deaths = say(w.fatalities, r[3]);
                if (r[4] < r[2]) deaths += ' (' + say(w.unknown, r[2] - r[4]) + ')';
                box.textContent = say(w.incidents, r[2]) + ' · ' + deaths + ' — ' + w.zoom;
                return box;
            }
            d.rows.forEach(function(r) {
                var n = r[2];
                var size = n < 10 ? 28 : n < 100 ? 34 : n < 1000 ? 40 : n < 10000 ? 46 : 52;
                var icon = L.divIcon({
                    html: '<div><span>' + n.toLocaleString('en-US').replace(/,/g, w.group) + '</span></div>',
                    className: 'cm-cluster cm-cell', iconSize: L.point(size, size)
                });
                var m = L.marker([r[0], r[1]], {icon: icon, keyboard: false, riseOnHover: true});
                m.cmCount = n;
                m.bindTooltip(tip(r), {direction: 'top'});
                m.on('click', function() {
                    var map = group._map;
                    if (!map) return;
                    var options = {padding: [24, 24]};
                    if (d.pointsZoom !== null) options.maxZoom = Math.max(d.pointsZoom, map.getZoom() + 1);
                    map.fitBounds([[r[5], r[6]], [r[7], r[8]]], options);
                });
                group.addLayer(m);
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict[str, object]) -> None:
        super().__init__()
        self._name = "CellLoader"
        self.payload = _js_string_json(payload)


class _AreaLoader(MacroElement):
    """Incidents placed only to a department (a dashed badge "+12" on it, the sentence in its
    tooltip), and the status line of the viewport (top right), both set with textContent."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var d = {{ this.payload }};
            var group = {{ this._parent.get_name() }};
            var map = {{ this._parent._parent.get_name() }};
            d.areas.forEach(function(a) {
                var n = a[2];
                var label = '+' + n.toLocaleString('en-US').replace(/,/g, d.group);
                var icon = L.divIcon({
                    html: '<div></div>', className: 'cm-area',
                    iconSize: L.point(12 + 7 * label.length, 22)
                });
                var m = L.marker([a[0], a[1]], {icon: icon, keyboard: false, zIndexOffset: 1000});
                m.cmCount = n;
                m.on('add', function() {
                    var el = m.getElement();
                    if (el) el.firstChild.textContent = label;
                });
                var tip = document.createElement('div'); tip.textContent = a[3];
                m.bindTooltip(tip, {direction: 'top'});
                group.addLayer(m);
            });
            if (d.status === null) return;  // an export: the legend says what is drawn
            var box = document.getElementById('cm-status');
            if (!box) {
                var control = L.control({position: 'topleft'});
                control.onAdd = function() {
                    var div = L.DomUtil.create('div', 'cm-status');
                    div.id = 'cm-status';
                    L.DomEvent.disableClickPropagation(div);
                    return div;
                };
                control.addTo(map);
                box = document.getElementById('cm-status');
            }
            box.textContent = d.status;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict[str, object]) -> None:
        super().__init__()
        self._name = "AreaLoader"
        self.payload = _js_string_json(payload)


_CLUSTER_ICON = """
function(cluster) {
    var n = cluster.getChildCount();
    var size = n < 10 ? 28 : n < 100 ? 34 : n < 1000 ? 40 : 46;
    return L.divIcon({
        html: '<div><span>' + n.toLocaleString('en-US').replace(/,/g, GROUP) + '</span></div>',
        className: 'cm-cluster', iconSize: L.point(size, size)
    });
}
"""

_CSS = """
<style>
.cm-cluster div { background: rgba(40,40,40,0.78); color: #fff; border: 2px solid #fff;
  border-radius: 50%; width: 100%; height: 100%; display: flex; align-items: center;
  justify-content: center; font: 600 12px/1 system-ui, sans-serif; box-sizing: border-box; }
.cm-area div { background: rgba(255,255,255,.92); color: #333; border: 1.5px dashed #333;
  border-radius: 4px; width: 100%; height: 100%; display: flex; align-items: center;
  justify-content: center; font: 600 11px/1 system-ui, sans-serif; box-sizing: border-box; }
.cm-islands { background: rgba(255,255,255,.95); border: 1px solid #888; border-radius: 4px;
  padding: 3px 8px; font: 12px system-ui, sans-serif; cursor: pointer; }
.cm-status { background: rgba(255,255,255,.92); padding: 4px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); font: 12px/1.3 system-ui, sans-serif; max-width: 340px; }
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
