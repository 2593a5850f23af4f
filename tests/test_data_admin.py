"""data_admin: the Data page's view model. Uploads are checked and imported from their stream in
chunks; the expected numbers come from the rows written here and SQL on the stored file."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
import store_access

from conflictmap import data_admin, ingest

HEADER = "event_date,event_type,source,latitude,longitude,fatalities,actor1\n"
HXL = "#date,#event+type,#meta+source,#geo+lat,#geo+lon,#affected+killed,#org\n"
GOOD = [
    "2023-01-01,Battles,El Tiempo,2.93,-75.28,2,ELN\n",  # Neiva
    "2023-01-02,Battles,El Tiempo,7.89,-72.50,0,Los Nuevos Rastrojos\n",  # Cúcuta
    "2023-01-03,Riots,El Tiempo,2.93,-75.28,,Clan del Golfo\n",
    "2023-01-04,Protests,El Tiempo,7.89,-72.50,1,ELN\n",
    "2023-01-05,Battles,El Tiempo,2.93,-75.28,5,ELN\n",
]
CARACAS = "2023-01-06,Battles,El Tiempo,10.49,-66.88,3,ELN\n"  # outside Colombia: a reject


def upload(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


def sql(db: Path, query: str) -> list[tuple]:
    with store_access.read(db) as con:
        return con.execute(query).fetchall()


@pytest.fixture()
def db(tmp_path: Path, boundaries) -> Path:  # noqa: ARG001
    return tmp_path / "admin.duckdb"


def test_inspect_reads_the_header_format_and_first_rows() -> None:
    found = data_admin.inspect_upload(upload(HEADER + "".join(GOOD)), "huila.csv")
    assert found.detected == "native" and not found.hxl
    assert found.columns == HEADER.strip().split(",")
    assert found.dataset == "huila" and found.rejects_file_name == "huila.rejects.csv"
    assert found.preview["event_date"].tolist() == [line[:10] for line in GOOD]
    assert found.preview["fatalities"].tolist()[2] == ""  # text as written: no NA guessing
    assert found.preview_caption(5) == "Preview of 5 rows (first 20)"
    many = HEADER + "".join(GOOD * 5)
    assert len(data_admin.inspect_upload(upload(many), "m.csv").preview) == data_admin.PREVIEW_ROWS


def test_the_hxl_row_is_no_record_and_row_numbers_stay_the_spreadsheets(db: Path) -> None:
    text = HEADER + HXL + "".join(GOOD) + CARACAS
    found = data_admin.inspect_upload(upload(text), "hdx.csv")
    assert found.hxl and found.preview["event_date"].iloc[0] == "2023-01-01"
    assert "HXL" in found.preview_caption(6)
    check = data_admin.check_upload(upload(text), "hdx.csv", fmt="native", dataset="hdx", db=db)
    assert (check.read, check.inserted, check.rejected) == (6, 5, 1)
    # header 1, HXL 2, five records 3-7: Caracas is row 8
    assert [r.row for r in check.rejects] == [8]
    report = data_admin.import_upload(upload(text), "hdx.csv", fmt="native", dataset="hdx", db=db)
    assert [r.row for r in report.rejects] == [8]
    assert sql(db, "SELECT count(*) FROM incidents") == [(5,)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text CSV file"),
        (b"just one column\nhello\n", "single column"),
        (b"a,b,c\n1,2,3\n", "matches no known format"),
        (HEADER.encode(), "no rows"),
    ],
)
def test_an_unreadable_upload_is_an_error_naming_the_upload(data: bytes, message: str) -> None:
    with pytest.raises(data_admin.FileError) as caught:
        data_admin.inspect_upload(io.BytesIO(data), "mine.csv")
    assert message in str(caught.value)
    assert str(caught.value).startswith("mine.csv:")
    assert "conflictmap-upload-" not in str(caught.value)  # not the temporary copy's path


def test_a_format_the_file_does_not_fit_is_an_error(db: Path) -> None:
    with pytest.raises(data_admin.FileError, match="missing required column.*ucdp"):
        data_admin.check_upload(upload(HEADER + GOOD[0]), "x.csv", fmt="ucdp", dataset="x", db=db)
    assert not db.exists()


def test_the_dry_run_writes_nothing_and_predicts_the_import(db: Path) -> None:
    text = HEADER + "".join(GOOD) + CARACAS
    check = data_admin.check_upload(upload(text), "jan.csv", fmt="native", dataset="jan", db=db)
    assert (check.read, check.inserted, check.duplicates, check.rejected) == (6, 5, 0, 1)
    assert not db.exists()  # nothing stored, not even an empty database file
    assert data_admin.can_import(check, "jan") and not data_admin.can_import(check, "  ")
    assert check.fatalities == {"read": 11, "stored": 8, "duplicate": 0, "rejected": 3}
    assert data_admin.report_caption(check).startswith("Fatalities read 11 = stored 8")
    assert data_admin.report_caption(check).rstrip().endswith("below.")
    table = data_admin.reject_table(check)
    assert list(table.columns) == ["row", "reason"] and table["row"].tolist() == [7]
    assert "outside Colombia" in table["reason"].iloc[0]
    lines = data_admin.rejects_csv(check, data_admin.inspect_upload(upload(text), "jan.csv"))
    assert lines.splitlines()[0] == "row,reason," + HEADER.strip()
    assert lines.splitlines()[1].startswith("7,") and "10.49" in lines.splitlines()[1]

    seen: list[int] = []
    report = data_admin.import_upload(
        upload(text), "jan.csv", fmt="native", dataset=" jan ", progress=seen.append, db=db
    )
    assert (report.read, report.inserted, report.rejected) == (6, 5, 1)
    assert seen and seen[-1] == 6
    assert data_admin.import_summary(report) == (
        "Imported 5 incidents into “jan”; 0 duplicates skipped, 1 rejected."
    )
    assert sql(db, "SELECT dataset, count(*), sum(fatalities) FROM incidents GROUP BY 1") == [
        ("jan", 5, 8)
    ]
    # the import log names the upload, not its temporary copy
    assert sql(db, "SELECT file, read, inserted, rejected FROM imports") == [("jan.csv", 6, 5, 1)]
    assert report.rejects_file and Path(report.rejects_file).name.startswith("jan.")

    # the same upload again: all duplicates
    again = data_admin.check_upload(upload(text), "jan.csv", fmt="native", dataset="jan", db=db)
    assert (again.inserted, again.duplicates, again.rejected) == (0, 5, 1)
    assert not data_admin.can_import(again, "jan")


def test_chunked_dry_run_equals_the_whole_table_dry_run(db: Path, tmp_path: Path) -> None:
    """The stream is read in chunks; the report is the one check_frame gives for the whole table
    (row numbers, lines and warnings included)."""
    from conflictmap.importers import csvfile

    text = HEADER + HXL + "".join(GOOD) + CARACAS + GOOD[0]  # the last row repeats the first
    whole = ingest.check_frame(
        csvfile.read_text_table(text, "w.csv"), name="w.csv", fmt="native", dataset="w", db=db
    )
    chunked = ingest.check_stream(upload(text), name="w.csv", fmt="native", dataset="w", db=db,
                                  chunk_rows=2)
    for report in (whole, chunked):
        assert (report.read, report.inserted, report.duplicates, report.rejected) == (7, 5, 1, 1)
    assert [(r.row, r.reason) for r in chunked.rejects] == [(r.row, r.reason) for r in whole.rejects]
    assert chunked.lines == whole.lines and chunked.warnings == whole.warnings
    path = tmp_path / "w.csv"
    path.write_text(text, encoding="utf-8")
    assert ingest.check_file(path, fmt="native", db=db, chunk_rows=3).lines == whole.lines


def test_form_record_rules() -> None:
    from conflictmap.geography import load_geography

    neiva = load_geography().gazetteer.municipality("41001")
    form = data_admin.IncidentForm(
        event_date=date(2024, 3, 15), date_precision="day", event_type="Battles",
        actor1="ELN", municipality=neiva, fatalities=2.0, source="El Tiempo",
        source_url="https://x.co/a",
    )  # fmt: skip
    record = form.record()
    assert record["municipality"] == "41001" and record["latitude"] == ""
    assert record["fatalities"] == 2 and record["actor2"] == "" and record["geo_precision"] == ""
    assert record["event_date"] == "2024-03-15"
    # a point picked on the map wins over the list, at point precision
    at_point = data_admin.IncidentForm(**{**form.__dict__, "point": (2.93, -75.28)}).record()
    assert (at_point["municipality"], at_point["latitude"], at_point["longitude"]) == (
        "", 2.93, -75.28)
    assert at_point["geo_precision"] == "1"
    unknown = data_admin.IncidentForm(
        event_date=None, date_precision="day", event_type="Battles", fatalities=None
    ).record()
    assert unknown["fatalities"] == "" and unknown["event_date"] == ""


def test_save_incident_outcomes(db: Path) -> None:
    form = data_admin.IncidentForm(
        event_date=date(2024, 3, 15), date_precision="day", event_type="Battles",
        municipality="41001", fatalities=1, source="El Tiempo", source_url="https://x.co/a",
    )  # fmt: skip
    saved = data_admin.save_incident(form, db=db)
    assert saved.saved and ingest.MANUAL_DATASET in saved.message
    assert sql(db, "SELECT dataset, muni_code, fatalities FROM incidents") == [
        (ingest.MANUAL_DATASET, "41001", 1)
    ]
    again = data_admin.save_incident(form, db=db)
    assert again.kind == "duplicate" and "already stored" in again.message
    no_url = data_admin.save_incident(
        data_admin.IncidentForm(**{**form.__dict__, "source_url": ""}), db=db
    )
    assert no_url.kind == "rejected" and "source_url" in no_url.message
    outside = data_admin.save_incident(
        data_admin.IncidentForm(**{**form.__dict__, "point": (10.49, -66.88), "notes": "x"}),
        db=db,
    )
    assert outside.kind == "rejected" and "outside Colombia" in outside.message
    assert sql(db, "SELECT count(*) FROM incidents") == [(1,)]


def test_a_picked_point_is_placed_by_point_in_polygon(boundaries) -> None:  # noqa: ARG001
    from conflictmap.geography import load_geography

    geo = load_geography()
    gaz = geo.gazetteer
    assert data_admin.clicked({"lat": 2.9301234, "lng": -75.2812345}) == (2.93012, -75.28123)
    assert data_admin.clicked(None) is None
    neiva = data_admin.locate((2.93, -75.28), geo)
    assert neiva.inside and (neiva.dept_code, neiva.muni_code) == ("41", "41001")
    assert neiva.place == "Neiva, Huila"
    caracas = data_admin.locate((10.49, -66.88), geo)
    assert not caracas.inside and caracas.place is None
    choices = data_admin.municipality_choices(geo)
    assert len(choices) == len(gaz.municipalities)
    assert [p.muni_name for p in choices] == sorted(p.muni_name for p in choices)
    assert data_admin.municipality_label(gaz.municipality("41001")) == "Neiva, Huila (41001)"


def test_datasets_unknown_actors_and_deletion(db: Path) -> None:
    for name, lines in (("one", GOOD[:2]), ("two", GOOD[2:])):
        report = data_admin.import_upload(
            upload(HEADER + "".join(lines)), f"{name}.csv", fmt="native", dataset=name, db=db
        )
        assert report.inserted == len(lines)
    contents = data_admin.database_contents(db)
    assert contents.datasets[["dataset", "incidents"]].values.tolist() == [["one", 2], ["two", 3]]
    assert contents.incidents_in("two") == 3 and contents.incidents_in("nope") == 0
    known = set(data_admin.actor_names())
    stored = {a for (a,) in sql(db, "SELECT DISTINCT actor1 FROM incidents")}
    want = sorted(stored - known)
    assert want == ["Los Nuevos Rastrojos"]
    assert contents.unknown_actors["actor"].tolist() == want
    assert data_admin.delete_dataset("one", db=db) == 2
    assert sql(db, "SELECT DISTINCT dataset FROM incidents") == [("two",)]
    assert data_admin.database_contents(db).unknown_actors.empty


def test_an_empty_database_lists_nothing(db: Path) -> None:
    contents = data_admin.database_contents(db)
    assert contents.datasets.empty and contents.unknown_actors.empty
    assert not db.exists()
