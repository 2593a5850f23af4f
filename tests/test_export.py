"""Snapshots and exports (issue 6): every format valid, not blank, attributed, reproducible.

The Huila 2022 snapshot is built once per format (module cache) and reused. Files are parsed
with the standard library where possible: PNG chunks (IHDR, tEXt/iTXt) and the PDF info dict
are read by small parsers below, SVG with xml.etree, the HTML metadata comment with json.
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
import pandas as pd
import pytest

from conflictmap import export, store
from conflictmap.filters import Filters, ViewOptions
from conflictmap.view import load_view

ROOT = Path(__file__).resolve().parents[1]

HUILA = Filters(date_from=date(2022, 1, 1), date_to=date(2022, 12, 31), dept="41")
NORTE = replace(HUILA, dept="54")
MUNI_LEVEL = ViewOptions(level="municipality")
HUILA_REQUEST = export.SnapshotRequest(HUILA, MUNI_LEVEL)
HUILA_PARAMS = {"from": "2022-01-01", "to": "2022-12-31", "dept": "41"}
SUBTITLE_DATES = "1 Jan 2022 – 31 Dec 2022"
ATTRIBUTION = "Límites: DANE"
HUILA_MUNICIPALITIES = 37

SVG = "{http://www.w3.org/2000/svg}"
DC = "{http://purl.org/dc/elements/1.1/}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"


# --------------------------------------------------------------------------------------------
# Parsers


def png_info(data: bytes) -> tuple[int, int, dict[str, str]]:
    """(width, height, text chunks) of a PNG: IHDR plus tEXt, zTXt and iTXt."""
    assert data[:8] == PNG_SIGNATURE
    pos, width, height, text = 8, 0, 0, {}
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"tEXt":
            key, value = body.split(b"\0", 1)
            text[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"zTXt":
            key, value = body.split(b"\0", 1)
            text[key.decode("latin-1")] = zlib.decompress(value[1:]).decode("latin-1")
        elif kind == b"iTXt":
            key, rest = body.split(b"\0", 1)
            compressed, rest = rest[0], rest[2:]
            _lang, rest = rest.split(b"\0", 1)
            _translated, value = rest.split(b"\0", 1)
            text[key.decode("latin-1")] = (zlib.decompress(value) if compressed else value).decode()
        elif kind == b"IEND":
            break
        pos += 12 + length
    return width, height, text


_PDF_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}


def pdf_info_string(data: bytes, key: str) -> str:
    """A text string of the PDF info dictionary (literal or hex; PDFDocEncoding or UTF-16BE)."""
    match = re.search(rb"/" + key.encode() + rb"\s*([(<])", data)
    assert match, f"/{key} not in the PDF"
    i = match.end()
    if match.group(1) == b"<":
        raw = bytes.fromhex(data[i : data.index(b">", i)].decode("ascii"))
    else:
        out, depth = bytearray(), 1
        while True:
            c = data[i]
            if c == 0x5C:  # backslash escape
                n = data[i + 1]
                if n in _PDF_ESCAPES:
                    out += _PDF_ESCAPES[n]
                    i += 2
                elif 0x30 <= n <= 0x37:
                    digits = re.match(rb"[0-7]{1,3}", data[i + 1 : i + 4]).group(0)
                    out.append(int(digits, 8) & 0xFF)
                    i += 1 + len(digits)
                elif n in (0x0A, 0x0D):  # line continuation
                    i += 2
                else:
                    out.append(n)
                    i += 2
                continue
            if c == 0x28:
                depth += 1
            elif c == 0x29:
                depth -= 1
                if depth == 0:
                    break
            out.append(c)
            i += 1
        raw = bytes(out)
    return raw[2:].decode("utf-16-be") if raw.startswith(b"\xfe\xff") else raw.decode("latin-1")


def svg_texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")]


def svg_metadata(root: ET.Element) -> dict:
    description = root.find(f"{SVG}metadata//{DC}description")
    assert description is not None, "no dc:description in the SVG <metadata>"
    return json.loads(description.text)


def html_metadata(page: str) -> dict:
    first = page.split("\n", 1)[0]
    assert first.startswith("<!-- conflictmap-snapshot {") and first.endswith(" -->")
    blob = first[len("<!-- conflictmap-snapshot ") : -len(" -->")]
    assert "--" not in blob  # a comment cannot be closed early by the data
    return json.loads(blob)  # "\u002d" escapes decode back to "-"


def html_geojson_features(page: str) -> list[dict]:
    """Every feature of every folium GeoJson layer embedded in the page."""
    decoder = json.JSONDecoder()
    features: list[dict] = []
    for match in re.finditer(r"geo_json_[0-9a-f]+_add\(", page):
        at = match.end()
        name = re.match(r"[A-Za-z]\w*", page[at:])
        if name:  # the boundaries are defined once as a variable the layer names
            at = page.index(f"var {name.group(0)} = ") + len(f"var {name.group(0)} = ")
        data, _ = decoder.raw_decode(page, at)
        if data.get("type") == "FeatureCollection":
            features.extend(data["features"])
        elif data.get("type") == "Feature":
            features.append(data)
    return features


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self.comments: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def parse_html(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


def assert_html_inert(page: str) -> None:
    """No element or handler comes from data: markup shows up only escaped, as text."""
    tags = parse_html(page)
    assert not [t for t, _ in tags.tags if t in ("img", "iframe", "object", "embed")]
    assert not [a for _, attrs in tags.tags for a in attrs if a.startswith("on")]
    for script in tags.scripts:
        assert "<script>alert(1)" not in script and "<img src=x" not in script
    outside_comments = page
    for comment in tags.comments:
        outside_comments = outside_comments.replace(comment, "")
    assert "<script>alert(1)" not in outside_comments
    assert "<img src=x" not in outside_comments


# --------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def huila(sample_db: Path, boundaries):
    """snapshot(fmt, **request changes) for Huila 2022, built once per format and request."""
    cache: dict[tuple, export.Snapshot] = {}

    def get(fmt: str, **changes: object) -> export.Snapshot:
        key = (fmt, tuple(sorted(changes.items())))
        if key not in cache:
            request = replace(HUILA_REQUEST, **changes)
            cache[key] = export.snapshot(request, fmt, db=sample_db, boundaries=boundaries)
        return cache[key]

    return get


@pytest.fixture(scope="module")
def huila_db_figures(sample_db: Path) -> dict:
    with store.connect(sample_db, read_only=True) as con:  # either store
        where = "dept_code = '41' AND event_date BETWEEN DATE '2022-01-01' AND DATE '2022-12-31'"
        n, fatalities = con.execute(
            f"SELECT count(*), coalesce(sum(fatalities), 0) FROM incidents WHERE {where}"
        ).fetchone()
        datasets = [r[0] for r in con.execute(
            f"SELECT DISTINCT dataset FROM incidents WHERE {where} ORDER BY 1").fetchall()]
        with_muni = con.execute(
            f"SELECT count(*) FROM incidents WHERE {where} AND muni_code IS NOT NULL").fetchone()[0]
    return {"incidents": n, "fatalities": fatalities, "datasets": datasets, "with_muni": with_muni}


@pytest.fixture(scope="module")
def cli_png(tmp_path_factory: pytest.TempPathFactory, sample_db: Path) -> dict:
    """The documented command, run once as a subprocess (with --sidecar)."""
    out = tmp_path_factory.mktemp("cli") / "huila.png"
    proc = subprocess.run(
        [sys.executable, "-m", "conflictmap.cli", "snapshot", "--dept", "Huila", "--level",
         "municipality", "--from", "2022-01-01", "--to", "2022-12-31", "--out", str(out),
         "--db", str(store.resolve_db(sample_db)), "--sidecar"],  # a file or a URL
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    return {"proc": proc, "out": out, "sidecar": out.with_name("huila.png.json")}


@pytest.fixture(scope="module")
def xss_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:  # noqa: ARG001
    from conflictmap import ingest

    rows = [
        {"event_date": "2022-06-01", "event_type": "Battles", "actor1": XSS_SCRIPT,
         "actor2": XSS_IMG, "latitude": "2.93", "longitude": "-75.28", "location": XSS_IMG,
         "notes": XSS_SCRIPT, "source": XSS_SCRIPT, "source_url": "https://example.org/a?x=1&y=2",
         "fatalities": "1"},
        {"event_date": "2022-06-02", "event_type": "Violence against civilians", "actor1": XSS_IMG,
         "actor2": "", "latitude": "2.93", "longitude": "-75.28", "location": XSS_SCRIPT,
         "notes": XSS_IMG, "source": XSS_IMG, "source_url": "", "fatalities": "0"},
    ]  # fmt: skip
    db = tmp_path_factory.mktemp("xss") / "xss.duckdb"
    report = ingest.import_frame(pd.DataFrame(rows), name="xss.csv", fmt="native", db=db,
                                 dataset="xss")
    assert (report.inserted, report.rejected) == (2, 0)
    return db


# --------------------------------------------------------------------------------------------
# Every format is valid


def test_png_is_a_png_at_least_1600_px_wide(huila) -> None:
    width, height, _ = png_info(huila("png").content)
    assert width >= 1600
    assert (width, height) == (1600, 1000)


def test_png_for_print_at_300_dpi_is_three_times_larger(huila) -> None:
    width, height, _ = png_info(huila("png").content)
    w300, h300, text = png_info(huila("png", dpi=300).content)
    assert (w300, h300) == (3 * width, 3 * height)
    assert json.loads(text["conflictmap"])["content_sha256"] == huila("png").metadata[
        "content_sha256"]


def test_png_is_not_blank(huila, tmp_path: Path) -> None:
    import matplotlib.image

    path = tmp_path / "huila.png"
    path.write_bytes(huila("png").content)
    pixels = matplotlib.image.imread(str(path))
    rgb = np.round(pixels[..., :3] * 255).astype(np.uint32)
    non_white = (rgb < 250).any(axis=-1).mean()
    colours = np.unique((rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]).size
    assert non_white > 0.10, f"only {non_white:.1%} of the pixels are not white"
    assert colours > 20, f"only {colours} distinct colours"


def test_pdf_is_one_a4_landscape_page(huila) -> None:
    data = huila("pdf").content
    assert data.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*([-\d.\s]+)\]", data)
    assert len(boxes) == 1
    x0, y0, x1, y1 = (float(v) for v in boxes[0].split())
    assert abs((x1 - x0) - 842) < 2 and abs((y1 - y0) - 595) < 2  # A4 landscape, in points
    assert re.search(rb"/Type\s*/Pages\s*/Kids\s*\[[^\]]*\]\s*/Count\s+1\b", data)


def test_svg_parses_and_keeps_text_as_text(huila) -> None:
    snap = huila("svg")
    root = ET.fromstring(snap.content)
    assert root.tag == f"{SVG}svg"
    texts = svg_texts(root)
    assert snap.metadata["title"] in texts
    assert snap.metadata["title"] == "Incidents — Colombia › Huila"
    assert any(t.startswith(ATTRIBUTION) for t in texts)
    subtitle = next(t for t in texts if t.startswith(SUBTITLE_DATES))
    assert "Huila" in subtitle
    # legend, scale bar, north arrow and the demo-data notice are text too
    assert any(t.startswith("Incidents per municipality") for t in texts)
    assert any(re.fullmatch(r"[\d.]+ km", t) for t in texts)
    assert "N" in texts
    assert any("SYNTHETIC" in t for t in texts)
    # svg.fonttype "none": no glyph outlines were drawn in place of the text
    assert not [e for e in root.iter() if (e.get("id") or "").startswith("DejaVuSans")]


def test_geopackage_opens_with_the_incidents(huila, huila_db_figures, tmp_path: Path) -> None:
    import pyogrio

    path = tmp_path / "huila.gpkg"
    path.write_bytes(huila("gpkg").content)
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == huila_db_figures["incidents"] == huila("gpkg").metadata["incidents"]
    assert frame["incident_id"].is_unique
    assert set(frame["dept_code"]) == {"41"}
    assert set(frame.geometry.geom_type) == {"Point"}
    assert frame.crs.to_epsg() == 4326
    assert set(frame["event_date"].astype(str).str[:4]) == {"2022"}


def test_geojson_is_a_feature_collection_of_points(huila, huila_db_figures) -> None:
    data = json.loads(huila("geojson").content)
    assert data["type"] == "FeatureCollection"
    features = data["features"]
    assert len(features) == huila_db_figures["incidents"]
    assert {f["geometry"]["type"] for f in features} == {"Point"}
    assert {f["properties"]["dept_code"] for f in features} == {"41"}
    lon, lat = features[0]["geometry"]["coordinates"]
    assert -77 < lon < -74 and 1 < lat < 4  # Huila, in lon/lat order


def test_csv_keeps_codes_as_strings(huila, huila_db_figures) -> None:
    import io

    raw = huila("csv").content.decode("utf-8")
    frame = pd.read_csv(io.StringIO(raw), dtype=str, keep_default_na=False)
    assert len(frame) == huila_db_figures["incidents"]
    assert {"incident_id", "event_date", "dept_code", "dept_name", "muni_code",
            "muni_name"} <= set(frame.columns)
    assert set(frame["dept_code"]) == {"41"}
    assert set(frame["dept_name"]) == {"Huila"}
    munis = frame.loc[frame["muni_code"] != "", "muni_code"]
    assert munis.str.fullmatch(r"41\d{3}").all()
    assert "41001" in set(munis)  # Neiva, leading digits kept
    assert ",41001," in raw  # written as text, not a number that lost or gained digits


def test_aggregates_csv_has_huilas_37_municipalities(huila, huila_db_figures) -> None:
    import io

    frame = pd.read_csv(io.StringIO(huila("aggregates.csv").content.decode()), dtype=str)
    assert len(frame) == HUILA_MUNICIPALITIES
    assert {"code", "name", "incidents", "fatalities"} <= set(frame.columns)
    assert frame["code"].str.fullmatch(r"41\d{3}").all() and frame["code"].is_unique
    assert frame.set_index("code").at["41001", "name"] == "Neiva"
    # the table behind the colours counts every incident placed in a municipality
    assert frame["incidents"].astype(int).sum() == huila_db_figures["with_muni"]


# --------------------------------------------------------------------------------------------
# Huila's 37 municipality shapes


def test_choropleth_table_and_html_map_have_37_municipalities(huila, boundaries) -> None:
    import io

    table = pd.read_csv(io.StringIO(huila("aggregates.csv").content.decode()), dtype=str)
    # Huila's municipalities, from the boundary file itself (the input, not the export code)
    municipalities = boundaries.municipalities
    want = set(municipalities.loc[municipalities["dept_code"] == "41", "muni_code"])
    assert len(want) == HUILA_MUNICIPALITIES
    assert set(table["code"]) == want
    features = html_geojson_features(huila("html").content.decode("utf-8"))
    munis = [f for f in features if f.get("properties", {}).get("level") == "municipality"]
    assert len(munis) == HUILA_MUNICIPALITIES
    assert {f["properties"]["code"] for f in munis} == want
    assert {f["geometry"]["type"] for f in munis} <= {"Polygon", "MultiPolygon"}


# --------------------------------------------------------------------------------------------
# The locator inset, read from the exported PNG's pixels
#
# Where a department lies in the inset: the inset is a matplotlib inset axes of the map, drawn
# in the export's projection (MAGNA-SIRGAS 2018, EPSG:9377) with an equal aspect, so its final
# position is only known after layout. The test renders the same request's figure once
# (export.render_figure, same size), draws it, and maps a department's representative point
# (computed here with geopandas from the boundary file, not by the export code) through the
# inset's data transform to figure fractions, then to pixels of the exported PNG (row 0 at the
# top). The PNG itself comes from export.snapshot, the bytes a user downloads.

INSET_RED = (227, 26, 28)  # "#e31a1c": the chosen department
INSET_LAND = (238, 238, 238)  # "#eeeeee": every other department
META, AMAZONAS, HUILA_CODE = "50", "91", "41"


def png_pixels(data: bytes) -> np.ndarray:
    """RGB pixels of a PNG as integers 0-255, shape (height, width, 3)."""
    import io

    import matplotlib.image

    rgba = matplotlib.image.imread(io.BytesIO(data), format="png")
    return np.round(rgba[..., :3] * 255).astype(int)


def pixel_at(pixels: np.ndarray, xy: tuple[int, int]) -> tuple[int, int, int]:
    """The median colour of the 3 x 3 pixels around (column, row)."""
    col, row = xy
    patch = pixels[row - 1 : row + 2, col - 1 : col + 2].reshape(-1, 3)
    return tuple(int(v) for v in np.median(patch, axis=0))


def close_to(colour: tuple[int, int, int], want: tuple[int, int, int], tol: int = 6) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(colour, want, strict=True))


def inset_locator(request: export.SnapshotRequest, db: Path, boundaries, size: tuple[int, int]):
    """code -> (column, row) in the exported PNG of ``request`` (``size`` = its pixels)."""
    import matplotlib
    import matplotlib.pyplot as plt

    from conflictmap.divipola import Gazetteer

    view = load_view(request.filters, request.options, db=db,
                     territory_options=request.territories)
    with matplotlib.rc_context(export.RC):
        fig = export.render_figure(request, view, boundaries,
                                   Gazetteer.from_boundaries(boundaries))
        fig.canvas.draw()  # applies the equal aspect: the inset's final box
    try:
        insets = [child for ax in fig.axes for child in ax.child_axes]
        assert len(insets) == 1, f"expected one locator inset, found {len(insets)}"
        to_figure = insets[0].transData + fig.transFigure.inverted()
        inset_box = insets[0].get_position()
    finally:
        plt.close(fig)
    width, height = size
    # the inset sits in the lower right of the map (below the title, left of the legend)
    assert 0.3 < inset_box.x0 < inset_box.x1 < 0.72 and 0.1 <= inset_box.y0 < inset_box.y1 < 0.5
    projected = boundaries.departments.to_crs("EPSG:9377").set_index("dept_code").geometry

    def locate(code: str, *, centroid: bool = False) -> tuple[int, int]:
        geom = projected[code]
        point = geom.centroid if centroid else geom.representative_point()  # inside the shape
        fx, fy = to_figure.transform((point.x, point.y))
        assert inset_box.x0 < fx < inset_box.x1 and inset_box.y0 < fy < inset_box.y1, code
        return int(fx * width), int((1 - fy) * height)

    return locate


@pytest.fixture(scope="module")
def inset_png(sample_db: Path, boundaries):
    """dept -> (PNG pixels, locate(code) -> (column, row)) for that department's PNG export."""
    cache: dict[str, tuple[np.ndarray, object]] = {}

    def get(dept: str):  # noqa: ANN202
        if dept not in cache:
            request = export.SnapshotRequest(Filters(dept=dept), MUNI_LEVEL)
            snap = export.snapshot(request, "png", db=sample_db, boundaries=boundaries)
            pixels = png_pixels(snap.content)
            size = (pixels.shape[1], pixels.shape[0])
            cache[dept] = (pixels, inset_locator(request, sample_db, boundaries, size))
        return cache[dept]

    return get


