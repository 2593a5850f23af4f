"""What every export says about itself (conflictmap/export_metadata.py), function by function on
hand-made views and a tiny figure: the metadata, the view link, the title, the rights line, the
metadata inside PNG/SVG/PDF, the format of a file name and the file name of an export."""

from __future__ import annotations

import io
import json
from datetime import date
from types import SimpleNamespace
from xml.etree import ElementTree

import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image
from test_export import pdf_info_string

from conflictmap import __version__, export_metadata
from conflictmap.export import SnapshotRequest
from conflictmap.filters import Filters, ViewOptions
from conflictmap.sources import UCDP, Citation

BOUNDARIES = "Límites: DANE — MGN 2018 (CC BY 4.0)"
OTHER = Citation("other", "Other data", "ODbL", "Other data (ODbL)", ("Ref 1.", "Ref 2."),
                 "https://other.example", "oth:", "Other")
ANTIOQUIA = SnapshotRequest(
    filters=Filters(dept="05", date_from=date(2024, 2, 29), actors=("ELN", "AGC")),
    options=ViewOptions(level="municipality", metric="fatalities", style="hexagons"),
)


def view(**kw) -> SimpleNamespace:
    """The parts of a ViewData the metadata reads."""
    base = dict(
        sources=["Police report", UCDP.attribution],
        citations=[UCDP],
        datasets=pd.DataFrame({"dataset": ["zeta", "acled", "ged"]}),
        territory_datasets=("claims",),
        figures=SimpleNamespace(incidents=12, fatalities=34),
        unmapped_note="3 incidents placed only to a department",
        unmapped=[SimpleNamespace(level="department", incidents=3, fatalities=1)],
        demo_in_view=False,
    )
    return SimpleNamespace(**(base | kw))


def test_view_query_repeats_list_parameters_and_escapes() -> None:
    assert export_metadata.view_query(ANTIOQUIA) == (
        "?from=2024-02-29&actor=ELN&actor=AGC&dept=05&level=municipality&metric=fatalities"
        "&style=hexagons"
    )
    request = SnapshotRequest(filters=Filters(actors=("Clan del Golfo & AGC",)), options=ViewOptions())
    assert export_metadata.view_query(request) == (
        "?actor=Clan+del+Golfo+%26+AGC&level=department&metric=incidents"
    )


def test_cited_sources_put_missing_citations_first() -> None:
    v = view(sources=["Police report", UCDP.attribution])
    assert export_metadata.cited_sources(v, [UCDP]) == ["Police report", UCDP.attribution]
    assert export_metadata.cited_sources(v, [OTHER, UCDP]) == [
        "Other data (ODbL)", "Police report", UCDP.attribution
    ]
    assert export_metadata.cited_sources(v) == ["Police report", UCDP.attribution]


def test_metadata_of_a_view() -> None:
    meta = export_metadata.metadata(ANTIOQUIA, view(), "abc123", "Antioquia")
    assert meta == {
        "app": "ConflictMap",
        "version": __version__,
        "title": "Fatalities — Antioquia",
        "subtitle": "29 Feb 2024 – today · all event types · actors: ELN, AGC · Antioquia",
        "filters": {"from": "2024-02-29", "actor": ["ELN", "AGC"], "dept": "05"},
        "view": {"level": "municipality", "metric": "fatalities", "style": "hexagons"},
        "view_url": "?from=2024-02-29&actor=ELN&actor=AGC&dept=05&level=municipality"
        "&metric=fatalities&style=hexagons",
        "datasets": ["acled", "ged", "zeta"],
        "territory_datasets": ["claims"],
        "incidents": 12,
        "fatalities": 34,
        "not_on_map": {
            "note": "3 incidents placed only to a department",
            "levels": [{"level": "department", "incidents": 3, "fatalities": 1}],
        },
        "content_sha256": "abc123",
        "synthetic_demo_data": False,
        "boundaries": BOUNDARIES,
        "incident_sources": ["Police report", UCDP.attribution],
        "citations": [UCDP.as_json()],
        "exported": date.today().isoformat(),
    }


def test_metadata_with_the_citations_found_in_the_database() -> None:
    meta = export_metadata.metadata(ANTIOQUIA, view(datasets=pd.DataFrame({"dataset": []})),
                                    "h", "Antioquia", [OTHER])
    assert meta["datasets"] == []
    assert meta["citations"] == [OTHER.as_json()]
    assert meta["incident_sources"] == ["Other data (ODbL)", "Police report", UCDP.attribution]
    empty = export_metadata.metadata(ANTIOQUIA, view(), "h", "Antioquia", [])
    assert empty["citations"] == [] and empty["incident_sources"] == ["Police report", UCDP.attribution]


def layer(mode: str) -> SimpleNamespace:
    return SimpleNamespace(
        mode=mode,
        request=SimpleNamespace(zoom=7),
        in_region=40,
        clusters=pd.DataFrame({"incidents": [30, 10]}),
        areas=pd.DataFrame({"code": ["05", "CO"], "incidents": [3, 2]}),
    )


def test_map_incidents_as_clusters_and_as_points() -> None:
    assert export_metadata.map_incidents(layer("clusters")) == {
        "drawn_as": "clusters",
        "zoom": 7,
        "with_a_place": 40,
        "clusters": 2,
        "placed_only_to_an_area": 5,
        "by_area": {"05": 3, "CO": 2},
    }
    assert export_metadata.map_incidents(layer("points"))["clusters"] == 0


