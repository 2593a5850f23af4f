"""AppTest of the Data page: upload with a validation report, add one incident, manage datasets.

Every test uses its own database (CONFLICTMAP_DB -> a tmp_path file) and checks what the page
did by reading the DuckDB file back, not only what the page says.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import store_access
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "pages" / "1_Data.py"

ACLED_COLUMNS = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
    "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,"
    "country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,"
    "notes,fatalities,tags,timestamp"
).split(",")


def _acled_row(
    event_id: str, day: str, country: str, admin1: str, admin2: str, location: str,
    lat: float, lon: float, actor1: str, actor2: str, fatalities: int, iso: int = 170,
) -> dict[str, str]:
    return {
        "event_id_cnty": event_id, "event_date": day, "year": day[:4], "time_precision": "1",
        "disorder_type": "Political violence", "event_type": "Battles",
        "sub_event_type": "Armed clash", "actor1": actor1, "assoc_actor_1": "", "inter1": "2",
        "actor2": actor2, "assoc_actor_2": "", "inter2": "1", "interaction": "12",
        "civilian_targeting": "", "iso": str(iso), "region": "South America", "country": country,
        "admin1": admin1, "admin2": admin2, "admin3": "", "location": location,
        "latitude": str(lat), "longitude": str(lon), "geo_precision": "1",
        "source": "El Tiempo", "source_scale": "National", "notes": f"Clash near {location}",
        "fatalities": str(fatalities), "tags": "", "timestamp": "1700000000",
    }


def acled_csv() -> bytes:
    """Header (row 1), three Colombian rows (rows 2-4) and one Venezuelan row (row 5)."""
    rows = [
        _acled_row("COL90001", "2024-03-01", "Colombia", "Huila", "Neiva", "Neiva", 2.93, -75.28,
                   "ELN: National Liberation Army", "Military Forces of Colombia (2022-)", 2),
        _acled_row("COL90002", "2024-03-02", "Colombia", "Norte de Santander", "Tibu", "Tibu",
                   8.64, -72.73, "ELN: National Liberation Army", "", 0),
        _acled_row("COL90003", "2024-03-03", "Colombia", "Norte de Santander", "Tibu", "Tibu",
                   8.64, -72.73, "Clan del Golfo", "", 1),
        _acled_row("VEN90004", "2024-03-04", "Venezuela", "Zulia", "Maracaibo", "Maracaibo",
                   10.65, -71.64, "Tren de Aragua", "", 1, iso=862),
    ]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ACLED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def native_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    from conflictmap.importers import native

    cols = native.COLUMNS
    return pd.DataFrame([{c: r.get(c, "") for c in cols} for r in rows], columns=cols)


def seed(db: Path, dataset: str, rows: list[dict[str, str]]) -> None:
    from conflictmap import ingest

    report = ingest.import_frame(native_frame(rows), name=f"{dataset}.csv", fmt="native",
                                 db=db, dataset=dataset, rejects_dir=db.parent / "rejects")
    assert report.inserted == len(rows), report


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    if not store_access.exists(db):
        return []
    with store_access.read(db) as con:
        return con.execute(sql, params or []).fetchall()


def count(db: Path, where: str = "TRUE", params: list | None = None) -> int:
    if not store_access.exists(db):
        return 0
    return query(db, f"SELECT count(*) FROM incidents WHERE {where}", params)[0][0]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def shown(markdown: str) -> str:
    """Markdown source as the reader sees it: backslash escapes and the invisible word joiners
    of text.md_escape removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def texts(elements) -> str:  # noqa: ANN001 - an ElementList of alerts
    return " ".join(shown(e.value) for e in elements)


@pytest.fixture()
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boundaries) -> Path:  # noqa: ARG001
    path = tmp_path / "data.duckdb"
    monkeypatch.setenv("CONFLICTMAP_DB", str(path))
    return path


@pytest.fixture()
def page(db: Path) -> AppTest:  # noqa: ARG001 - the env var must be set first
    return AppTest.from_file(str(PAGE), default_timeout=120)