@pytest.mark.parametrize(("dept", "name"), [("05", "Antioquia"), (HUILA_CODE, "Huila")])
def test_locator_inset_marks_the_chosen_department_and_no_other(inset_png, dept: str,
                                                                name: str) -> None:
    pixels, locate = inset_png(dept)
    chosen = pixel_at(pixels, locate(dept))
    assert close_to(chosen, INSET_RED), f"{name} in the inset is {chosen}, not red"
    for other in (META, AMAZONAS, "08" if dept != "08" else "11"):
        colour = pixel_at(pixels, locate(other))
        assert close_to(colour, INSET_LAND), f"department {other} in the inset is {colour}"


@pytest.mark.filterwarnings("ignore:The GeoSeries you are attempting to plot is empty")
def test_locator_inset_marks_san_andres(inset_png) -> None:
    pixels, locate = inset_png("88")
    # the islands are too small to fill at this scale: a red dot marks their centroid
    dot = pixel_at(pixels, locate("88", centroid=True))
    assert close_to(dot, INSET_RED), f"San Andrés in the inset is {dot}, not red"
    for other in (META, AMAZONAS, "05"):
        colour = pixel_at(pixels, locate(other))
        assert close_to(colour, INSET_LAND), f"department {other} in the inset is {colour}"


def assert_inset_shows(data: bytes, dept: str, db: Path, boundaries) -> None:
    """A 1600 x 1000 PNG of ``dept`` at municipality level: red there in the inset, not in
    Meta or Amazonas. (The layout depends on the department only, not on the dates.)"""
    pixels = png_pixels(data)
    request = export.SnapshotRequest(Filters(dept=dept), MUNI_LEVEL)
    locate = inset_locator(request, db, boundaries, (pixels.shape[1], pixels.shape[0]))
    chosen = pixel_at(pixels, locate(dept))
    assert close_to(chosen, INSET_RED), f"department {dept} in the inset is {chosen}, not red"
    for other in (META, AMAZONAS):
        colour = pixel_at(pixels, locate(other))
        assert close_to(colour, INSET_LAND), f"department {other} in the inset is {colour}"


