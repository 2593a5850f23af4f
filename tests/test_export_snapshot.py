"""One export end to end (conflictmap/export.py: snapshot, write, the own-use override) on a
three-row database over the synthetic square boundaries: what the metadata says, what a
restricted dataset leaves out, where the own-use override is recorded or refused."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from conflictmap import __version__, audit, export, permissions, public_view, source_terms, store
from conflictmap.filters import Filters, ViewOptions, day_month_year
from conflictmap.sources import UCDP

INSERT = (
    "INSERT INTO incidents (incident_id, event_date, date_precision, event_type, actor1, "
    "fatalities, latitude, longitude, geo_precision, dept_code, muni_code, location, source, "
    "dataset, imported_at, actor_bits, actor1_raw) VALUES (?, ?, 'day', 'Battles', 'ELN', ?, ?, "
    "?, 1, ?, ?, ?, ?, ?, TIMESTAMP '2024-03-01 08:30:00', 0, ?)"
)
# id, date, fatalities, lat, lon, dept, muni, location, source, dataset, actor as written
ROWS = [
    ("ucdp:7", "2022-09-02", 3, 2.75, -75.25, "41", "41001", "Vereda Alta", "UCDP GED", "ged",
     "Ejército de Liberación Nacional"),
    ("acl:1", "2022-09-20", 5, 2.6, -75.3, "41", "41001", "Vereda Oculta", "ACLED", "acled",
     "Autodefensas Gaitanistas de Colombia"),
    ("acl:2", "2022-10-01", 0, 6.5, -75.75, "05", "05001", "Vereda Escondida", "ACLED", "acled",
     "Ejército de Liberación Nacional"),
]
REQUEST = export.SnapshotRequest(
    filters=Filters(), options=ViewOptions(level="municipality"), title="Prueba"
)


def _write(path: Path) -> Path:
    with store.connect(path) as con:
        for row in ROWS:
            con.execute(INSERT, list(row))
        con.execute(source_terms.SCHEMA)
        con.execute(
            "INSERT INTO dataset_terms (dataset, terms_name, terms_url, redistribution, citation, "
            "access_date) VALUES ('acled', 'ACLED Terms of Use', NULL, 'aggregates', 'ACLED cite.', "
            "DATE '2024-03-01')"
        )
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("snap") / "snap.duckdb")


def test_sidecar_is_sorted_indented_utf8() -> None:
    snap = export.Snapshot(b"", {"b": 1, "a": "Medellín"}, "csv")
    assert snap.sidecar == '{\n  "a": "Medellín",\n  "b": 1\n}'.encode()


def test_write_makes_the_folder_and_the_sidecar_on_request(tmp_path: Path) -> None:
    snap = export.Snapshot(b"content", {"a": 1}, "csv")
    out = tmp_path / "new" / "folder" / "x.csv"
    assert export.write(snap, out) == [out]
    assert out.read_bytes() == b"content"
    assert not (tmp_path / "new" / "folder" / "x.csv.json").exists()
    side = tmp_path / "new" / "folder" / "x.csv.json"
    assert export.write(snap, str(out), sidecar=True) == [out, side]
    assert side.read_bytes() == b'{\n  "a": 1\n}'


def test_unknown_format_names_the_known_ones(db: Path) -> None:
    with pytest.raises(ValueError) as err:
        export.snapshot(REQUEST, "xlsx", db=db)
    assert str(err.value) == (
        "unknown export format 'xlsx' (known: png, svg, pdf, html, csv, geojson, gpkg, "
        "aggregates.csv)"
    )


def test_csv_snapshot_metadata(db: Path, mini_geography) -> None:
    snap = export.snapshot(REQUEST, "csv", db=db, boundaries=mini_geography)
    meta = snap.metadata
    assert snap.fmt == "csv" and meta["format"] == "csv"
    assert meta["title"] == "Prueba"
    assert meta["citations"] == [UCDP.as_json()]
    assert meta["source_terms"]["aggregated_datasets"] == ["acled"]
    assert meta["source_terms"]["aggregated_incidents"] == 2
    assert "public_view" not in meta
    block = meta["citation_block"]
    assert block["filters"] == meta["subtitle"] and block["filter_params"] == meta["filters"] == {}
    assert [s["dataset"] for s in block["sources"]] == ["acled", "ged"]
    assert block["changes"][-1].startswith("Places: every incident with a point")
    assert meta["map_incidents"]["with_a_place"] == 3
    assert isinstance(meta["map_incidents"]["zoom"], int)  # the zoom the map opens at
    assert meta["subtitle"] == "all dates · all event types · all actors · Colombia"
    assert re.fullmatch(r"[0-9a-f]{64}", meta["content_sha256"])
    antioquia = replace(REQUEST, filters=Filters(dept="05"))
    other = export.snapshot(antioquia, "csv", db=db, boundaries=mini_geography).metadata
    assert other["content_sha256"] != meta["content_sha256"]  # the hash follows the rows in view
    assert other["filters"] == {"dept": "05"} == other["citation_block"]["filter_params"]
    # actor names as written, resolved by the registry: two in view, one in Antioquia
    sentence = (
        "{n} distinct actor names: {n} resolved by the actor registry, 0 by hand mappings, "
        "0 unresolved (kept as written)."
    )
    assert meta["actor_names"] == {"resolved_by_registry": 2, "resolved_by_hand": 0,
                                   "unresolved": 0, "note": sentence.format(n=2)}
    assert other["actor_names"]["note"] == sentence.format(n=1)
    assert other["citation_block"]["changes"][0].endswith("mappings — " + sentence.format(n=1))
    text = snap.content.decode("utf-8")
    assert "ucdp:7" in text and "acl:1" not in text
    assert "2 incidents of acled are given as counts" in text
    assert snap.sidecar == json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True).encode()


def test_map_exports_leave_out_the_restricted_points(db: Path, mini_geography) -> None:
    page = export.snapshot(REQUEST, "html", db=db, boundaries=mini_geography).content.decode()
    assert "Vereda Alta" in page
    assert "Vereda Oculta" not in page and "Vereda Escondida" not in page
    own = export.snapshot(
        replace(REQUEST, own_use=True), "html", db=db, boundaries=mini_geography,
        actor=permissions.cli_actor(),
    ).content.decode()
    assert "Vereda Oculta" in own


def test_own_use_is_recorded_with_its_rows(tmp_path: Path, mini_geography) -> None:
    db = _write(tmp_path / "own.duckdb")
    export.snapshot(REQUEST, "csv", db=db, boundaries=mini_geography)
    snap = export.snapshot(
        replace(REQUEST, own_use=True), "csv", db=db, boundaries=mini_geography,
        actor=permissions.cli_actor(),
    )
    assert "acl:1" in snap.content.decode()
    trail = audit.trail(db, actor=permissions.cli_actor(), actions=["export_own_use"])
    assert trail["rows"].tolist() == [2]
    assert json.loads(trail["detail"].tolist()[0]) == {"format": "csv", "datasets": ["acled"]}


def test_public_view_notes_itself_and_refuses_own_use(
    db: Path, mini_geography, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLICTMAP_PUBLIC_VIEW", "1")
    snap = export.snapshot(REQUEST, "csv", db=db, boundaries=mini_geography)
    assert snap.metadata["public_view"] == public_view.NOTE
    with pytest.raises(PermissionError) as err:
        export.snapshot(replace(REQUEST, own_use=True), "csv", db=db, boundaries=mini_geography,
                        actor=permissions.cli_actor())
    assert str(err.value) == (
        "this ConflictMap shows a public view (CONFLICTMAP_PUBLIC_VIEW): restricted incident rows "
        "cannot be exported"
    )


def test_own_use_checks_the_signed_in_user_in_this_database(tmp_path: Path, mini_geography) -> None:
    from conflictmap import users
    from conflictmap.permissions import Actor, Role

    db = _write(tmp_path / "users.duckdb")
    users.add("ada", "admin", "correct horse battery", db=db)
    own = replace(REQUEST, own_use=True)
    with pytest.raises(PermissionError, match="sign in"):
        export.snapshot(own, "csv", db=db, boundaries=mini_geography)
    # the role is read from this database's users (ada is an admin here)
    export.snapshot(own, "geojson", db=db, boundaries=mini_geography,
                    actor=Actor("ada", Role.VIEWER, "web"))
    trail = audit.trail(db, actor=permissions.cli_actor(), actions=["export_own_use"])
    assert trail[["who", "role", "rows"]].values.tolist() == [["ada", "admin", 2]]
    assert json.loads(trail["detail"].tolist()[0])["format"] == "geojson"


def test_png_is_at_least_100_dpi(db: Path, mini_geography) -> None:
    snap = export.snapshot(replace(REQUEST, dpi=50), "png", db=db, boundaries=mini_geography)
    image = Image.open(io.BytesIO(snap.content))
    assert image.size == (1600, 1000)
    assert image.text["Citation"] == snap.metadata["citation_block"]["text"]


def test_pdf_is_a4_landscape(db: Path, mini_geography) -> None:
    snap = export.snapshot(REQUEST, "pdf", db=db, boundaries=mini_geography)
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", snap.content)
    assert box and (round(float(box.group(1))), round(float(box.group(2)))) == (842, 595)


def test_svg_prints_title_footer_citation_and_sources(db: Path, mini_geography) -> None:
    from xml.etree import ElementTree

    snap = export.snapshot(REQUEST, "svg", db=db, boundaries=mini_geography)
    root = ElementTree.fromstring(snap.content)
    # the drawn text only (the <metadata> block repeats much of it as JSON)
    drawn = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Prueba" in drawn
    footer = (
        f"Exported {day_month_year(date.today())} with ConflictMap {__version__} · view "
        "?level=municipality&metric=incidents"
    )
    assert footer in drawn
    citation = str(snap.metadata["citation_block"]["text"])
    assert any(t.startswith("ConflictMap view, exported") for t in drawn)
    assert citation.splitlines()[0] in " ".join(drawn)
    assert any(UCDP.attribution in t for t in drawn)  # the sources line names the licensed source


def test_render_figure_prints_the_citation_only_when_given(db: Path, mini_geography) -> None:
    from matplotlib.text import Text

    from conflictmap.view import load_view

    view = load_view(REQUEST.filters, REQUEST.options, db=db, geo=mini_geography)

    def texts(**kw) -> set[str]:
        fig = export.render_figure(REQUEST, view, mini_geography, **kw)
        return {t.get_text() for t in fig.findobj(Text) if t.get_text()}

    plain = texts()
    cited = texts(citation="Cite me, 2024.")
    # the citation adds its line and takes nothing away (no default citation text)
    assert cited - plain == {"Cite me, 2024."} and plain - cited == set()
    assert {"Prueba", "all dates · all event types · all actors · Colombia"} <= plain
    untitled = replace(REQUEST, title=None)
    fig = export.render_figure(untitled, view, mini_geography)
    assert "Incidents — Colombia" in {t.get_text() for t in fig.findobj(Text)}


def test_render_figure_names_the_given_sources(db: Path, mini_geography) -> None:
    from matplotlib.text import Text

    from conflictmap.view import load_view

    view = load_view(REQUEST.filters, REQUEST.options, db=db, geo=mini_geography)

    def text(**kw) -> str:
        fig = export.render_figure(REQUEST, view, mini_geography, **kw)
        return " | ".join(t.get_text() for t in fig.findobj(Text))

    assert "Fuente única" in text(incident_sources=["Fuente única"])
    assert "Fuente única" not in text() and "UCDP GED" in text()


def test_render_figure_draws_the_given_incidents(db: Path, mini_geography, tmp_path: Path) -> None:
    from matplotlib.collections import PathCollection

    from conflictmap import clusters
    from conflictmap.view import load_view

    view = load_view(REQUEST.filters, REQUEST.options, db=db, geo=mini_geography)
    with store.connect(tmp_path / "empty.duckdb") as con:
        nothing = clusters.export_layer(con, Filters(), 5, interactive=False)

    def dots(**kw) -> int:
        fig = export.render_figure(REQUEST, view, mini_geography, **kw)
        return sum(len(c.get_offsets()) for c in fig.findobj(PathCollection))

    assert dots() - dots(incidents=nothing) == 3  # the view's three points, then none


def test_render_figure_draws_the_boundaries_given(db: Path, mini_geography) -> None:
    from matplotlib.collections import Collection

    from conflictmap.view import load_view

    view = load_view(REQUEST.filters, REQUEST.options, db=db, geo=mini_geography)
    fig = export.render_figure(REQUEST, view, mini_geography)
    shapes = sum(len(c.get_paths()) for c in fig.findobj(Collection))
    # 7 squares and their 4 departments (and the locator inset), not DANE's 1,122 municipalities
    assert shapes < 60


def test_snapshot_reads_this_database_with_the_geography_given(
    db: Path, mini_geography, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictmap import geodata, geography

    def pinned(*_a, **_kw):
        raise AssertionError("the pinned boundaries were read although a Geography was given")

    monkeypatch.setattr(geodata, "load_boundaries", pinned)
    monkeypatch.setattr(geography, "load_geography", pinned)
    for fmt in ("csv", "html", "png"):
        meta = export.snapshot(REQUEST, fmt, db=db, boundaries=mini_geography).metadata
        assert (meta["incidents"], meta["fatalities"]) == (3, 8)


def test_snapshot_shows_the_territories_the_request_asks_for(tmp_path: Path, mini_geography) -> None:
    from conflictmap.view import TerritoryOptions

    db = _write(tmp_path / "claims.duckdb")
    with store.connect(db) as con:
        con.execute(
            "INSERT INTO territory_claims (group_name, muni_code, dept_code, valid_from, level, "
            "source, dataset, imported_at) VALUES ('ELN', '41001', '41', DATE '2020-01-01', "
            "'recurrent', 'Defensoría', 'claims-2024', TIMESTAMP '2024-03-01 00:00:00')"
        )
    shown = export.snapshot(REQUEST, "csv", db=db, boundaries=mini_geography)
    assert shown.metadata["territory_datasets"] == ["claims-2024"]
    hidden = replace(REQUEST, territories=TerritoryOptions(declared=False))
    assert export.snapshot(hidden, "csv", db=db, boundaries=mini_geography).metadata[
        "territory_datasets"
    ] == []


def test_snapshot_of_a_missing_database_creates_no_file(tmp_path: Path, mini_geography) -> None:
    missing = tmp_path / "missing.duckdb"
    snap = export.snapshot(REQUEST, "csv", db=missing, boundaries=mini_geography)
    assert snap.metadata["incidents"] == 0
    assert not missing.exists()


def test_an_image_follows_the_requested_dpi_and_keeps_its_format(db: Path, mini_geography) -> None:
    snap = export.snapshot(replace(REQUEST, dpi=150), "png", db=db, boundaries=mini_geography)
    assert snap.fmt == "png"
    assert Image.open(io.BytesIO(snap.content)).size == (2400, 1500)  # 16 x 10 in at 150 dpi
    assert export.snapshot(REQUEST, "html", db=db, boundaries=mini_geography).fmt == "html"


def test_a_department_view_is_named_in_the_title_subtitle_and_metadata(
    db: Path, mini_geography
) -> None:
    from xml.etree import ElementTree

    huila = replace(REQUEST, title=None, filters=Filters(dept="41"))
    snap = export.snapshot(huila, "svg", db=db, boundaries=mini_geography)
    title, subtitle = snap.metadata["title"], snap.metadata["subtitle"]
    assert title == "Incidents — Colombia › Huila"
    assert subtitle == "all dates · all event types · all actors · Colombia › Huila"
    root = ElementTree.fromstring(snap.content)
    drawn = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert title in drawn and subtitle in drawn


def _drawn_svg_text(content: bytes) -> list[str]:
    from xml.etree import ElementTree

    root = ElementTree.fromstring(content)
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_a_map_opens_at_the_zoom_of_its_place(db: Path, mini_geography) -> None:
    # the synthetic squares span 1.5-7.5 N: the whole country fits at zoom 7; Huila's squares
    # (1.5-3.5 N) at zoom 9 (the zoom of the dashboard's map, where the export's clusters are cut)
    national = export.snapshot(REQUEST, "csv", db=db, boundaries=mini_geography).metadata
    huila = replace(REQUEST, filters=Filters(dept="41"))
    local = export.snapshot(huila, "csv", db=db, boundaries=mini_geography).metadata
    assert national["map_incidents"]["zoom"] == 7
    assert local["map_incidents"]["zoom"] == 9
    assert local["map_incidents"]["with_a_place"] == 2  # Neiva's two


def test_a_dense_view_is_exported_as_clusters_and_the_html_embeds_its_points(
    db: Path, mini_geography, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a point budget of 2 and 3 incidents in view: the map draws clusters, as the dashboard
    monkeypatch.setenv("CONFLICTMAP_POINT_BUDGET", "2")
    snap = export.snapshot(REQUEST, "svg", db=db, boundaries=mini_geography)
    assert snap.metadata["map_incidents"] == {
        "drawn_as": "clusters", "zoom": 7, "with_a_place": 3, "clusters": 3,
        "placed_only_to_an_area": 0, "by_area": {},
    }
    drawn = _drawn_svg_text(snap.content)
    assert "Cluster: the number counts its incidents" in drawn
    assert "Incidents (3), in clusters" in drawn
    # the HTML map has no server to ask when zoomed in: it carries every incident as a point
    # too (3 <= the export's point limit), the restricted ACLED ones left out
    page = export.snapshot(REQUEST, "html", db=db, boundaries=mini_geography).content.decode()
    assert "Vereda Alta" in page
    assert "Vereda Oculta" not in page and "Vereda Escondida" not in page
    # ... and opens on the clusters, as the image (not on the view's newest points)
    assert "All 3 incidents with a place on the map, in 3 clusters" in page
    assert "Incidents (1 point)" not in page


def test_a_density_view_with_a_restricted_dataset_exports_as_an_image(
    db: Path, mini_geography
) -> None:
    # the density view draws hexagons and no point; the restricted dataset is still counted
    hexagons = replace(REQUEST, options=ViewOptions(level="municipality", style="hexagons"))
    snap = export.snapshot(hexagons, "png", db=db, boundaries=mini_geography)
    assert Image.open(io.BytesIO(snap.content)).size == (1600, 1000)
    assert snap.metadata["view"] == {"level": "municipality", "metric": "incidents",
                                     "style": "hexagons"}
    assert snap.metadata["source_terms"]["aggregated_datasets"] == ["acled"]


def test_the_aggregates_file_counts_the_view_per_municipality(db: Path, mini_geography) -> None:
    snap = export.snapshot(REQUEST, "aggregates.csv", db=db, boundaries=mini_geography)
    rows = snap.content.decode("utf-8").splitlines()
    assert rows[0] == "code,name,incidents,fatalities,class_colour"
    counts = {r.split(",")[0]: r.split(",")[2:4] for r in rows[1:]}
    # ROWS: Neiva 3 + 5 deaths in two incidents, Medellín one incident with none
    assert counts["41001"] == ["2", "8"] and counts["05001"] == ["1", "0"]
    assert counts["41006"] == ["0", "0"]


def test_a_licensed_source_beyond_the_first_five_is_cited(tmp_path: Path, mini_geography) -> None:
    # one dataset, five press sources sorted before "UCDP GED" and one UCDP GED event: the
    # view's list of sources stops at five, the citation is found by the incident's id
    db = tmp_path / "press.duckdb"
    press = ["Alcaldía de Neiva", "Defensoría", "El Tiempo", "Fiscalía", "Personería"]
    with store.connect(db) as con:
        for i, source in enumerate(press):
            con.execute(INSERT, [f"p:{i}", "2022-09-02", 0, 2.75, -75.25, "41", "41001",
                                 f"Sitio {i}", source, "prensa", "ELN"])
        con.execute(INSERT, ["ucdp:99", "2022-09-03", 1, 2.75, -75.25, "41", "41001",
                             "Sitio UCDP", "UCDP GED", "prensa", "ELN"])
    snap = export.snapshot(REQUEST, "svg", db=db, boundaries=mini_geography)
    assert snap.metadata["citations"] == [UCDP.as_json()]
    assert snap.metadata["incident_sources"][0] == UCDP.attribution
    assert any(UCDP.attribution in t for t in _drawn_svg_text(snap.content))