# ---- 1. import flow ---------------------------------------------------------------------------
@pytest.fixture()
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """What the page hands to download buttons, by file name (spied on the media storage)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    seen: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):  # noqa: ANN001, ANN202
        if filename:
            data = path_or_data.encode("utf-8") if isinstance(path_or_data, str) else path_or_data
            seen[filename] = data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return seen


def test_upload_acled_validates_then_imports_and_reupload_is_all_duplicates(
    page: AppTest, db: Path, downloads: dict[str, bytes]
) -> None:
    data = acled_csv()
    page.run()
    assert not page.exception
    page.file_uploader(key="upload").set_value(("acled_test.csv", data, "text/csv")).run()
    assert not page.exception, page.exception

    assert page.selectbox(key="import_format").value == "acled"
    assert page.text_input(key="import_dataset").value == "acled_test"
    got = metrics(page)
    assert got["Rows read"] == "4"
    assert got["Would be inserted"] == "3"
    assert got["Rejected"] == "1"
    assert got["Duplicates (already stored)"] == "0"

    rejects = [d.value for d in page.dataframe if list(d.value.columns) == ["row", "reason"]]
    assert len(rejects) == 1
    table = rejects[0]
    assert table["row"].tolist() == [5]
    assert "outside scope" in table["reason"].iloc[0]
    assert "Venezuela" in table["reason"].iloc[0]
    assert [b.key for b in page.download_button] == ["rejects_dl"]
    # the download holds the rejected row with its number, reason and original columns
    rejected = list(csv.reader(io.StringIO(downloads["acled_test.rejects.csv"].decode("utf-8"))))
    assert rejected[0] == ["row", "reason", *ACLED_COLUMNS]
    assert len(rejected) == 2
    assert rejected[1][0] == "5" and "outside scope" in rejected[1][1]
    assert rejected[1][2] == "VEN90004"

    # a dry run: nothing is stored before the analyst confirms
    assert count(db) == 0

    go = page.button(key="import_go")
    assert go.label == "Import 3 incidents"
    assert not go.disabled
    page.text_input(key="import_dataset").set_value("acled-test-2024").run()
    assert not page.exception
    page.button(key="import_go").click().run()
    assert not page.exception, page.exception

    assert count(db) == 3
    assert query(db, "SELECT DISTINCT dataset FROM incidents") == [("acled-test-2024",)]
    assert sorted(r[0] for r in query(db, "SELECT incident_id FROM incidents")) == [
        "acled:COL90001", "acled:COL90002", "acled:COL90003",
    ]
    munis = query(db, "SELECT incident_id, muni_code FROM incidents ORDER BY 1")
    assert munis == [
        ("acled:COL90001", "41001"), ("acled:COL90002", "54810"), ("acled:COL90003", "54810"),
    ]
    assert count(db, "incident_id LIKE 'acled:VEN%'") == 0
    success = texts(page.success)
    assert "Imported 3 incidents" in success and "acled-test-2024" in success
    assert "1 rejected" in success
    # the import was logged
    logged = query(db, "SELECT dataset, read, inserted, rejected FROM imports")
    assert logged == [("acled-test-2024", 4, 3, 1)]

    # the same file again: all three are duplicates, nothing to import
    page.file_uploader(key="upload").set_value(("acled_test.csv", data, "text/csv")).run()
    assert not page.exception
    got = metrics(page)
    assert got["Would be inserted"] == "0"
    assert got["Duplicates (already stored)"] == "3"
    assert got["Rejected"] == "1"
    assert page.button(key="import_go").disabled
    assert count(db) == 3


def test_import_button_disabled_without_dataset_name(page: AppTest, db: Path) -> None:
    page.run()
    page.file_uploader(key="upload").set_value(("acled_test.csv", acled_csv(), "text/csv")).run()
    page.text_input(key="import_dataset").set_value("   ").run()
    assert not page.exception
    assert page.button(key="import_go").disabled
    assert count(db) == 0


def test_choosing_a_format_the_file_does_not_fit_is_an_error(page: AppTest, db: Path) -> None:
    page.run()
    page.file_uploader(key="upload").set_value(("acled_test.csv", acled_csv(), "text/csv")).run()
    page.selectbox(key="import_format").set_value("ucdp").run()
    assert not page.exception, page.exception
    assert "missing required column(s) for the ucdp format" in texts(page.error)
    assert not [b for b in page.button if b.key == "import_go"]
    assert count(db) == 0


NATIVE_CSV = (
    b"event_date,event_type,source,municipality,department\n"
    b"2023-01-01,Battles,Diario del Huila,Neiva,Huila\n"
    b"2023-01-02,Battles,Diario del Huila,Pitalito,Huila\n"
)


def test_second_upload_gets_its_own_detected_format_and_dataset_name(
    page: AppTest, db: Path
) -> None:
    page.run()
    page.file_uploader(key="upload").set_value(("acled_test.csv", acled_csv(), "text/csv")).run()
    assert page.selectbox(key="import_format").value == "acled"
    page.file_uploader(key="upload").set_value(("huila_native.csv", NATIVE_CSV, "text/csv")).run()
    assert not page.exception, page.exception
    assert page.selectbox(key="import_format").value == "native"
    assert page.text_input(key="import_dataset").value == "huila_native"
    assert not page.error, texts(page.error)
    assert metrics(page)["Would be inserted"] == "2"
    page.button(key="import_go").click().run()
    assert query(db, "SELECT dataset, count(*) FROM incidents GROUP BY 1") == [("huila_native", 2)]


# ---- 2. broken uploads ------------------------------------------------------------------------
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
    b"\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("picture.csv", PNG, "not a text CSV file"),
        ("notes.csv", b"just one column\nhello\n", "single column"),
        ("header_only.csv", b"event_date,event_type,source,latitude,longitude\n", "no rows"),
    ],
    ids=["empty", "png", "single-column", "header-only"],
)
def test_broken_upload_is_a_clear_error_and_page_still_works(
    page: AppTest, db: Path, name: str, data: bytes, message: str
) -> None:
    page.run()
    page.file_uploader(key="upload").set_value((name, data, "text/csv")).run()
    assert not page.exception, page.exception
    errors = texts(page.error)
    assert message in errors
    assert name in errors and "Nothing was imported" in errors
    # no validation report, no import button
    assert "Would be inserted" not in metrics(page)
    assert not [b for b in page.button if b.key == "import_go"]
    # the other tabs still render
    assert page.selectbox(key="add_muni") is not None
    assert [b.label for b in page.button if b.label == "Save incident"]
    assert page.subheader and "Datasets" in [s.value for s in page.subheader]
    assert count(db) == 0


def test_unknown_header_asks_for_a_column_mapping_and_imports_nothing(
    page: AppTest, db: Path
) -> None:
    """A table of no known format is not an error any more: the page offers the column mapping
    (issue 21) and says what is missing; nothing can be imported until the layout is complete."""
    page.run()
    page.file_uploader(key="upload").set_value(("other.csv", b"a,b,c\n1,2,3\n", "text/csv")).run()
    assert not page.exception, page.exception
    assert page.selectbox(key="import_layout").value == ""
    warnings = texts(page.warning)
    assert "map the date" in warnings
    assert "give the place" in warnings
    assert not [b for b in page.button if b.key == "import_go"]
    assert count(db) == 0


# ---- 3. add one incident ----------------------------------------------------------------------
def neiva():
    from conflictmap.geography import load_geography

    place = load_geography().gazetteer.municipality("41001")
    assert place.muni_code == "41001"
    return place


def fill_form(at: AppTest, *, url: str, notes: str = "") -> None:
    at.date_input(key="add_date").set_value(date(2024, 3, 15))
    at.selectbox(key="add_type").set_value("Explosions/Remote violence")
    options = at.selectbox(key="add_muni").options
    place = neiva()
    label = at.selectbox(key="add_muni").format_func(place)
    assert [o for o in options if o.endswith("(41001)")] == [label]
    at.selectbox(key="add_muni").set_value(place)
    at.number_input(key="add_fatalities").set_value(2)
    at.text_input(key="add_source").set_value("El Tiempo")
    at.text_input(key="add_url").set_value(url)
    at.text_area(key="add_notes").set_value(notes)


def submit(at: AppTest) -> None:
    [button] = [b for b in at.button if b.label == "Save incident"]
    button.click().run()


def test_add_incident_stores_it_in_manual_dataset(page: AppTest, db: Path) -> None:
    from conflictmap import ingest

    notes = "Ataque con dron <script>alert(1)</script> & “comillas”"
    page.run()
    fill_form(page, url="https://www.eltiempo.com/x", notes=notes)
    submit(page)
    assert not page.exception, page.exception
    assert not page.error, texts(page.error)
    assert ingest.MANUAL_DATASET in texts(page.success)

    rows = query(
        db,
        "SELECT dataset, muni_code, dept_code, fatalities, notes, source, source_url, event_date, "
        "event_type FROM incidents",
    )
    assert rows == [
        (
            "manual-entries", "41001", "41", 2, notes, "El Tiempo", "https://www.eltiempo.com/x",
            date(2024, 3, 15), "Explosions/Remote violence",
        )
    ]
    # the Datasets tab lists the new dataset (same run, read after the insert)
    sets = [d.value for d in page.dataframe if "dataset" in d.value.columns]
    assert sets and sets[0]["dataset"].tolist() == ["manual-entries"]

    # saving the same form again is a duplicate, not a second incident
    submit(page)
    assert not page.exception
    assert "already stored" in texts(page.warning)
    assert count(db) == 1


def test_add_incident_without_source_url_is_refused(page: AppTest, db: Path) -> None:
    page.run()
    fill_form(page, url="")
    submit(page)
    assert not page.exception, page.exception
    assert "source_url" in texts(page.error)
    assert not page.success
    assert count(db) == 0


def test_add_incident_with_javascript_url_is_refused(page: AppTest, db: Path) -> None:
    page.run()
    fill_form(page, url="javascript:alert(1)")
    submit(page)
    assert not page.exception, page.exception
    assert "not an http(s) link" in texts(page.error)
    assert not page.success
    assert count(db) == 0


def test_add_incident_without_municipality_is_refused(page: AppTest, db: Path) -> None:
    page.run()
    fill_form(page, url="https://www.eltiempo.com/x")
    page.selectbox(key="add_muni").set_value(None)
    submit(page)
    assert not page.exception, page.exception
    assert "no coordinates and no municipality" in texts(page.error)
    assert count(db) == 0


# ---- 4. datasets: list and delete -------------------------------------------------------------
def _native(
    n: int, prefix: str, actor1: str = "ELN", muni: str = "Neiva", dept: str = "Huila"
) -> list[dict[str, str]]:
    return [
        {
            "event_date": f"2023-05-{i + 1:02d}", "event_type": "Battles", "actor1": actor1,
            "municipality": muni, "department": dept, "source": f"{prefix} source {i}",
            "fatalities": "1", "notes": f"{prefix} {i}",
        }
        for i in range(n)
    ]


def test_datasets_table_and_guarded_delete(page: AppTest, db: Path) -> None:
    seed(db, "keep-me", _native(2, "keep"))
    seed(db, "drop-me", _native(3, "drop", muni="Tibú", dept="Norte de Santander"))
    page.run()
    assert not page.exception, page.exception

    tables = [d.value for d in page.dataframe if "dataset" in d.value.columns]
    assert len(tables) == 1
    listed = dict(zip(tables[0]["dataset"], tables[0]["incidents"], strict=True))
    assert listed == {"drop-me": 3, "keep-me": 2}

    page.selectbox(key="delete_dataset").set_value("drop-me").run()
    assert not page.exception
    assert "3 incidents" in page.text_input(key="delete_confirm").label
    assert page.button(key="delete_go").disabled

    page.text_input(key="delete_confirm").set_value("drop").run()
    assert page.button(key="delete_go").disabled
    page.text_input(key="delete_confirm").set_value("keep-me").run()
    assert page.button(key="delete_go").disabled
    assert count(db) == 5

    page.text_input(key="delete_confirm").set_value("drop-me").run()
    assert not page.button(key="delete_go").disabled
    page.button(key="delete_go").click().run()
    assert not page.exception, page.exception
    assert "Deleted 3 incidents" in texts(page.success)

    assert count(db) == 2
    assert query(db, "SELECT dataset, count(*) FROM incidents GROUP BY 1") == [("keep-me", 2)]

    # next run: the table no longer lists the deleted dataset
    page.run()
    assert not page.exception
    tables = [d.value for d in page.dataframe if "dataset" in d.value.columns]
    assert tables[0]["dataset"].tolist() == ["keep-me"]


def test_dataset_names_are_shown_as_text_not_markdown(page: AppTest, db: Path) -> None:
    name = "see [the report](https://example.com/r)"
    seed(db, name, _native(1, "md"))
    page.run()
    page.selectbox(key="delete_dataset").set_value(name).run()
    label = page.text_input(key="delete_confirm").label
    assert "](https://" not in label and name in shown(label)
    page.text_input(key="delete_confirm").set_value(name).run()
    page.button(key="delete_go").click().run()
    assert count(db) == 0
    success = " ".join(e.value for e in page.success)
    assert "](https://" not in success and name in shown(success)


# ---- 5. unknown actors ------------------------------------------------------------------------
def test_unknown_actors_table_lists_only_names_missing_from_registry(
    page: AppTest, db: Path
) -> None:
    from conflictmap.actors import default_registry

    assert "Los Rastrojos Nuevos" not in default_registry().names()
    assert "ELN" in default_registry().names()
    rows = _native(2, "rast", actor1="Los Rastrojos Nuevos") + _native(1, "eln", actor1="ELN")
    rows[0]["actor2"] = "ELN"
    seed(db, "actors", rows)
    page.run()
    assert not page.exception, page.exception

    tables = [d.value for d in page.dataframe if "actor" in d.value.columns]
    assert len(tables) == 1
    unknown = dict(zip(tables[0]["actor"], tables[0]["incidents"], strict=True))
    assert unknown == {"Los Rastrojos Nuevos": 2}
    assert "ELN" not in unknown


def test_unknown_actors_empty_database_message(page: AppTest, db: Path) -> None:
    page.run()
    assert not page.exception
    shown = " ".join(m.value for m in page.markdown)
    assert "The database is empty." in shown
    assert "Every actor name in the database is known" in shown
    assert not db.exists() or count(db) == 0


def test_add_incident_at_a_point_picked_on_the_map(page: AppTest, db: Path) -> None:
    """A point clicked on the form's map places the incident exactly (geo precision 1) and wins
    over the municipality list; its municipality comes from point-in-polygon."""
    page.session_state["add_point"] = (2.93, -75.28)  # what a click near Neiva stores
    page.run()
    assert not page.exception, page.exception
    assert "Neiva, Huila" in texts(page.success)
    maps = [e for e in page.main if type(e).__name__ == "UnknownElement"]
    assert maps, "the pick map is missing"
    fill_form(page, url="https://www.eltiempo.com/x")
    page.selectbox(key="add_muni").set_value(None)
    submit(page)
    assert not page.exception, page.exception
    assert ingest_dataset() in texts(page.success)
    assert query(db, "SELECT muni_code, geo_precision, latitude, longitude FROM incidents") == [
        ("41001", 1, 2.93, -75.28)
    ]


def test_a_point_outside_colombia_is_flagged_and_not_saved(page: AppTest, db: Path) -> None:
    page.session_state["add_point"] = (10.49, -66.88)  # Caracas
    page.run()
    assert "outside Colombia" in texts(page.warning)
    fill_form(page, url="https://www.eltiempo.com/x")
    submit(page)
    assert "outside Colombia" in texts(page.error)
    assert count(db) == 0


def ingest_dataset() -> str:
    from conflictmap import ingest

    return ingest.MANUAL_DATASET