# --------------------------------------------------------------------------------------------
# Attribution, subtitle and metadata


def _check_metadata(meta: dict, fmt: str, huila_db_figures: dict) -> None:
    assert meta["app"] == "ConflictMap"
    assert meta["filters"] == HUILA_PARAMS
    assert meta["view"] == {"level": "municipality", "metric": "incidents"}
    assert meta["datasets"] == huila_db_figures["datasets"] == ["seed-events", "synthetic-demo"]
    assert re.fullmatch(r"[0-9a-f]{64}", meta["content_sha256"])
    assert meta["synthetic_demo_data"] is True
    assert meta["incidents"] == huila_db_figures["incidents"]
    assert meta["fatalities"] == huila_db_figures["fatalities"]
    assert meta["boundaries"].startswith(ATTRIBUTION)
    assert meta["subtitle"].startswith(SUBTITLE_DATES) and "Huila" in meta["subtitle"]
    assert meta["exported"] == date.today().isoformat()
    assert meta["format"] == fmt
    assert meta["version"]
    # the view URL reproduces the view
    assert meta["view_url"].startswith("?")
    params = parse_qs(meta["view_url"][1:])
    filters, problems = Filters.from_params(params)
    assert problems == [] and filters == HUILA
    assert ViewOptions.from_params(params, has_dept=True) == MUNI_LEVEL


