"""The real UCDP GED Colombia file (HDX layout), end to end: nothing lost, every page runs.

Expected figures come from reading the CSV with Python's csv module here, or from a manual
reading of the file's rows (row ids named in each test), never from the code under test.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import store_access
from streamlit.testing.v1 import AppTest

from conflictmap import cli, ingest, queries, sample, store, view
from conflictmap.filters import Filters
from conflictmap.geography import load_geography

ROOT = Path(__file__).resolve().parents[1]
UCDP = sample.UCDP_FILE  # shipped in the package: conflictmap/data/sample/


def file_records() -> list[dict[str, str]]:
    """Every event of the file: rows with a numeric id (the HXL row's id cell is empty)."""
    with UCDP.open(newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["id"].strip().isdigit()]


RECORDS = file_records()
BY_ID = {r["id"]: r for r in RECORDS}


@pytest.fixture(scope="module")
def ucdp_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> tuple[Path, ingest.ImportReport]:
    db = tmp_path_factory.mktemp("ucdp") / "ucdp.duckdb"
    report = ingest.import_file(UCDP, fmt="auto", db=db, dataset="ucdp-ged")
    return db, report


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with store_access.read(db) as con:
        return con.execute(sql, params or []).fetchall()


def test_the_file_is_what_its_readme_says() -> None:
    assert len(RECORDS) == 4632
    assert sum(int(r["best"]) for r in RECORDS) == 27617
    assert Counter(r["where_prec"] for r in RECORDS) == {
        "1": 1697, "2": 552, "3": 1489, "4": 649, "5": 55, "6": 190
    }  # fmt: skip


def test_every_event_stored_and_every_death_counted(ucdp_db) -> None:
    db, report = ucdp_db
    assert report.format == "ucdp"
    assert (report.read, report.inserted, report.duplicates, report.rejected) == (4632, 4632, 0, 0)
    assert report.rejects == [] and report.rejects_file is None  # the HXL row is no reject
    ((n, deaths),) = rows(db, "SELECT count(*), sum(fatalities) FROM incidents")
    assert (n, deaths) == (len(RECORDS), sum(int(r["best"]) for r in RECORDS))
    stored_ids = {i for (i,) in rows(db, "SELECT incident_id FROM incidents")}
    assert stored_ids == {f"ucdp:{r['id']}" for r in RECORDS}


def test_report_accounts_for_every_row_and_death(ucdp_db) -> None:
    _, report = ucdp_db
    best = sum(int(r["best"]) for r in RECORDS)
    assert report.fatalities == {"read": best, "stored": best, "duplicate": 0, "rejected": 0}
    table = {(line.outcome, line.detail): (line.incidents, line.fatalities) for line in report.lines}
    vague = [r for r in RECORDS if r["where_prec"] in {"5", "6", "7"}]
    assert table[("stored", "Colombia or a region only: counted, not drawn on the map")] == (
        len(vague),
        sum(int(r["best"]) for r in vague),
    )
    assert table[("read", "every record in the file")] == (len(RECORDS), best)


def test_reimport_is_all_duplicates_with_their_deaths(ucdp_db, tmp_path: Path) -> None:
    db, _ = ucdp_db
    copy = tmp_path / "again.duckdb"
    if store.is_postgres(copy):  # no file to copy: the same rows, imported first
        ingest.import_file(UCDP, db=copy, dataset="ucdp-ged")
    else:
        shutil.copy(db, copy)
    again = ingest.import_file(UCDP, db=copy, dataset="ucdp-ged")
    best = sum(int(r["best"]) for r in RECORDS)
    assert (again.inserted, again.duplicates) == (0, 4632)
    assert again.fatalities == {"read": best, "stored": 0, "duplicate": best, "rejected": 0}


def test_vague_events_are_kept_without_a_point(ucdp_db) -> None:
    db, _ = ucdp_db
    vague = {f"ucdp:{r['id']}" for r in RECORDS if r["where_prec"] in {"5", "6"}}
    got = rows(
        db,
        "SELECT incident_id, geo_precision, latitude, muni_code FROM incidents "
        "WHERE geo_precision = 4",
    )
    assert {g[0] for g in got} == vague
    assert all(g[2] is None and g[3] is None for g in got)
    # where_prec 5 naming a department keeps it: GED 'Valle del Cauca  department' (two spaces)
    named = [r for r in RECORDS if r["where_prec"] == "5" and "Valle del Cauca" in r["adm_1"]]
    assert named
    for r in named:
        assert rows(db, "SELECT dept_code FROM incidents WHERE incident_id = ?", [f"ucdp:{r['id']}"]) == [
            ("76",)
        ]


@pytest.mark.parametrize(
    ("ged_id", "dept", "muni", "precision", "kind"),
    [
        # Teorama town placed 14 km inside Venezuela; adm_2 names Teorama (54800)
        ("118928", "54", "54800", 2, "placed by name"),
        ("220248", "54", "54800", 2, "placed by name"),
        # Estados Unidos village, Becerril (20045): 10.7 km off, named
        ("221969", "20", "20045", 2, "placed by name"),
        # the Guaviare river, Guainía named, 38 km from any municipality: department only
        ("222300", "94", None, 3, "placed by name"),
        # a bridge 0.13 km off Santa Marta's coast: snapped, the point kept
        ("220568", "47", "47001", 1, "snapped"),
        # Bahía de Portete, 3.2 km off Uribia, which adm_2 names
        ("220519", "44", "44847", 1, "snapped"),
    ],
)
def test_points_outside_placed_by_names_or_snapped(
    ucdp_db, ged_id: str, dept: str, muni: str | None, precision: int, kind: str
) -> None:
    db, _ = ucdp_db
    ((d, m, p, note, lat, lon),) = rows(
        db,
        "SELECT dept_code, muni_code, geo_precision, place_note, latitude, longitude "
        "FROM incidents WHERE incident_id = ?",
        [f"ucdp:{ged_id}"],
    )
    assert (d, m, p) == (dept, muni, precision)
    assert note.startswith(kind)
    if kind == "snapped":  # the source's own point is kept
        assert (lat, lon) == (float(BY_ID[ged_id]["latitude"]), float(BY_ID[ged_id]["longitude"]))


def test_warnings_counted_in_the_report(ucdp_db) -> None:
    db, report = ucdp_db
    noted = dict(
        rows(
            db,
            "SELECT split_part(place_note, ':', 1), count(*) FROM incidents "
            "WHERE place_note IS NOT NULL GROUP BY 1",
        )
    )
    assert report.warnings["snapped"] == noted["snapped"] > 0
    assert report.warnings["placed_by_name"] == noted["placed by name"] > 0


def test_national_and_department_figures_count_the_imprecise(ucdp_db) -> None:
    db, _ = ucdp_db
    huila = [r for r in RECORDS if r["adm_1"].startswith("Huila")]
    with store.connect(db, read_only=True) as con:
        national = queries.overview(con, Filters())
        dept = queries.overview(con, Filters(dept="41"))
    assert national.figures.incidents == len(RECORDS)
    assert national.figures.fatalities == sum(int(r["best"]) for r in RECORDS)
    vague = [r for r in RECORDS if r["where_prec"] in {"5", "6"}]
    country = {u.level: (u.incidents, u.fatalities) for u in national.unmapped}
    assert country["country or region"] == (len(vague), sum(int(r["best"]) for r in vague))
    # Huila's department-only events (where_prec 4, adm_1 Huila) count in Huila's figures
    huila_dept_only = [r for r in huila if r["where_prec"] == "4"]
    assert {u.level: u.incidents for u in dept.unmapped}["department"] == len(huila_dept_only)
    assert dept.figures.incidents >= len(huila_dept_only)


def test_unmapped_note_words() -> None:
    note = queries.unmapped_note(
        (queries.Unmapped("department", 1, 0), queries.Unmapped("country or region", 245, 5553))
    )
    assert note == (
        "In view, 1 incident (0 fatalities) has no place finer than a department and 245 "
        "incidents (5,553 fatalities) have no place finer than Colombia or a region: counted in "
        "the figures, not drawn on the map."
    )
    assert queries.unmapped_note(()) == ""


def test_detail_shows_low_best_high_and_placement(ucdp_db, boundaries) -> None:
    db, _ = ucdp_db
    r = BY_ID["118928"]
    geo = load_geography(allow_download=False)
    detail = view.incident_detail("ucdp:118928", geo, db=db)
    fields = dict(zip(detail.fields["field"], detail.fields["value"], strict=True))
    assert fields["fatalities"] == f"{r['best']} (low {r['low']} – best {r['best']} – high {r['high']})"
    assert fields["placement"].startswith("placed by name")
    assert fields["place"] == "Teorama (54800), Norte de Santander (54)"
    assert fields["place precision"] == "near a place / municipality"
    vague = next(x for x in RECORDS if x["where_prec"] == "6")
    detail = view.incident_detail(f"ucdp:{vague['id']}", geo, db=db)
    fields = dict(zip(detail.fields["field"], detail.fields["value"], strict=True))
    assert fields["place"] == "Colombia (no department known)"
    assert fields["coordinates"] == ""
    assert detail.original["id"] == vague["id"]  # the source row as read


# Points outside every municipality, more than 5 km out, whose adm_2 is empty: only the
# department is known (read off the file: Nariño, Norte de Santander, Guainía twice, La Guajira,
# Putumayo).
DEPT_ONLY_BY_NAME = {"219874", "220119", "220305", "222135", "222300", "223189"}


def test_map_points_never_at_a_centroid(ucdp_db) -> None:
    db, _ = ucdp_db
    data = view.load_view(Filters(), view.ViewOptions(), db=db, point_budget=10_000)
    drawable = [
        r for r in RECORDS if r["where_prec"] in {"1", "2", "3"} and r["id"] not in DEPT_ONLY_BY_NAME
    ]
    assert len(data.points) == len(drawable)
    assert set(data.points["geo_precision"]) <= {1, 2}
    got = dict(rows(db, "SELECT incident_id, geo_precision FROM incidents"))
    assert all(got[f"ucdp:{i}"] == 3 for i in DEPT_ONLY_BY_NAME)


def test_hxl_row_skipped_and_row_numbers_kept(tmp_path: Path, empty_db: Path) -> None:
    """A reject in an HDX file is named by its spreadsheet row: header 1, HXL row 2, first
    record 3."""
    with UCDP.open(newline="", encoding="utf-8") as fh:
        lines = list(csv.reader(fh))
    header, hxl, first, second = lines[0], lines[1], lines[2], lines[3]
    assert hxl[1] == "#date+year"
    second = list(second)
    second[header.index("type_of_violence")] = "9"
    path = tmp_path / "hdx.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows([header, hxl, first, second])
    report = ingest.import_file(path, db=empty_db)
    assert (report.read, report.inserted, report.rejected) == (2, 1, 1)
    assert report.rejects[0].row == 4
    assert "type_of_violence" in report.rejects[0].reason


def test_cli_import_prints_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.duckdb"
    assert cli.main(["import", str(UCDP), "--db", str(db)]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    best = sum(int(r["best"]) for r in RECORDS)
    assert (out["read"], out["inserted"], out["rejected"]) == (4632, 4632, 0)
    assert out["fatalities"]["read"] == out["fatalities"]["stored"] == best
    assert "Colombia or a region only" in captured.err
    assert f"{best:,}" in captured.err


# ---- every page, with the real file and an incident of 1958 -----------------------------------


@pytest.fixture(scope="module")
def real_and_1958_db(ucdp_db, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db, _ = ucdp_db
    copy = tmp_path_factory.mktemp("pages") / "pages.duckdb"
    if store.is_postgres(copy):  # no file to copy: the same rows, imported again
        ingest.import_file(UCDP, fmt="auto", db=copy, dataset="ucdp-ged")
    else:
        shutil.copy(db, copy)
    native = copy.parent / "old.csv"
    native.write_text(
        "event_date,event_type,source,municipality,department,fatalities,notes\n"
        f"1958-05-10,Violence against civilians,CNMH,Neiva,Huila,4,oldest\n"
        f"{date.today().isoformat()},Battles,Press,Cúcuta,Norte de Santander,1,today\n",
        encoding="utf-8",
    )
    report = ingest.import_file(native, fmt="native", db=copy, dataset="old-and-new")
    assert report.inserted == 2
    return copy


@pytest.mark.parametrize(
    "page", ["dashboard.py", "pages/1_Data.py", "pages/2_Territories.py", "pages/3_Trends.py"]
)
def test_every_page_runs_on_real_data(
    real_and_1958_db: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    monkeypatch.setenv("CONFLICTMAP_DB", str(real_and_1958_db))
    at = AppTest.from_file(str(ROOT / page), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    if page == "dashboard.py":
        figures = {m.label: m.value for m in at.metric}
        assert figures["Incidents"] == f"{len(RECORDS) + 2:,}"
        assert figures["Fatalities"] == f"{sum(int(r['best']) for r in RECORDS) + 5:,}"
        notes = " ".join(c.value for c in at.caption)
        assert "no place finer than Colombia or a region" in notes


def test_map_page_in_huila_states_what_is_not_on_the_map(
    ucdp_db, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _ = ucdp_db
    monkeypatch.setenv("CONFLICTMAP_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.query_params["dept"] = "41"
    at.run()
    assert not at.exception
    huila_dept_only = sum(1 for r in RECORDS if r["adm_1"].startswith("Huila") and r["where_prec"] == "4")
    notes = " ".join(c.value for c in at.caption)
    assert f"{huila_dept_only:,} incident" in notes.replace("\\", "")
    assert "no place finer than a department" in notes.replace("\\", "")


def test_exports_state_what_is_not_on_the_map(ucdp_db, tmp_path: Path) -> None:
    db, _ = ucdp_db
    vague = [r for r in RECORDS if r["where_prec"] in {"5", "6"}]
    vague_deaths = sum(int(r["best"]) for r in vague)
    svg = tmp_path / "national.svg"
    assert cli.main(["snapshot", "--db", str(db), "--out", str(svg), "--sidecar"]) == 0
    page = svg.read_text(encoding="utf-8")
    assert f"{len(vague)} incidents ({vague_deaths:,} fatalities) have no place finer than" in page
    meta = json.loads((tmp_path / "national.svg.json").read_text(encoding="utf-8"))
    levels = {x["level"]: (x["incidents"], x["fatalities"]) for x in meta["not_on_map"]["levels"]}
    assert levels["country or region"] == (len(vague), vague_deaths)
    html = tmp_path / "national.html"
    assert cli.main(["snapshot", "--db", str(db), "--out", str(html)]) == 0
    assert "no place finer than Colombia or a region" in html.read_text(encoding="utf-8")
    geojson = tmp_path / "national.geojson"
    assert cli.main(["snapshot", "--db", str(db), "--out", str(geojson)]) == 0
    features = json.loads(geojson.read_text(encoding="utf-8"))["features"]
    assert len(features) == len(RECORDS)
    by_id = {f["properties"]["incident_id"]: f for f in features}
    for r in vague:
        assert by_id[f"ucdp:{r['id']}"]["geometry"] is None
    assert by_id["ucdp:220568"]["geometry"]["coordinates"] == [-74.13796, 11.3312]


def test_data_page_upload_of_the_hdx_file_shows_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "page.duckdb"
    monkeypatch.setenv("CONFLICTMAP_DB", str(db))
    page = AppTest.from_file(str(ROOT / "pages" / "1_Data.py"), default_timeout=180)
    page.run()
    page.file_uploader(key="upload").set_value(
        ("ged_col.csv", UCDP.read_bytes(), "text/csv")
    ).run()
    assert not page.exception, page.exception
    assert page.selectbox(key="import_format").value == "ucdp"
    got = {m.label: m.value for m in page.metric}
    assert (got["Rows read"], got["Would be inserted"], got["Rejected"]) == ("4,632", "4,632", "0")
    assert any("HXL" in c.value for c in page.caption)
    best = sum(int(r["best"]) for r in RECORDS)
    report = next(d.value for d in page.dataframe if "outcome" in d.value.columns)
    read = report[report["outcome"] == "read"].iloc[0]
    assert (read["incidents"], read["fatalities"]) == (len(RECORDS), best)
    assert f"Fatalities read {best:,} = stored {best:,}" in " ".join(c.value for c in page.caption)
    page.button(key="import_go").click().run()
    assert not page.exception, page.exception
    assert rows(db, "SELECT count(*), sum(fatalities) FROM incidents") == [(len(RECORDS), best)]
    # the upload keeps the spreadsheet's row numbers (header 1, HXL 2): nothing rejected here
    assert rows(db, "SELECT rejected FROM imports") == [(0,)]
