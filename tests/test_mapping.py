"""Map building on the sample database: features per level, self-hosted assets, attribution,
legend, point budget, payload size, escaping of incident data; and the choropleth classes."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

import folium
import numpy as np
import pytest

from conflictmap import classify as classify_mod
from conflictmap import ingest, mapping, sample, store
from conflictmap.classify import NO_DATA_COLOUR, PALETTE, ZERO_COLOUR, classify
from conflictmap.filters import Filters, ViewOptions
from conflictmap.view import load_view, map_spec

XSS_SCRIPT = "</script><script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"


@dataclass
class Built:
    fmap: folium.Map
    html: str
    spec: mapping.MapSpec


def build(db: Path, filters: Filters, options: ViewOptions, boundaries, **view_kw) -> Built:
    view = load_view(filters, options, db=db, **view_kw)
    spec = map_spec(view)
    fmap = mapping.build_map(spec, boundaries)
    return Built(fmap, fmap.get_root().render(), spec)


def walk(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from walk(child)


def choropleth_features(fmap: folium.Map) -> list[dict]:
    """Features of the choropleth layer: the GeoJson whose features carry a fill colour."""
    layers = [
        e.data["features"]
        for e in walk(fmap)
        if isinstance(e, folium.GeoJson)
        and isinstance(e.data, dict)
        and e.data.get("features")
        and "fill" in e.data["features"][0].get("properties", {})
    ]
    assert len(layers) == 1, f"expected one choropleth layer, found {len(layers)}"
    return layers[0]


def point_payloads(fmap: folium.Map) -> list[dict]:
    return [
        json.loads(e.payload) for e in walk(fmap) if isinstance(getattr(e, "payload", None), str)
    ]


def point_rows(fmap: folium.Map) -> int:
    return sum(len(p["rows"]) for p in point_payloads(fmap))


@pytest.fixture(scope="module")
def national(sample_db: Path, boundaries) -> Built:
    return build(sample_db, Filters(), ViewOptions(), boundaries)


@pytest.fixture(scope="module")
def huila(sample_db: Path, boundaries) -> Built:
    return build(sample_db, Filters(dept="41"), ViewOptions(), boundaries)


@pytest.fixture(scope="module")
def national_munis(sample_db: Path, boundaries) -> Built:
    return build(sample_db, Filters(), ViewOptions(level="municipality"), boundaries)


# --------------------------------------------------------------------------------------------
# Features per level


def test_national_department_level(national: Built) -> None:
    features = choropleth_features(national.fmap)
    assert len(features) == 33
    assert {f["id"] for f in features} == {f["properties"]["code"] for f in features}
    assert all(len(f["id"]) == 2 for f in features)
    huila = next(f for f in features if f["id"] == "41")
    assert huila["properties"]["name"] == "Huila"


def test_huila_municipality_level(huila: Built, boundaries) -> None:
    assert huila.spec.level == "municipality"
    features = choropleth_features(huila.fmap)
    assert len(features) == 37
    assert {f["id"] for f in features} == set(
        boundaries.department_municipalities("41")["muni_code"]
    )
    neiva = next(f for f in features if f["id"] == "41001")
    assert neiva["properties"]["name"] == "Neiva, Huila"


def test_national_municipality_level(national_munis: Built) -> None:
    features = choropleth_features(national_munis.fmap)
    assert len(features) == 1122
    assert len({f["id"] for f in features}) == 1122


def db_counts(db: Path, column: str, where: str = "TRUE") -> dict[str, int]:
    """Incidents per code, by SQL written here (not the code under test)."""
    with store.connect(db, read_only=True) as con:
        rows = con.execute(
            f"SELECT {column}, count(*) FROM incidents WHERE {column} IS NOT NULL AND {where} "
            "GROUP BY 1"
        ).fetchall()
    return {code: int(n) for code, n in rows}


def choropleth_layer(fmap: folium.Map) -> folium.GeoJson:
    [layer] = [
        e for e in walk(fmap)
        if isinstance(e, folium.GeoJson) and isinstance(e.data, dict) and e.data.get("features")
        and "fill" in e.data["features"][0].get("properties", {})
    ]  # fmt: skip
    return layer


def drawn_fills(fmap: folium.Map) -> dict[str, str]:
    """code -> the fill colour the browser is told to draw (the layer's style function)."""
    layer = choropleth_layer(fmap)
    return {f["id"]: layer.style_function(f)["fillColor"] for f in layer.data["features"]}


def legend_classes(html: str) -> list[tuple[str, float, float]]:
    """(colour, low, high) of each legend entry, read from the page the browser gets."""
    found = re.search(r"div\.innerHTML = (\"(?:[^\"\\]|\\.)*\");", html)
    assert found, "no legend in the page"
    legend = json.loads(found.group(1))
    out = []
    for colour, label in re.findall(
        r'<span class="sw" style="background:(#[0-9a-f]{6})"></span>([^<]*)</div>', legend
    ):
        numbers = [float(n.replace(",", "")) for n in re.findall(r"[\d,.]+", label)]
        if len(numbers) in (1, 2):
            out.append((colour, numbers[0], numbers[-1]))
    return out


def test_choropleth_counts_are_the_database_counts(national: Built, sample_db: Path) -> None:
    want = db_counts(sample_db, "dept_code")
    features = {f["id"]: f["properties"] for f in choropleth_features(national.fmap)}
    assert len(features) == 33
    for code, props in features.items():
        assert props["incidents"] == f"{want.get(code, 0):,}", code
    assert sum(want.values()) == 5002


def test_choropleth_fill_is_the_legend_class_of_the_database_count(
    national: Built, sample_db: Path
) -> None:
    """Each department is drawn in the colour the legend gives its count (count by SQL here,
    classes as the legend states them), zero in the legend's "0" colour."""
    counts = db_counts(sample_db, "dept_code")
    classes = legend_classes(national.html)
    assert classes[-1] == (ZERO_COLOUR, 0, 0)
    ranges = classes[:-1]
    assert len(ranges) >= 3
    # the classes cover the counts, in order, without overlapping, light to dark
    assert all(lo <= hi for _, lo, hi in ranges)
    assert all(a[2] < b[1] for a, b in zip(ranges, ranges[1:], strict=False))
    assert ranges[0][1] == min(n for n in counts.values() if n > 0)
    assert ranges[-1][2] == max(counts.values())
    lum = [_luminance(c) for c, _, _ in ranges]
    assert lum == sorted(lum, reverse=True)
    fills = drawn_fills(national.fmap)
    assert len(fills) == 33
    for code, fill in fills.items():
        n = counts.get(code, 0)
        want = ZERO_COLOUR if n == 0 else next(c for c, lo, hi in ranges if lo <= n <= hi)
        assert fill == want, (code, n, fill)


@pytest.fixture(scope="module")
def five_departments_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:
    """1 to 5 incidents in the capitals of five departments, none elsewhere."""
    folder = tmp_path_factory.mktemp("five")
    capitals = {"05001": 1, "08001": 2, "11001": 3, "41001": 4, "54001": 5}
    path = folder / "five.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["event_date", "event_type", "municipality", "source", "fatalities"])
        for code, n in capitals.items():
            for day in range(1, n + 1):
                writer.writerow([f"2022-03-{day:02d}", "Battles", code, "Hand-checked", "0"])
    db = folder / "five.duckdb"
    report = ingest.import_file(path, fmt="native", db=db)
    assert (report.inserted, report.rejected) == (15, 0)
    return db


def test_choropleth_fill_and_legend_on_a_hand_checked_fixture(five_departments_db: Path,
                                                             boundaries) -> None:
    """Quantile classes of the counts 1, 2, 3, 4, 5 (breaks at the 20/40/60/80/100 % values,
    taken upwards: 2, 3, 4, 5, 5): four classes, 1 and 2 sharing the first; four of the six
    Purples, skipping evenly from the second: #cbc9e2, #9e9ac8, #54278f, #3f007d."""
    built = build(five_departments_db, Filters(), ViewOptions(), boundaries)
    assert legend_classes(built.html) == [
        ("#cbc9e2", 1, 2), ("#9e9ac8", 3, 3), ("#54278f", 4, 4), ("#3f007d", 5, 5),
        ("#ffffff", 0, 0),
    ]  # fmt: skip
    fills = drawn_fills(built.fmap)
    assert {c: f for c, f in fills.items() if f != "#ffffff"} == {
        "05": "#cbc9e2", "08": "#cbc9e2", "11": "#9e9ac8", "41": "#54278f", "54": "#3f007d",
    }  # fmt: skip
    assert len(fills) == 33
    incidents = {f["id"]: f["properties"]["incidents"] for f in choropleth_features(built.fmap)}
    assert (incidents["05"], incidents["11"], incidents["54"], incidents["76"]) == (
        "1", "3", "5", "0")


# --------------------------------------------------------------------------------------------
# Rendered HTML: assets, attribution, legend, notice


def asset_links(html: str) -> list[str]:
    scripts = re.findall(r"<script[^>]*\bsrc=[\"']([^\"']+)", html, flags=re.IGNORECASE)
    links = re.findall(r"<link[^>]*\bhref=[\"']([^\"']+)", html, flags=re.IGNORECASE)
    return scripts + links


@pytest.mark.parametrize("which", ["national", "huila", "national_munis"])
def test_no_cdn_assets(which: str, request: pytest.FixtureRequest) -> None:
    built: Built = request.getfixturevalue(which)
    links = asset_links(built.html)
    assert links, "no script/link tags found"
    for url in links:
        assert url.startswith("/app/static/vendor/"), url
        assert not re.match(r"(?i)(https?:)?//", url), url
    for url in mapping.assets.asset_urls(built.fmap):
        assert url.startswith("/app/static/vendor/"), url
    assert any(u.endswith("leaflet.js") for u in links)


def test_attribution_and_legend(national: Built) -> None:
    assert "Límites: DANE" in national.html
    assert "quantiles" in national.html
    assert "Incidents per department" in national.html


def test_municipality_legend_wording(national_munis: Built) -> None:
    assert "Incidents per municipality" in national_munis.html


def test_synthetic_notice_when_demo_in_view(national: Built) -> None:
    assert national.spec.demo_in_view
    assert "SYNTHETIC" in national.html


def test_point_budget(national: Built, national_munis: Built, huila: Built,
                      sample_db: Path) -> None:
    assert national.spec.total_incidents == 5002
    assert point_rows(national.fmap) == mapping.POINT_BUDGET
    assert point_rows(national_munis.fmap) <= mapping.POINT_BUDGET
    # Huila has fewer incidents than the budget: all of them with a place on the map are drawn
    drawable = sum(db_counts(sample_db, "dept_code", "dept_code = '41' AND geo_precision <= 2"
                             " AND latitude IS NOT NULL").values())
    assert 0 < drawable < mapping.POINT_BUDGET
    assert point_rows(huila.fmap) == drawable
    assert f"{mapping.POINT_BUDGET:,} most recent of 5,002" in national.html


def test_point_budget_holds_for_oversized_points_frame(sample_db: Path, boundaries) -> None:
    view = load_view(Filters(), ViewOptions(), db=sample_db, point_budget=10_000)
    assert len(view.points) == 5002
    spec = map_spec(view)
    fmap = mapping.build_map(spec, boundaries)
    assert point_rows(fmap) <= mapping.POINT_BUDGET


def test_national_municipality_html_size(national_munis: Built) -> None:
    assert len(national_munis.html.encode("utf-8")) < 2_000_000


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:
    db = tmp_path_factory.mktemp("small") / "small.duckdb"
    report = ingest.import_frame(
        sample.demo_frame(boundaries, size=100),
        name="demo-100",
        fmt="native",
        db=db,
        dataset="demo-100",
    )
    assert report.inserted == 100
    return db


def test_html_does_not_grow_with_incidents_beyond_points(
    small_db: Path, sample_db: Path, national_munis: Built, boundaries
) -> None:
    small = build(small_db, Filters(), ViewOptions(level="municipality"), boundaries)
    assert point_rows(small.fmap) == 100

    def without_points(built: Built) -> int:
        return len(built.html) - sum(
            len(e.payload) for e in walk(built.fmap) if hasattr(e, "payload")
        )

    # 50 times the incidents: apart from the (capped) point payload the page is the same size
    assert abs(without_points(national_munis) - without_points(small)) < 20_000
    # and with no points at all the two maps are nearly identical in size
    a = build(small_db, Filters(), ViewOptions(level="municipality"), boundaries, point_budget=0)
    b = build(sample_db, Filters(), ViewOptions(level="municipality"), boundaries, point_budget=0)
    assert point_rows(a.fmap) == point_rows(b.fmap) == 0
    assert abs(len(a.html) - len(b.html)) < 20_000


def test_boundaries_are_written_once_and_the_same_on_every_rerun(
    sample_db: Path, boundaries, national: Built
) -> None:
    """The base map's boundaries are one variable per layer, serialised once per view: a pan
    reruns the page with the same map (streamlit-folium keys the map by its script)."""
    page = national.html
    names = re.findall(r"var (cmFeatures[0-9a-f]{16}) = ", page)
    assert len(names) == len(set(names)) >= 2  # departments (the fills), municipality lines
    for name in names:  # each named by its layer's script, and only defined there
        assert re.search(rf"geo_json_[0-9a-f]+_add\({name}\)", page)
    decoder = json.JSONDecoder()
    at = page.index(f"var {names[0]} = ") + len(f"var {names[0]} = ")
    data, _ = decoder.raw_decode(page, at)
    assert data["features"] == json.loads(json.dumps(choropleth_features(national.fmap)))
    # the same view built again: the same features object, the same script
    again = build(sample_db, Filters(), ViewOptions(), boundaries)
    assert re.findall(r"var (cmFeatures[0-9a-f]{16}) = ", again.html) == names

    def shared_of(fmap: folium.Map) -> list[object]:
        data = [getattr(e, "data", None) for e in walk(fmap)]
        return [d for d in data if isinstance(d, mapping._SharedFeatures)]

    shared, shared_again = shared_of(national.fmap), shared_of(again.fmap)
    assert len(shared) >= 2 and all(a is b for a, b in zip(shared, shared_again, strict=True))
    # folium's other JSON is written as before
    assert mapping._dumps_shared({"b": [1, "<"], "a": None}, sort_keys=True) == json.dumps(
        {"b": [1, "<"], "a": None}, sort_keys=True
    )


# --------------------------------------------------------------------------------------------
# Escaping incident data


@pytest.fixture(scope="module")
def xss_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:
    folder = tmp_path_factory.mktemp("xss")
    columns = [
        "event_date", "event_type", "sub_event_type", "actor1", "actor2", "fatalities", "latitude",
        "longitude", "municipality", "department", "location", "source", "source_url", "notes",
        "geo_precision",
    ]  # fmt: skip
    rows = [
        ["2022-09-02", "Battles", XSS_IMG, XSS_SCRIPT, XSS_IMG, "1", "2.93", "-75.28", "", "",
         XSS_SCRIPT + XSS_IMG, XSS_SCRIPT + " " + XSS_IMG, "https://example.org/a?q=1&r=2",
         XSS_SCRIPT + XSS_IMG, "1"],
        ["2022-09-03", "Riots", "", XSS_IMG, "", "0", "", "", "Neiva", "", XSS_IMG,
         XSS_IMG, "", XSS_IMG, "2"],
    ]  # fmt: skip
    path = folder / "xss.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(rows)
    db = folder / "xss.duckdb"
    report = ingest.import_file(path, fmt="native", db=db)
    assert (report.inserted, report.rejected) == (2, 0)
    return db


@pytest.mark.parametrize(
    ("filters", "options"),
    [
        (Filters(), ViewOptions()),
        (Filters(dept="41"), ViewOptions()),
        (Filters(dept="41", muni="41001"), ViewOptions()),
        (Filters(), ViewOptions(level="municipality", metric="fatalities")),
    ],
)
def test_markup_in_data_is_escaped(xss_db: Path, boundaries, filters, options) -> None:
    built = build(xss_db, filters, options, boundaries)
    html = built.html
    assert point_rows(built.fmap) >= 1
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "onerror=alert(1)>" not in html
    # the data is there, escaped
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html or "&lt;img src=x" in html
    assert "SYNTHETIC" not in html  # no demo data in this database


def test_markup_source_in_attribution_is_escaped(xss_db: Path, boundaries) -> None:
    built = build(xss_db, Filters(), ViewOptions(), boundaries)
    assert any(XSS_IMG in s for s in built.spec.sources)
    assert "<img src=x" not in built.html
    assert "&lt;img src=x" in mapping.attribution_text("DANE", built.spec.sources)


def test_esc() -> None:
    assert mapping.esc(XSS_IMG) == "&lt;img src=x onerror=alert(1)&gt;"
    assert mapping.esc("\"quoted\" & 'single'") == "&quot;quoted&quot; &amp; &#x27;single&#x27;"
    assert mapping.esc(None) == ""
    assert mapping.esc(float("nan")) == ""


# --------------------------------------------------------------------------------------------
# classify()


def _luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_classify_quantiles_known_values() -> None:
    c = classify([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    assert c.method == "quantiles"
    assert c.upper == (3, 5, 7, 9, 10)
    assert c.lower == (1, 4, 6, 8, 10)
    assert c.labels() == ["1 – 3", "4 – 5", "6 – 7", "8 – 9", "10"]
    assert len(c.colours) == 5
    # each value falls in the class whose bounds hold it
    for v in range(1, 11):
        i = next(
            k for k, (lo, hi) in enumerate(zip(c.lower, c.upper, strict=True)) if lo <= v <= hi
        )
        assert c.colour(v) == c.colours[i]


def test_classify_zero_and_missing() -> None:
    c = classify([0, 0, 5, 10])
    assert c.colour(0) == ZERO_COLOUR
    assert c.colour(None) == NO_DATA_COLOUR
    assert c.colour(float("nan")) == NO_DATA_COLOUR
    assert ZERO_COLOUR not in c.colours and NO_DATA_COLOUR not in c.colours
    # zeros do not take part in the breaks
    assert c.lower[0] == 5
    empty = classify([0, 0, 0])
    assert empty.labels() == [] and empty.colours == ()
    assert empty.colour(0) == ZERO_COLOUR
    assert classify([]).colour(None) == NO_DATA_COLOUR
    assert classify([None, float("nan"), -3, 0]).upper == ()


def test_classify_colours_light_to_dark() -> None:
    for values in ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 100], list(range(1, 500, 7))):
        c = classify(values)
        lum = [_luminance(col) for col in c.colours]
        assert lum == sorted(lum, reverse=True), values
        assert set(c.colours) <= set(PALETTE)
    assert [_luminance(col) for col in PALETTE] == sorted(
        (_luminance(col) for col in PALETTE), reverse=True
    )
    # the largest value always gets the darkest colour used
    c = classify([1, 2, 3, 1000])
    assert c.colour(1000) == c.colours[-1]
    assert c.colour(10_000) == c.colours[-1]


def test_classify_labels_thousands() -> None:
    c = classify([1000, 2000, 1_500_000])
    assert c.labels() == ["1,000 – 2,000", "1,500,000"]
    assert c.upper == (2000, 1_500_000)
    assert classify([12_345]).labels() == ["12,345"]


def test_classify_few_distinct_values() -> None:
    c = classify([7, 7, 7, 7])
    assert c.labels() == ["7"]
    assert c.colour(7) == c.colours[0]
    c = classify([1, 1, 1, 1, 50])
    assert len(c.colours) == len(c.labels()) == len(set(c.upper))
    assert c.colour(1) != c.colour(50)


def test_classify_fractional_values() -> None:
    c = classify([0.5, 1.25, 2.75, 10.0])
    assert all("." in label for label in c.labels()[:-1])
    assert c.colour(0.5) == c.colours[0]
    assert c.colour(10.0) == c.colours[-1]


def test_classify_k_is_bounded() -> None:
    values = np.arange(1, 101)
    assert len(classify(values, k=3).colours) == 3
    assert len(classify(values, k=50).colours) == len(PALETTE)
    assert len(classify(values, k=0).colours) == 1
    assert classify_mod.METHOD == "quantiles"


# --------------------------------------------------------------------------------------------
# Served boundaries (the dashboard): the geometry in files the browser fetches once


def component_arguments(fmap: folium.Map) -> dict[str, str]:
    """The map's script, header and HTML as streamlit-folium sends them (its own functions, as
    the page calls it with render=False)."""
    import streamlit_folium as sf

    fmap.render()
    html, header = sf._get_html(fmap), sf._get_header(fmap)
    return {"script": sf._get_map_string(fmap), "header": header, "html": html}


def expand(payload: dict, file: dict) -> list[dict]:
    """The features the browser builds from a served layer's payload and its file (what
    _GeometryLoader's JavaScript does, written again here)."""
    spec = payload["cm"]
    shapes = {f["id"]: f["geometry"] for f in file["features"]}
    codes = spec["codes"] if spec["codes"] is not None else [f["id"] for f in file["features"]]
    out = []
    for i, code in enumerate(codes):
        props = dict(spec["same"])
        for key, col in spec["columns"].items():
            props[key] = (
                code if col is None
                else col[i] if isinstance(col, list)
                else col["values"][col["index"][i]]
            )
        out.append({"id": code, "properties": props, "geometry": shapes[code]})
    return out


@pytest.fixture()
def geo_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from conflictmap import boundary_files

    folder = tmp_path / "static" / "geo"
    monkeypatch.setattr(boundary_files, "folder", lambda: folder)
    return folder


@pytest.mark.parametrize(
    ("filters", "options", "limit"),
    [
        (Filters(), ViewOptions(), 100_000),
        (Filters(), ViewOptions(level="municipality"), 100_000),
        (Filters(dept="41"), ViewOptions(), 60_000),
    ],
)
def test_a_served_map_sends_properties_not_boundaries(
    sample_db: Path, boundaries, geo_folder: Path, filters, options, limit
) -> None:
    view = load_view(filters, options, db=sample_db)
    spec = map_spec(view, viewport_points=True)
    embedded = component_arguments(mapping.build_map(spec, boundaries))
    served = component_arguments(mapping.build_map(spec, boundaries, served=True))
    size = sum(len(v.encode()) for v in served.values())
    assert sum(len(v.encode()) for v in embedded.values()) > 200_000  # what a pan sent before
    assert size < limit
    # no boundary layer's geometry; a chosen department's own outline (one shape) stays
    assert served["script"].count('"coordinates"') == (1 if filters.dept else 0)
    urls = re.findall(r'url: "(/app/static/geo/[^"]+)"', served["script"])
    assert urls and all((geo_folder / u.rsplit("/", 1)[1]).is_file() for u in urls)
    # the embedded map (exports) fetches nothing
    assert "/app/static/geo" not in embedded["script"] and "fetch(" not in embedded["script"]


def test_served_layers_rebuild_the_same_features(
    sample_db: Path, boundaries, geo_folder: Path
) -> None:
    """The browser's features (payload joined to the file by code) are the embedded map's: the
    same codes, geometry, escaped names, figures and fills, in the same order."""
    decoder = json.JSONDecoder()
    for filters, options in ((Filters(), ViewOptions(level="municipality")),
                             (Filters(dept="41"), ViewOptions())):
        spec = map_spec(load_view(filters, options, db=sample_db), viewport_points=True)
        want = choropleth_features(mapping.build_map(spec, boundaries))
        script = component_arguments(mapping.build_map(spec, boundaries, served=True))["script"]
        got = None
        for match in re.finditer(r'props: (cmFeatures[0-9a-f]{16}),\s*url: "([^"]+)"', script):
            at = script.index(f"var {match[1]} = ") + len(f"var {match[1]} = ")
            payload, _ = decoder.raw_decode(script, at)
            file = json.loads((geo_folder / match[2].rsplit("/", 1)[1]).read_text())
            features = expand(payload, file)
            if features and "fill" in features[0]["properties"]:
                got = features
        assert got is not None, "no served choropleth layer"
        assert [(f["id"], f["properties"], f["geometry"]) for f in got] == [
            (f["id"], f["properties"], f["geometry"]) for f in json.loads(json.dumps(want))
        ]


def test_a_boundary_file_is_written_once_per_source_with_the_geographys_codes(
    boundaries, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib
    import os

    from conflictmap import boundary_files
    from conflictmap.map_model import as_geography

    geo = as_geography(boundaries)
    writes: list[Path] = []
    real_write = boundary_files._write_atomically

    def counting(path: Path, text: str) -> None:
        writes.append(path)
        real_write(path, text)

    monkeypatch.setattr(boundary_files, "_write_atomically", counting)
    target = tmp_path / "geo"
    source_sha = hashlib.sha256(Path(os.environ["CONFLICTMAP_GEODATA"]).read_bytes()).hexdigest()
    expected = {
        ("departments", None): set(boundaries.departments["dept_code"]),
        ("municipalities", None): set(boundaries.municipalities["muni_code"]),
        ("dept_municipalities", "41"): set(
            boundaries.municipalities.loc[
                boundaries.municipalities["muni_code"].str.startswith("41"), "muni_code"
            ]
        ),
    }
    for (layer, dept), codes in expected.items():
        url = boundary_files.publish(geo, layer, dept, target)
        assert url.startswith("/app/static/geo/" + source_sha + "-" + layer)
        assert boundary_files.publish(geo, layer, dept, target) == url  # same process
        path = target / url.rsplit("/", 1)[1]
        data = json.loads(path.read_text(encoding="utf-8"))
        assert [f["id"] for f in data["features"]] == [c for c, _ in geo.geometry_json(layer, dept)]
        assert {f["id"] for f in data["features"]} == codes
    assert len(writes) == 3 and sorted(writes) == sorted(target.iterdir())
    # another process (no memory of this one) finds the files and writes nothing
    monkeypatch.setattr(boundary_files, "_PUBLISHED", {})
    for layer, dept in expected:
        boundary_files.publish(geo, layer, dept, target)
    assert len(writes) == 3


def test_a_static_folder_that_cannot_be_written_leaves_the_boundaries_embedded(
    sample_db: Path, boundaries, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictmap import boundary_files

    blocker = tmp_path / "static"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setattr(boundary_files, "folder", lambda: blocker / "geo")
    spec = map_spec(load_view(Filters(), ViewOptions(), db=sample_db), viewport_points=True)
    script = component_arguments(mapping.build_map(spec, boundaries, served=True))["script"]
    assert "/app/static/geo" not in script
    assert len(choropleth_features(mapping.build_map(spec, boundaries, served=True))) == 33
    assert script.count('"coordinates"') > 33  # departments and municipality lines, inline