def test_png_metadata(huila, huila_db_figures) -> None:
    snap = huila("png")
    _, _, text = png_info(snap.content)
    assert text["Source"].startswith(ATTRIBUTION)
    assert text["Description"].startswith(SUBTITLE_DATES) and "Huila" in text["Description"]
    assert text["Title"] == snap.metadata["title"]
    meta = json.loads(text["conflictmap"])
    assert meta == snap.metadata
    _check_metadata(meta, "png", huila_db_figures)


def test_pdf_metadata(huila, huila_db_figures) -> None:
    snap = huila("pdf")
    assert b"content_sha256" in snap.content.replace(b"\x00", b"")  # UTF-16 text string
    meta = json.loads(pdf_info_string(snap.content, "Subject"))
    assert meta == snap.metadata
    _check_metadata(meta, "pdf", huila_db_figures)
    assert pdf_info_string(snap.content, "Title") == meta["title"]
    assert pdf_info_string(snap.content, "Keywords") == meta["view_url"]


def test_svg_metadata(huila, huila_db_figures) -> None:
    snap = huila("svg")
    root = ET.fromstring(snap.content)
    meta = svg_metadata(root)
    assert meta == snap.metadata
    _check_metadata(meta, "svg", huila_db_figures)
    rights = "".join(root.find(f"{SVG}metadata").itertext())
    assert ATTRIBUTION in rights


