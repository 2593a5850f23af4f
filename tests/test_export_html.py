"""The interactive map as one HTML file (conflictmap/export_html.py): the metadata comment, the
title and language, the citation box, stable element ids, pinned or inlined assets. The view is
read from a two-row database over the synthetic square boundaries (fast; no DANE file)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conflictmap import export_html, i18n, store
from conflictmap.export import SnapshotRequest
from conflictmap.filters import Filters, ViewOptions
from conflictmap.view import load_view

HEX = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"


def test_stable_ids_number_folium_ids_in_order() -> None:
    page = f"map_{OTHER} = L.map('map_{OTHER}'); tile_{HEX}.addTo(map_{OTHER});"
    assert export_html.stable_ids(page) == (
        f"map_{0:032x} = L.map('map_{0:032x}'); tile_{1:032x}.addTo(map_{0:032x});"
    )


def test_stable_ids_leave_other_hex_alone() -> None:
    # no underscore before it, or longer than 32 hex digits, or upper case: not a folium id
    page = f"x{HEX} a_{HEX}0 b_{HEX.upper()}"
    assert export_html.stable_ids(page) == page


def test_with_citation_before_the_last_body_end_and_escaped() -> None:
    page = "<html><body><p>map</p></body>\n<!-- </body> in a comment -->\n</body></html>"
    out = export_html.with_citation(page, 'Cite "A & B" <x>\nsecond line')
    box = (
        f'<details class="conflictmap-citation" style="{export_html.CITATION_STYLE}" open>'
        "<summary>Cite this map</summary>"
        '<div style="white-space:pre-wrap">Cite &quot;A &amp; B&quot; &lt;x&gt;\nsecond line</div>'
        "</details>\n"
    )
    assert out == (
        "<html><body><p>map</p></body>\n<!-- </body> in a comment -->\n" + box + "</body></html>"
    )
    assert export_html.with_citation("<p>no body</p>", "c") == "<p>no body</p>" + box.replace(
        'Cite &quot;A &amp; B&quot; &lt;x&gt;\nsecond line', "c"
    )


INSERT = (
    "INSERT INTO incidents (incident_id, event_date, date_precision, event_type, fatalities, "
    "latitude, longitude, geo_precision, dept_code, muni_code, source, dataset, imported_at, "
    "actor_bits) VALUES (?, DATE '2022-09-02', 'day', 'Battles', 1, ?, ?, 1, ?, ?, "
    "'Police report', 'test', TIMESTAMP '2024-03-01 00:00:00', 0)"
)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, mini_geography):
    db = tmp_path_factory.mktemp("html") / "html.duckdb"
    muni = next(iter(mini_geography.muni_names))
    dept = muni[:2]
    lon, lat = mini_geography.representative_points[muni]
    with store.connect(db) as con:
        con.execute(INSERT, ["h1", lat, lon, dept, muni])
    request = SnapshotRequest(filters=Filters(), options=ViewOptions())
    view = load_view(request.filters, request.options, db=db, geo=mini_geography)
    return request, view


META = {
    "title": "Ataques <b>ELN</b> & -- más",
    "incident_sources": ["Fuente --> <script>alert(1)</script>"],
    "citation_block": {"text": "Cite <me> & you"},
}


def comment(page: str) -> dict:
    head, _, _ = page.partition("\n")
    m = re.fullmatch(r"<!-- conflictmap-snapshot (.*) -->", head)
    assert m, head
    blob = m.group(1)
    assert "--" not in blob and "<" not in blob and ">" not in blob
    return json.loads(blob)


def test_html_file_carries_metadata_title_language_and_citation(small, mini_geography) -> None:
    request, view = small
    page = export_html.html_bytes(request, view, mini_geography, META).decode("utf-8")
    assert comment(page) == META
    assert page.startswith('<!-- conflictmap-snapshot {"citation_block": ')  # keys sorted
    assert "& \\u002d\\u002d más" in page.partition("\n")[0]  # UTF-8 text, not \\u00e1
    assert "Synthetic test boundaries (squares)" in page  # the boundaries given, not the pinned
    assert page.count("<head>\n<title>Ataques &lt;b&gt;ELN&lt;/b&gt; &amp; -- más</title>") == 1
    assert page.count('<html lang="en">') == 1
    assert "<summary>Cite this map</summary>" in page
    assert "Cite &lt;me&gt; &amp; you</div></details>\n</body>" in page
    assert "<script>alert(1)</script>" not in page
    # the attribution names the given sources (escaped), not the view's
    assert "Incidents: Fuente --\\u0026gt; \\u0026lt;script\\u0026gt;alert(1)" in page
    assert "Incidents: Police report" not in page
    # ids numbered, not random: the same map gives the same bytes
    assert not re.search(r"_(?!0{20})[0-9a-f]{32}(?![0-9a-f])", page)
    assert export_html.html_bytes(request, view, mini_geography, META).decode("utf-8") == page


def test_html_in_spanish_and_without_a_citation_block(small, mini_geography) -> None:
    request, view = small
    with i18n.using("es"):
        page = export_html.html_bytes(request, view, mini_geography, {"title": "T"}).decode()
    assert page.count('<html lang="es">') == 1
    assert "conflictmap-citation" not in page
    assert "Incidentes: Police report" in page  # the view's own sources when the metadata names none
    empty = {"title": "T", "citation_block": {"text": ""}}
    assert "conflictmap-citation" not in export_html.html_bytes(request, view, mini_geography, empty).decode()


def test_html_assets_from_cdn_or_inlined(small, mini_geography) -> None:
    from dataclasses import replace

    request, view = small
    online = export_html.html_bytes(request, view, mini_geography, {"title": "T"}).decode()
    assert re.search(r'<script src="https://cdn\.jsdelivr\.net/', online)
    offline = export_html.html_bytes(
        replace(request, inline_assets=True), view, mini_geography, {"title": "T"}
    ).decode()
    assert not re.search(r'<script src="https?://', offline)
    assert len(offline) > len(online) + 100_000


def test_html_draws_the_given_incidents_layer(small, mini_geography, tmp_path: Path) -> None:
    from conflictmap import clusters

    request, view = small
    db = tmp_path / "empty.duckdb"
    with store.connect(db) as con:
        layer = clusters.export_layer(con, Filters(), 5, interactive=True)
    with_layer = export_html.html_bytes(request, view, mini_geography, {"title": "T"}, layer)
    without = export_html.html_bytes(request, view, mini_geography, {"title": "T"})
    assert with_layer != without


def test_html_uses_the_requested_basemap(small, mini_geography) -> None:
    from dataclasses import replace

    request, view = small
    tiles = "basemaps.cartocdn.com/light_all"
    positron = replace(request, basemap="positron")
    assert tiles in export_html.html_bytes(positron, view, mini_geography, {"title": "T"}).decode()
    assert tiles not in export_html.html_bytes(request, view, mini_geography, {"title": "T"}).decode()


def test_markup_in_the_data_gets_no_second_title(mini_geography, tmp_path: Path) -> None:
    db = tmp_path / "markup.duckdb"
    lon, lat = mini_geography.representative_points["41001"]
    with store.connect(db) as con:
        con.execute(INSERT.replace("'Police report'", "'<html><head> report'"), ["m1", lat, lon, "41", "41001"])
    request = SnapshotRequest(filters=Filters(), options=ViewOptions())
    view = load_view(request.filters, request.options, db=db, geo=mini_geography)
    page = export_html.html_bytes(request, view, mini_geography, {"title": "T"}).decode()
    assert page.count("<title>") == 1 and page.count("<html lang=") == 1
