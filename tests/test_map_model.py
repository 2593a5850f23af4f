"""The renderer-independent map model (issue 13, item 3), and both renderers drawing it.

Expected values are written out here (classes of hand-picked counts, colours from the
ColorBrewer Purples) or computed directly from the boundary file with geopandas/shapely, never
through the code under test.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import folium
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.legend import Legend

from conflictmap import assets, mapping, static_map
from conflictmap.map_model import (
    DEPARTMENT,
    MUNICIPALITY,
    NATIONAL_DEPARTMENTS,
    NATIONAL_MUNICIPALITIES,
    MapSpec,
    as_geography,
    build_model,
    choropleth_values,
)
from conflictmap.territories import Area, ContestedArea, TerritoryView

# Incidents per department: 1 to 5 in five departments (fatalities 0, 0, 2, 0, 7)
FIVE = pd.DataFrame(
    {
        "code": ["05", "08", "11", "41", "54"],
        "incidents": [1, 2, 3, 4, 5],
        "fatalities": [0, 0, 2, 0, 7],
    }
)
# Quantile classes of 1..5 (breaks 2, 3, 4, 5): four of the six Purples, from the second
FIVE_SWATCHES = [
    ("#cbc9e2", "1 – 2"),
    ("#9e9ac8", "3"),
    ("#54278f", "4"),
    ("#3f007d", "5"),
    ("#ffffff", "0"),
]
XSS = "<img src=x onerror=alert(1)>`${x}`\\"


def spec(**changes: object) -> MapSpec:
    base: dict[str, object] = {
        "level": "department",
        "metric": "incidents",
        "aggregates": FIVE,
        "points": pd.DataFrame(),
        "total_incidents": 15,
    }
    base.update(changes)
    return MapSpec(**base)  # type: ignore[arg-type]


def points(n: int, event_type: str = "Battles") -> pd.DataFrame:
    """n incidents at Neiva's centre, with every column the map's popups read."""
    return pd.DataFrame(
        {
            "event_date": [date(2022, 3, 1)] * n,
            "event_type": [event_type] * n,
            "sub_event_type": [""] * n,
            "actor1": ["ELN"] * n,
            "actor2": [None] * n,
            "fatalities": [1] * n,
            "latitude": [2.9273] * n,
            "longitude": [-75.2819] * n,
            "dept_code": ["41"] * n,
            "muni_code": ["41001"] * n,
            "location": [""] * n,
            "source": ["Hand-checked"] * n,
            "source_url": [""] * n,
            "dataset": ["test"] * n,
        }
    )


@pytest.fixture(scope="module")
def geo(boundaries):
    return as_geography(boundaries)


def bounds_of(frame) -> tuple[float, float, float, float]:  # noqa: ANN001
    return tuple(float(v) for v in shapely.total_bounds(np.asarray(frame.geometry.values)))


# --------------------------------------------------------------------------------------------
# Mode, codes, values, classes and colours


@pytest.mark.parametrize(
    ("changes", "mode", "layer", "shapes"),
    [
        ({}, NATIONAL_DEPARTMENTS, "departments", 33),
        ({"level": "municipality"}, NATIONAL_MUNICIPALITIES, "municipalities", 1122),
        ({"level": "municipality", "dept": "41"}, DEPARTMENT, "dept_municipalities", 37),
        ({"level": "department", "dept": "41"}, DEPARTMENT, "dept_municipalities", 37),
        ({"level": "municipality", "dept": "41", "muni": "41001"}, MUNICIPALITY,
         "dept_municipalities", 37),
    ],
)
def test_mode_for_each_filter_combination(geo, changes, mode: str, layer: str,
                                          shapes: int) -> None:
    model = build_model(spec(**changes), geo)
    assert (model.mode, model.layer, len(model.codes)) == (mode, layer, shapes)
    assert model.unit == ("department" if layer == "departments" else "municipality")


def test_legend_entries_for_a_known_frame(geo) -> None:
    model = build_model(spec(), geo)
    legend = model.legend
    assert legend.title == "Incidents per department (quantiles)"
    assert [(s.colour, s.label) for s in legend.swatches] == FIVE_SWATCHES
    assert [s.kind for s in legend.swatches] == ["class"] * 4 + ["zero"]
    assert [(s.low, s.high) for s in legend.swatches[:4]] == [(1, 2), (3, 3), (4, 4), (5, 5)]
    assert legend.point_types == ()  # no points drawn: no event-type entries
    assert [n.kind for n in legend.notes] == ["points", "basemap"]
    assert legend.note("basemap") == "Basemap: No tiles — boundaries only (works offline)"
    assert legend.territories is None


def test_colour_of_known_codes(geo) -> None:
    model = build_model(spec(), geo)
    assert model.fills["41"] == "#54278f"  # 4 incidents
    assert model.fills["05"] == model.fills["08"] == "#cbc9e2"  # 1 and 2: the first class
    assert model.fills["54"] == "#3f007d"
    assert model.fills["76"] == "#ffffff"  # Valle del Cauca: no incidents
    assert model.values["76"] == (0, 0)
    assert model.values["11"] == (3, 2)
    assert len(model.fills) == 33
    assert model.names["41"] == "Huila"


def test_fatalities_metric_and_the_unknown_entry(geo) -> None:
    model = build_model(spec(metric="fatalities"), geo)
    # fatalities 2 and 7: every quantile of two values, taken upwards, is 7: one class
    assert [(s.colour, s.label) for s in model.legend.swatches] == [
        ("#cbc9e2", "2 – 7"), ("#ffffff", "0"), ("#d9d9d9", "fatalities unknown counted as 0"),
    ]  # fmt: skip
    assert model.fills["54"] == model.fills["11"] == "#cbc9e2"
    assert model.fills["41"] == "#ffffff"
    assert model.legend.title == "Fatalities per department (quantiles)"


def test_fixed_classes_are_used_as_given(geo) -> None:
    from conflictmap.classify import Classes

    fixed = Classes((1.0, 4.0), (3.0, 100.0), ("#111111", "#222222"))
    model = build_model(spec(classes=fixed), geo)
    assert model.classes is fixed
    assert (model.fills["11"], model.fills["41"]) == ("#111111", "#222222")


def test_choropleth_values_ignore_codes_outside_the_layer() -> None:
    agg = pd.DataFrame({"code": ["41", "99999"], "incidents": [4, 9], "fatalities": [1, 9]})
    values = choropleth_values(spec(aggregates=agg), ["41", "54"])
    assert values == {"41": (4, 1), "54": (0, 0)}
    assert choropleth_values(spec(aggregates=FIVE.iloc[0:0]), ["41"]) == {"41": (0, 0)}


def test_municipality_names_carry_their_department(geo) -> None:
    model = build_model(spec(level="municipality", dept="41"), geo)
    assert model.names["41001"] == "Neiva, Huila"
    assert model.names["41551"] == "Pitalito, Huila"


# --------------------------------------------------------------------------------------------
# Extent, frame and labels


def test_extent_of_huila(geo, boundaries) -> None:
    depts = boundaries.departments
    want = bounds_of(depts[depts["dept_code"] == "41"])
    model = build_model(spec(level="municipality", dept="41"), geo)
    assert model.extent.code == model.frame.code == "41"
    assert model.extent.bounds == pytest.approx(want)


def test_national_extent_is_the_mainland(geo, boundaries) -> None:
    depts = boundaries.departments
    want = bounds_of(depts[depts["dept_code"] != "88"])
    model = build_model(spec(), geo)
    assert model.extent.code is None
    assert model.extent.bounds == pytest.approx(want)
    # San Andrés lies west of -81°: outside the national frame
    assert model.extent.bounds[0] > -80
    assert bounds_of(depts[depts["dept_code"] == "88"])[2] < model.extent.bounds[0]


def test_a_chosen_municipality_is_the_extent_and_is_labelled(geo, boundaries) -> None:
    munis = boundaries.municipalities
    neiva = munis[munis["muni_code"] == "41001"]
    model = build_model(spec(level="municipality", dept="41", muni="41001"), geo)
    assert model.extent.code == "41001"
    assert model.extent.bounds == pytest.approx(bounds_of(neiva))
    assert model.frame.code == "41"  # a printed map keeps the department around it
    [label] = model.labels
    assert (label.code, label.text) == ("41001", "Neiva")
    assert neiva.geometry.iloc[0].contains(shapely.Point(label.lon, label.lat))


def test_a_municipality_outside_the_department_is_not_labelled(geo) -> None:
    model = build_model(spec(level="municipality", dept="41", muni="05001"), geo)
    assert model.labels == () and model.muni is None


# --------------------------------------------------------------------------------------------
# Points and notes


def test_points_note_when_the_budget_limits_them(geo) -> None:
    model = build_model(
        spec(points=points(12), total_incidents=20, unmapped_incidents=5, point_budget=10,
             unmapped_note="5 incidents have no place finer than a department."),
        geo,
    )  # fmt: skip
    assert len(model.points) == 10
    s = model.points_summary
    assert (s.shown, s.drawable, s.total, s.drawn) == (10, 15, 20, True)
    assert model.legend.note("points") == (
        "Points: the 10 most recent of 15 incidents with a place on the map; colours count all 20."
    )
    assert model.legend.note("unmapped") == "5 incidents have no place finer than a department."
    battles = [p for p in model.legend.point_types if p.present]
    assert [(p.label, p.colour) for p in battles] == [("Battles", "#D55E00")]
    assert len(model.legend.point_types) == 6  # every event type is listed


@pytest.mark.parametrize(
    ("n", "total", "budget", "note"),
    [
        (3, 3, 10, "Points: all 3 incidents with a place on the map."),
        (3, 3, 0, "3 incidents in this view; points not drawn."),
        (0, 0, 10, "No incidents match the filters."),
    ],
)
def test_points_notes(geo, n: int, total: int, budget: int, note: str) -> None:
    model = build_model(spec(points=points(n), total_incidents=total, point_budget=budget), geo)
    assert model.legend.note("points") == note
    assert len(model.points) == min(n, budget)


def test_demo_warning_and_basemap(geo) -> None:
    model = build_model(spec(demo_in_view=True, basemap="positron"), geo)
    assert model.legend.note("demo") == "Includes SYNTHETIC demo data — not real incidents."
    assert model.basemap.label == "CartoDB Positron (online)"
    assert model.basemap.tiles and model.basemap.tiles.startswith("https://")
    assert build_model(spec(basemap="nonsense"), geo).basemap.tiles is None


def test_attribution_lines(geo) -> None:
    sources = [f"Source {i}" for i in range(8)]
    model = build_model(spec(sources=sources), geo)
    a = model.attribution
    assert a.boundaries.startswith("Límites: DANE")
    assert a.print_line == "Límites: DANE — MGN 2018 (CC BY 4.0). Incidents: " + "; ".join(
        sources) + "."
    assert a.web_sources() == (tuple(sources[:6]), 2)
    assert build_model(spec(), geo).attribution.print_line.endswith("Incidents: none.")


def territories(geo) -> TerritoryView:  # noqa: ANN001
    munis = geo.municipalities.set_index("muni_code").geometry

    def area(group: str, colour: str, kind: str, codes: tuple[str, ...]) -> Area:
        return Area(group, kind, "recurrent" if kind == "declared" else None, codes,
                    ("Hand-checked",), date(2022, 1, 1), None, colour,
                    shapely.union_all(list(munis[list(codes)])))  # fmt: skip

    return TerritoryView(
        areas=[
            area("Zeta " + XSS, "#1b7837", "declared", ("41001", "41298")),
            area("Alfa", "#2166ac", "inferred", ("41551",)),
            area("Alfa", "#2166ac", "declared", ("41551",)),
        ],
        contested=[ContestedArea("41551", ("Alfa", "Zeta"), munis["41551"])],
    )


def test_territory_legend_entries(geo) -> None:
    model = build_model(spec(territories=territories(geo)), geo)
    t = model.legend.territories
    assert [(e.group, e.colour, e.kinds) for e in t.entries] == [
        ("Alfa", "#2166ac", ("declared", "inferred")),
        ("Zeta " + XSS, "#1b7837", ("declared",)),
    ]
    assert (t.contested, t.contested_label) == (1, "contested (1 municipality)")


# --------------------------------------------------------------------------------------------
# The two renderers draw the same model


def static_legend(fig) -> list[tuple[str, list[str]]]:  # noqa: ANN001
    legend_ax = fig.axes[1]
    return [
        (leg.get_title().get_text(), [t.get_text() for t in leg.get_texts()])
        for leg in legend_ax.get_children()
        if isinstance(leg, Legend)
    ]


def folium_legend(fmap: folium.Map) -> str:
    html = fmap.get_root().render()
    found = re.search(r"div\.innerHTML = (\"(?:[^\"\\]|\\.)*\");", html)
    assert found
    import json

    return json.loads(found.group(1))


def test_both_renderers_show_the_models_legend(geo) -> None:
    s = spec(points=points(4), total_incidents=4, territories=territories(geo),
             metric="fatalities", unmapped_note="1 incident is placed only to a department.")
    model = build_model(s, geo)
    labels = [sw.label for sw in model.legend.swatches]
    sheet = static_map.Sheet("Title", "Subtitle", "Footer")
    fig = static_map.render(model, geo, sheet, size=(8, 5))
    groups = static_legend(fig)
    assert groups[0] == (model.legend.title, labels)
    assert groups[1] == ("Incidents by event type (4)", ["Battles"])
    assert groups[2] == ("Territories", ["Alfa", "Zeta " + XSS, "contested (1 municipality)"])
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert texts == ["1 incident is placed only to a department."]

    legend = folium_legend(mapping.draw(model, geo))
    for label in labels:
        assert f"</span>{label}</div>" in legend
    assert legend.index("Alfa") < legend.index("Zeta ")
    assert "contested (1 municipality)" in legend
    assert "1 incident is placed only to a department." in legend


def test_folium_fills_are_the_models(geo) -> None:
    model = build_model(spec(level="municipality", dept="41"), geo)
    fmap = mapping.draw(model, geo)
    [layer] = [
        e for e in fmap._children.values()
        if isinstance(e, folium.GeoJson) and e.data["features"]
        and "fill" in e.data["features"][0]["properties"]
    ]  # fmt: skip
    fills = {f["id"]: layer.style_function(f)["fillColor"] for f in layer.data["features"]}
    assert fills == model.fills


def test_static_map_colours_are_the_models(geo) -> None:
    from matplotlib.colors import to_hex

    model = build_model(spec(), geo)
    fig = static_map.render(model, geo, static_map.Sheet("", "", ""), size=(8, 5))
    # the choropleth: the collection with one face per department, in the boundary file's order
    [faces] = [
        [to_hex(c) for c in coll.get_facecolor()]
        for coll in fig.axes[0].collections
        if len(coll.get_facecolor()) == 33
    ]
    assert faces == [model.fills[c] for c in model.codes]


# --------------------------------------------------------------------------------------------
# Escaping, assets, no pyplot


def test_markup_in_territories_is_escaped_in_tooltips_and_legend(geo) -> None:
    model = build_model(spec(territories=territories(geo)), geo)
    html = mapping.draw(model, geo).get_root().render()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;&#96;&#36;{x}&#96;&#92;" in html
    legend = folium_legend(mapping.draw(model, geo))
    assert "Zeta &lt;img src=x onerror=alert(1)&gt;&#96;&#36;{x}&#96;&#92;" in legend


def test_asset_links_are_set_per_map_not_on_folium_classes(geo) -> None:
    cdn_js, cdn_css = list(folium.Map.default_js), list(folium.Map.default_css)
    fmap = mapping.draw(build_model(spec(points=points(2), total_incidents=2), geo), geo)
    # folium's classes keep their own links: another folium map in the process is unaffected
    assert folium.Map.default_js == cdn_js and folium.Map.default_css == cdn_css
    assert all(url.startswith("http") for _, url in folium.Map().default_js)
    urls = assets.asset_urls(fmap)
    assert urls and all(u.startswith(assets.STATIC_URL + "/") for u in urls)
    assert any(u.endswith("leaflet.markercluster.js") for u in urls)


def test_no_pyplot_in_the_package() -> None:
    package = Path(mapping.__file__).parent
    offenders = [p.name for p in package.rglob("*.py") if "pyplot" in p.read_text("utf-8")]
    assert offenders == []