def test_html_metadata_and_attribution(huila, huila_db_figures) -> None:
    snap = huila("html")
    page = snap.content.decode("utf-8")
    meta = html_metadata(page)
    assert meta == snap.metadata
    _check_metadata(meta, "html", huila_db_figures)
    assert f"<title>{meta['title']}</title>" in page
    assert "DANE" in page and "SYNTHETIC" in page


def test_metadata_is_the_same_in_every_format(huila) -> None:
    def without_format(meta: dict) -> dict:
        return {k: v for k, v in meta.items() if k != "format"}

    metas = [without_format(huila(fmt).metadata) for fmt in export.FORMATS]
    assert all(m == metas[0] for m in metas)


def test_sidecar_and_file_names(huila, tmp_path: Path) -> None:
    snap = huila("png")
    written = export.write(snap, tmp_path / "out" / "huila.png", sidecar=True)
    assert [p.name for p in written] == ["huila.png", "huila.png.json"]
    assert written[0].read_bytes() == snap.content
    assert json.loads(written[1].read_bytes()) == snap.metadata
    assert export.filename_for(HUILA_REQUEST, "png") == "conflictmap-41-2022-01-01_2022-12-31.png"
    assert export.format_of("x/Huila.PNG") == "png"
    assert export.format_of("huila.aggregates.csv") == "aggregates.csv"
    with pytest.raises(ValueError, match="bmp"):
        export.format_of("huila.bmp")


