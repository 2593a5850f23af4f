"""Issue 17: exports follow each source's terms, and every export carries a citation block.

ACLED rows become counts per municipality and month (with a note saying why); UCDP GED rows are
exported as they are, with the CC BY citation; the own-use override keeps the rows and is
recorded; the public view never gives a point finer than the municipality.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from test_import_acled import TIBU, acled_row, write_acled
from test_import_ucdp import ucdp_row, write_ucdp

from conflictmap import audit, clusters, export, ingest, permissions, source_terms, store
from conflictmap.filters import Filters, ViewOptions

ACLED_DAY = date(2024, 3, 1)
REQUEST = export.SnapshotRequest(
    filters=Filters(), options=ViewOptions(level="department", metric="incidents", style="choropleth")
)


@pytest.fixture()
def acled_db(tmp_path: Path, boundaries) -> Path:
    db = tmp_path / "acled.duckdb"
    rows = [
        acled_row(event_id_cnty="COL1", fatalities="2"),  # Neiva, Sept 2022
        acled_row(event_id_cnty="COL2", fatalities="3", event_date="2022-09-20"),  # Neiva, Sept
        acled_row(event_id_cnty="COL3", fatalities="0", event_date="2022-10-05"),  # Neiva, Oct
        acled_row(event_id_cnty="COL4", fatalities="1", **TIBU),  # Tibú, Sept
    ]
    ingest.import_file(
        write_acled(tmp_path / "acled.csv", rows), db=db, dataset="acled-co", access_date=ACLED_DAY
    )
    return db


@pytest.fixture()
def ucdp_db(tmp_path: Path, boundaries) -> Path:
    db = tmp_path / "ucdp.duckdb"
    ingest.import_file(write_ucdp(tmp_path / "ged.csv", [ucdp_row(id="7")]), db=db, dataset="ged")
    return db


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def test_import_records_terms_per_format(acled_db: Path, ucdp_db: Path) -> None:
    acled = source_terms.all_terms(acled_db)
    assert [(t.dataset, t.redistribution, t.access_date) for t in acled] == [
        ("acled-co", "aggregates", ACLED_DAY)
    ]
    assert acled[0].terms_url == source_terms.ACLED_TERMS_URL
    (ged,) = source_terms.all_terms(ucdp_db)
    assert (ged.redistribution, ged.terms_name, ged.access_date) == ("yes", "CC BY 4.0", date.today())
    assert "Sundberg" in (ged.citation or "")


def test_acled_csv_export_is_aggregates_with_explanation(acled_db: Path) -> None:
    snap = export.snapshot(REQUEST, "csv", db=acled_db)
    rows = csv_rows(snap.content)
    assert not [r for r in rows if r["row_kind"] == "incident"]
    assert not any(r["incident_id"] for r in rows)  # no ACLED id leaves
    aggregates = {
        (r["muni_code"], r["month"]): (r["incidents"], r["fatalities"])
        for r in rows
        if r["row_kind"] == "aggregate"
    }
    # by hand: Neiva 41001 Sept 2 incidents 5 dead, Oct 1 incident 0; Tibú 54810 Sept 1, 1
    assert aggregates == {
        ("41001", "2022-09"): ("2", "5"),
        ("41001", "2022-10"): ("1", "0"),
        ("54810", "2022-09"): ("1", "1"),
    }
    (note,) = [r["notes"] for r in rows if r["row_kind"] == "note"]
    assert "4 incidents of acled-co" in note and "aggregates" in note
    assert source_terms.ACLED_TERMS_URL in note
    terms = snap.metadata["source_terms"]
    assert terms["aggregated_datasets"] == ["acled-co"] and terms["aggregated_incidents"] == 4
    assert terms["note"] == note


def test_acled_geojson_aggregates_sit_at_municipality_points(acled_db: Path) -> None:
    snap = export.snapshot(REQUEST, "geojson", db=acled_db)
    features = json.loads(snap.content)["features"]
    kinds = sorted(f["properties"]["row_kind"] for f in features)
    assert kinds == ["aggregate", "aggregate", "aggregate", "note"]
    for f in features:
        assert f["properties"]["incident_id"] is None
        assert f["properties"]["notes"] is None or "ELN militants" not in f["properties"]["notes"]


def test_html_export_has_no_acled_rows(acled_db: Path) -> None:
    snap = export.snapshot(REQUEST, "html", db=acled_db)
    page = snap.content.decode("utf-8")
    assert "acled:" not in page and "COL1" not in page and "ELN militants" not in page
    assert snap.metadata["source_terms"]["aggregated_datasets"] == ["acled-co"]


def test_own_use_override_keeps_rows_and_is_audited(acled_db: Path) -> None:
    from dataclasses import replace

    snap = export.snapshot(
        replace(REQUEST, own_use=True), "csv", db=acled_db, actor=permissions.cli_actor()
    )
    rows = csv_rows(snap.content)
    assert len([r for r in rows if r["row_kind"] == "incident"]) == 4
    assert snap.metadata["source_terms"]["own_use"] is True
    assert "own use" in snap.metadata["source_terms"]["note"]
    trail = audit.trail(acled_db, actor=permissions.cli_actor(), actions=["export_own_use"])
    assert trail["rows"].tolist() == [4]


def test_ucdp_csv_export_has_rows_and_cc_by_citation(ucdp_db: Path) -> None:
    snap = export.snapshot(REQUEST, "csv", db=ucdp_db)
    rows = csv_rows(snap.content)
    assert [r["incident_id"] for r in rows] == ["ucdp:7"]
    assert "CC BY 4.0" in rows[0]["citation"]
    assert "row_kind" not in rows[0]  # nothing restricted: the plain incident table
    assert snap.metadata["source_terms"]["aggregated_datasets"] == []
    block = snap.metadata["citation_block"]
    assert block["sources"][0]["terms"] == "CC BY 4.0"


def test_citation_block_lists_access_dates_and_filters(acled_db: Path) -> None:
    request = export.SnapshotRequest(
        filters=Filters(date_from=date(2022, 9, 1), date_to=date(2022, 9, 30)),
        options=REQUEST.options,
    )
    snap = export.snapshot(request, "png", db=acled_db)
    block = snap.metadata["citation_block"]
    assert block["sources"][0]["access_date"] == "2024-03-01"
    assert block["filter_params"]["from"] == "2022-09-01"
    text = block["text"]
    assert "Accessed 2024-03-01" in text
    assert "2022" in block["filters"] and block["filters"] in text
    assert any(line.startswith("Actor names") for line in block["changes"])


def test_terms_edit_by_cli_and_permissions(acled_db: Path, capsys: pytest.CaptureFixture) -> None:
    from conflictmap import cli, users

    assert cli.main(["datasets", "terms", "acled-co", "--redistribution", "yes",
                     "--access-date", "2024-05-02", "--db", str(acled_db)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["redistribution"], out["access_date"]) == ("yes", "2024-05-02")
    rows = csv_rows(export.snapshot(REQUEST, "csv", db=acled_db).content)
    assert len(rows) == 4 and "row_kind" not in rows[0]
    cli_user = permissions.cli_actor()
    users.add("boss", "admin", "secret-password-1", actor=cli_user, db=acled_db)
    users.add("v", "viewer", "secret-password-2", actor=cli_user, db=acled_db)
    viewer = permissions.Actor("v", permissions.Role.VIEWER)
    with pytest.raises(PermissionError):
        source_terms.set_terms("acled-co", acled_db, actor=viewer, redistribution="no")
    users.add("e", "editor", "secret-password-3", actor=cli_user, db=acled_db)
    editor = permissions.Actor("e", permissions.Role.EDITOR)
    done = source_terms.set_terms("acled-co", acled_db, actor=editor, redistribution="no")
    assert done.redistribution == "no"
    trail = audit.trail(acled_db, actor=cli_user, actions=["dataset_terms"])
    assert trail["who"].tolist() == ["e", cli_user.name]


def test_public_view_points_are_municipality_points(
    acled_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictmap.geography import load_geography

    monkeypatch.setenv("CONFLICTMAP_PUBLIC_VIEW", "1")
    reps = load_geography().representative_points
    wanted = {(round(reps[c][1], 6), round(reps[c][0], 6)) for c in ("41001", "54810")}
    viewport = clusters.Viewport(clusters.Bounds(-5, -80, 13, -66), 13)
    layer = clusters.load(Filters(), clusters.request_for(viewport), db=acled_db)
    assert layer.mode == "points"
    got = {(round(a, 6), round(b, 6)) for a, b in zip(layer.points["latitude"], layer.points["longitude"], strict=True)}
    assert got == wanted
    national = clusters.load(
        Filters(), clusters.request_for(clusters.Viewport(viewport.bounds, 5)), db=acled_db,
        point_limit=0,
    )
    assert national.mode == "clusters"
    for r in national.clusters.itertuples():
        assert (round(r.south, 6), round(r.west, 6)) in wanted
        assert (round(r.north, 6), round(r.east, 6)) in wanted
    from conflictmap.view import load_view

    view = load_view(Filters(), REQUEST.options, db=acled_db)
    assert {(round(a, 6), round(b, 6)) for a, b in zip(view.points["latitude"], view.points["longitude"], strict=True)} == wanted
    with store.connect(acled_db) as con:  # exports: coordinates coarsened, notes hidden
        con.execute("UPDATE dataset_terms SET redistribution = 'yes'")
    rows = csv_rows(export.snapshot(REQUEST, "csv", db=acled_db).content)
    assert {(round(float(r["latitude"]), 6), round(float(r["longitude"]), 6)) for r in rows} == wanted
    assert not any(r["notes"] for r in rows)


def pdf_texts(data: bytes) -> str:
    """The text a PDF shows, from its uncompressed content streams with Type 3 fonts: the
    strings of each TJ array joined, one line per array (glyphs outside cp1252, such as the en
    dash, are drawn as XObjects and drop out)."""
    import re

    lines = []
    for m in re.finditer(rb"\[(.*?)\]\s*TJ", data, re.S):
        parts = re.findall(rb"\(((?:\\.|[^\\)])*)\)", m.group(1), re.S)
        lines.append(b"".join(re.sub(rb"\\(.)", rb"\1", p) for p in parts).decode("cp1252"))
    return "\n".join(lines)


SEPTEMBER = export.SnapshotRequest(
    filters=Filters(date_from=date(2022, 9, 1), date_to=date(2022, 9, 30)), options=REQUEST.options
)


def test_citation_printed_in_pdf_svg_and_png_chunk(
    acled_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import xml.etree.ElementTree as ET

    from test_export import png_info, svg_texts

    from conflictmap import static_map

    # Type 3 fonts and no compression: the page's strings readable in the file
    monkeypatch.setattr(
        export, "RC", {**static_map.RC, "pdf.fonttype": 3, "pdf.compression": 0}
    )
    text = pdf_texts(export.snapshot(SEPTEMBER, "pdf", db=acled_db).content)
    assert "Accessed 2024-03-01." in text
    # the filters line (the en dash between the dates is drawn as a glyph, not a string)
    assert "Filters: 1 Sep 2022 " in text
    assert " 30 Sep 2022 · all event types · all actors · Colombia" in text
    assert "acled-co: Armed Con" in text  # the sources line ("fl" is a ligature glyph)

    svg = " ".join(svg_texts(ET.fromstring(export.snapshot(SEPTEMBER, "svg", db=acled_db).content)))
    assert "Accessed 2024-03-01." in svg
    assert "Filters: 1 Sep 2022 – 30 Sep 2022 · all event types · all actors · Colombia" in svg

    snap = export.snapshot(SEPTEMBER, "png", db=acled_db)
    _, _, chunks = png_info(snap.content)
    assert chunks["Citation"] == snap.metadata["citation_block"]["text"]
    assert "Accessed 2024-03-01." in chunks["Citation"]


def test_citation_visible_and_escaped_in_html(acled_db: Path) -> None:
    from html.parser import HTMLParser

    with store.connect(acled_db) as con:  # a citation with markup in it stays text
        con.execute("UPDATE dataset_terms SET citation = 'ACLED <b>bold</b> & co.'")
    page = export.snapshot(SEPTEMBER, "html", db=acled_db).content.decode("utf-8")

    class Citation(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.depth, self.text = 0, ""

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if ("class", "conflictmap-citation") in attrs:
                self.depth = 1
            elif self.depth:
                self.depth += 1

        def handle_endtag(self, tag: str) -> None:
            if self.depth:
                self.depth -= 1

        def handle_data(self, data: str) -> None:
            if self.depth:
                self.text += data

    parser = Citation()
    parser.feed(page)
    shown = parser.text
    assert "Accessed 2024-03-01." in shown
    assert "Filters: 1 Sep 2022 – 30 Sep 2022 · all event types · all actors · Colombia" in shown
    assert "- acled-co: ACLED <b>bold</b> & co. Terms: ACLED Terms of Use" in shown
    assert "<b>bold</b>" not in page.split("-->", 1)[1]  # escaped in the markup
    assert "ACLED &lt;b&gt;bold&lt;/b&gt; &amp; co." in page


def test_purge_forgets_terms_and_reimport_gets_fresh_ones(acled_db: Path, tmp_path: Path) -> None:
    from conflictmap import data_admin

    source_terms.set_terms("acled-co", acled_db, redistribution="yes", citation="mine")
    admin = permissions.cli_actor()
    assert data_admin.delete_dataset("acled-co", acled_db, actor=admin) == 4
    # deleted, not purged: the terms stay (a restore brings the dataset back as it was)
    with store.connect(acled_db, read_only=True) as con:
        assert con.execute("SELECT redistribution FROM dataset_terms").fetchall() == [("yes",)]
    assert data_admin.purge_dataset("acled-co", acled_db, actor=admin) == 4
    with store.connect(acled_db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM dataset_terms").fetchall() == [(0,)]
    again = write_acled(tmp_path / "again.csv", [acled_row(event_id_cnty="COL9")])
    ingest.import_file(again, db=acled_db, dataset="acled-co", access_date=date(2024, 6, 1))
    (terms,) = source_terms.all_terms(acled_db)
    assert (terms.redistribution, terms.citation, terms.access_date) == (
        "aggregates", source_terms.ACLED_CITATION, date(2024, 6, 1)
    )


def test_purge_keeps_terms_of_a_name_imported_again(acled_db: Path, tmp_path: Path) -> None:
    from conflictmap import data_admin

    admin = permissions.cli_actor()
    data_admin.delete_dataset("acled-co", acled_db, actor=admin)
    # the name in use again before the purge: its terms are kept
    again = write_acled(tmp_path / "again.csv", [acled_row(event_id_cnty="COL9")])
    ingest.import_file(again, db=acled_db, dataset="acled-co")
    data_admin.purge_dataset("acled-co", acled_db, actor=admin)
    (terms,) = source_terms.all_terms(acled_db)
    assert (terms.redistribution, terms.access_date) == ("aggregates", ACLED_DAY)