def test_title_is_the_given_one_else_the_metric_and_place() -> None:
    titled = SnapshotRequest(filters=Filters(), options=ViewOptions(), title="Mi mapa")
    assert export_metadata.title_for(titled, "Colombia") == "Mi mapa"
    plain = SnapshotRequest(filters=Filters(), options=ViewOptions())
    assert export_metadata.title_for(plain, "Colombia") == "Incidents — Colombia"
    odd = SnapshotRequest(filters=Filters(), options=ViewOptions(metric="victims"))
    assert export_metadata.title_for(odd, "Huila") == "Incidents — Huila"


def test_title_in_spanish() -> None:
    from conflictmap import i18n

    with i18n.using("es"):
        title = export_metadata.title_for(ANTIOQUIA, "Antioquia")
    assert title == "Víctimas fatales — Antioquia"


def test_rights_are_the_boundaries_then_each_citation() -> None:
    assert export_metadata.rights({}) == BOUNDARIES
    meta = {"citations": [UCDP.as_json(), OTHER.as_json()]}
    assert export_metadata.rights(meta) == f"{BOUNDARIES}; {UCDP.attribution}; Other data (ODbL)"


META = {
    "title": "Incidents — Huila",
    "subtitle": "2022 · Huila",
    "view_url": "?dept=41",
    "citations": [UCDP.as_json()],
    "citation_block": {"text": "ConflictMap view, exported 2024-02-29."},
}


def tiny() -> Figure:
    fig = Figure(figsize=(1, 1))
    fig.add_subplot().plot([0, 1], [0, 1])
    return fig


def test_png_carries_the_metadata_in_text_chunks() -> None:
    data = export_metadata.image_bytes(tiny(), "png", META, 50)
    image = Image.open(io.BytesIO(data))
    assert image.size == (50, 50)
    assert {k: image.text[k] for k in ("Title", "Description", "Software", "Source", "Citation")} == {
        "Title": "Incidents — Huila",
        "Description": "2022 · Huila",
        "Software": f"ConflictMap {__version__}",
        "Source": f"{BOUNDARIES}; {UCDP.attribution}",
        "Citation": "ConflictMap view, exported 2024-02-29.",
    }
    assert json.loads(image.text["conflictmap"]) == META
    assert image.text["conflictmap"].startswith('{"citation_block"')  # keys sorted, text as is
    no_block = {k: v for k, v in META.items() if k != "citation_block"}
    again = Image.open(io.BytesIO(export_metadata.image_bytes(tiny(), "png", no_block, 100)))
    assert again.size == (100, 100) and "Citation" not in again.text


def test_svg_carries_the_metadata() -> None:
    data = export_metadata.image_bytes(tiny(), "svg", META, 100)
    root = ElementTree.fromstring(data)
    work = root.find(".//{http://creativecommons.org/ns#}Work")
    assert work is not None
    text = {e.tag.split("}")[1]: " ".join(t.strip() for t in e.itertext() if t.strip())
            for e in work}
    assert text["title"] == "Incidents — Huila"
    assert json.loads(text["description"]) == META
    assert "Huila" in text["description"] and "\\u" not in text["description"]
    assert text["creator"] == f"ConflictMap {__version__}"
    assert text["rights"] == f"{BOUNDARIES}; {UCDP.attribution}"
    assert "date" not in text  # no timestamp: the same bytes every time


def test_pdf_carries_the_metadata_without_dates() -> None:
    data = export_metadata.image_bytes(tiny(), "pdf", META, 100)
    assert pdf_info_string(data, "Title") == "Incidents — Huila"
    assert json.loads(pdf_info_string(data, "Subject")) == META
    assert pdf_info_string(data, "Keywords") == "?dept=41"
    assert pdf_info_string(data, "Creator") == f"ConflictMap {__version__}"
    assert b"/CreationDate" not in data and b"/ModDate" not in data


def test_image_bytes_of_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="^gif$"):
        export_metadata.image_bytes(tiny(), "gif", META, 100)


def test_digest_is_sha256() -> None:
    assert export_metadata.digest(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("out/Huila.PNG", "png"),
        ("map.svg", "svg"),
        ("a.b/map.pdf", "pdf"),
        ("map.html", "html"),
        ("x.csv", "csv"),
        ("x.geojson", "geojson"),
        ("x.gpkg", "gpkg"),
        ("Huila.Aggregates.CSV", "aggregates.csv"),
        ("dir.aggregates.csv/x.csv", "csv"),
    ],
)
def test_format_of_a_file_name(path: str, fmt: str) -> None:
    assert export_metadata.format_of(path) == fmt


def test_format_of_an_unknown_extension_names_the_known_ones() -> None:
    with pytest.raises(ValueError) as err:
        export_metadata.format_of("map.jpg")
    assert str(err.value) == (
        "map.jpg: unknown export format '.jpg' (use one of: .png, .svg, .pdf, .html, .csv, "
        ".geojson, .gpkg, .aggregates.csv)"
    )


@pytest.mark.parametrize(
    ("filters", "title", "name"),
    [
        (Filters(), None, "conflictmap-colombia.png"),
        (Filters(dept="05"), None, "conflictmap-05.png"),
        (Filters(dept="05", muni="05001"), None, "conflictmap-05001.png"),
        (Filters(date_from=date(2024, 2, 29)), None, "conflictmap-colombia-2024-02-29_today.png"),
        (Filters(date_to=date(2022, 12, 31)), None, "conflictmap-colombia-start_2022-12-31.png"),
        (
            Filters(dept="08", date_from=date(2022, 1, 1), date_to=date(2022, 12, 31)),
            "Atlántico:  Ataques  con drones en el año 2022, región Caribe",
            "conflictmap-08-2022-01-01_2022-12-31-atlantico-ataques-con-drones-en-el-ano-2.png",
        ),
    ],
)
def test_filename_for(filters: Filters, title: str | None, name: str) -> None:
    request = SnapshotRequest(filters=filters, options=ViewOptions(), title=title)
    assert export_metadata.filename_for(request, "png") == name