# --------------------------------------------------------------------------------------------
# Reproducible


def test_content_hash_follows_the_incidents_in_view(huila, sample_db, boundaries) -> None:
    from conflictmap import queries, store

    def sha(filters: Filters) -> str:
        request = export.SnapshotRequest(filters, MUNI_LEVEL)
        return export.snapshot(request, "aggregates.csv", db=sample_db,
                               boundaries=boundaries).metadata["content_sha256"]

    huila_sha = huila("png").metadata["content_sha256"]
    assert sha(HUILA) == huila_sha  # the same request again
    assert sha(NORTE) != huila_sha
    assert sha(replace(HUILA, date_to=date(2022, 6, 30))) != huila_sha
    with store.connect(sample_db, read_only=True) as con:
        assert queries.content_hash(con, HUILA) == huila_sha


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf", "csv", "geojson", "aggregates.csv"])
def test_same_request_gives_the_same_bytes(huila, sample_db, boundaries, fmt: str) -> None:
    again = export.snapshot(HUILA_REQUEST, fmt, db=sample_db, boundaries=boundaries)
    assert again.content == huila(fmt).content


def test_same_request_gives_the_same_html(huila, sample_db, boundaries) -> None:
    again = export.snapshot(HUILA_REQUEST, "html", db=sample_db, boundaries=boundaries)
    assert again.content == huila("html").content


def test_same_request_gives_the_same_geopackage(huila, sample_db, boundaries) -> None:
    again = export.snapshot(HUILA_REQUEST, "gpkg", db=sample_db, boundaries=boundaries)
    assert again.content == huila("gpkg").content


# --------------------------------------------------------------------------------------------
# HTML: pinned CDN by default, everything inlined on request


def test_html_uses_pinned_cdn_assets(huila) -> None:
    page = huila("html").content.decode("utf-8")
    assert page.startswith("<!-- conflictmap-snapshot {")
    assert "<!DOCTYPE html>" in page and page.rstrip().endswith("</html>")
    assert re.search(r'<div class="folium-map" id="map_[0-9a-f]+"', page)
    assert "/app/static" not in page
    tags = parse_html(page).tags
    urls = [a.get("src") for t, a in tags if t == "script" and a.get("src")]
    urls += [a.get("href") for t, a in tags if t == "link" and a.get("href")]
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in urls
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css" in urls
    assert all(u.startswith("https://cdn.jsdelivr.net/npm/") and "@" in u for u in urls), urls


def test_html_with_inline_assets_needs_no_network(huila, tmp_path: Path) -> None:
    import folium

    from conflictmap import assets

    page = huila("html", inline_assets=True).content.decode("utf-8")
    tags = parse_html(page).tags
    assert not [a for t, a in tags if t == "script" and a.get("src")]
    assert not [a for t, a in tags if t == "link" and a.get("href")]
    assert not re.search(r"<script[^>]*\ssrc=", page)
    assert not re.search(r"<link[^>]*\shref=[\"']?https?:", page)
    assert "/app/static" not in page and "url(images/" not in page
    leaflet_js = assets.CLASS_ASSETS[folium.Map][0].source_path().read_text(encoding="utf-8")
    assert leaflet_js[-2000:].replace("</script", "<\\/script") in page  # Leaflet's own code
    # opens from disk: a whole document with the map element and its script
    path = tmp_path / "huila.html"
    path.write_bytes(page.encode("utf-8"))
    text = path.read_text(encoding="utf-8")
    assert "<!DOCTYPE html>" in text and text.rstrip().endswith("</html>")
    map_id = re.search(r'<div class="folium-map" id="(map_[0-9a-f]+)"', text).group(1)
    assert f"var {map_id} = L.map(" in text
    assert html_metadata(text)["format"] == "html"


# --------------------------------------------------------------------------------------------
# Markup in incident text stays inert


def test_markup_in_incidents_is_inert_in_html(xss_db: Path, boundaries) -> None:
    request = export.SnapshotRequest(Filters(dept="41"), MUNI_LEVEL)
    snap = export.snapshot(request, "html", db=xss_db, boundaries=boundaries)
    page = snap.content.decode("utf-8")
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert_html_inert(page)
    assert "\\u003cscript\\u003ealert(1)" in page  # the data is there, as text
    assert snap.metadata["synthetic_demo_data"] is False and "SYNTHETIC" not in page


def test_markup_in_incidents_is_escaped_in_svg(xss_db: Path, boundaries) -> None:
    request = export.SnapshotRequest(Filters(dept="41"), MUNI_LEVEL)
    snap = export.snapshot(request, "svg", db=xss_db, boundaries=boundaries)
    raw = snap.content.decode("utf-8")
    assert "<script" not in raw and "<img" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    root = ET.fromstring(snap.content)  # still well-formed
    attribution = next(t for t in svg_texts(root) if t.startswith(ATTRIBUTION))
    assert XSS_SCRIPT in attribution and XSS_IMG in attribution  # shown as text
    assert not any("SYNTHETIC" in t for t in svg_texts(root))


def test_markup_in_the_title_is_inert(sample_db: Path, boundaries) -> None:
    title = f"--> {XSS_SCRIPT} & {XSS_IMG}"
    request = export.SnapshotRequest(HUILA, MUNI_LEVEL, title=title)
    page = export.snapshot(request, "html", db=sample_db, boundaries=boundaries).content.decode()
    assert html_metadata(page)["title"] == title  # the comment is not closed by the title
    assert page.index("-->") == page.index("\n") - 3
    assert_html_inert(page)
    assert "<title>--&gt; &lt;script&gt;" in page


@pytest.mark.parametrize("title", ["Coca economy: $2bn vs $3bn", r"Budget $\frac$ 2022"])
def test_dollar_signs_in_the_title_are_kept_as_text(sample_db: Path, boundaries,
                                                    title: str) -> None:
    request = export.SnapshotRequest(HUILA, MUNI_LEVEL, title=title)
    snap = export.snapshot(request, "svg", db=sample_db, boundaries=boundaries)
    assert title in svg_texts(ET.fromstring(snap.content))


# --------------------------------------------------------------------------------------------
# CLI


def test_cli_snapshot_writes_a_png_with_its_sidecar(cli_png: dict, huila, huila_db_figures,
                                                     sample_db: Path, boundaries) -> None:
    proc = cli_png["proc"]
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    result = json.loads(proc.stdout)
    assert result["written"] == [str(cli_png["out"]), str(cli_png["sidecar"])]
    data = cli_png["out"].read_bytes()
    width, _, text = png_info(data)
    assert width >= 1600 and result["bytes"] == len(data)
    embedded = json.loads(text["conflictmap"])
    assert json.loads(cli_png["sidecar"].read_bytes()) == embedded == result["metadata"]
    assert embedded["filters"] == HUILA_PARAMS
    # what the file says it shows is what the database holds (SQL in this file)
    assert embedded["incidents"] == huila_db_figures["incidents"]
    assert embedded["fatalities"] == huila_db_figures["fatalities"]
    assert embedded["datasets"] == huila_db_figures["datasets"]
    # and the picture is Huila's: red in the locator inset, Meta and Amazonas not
    assert_inset_shows(data, HUILA_CODE, sample_db, boundaries)
    # the CLI and the library agree byte for byte (same data, same day)
    assert data == huila("png").content


def test_cli_unknown_extension_is_one_line(sample_db: Path, tmp_path: Path, capsys) -> None:
    from conflictmap import cli

    # in-process: a traceback would surface here as an exception instead of a return code
    out = tmp_path / "huila.bmp"
    code = cli.main(["snapshot", "--dept", "Huila", "--out", str(out), "--db", str(sample_db)])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and ".bmp" in err and "Traceback" not in err
    assert not out.exists()


def test_cli_per_department(sample_db: Path, tmp_path: Path, capsys) -> None:
    """--per-department for all 33 departments, for real, with a cheap format.

    A PNG per department takes ~1 s of CPU each (> 30 s on this machine, far more under load),
    so the batch runs with aggregates.csv: the loop, file names, filters per department and
    sidecars are the same code for every format, and PNG output is covered above.
    """
    from conflictmap import cli

    folder = tmp_path / "briefings"
    code = cli.main(["snapshot", "--per-department", str(folder), "--format", "aggregates.csv",
                     "--sidecar", "--from", "2022-01-01", "--to", "2022-01-31",
                     "--db", str(sample_db)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    assert result["files"] == 66
    files = sorted(p.name for p in folder.iterdir())
    tables = [f for f in files if f.endswith(".aggregates.csv")]
    assert len(tables) == 33 and "41-huila.aggregates.csv" in tables
    assert "11-bogota-d-c.aggregates.csv" in tables
    huila_table = pd.read_csv(folder / "41-huila.aggregates.csv", dtype=str)
    assert len(huila_table) == HUILA_MUNICIPALITIES
    for name in tables:
        meta = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        assert meta["filters"] == {"from": "2022-01-01", "to": "2022-01-31", "dept": name[:2]}
        assert meta["view"]["level"] == "municipality"


def test_cli_per_department_unknown_format_is_one_line(sample_db: Path, tmp_path: Path,
                                                       capsys) -> None:
    from conflictmap import cli

    code = cli.main(["snapshot", "--per-department", str(tmp_path / "x"), "--format", "bmp",
                     "--db", str(sample_db)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "bmp" in err


# --------------------------------------------------------------------------------------------
# Dashboard: the download is the CLI's file


def test_dashboard_download_is_the_huila_png_and_equals_cli_bytes(
    cli_png: dict, sample_db: Path, boundaries, huila_db_figures: dict,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The download is checked on its own first (size, metadata against SQL, Huila red in the
    inset, literal file name), then against the CLI's file: the same bytes."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import AppTest

    assert cli_png["proc"].returncode == 0, cli_png["proc"].stderr
    seen: dict[str, bytes] = {}
    media: list[tuple[str, bytes]] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):  # noqa: ANN001, ANN202
        data = path_or_data.encode("utf-8") if isinstance(path_or_data, str) else path_or_data
        if filename:
            seen[filename] = data
        else:
            media.append((mimetype, data))
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    monkeypatch.setenv("CONFLICTMAP_DB", str(sample_db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    for key, value in {**HUILA_PARAMS, "level": "municipality"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    at.selectbox(key="x_format").set_value("PNG image (1600 px)")
    at.button(key="x_prepare").click().run()
    assert not at.exception

    assert [b.key for b in at.download_button] == ["x_download", "x_sidecar"]
    name = "conflictmap-41-2022-01-01_2022-12-31.png"
    assert set(seen) == {name, name + ".json"}
    data = seen[name]
    width, height, text = png_info(data)
    assert (width, height) == (1600, 1000)
    embedded = json.loads(text["conflictmap"])
    assert json.loads(seen[name + ".json"]) == embedded
    assert embedded["filters"] == HUILA_PARAMS
    assert embedded["view"] == {"level": "municipality", "metric": "incidents"}
    assert embedded["incidents"] == huila_db_figures["incidents"]
    assert embedded["fatalities"] == huila_db_figures["fatalities"]
    assert embedded["format"] == "png"
    assert_inset_shows(data, HUILA_CODE, sample_db, boundaries)
    # consistency: the dashboard and the CLI give the same file (same data, same day)
    assert data == cli_png["out"].read_bytes()
    assert embedded == json.loads(cli_png["sidecar"].read_bytes())
    # a preview of the image is shown
    previews = at.get("image")
    assert len(previews) == 1
    assert [d for mime, d in media if mime == "image/png" and d.startswith(PNG_SIGNATURE)]
