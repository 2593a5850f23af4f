"""Native CSV import: placement, validation and rejects, dedupe, encodings, actors, atomicity."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import store_access

from conflictmap import ingest, store
from conflictmap.geography import load_geography
from conflictmap.importers.csvfile import FileError
from conflictmap.schema import RECORD_COLUMNS

BASE_COLUMNS = [
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "fatalities",
    "latitude",
    "longitude",
    "municipality",
    "department",
    "location",
    "source",
    "source_url",
    "notes",
]
# Most fixtures give geo_precision on every row (blank and absent cells are tested on their own).
COLUMNS = [*BASE_COLUMNS, "geo_precision"]


def row(**values: str) -> dict[str, str]:
    """A valid point row in Neiva; override any cell."""
    base = {
        "event_date": "2022-09-02",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "actor1": "ELN",
        "actor2": "Military",
        "fatalities": "1",
        "latitude": "2.93",
        "longitude": "-75.28",
        "municipality": "",
        "department": "",
        "location": "rural Neiva",
        "source": "El Tiempo",
        "source_url": "https://example.org/a",
        "notes": "",
        "geo_precision": "1",
    }
    base.update(values)
    return base


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    columns: list[str] | None = None,
    *,
    sep: str = ",",
    encoding: str = "utf-8",
) -> Path:
    columns = columns or COLUMNS
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh, delimiter=sep)
        writer.writerow(columns)
        for r in rows:
            writer.writerow([r.get(c, "") for c in columns])
    return path


def fetch(db: Path, sql: str = "SELECT * FROM incidents ORDER BY incident_id") -> pd.DataFrame:
    with store_access.read(db) as con:
        return con.execute(sql).df()


def count(db: Path) -> int:
    if not store_access.exists(db):
        return 0
    with store_access.read(db) as con:
        return con.execute("SELECT count(*) FROM incidents").fetchone()[0]


def read_rejects(report: ingest.ImportReport) -> list[dict[str, str]]:
    assert report.rejects_file, "no rejects file was written"
    with open(report.rejects_file, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def imp(path: Path, db: Path, **kw) -> ingest.ImportReport:
    return ingest.import_file(path, fmt=kw.pop("fmt", "native"), db=db, **kw)


def adds_up(report: ingest.ImportReport) -> bool:
    return report.read == report.inserted + report.duplicates + report.rejected


# --------------------------------------------------------------------------------------------
# Placement


def test_point_row_gets_codes_by_point_in_polygon(tmp_path: Path, empty_db: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [row()])
    report = imp(path, empty_db)
    assert (report.read, report.inserted, report.duplicates, report.rejected) == (1, 1, 0, 0)
    assert report.rejects_file is None
    rec = fetch(empty_db).iloc[0]
    assert rec["dept_code"] == "41"
    assert rec["muni_code"] == "41001"
    assert rec["latitude"] == pytest.approx(2.93)
    assert rec["longitude"] == pytest.approx(-75.28)
    assert rec["geo_precision"] == 1
    assert rec["event_type"] == "Battles"
    assert rec["fatalities"] == 1
    assert str(rec["event_date"])[:10] == "2022-09-02"
    assert rec["dataset"] == "p"


def test_municipality_only_row_is_placed_inside_it(
    tmp_path: Path, empty_db: Path, boundaries
) -> None:
    path = write_csv(
        tmp_path / "m.csv",
        [row(latitude="", longitude="", municipality="Neiva", geo_precision="2")],
    )
    report = imp(path, empty_db)
    assert report.inserted == 1
    rec = fetch(empty_db).iloc[0]
    assert (rec["dept_code"], rec["muni_code"], rec["geo_precision"]) == ("41", "41001", 2)
    # the stored point lies inside Neiva
    _dept, muni = load_geography().assign_admin([rec["longitude"]], [rec["latitude"]])
    assert muni[0] == "41001"


def test_department_only_row(tmp_path: Path, empty_db: Path, boundaries) -> None:
    path = write_csv(
        tmp_path / "d.csv",
        [row(latitude="", longitude="", department="Huila", geo_precision="3")],
    )
    report = imp(path, empty_db)
    assert report.inserted == 1
    rec = fetch(empty_db).iloc[0]
    assert rec["dept_code"] == "41"
    assert rec["muni_code"] is None or pd.isna(rec["muni_code"])
    assert rec["geo_precision"] == 3
    dept, _ = load_geography().assign_admin([rec["longitude"]], [rec["latitude"]])
    assert dept[0] == "41"


def test_department_named_municipality_resolves(tmp_path: Path, empty_db: Path) -> None:
    path = write_csv(
        tmp_path / "u.csv",
        [
            row(
                latitude="",
                longitude="",
                municipality="La Unión",
                department="Nariño",
                geo_precision="2",
            )
        ],
    )
    assert imp(path, empty_db).inserted == 1
    assert fetch(empty_db).iloc[0]["muni_code"] == "52399"


def test_ambiguous_municipality_is_rejected_with_candidates(tmp_path: Path, empty_db: Path) -> None:
    path = write_csv(
        tmp_path / "amb.csv",
        [row(), row(latitude="", longitude="", municipality="La Unión", geo_precision="2")],
    )
    report = imp(path, empty_db)
    assert (report.inserted, report.rejected) == (1, 1)
    rejects = read_rejects(report)
    assert len(rejects) == 1
    assert rejects[0]["row"] == "3"
    assert rejects[0]["municipality"] == "La Unión"
    reason = rejects[0]["reason"]
    for code in ("05400", "52399", "70400", "76400"):
        assert code in reason
    assert "Nariño" in reason and "Antioquia" in reason


def test_file_without_geo_precision_column(tmp_path: Path, empty_db: Path) -> None:
    rows = [
        row(),
        row(latitude="", longitude="", municipality="Neiva", event_date="2022-09-03"),
        row(latitude="", longitude="", department="Huila", event_date="2022-09-04"),
    ]
    path = write_csv(tmp_path / "plain.csv", rows, BASE_COLUMNS)
    report = imp(path, empty_db)
    assert (report.inserted, report.rejected) == (3, 0)
    got = fetch(empty_db, "SELECT event_date, muni_code, geo_precision FROM incidents ORDER BY 1")
    assert list(got["geo_precision"]) == [1, 2, 3]
    assert [None if pd.isna(m) else m for m in got["muni_code"]] == ["41001", "41001", None]


def test_blank_geo_precision_defaults(tmp_path: Path, empty_db: Path) -> None:
    rows = [
        row(geo_precision=""),
        row(
            latitude="",
            longitude="",
            municipality="Neiva",
            geo_precision="",
            event_date="2022-09-03",
        ),
        row(
            latitude="", longitude="", department="Huila", geo_precision="", event_date="2022-09-04"
        ),
    ]
    report = imp(write_csv(tmp_path / "blank.csv", rows), empty_db)
    assert report.inserted == 3
    got = fetch(empty_db, "SELECT geo_precision FROM incidents ORDER BY event_date")
    assert list(got["geo_precision"]) == [1, 2, 3]


# --------------------------------------------------------------------------------------------
# Rejects with reasons and spreadsheet row numbers

BAD_ROWS = [
    # (cells, reason fragment, column to check, raw value)
    ({"event_date": "2022-13-45"}, "event_date", "event_date", "2022-13-45"),
    ({"event_date": "2099-01-01"}, "future", "event_date", "2099-01-01"),
    ({"fatalities": "-1"}, "negative", "fatalities", "-1"),
    ({"fatalities": "many"}, "not a number", "fatalities", "many"),
    ({"event_type": "Picnic"}, "unknown event_type", "event_type", "Picnic"),
    ({"source": ""}, "source is empty", "source", ""),
    ({"longitude": ""}, "latitude and longitude", "latitude", "2.93"),
    ({"latitude": "10.49", "longitude": "-66.88"}, "outside Colombia", "latitude", "10.49"),
    ({"source_url": "javascript:alert(1)"}, "http", "source_url", "javascript:alert(1)"),
    ({"geo_precision": "7"}, "geo_precision", "geo_precision", "7"),
]


@pytest.fixture()
def mixed_import(tmp_path: Path, empty_db: Path) -> tuple[ingest.ImportReport, Path]:
    rows = [
        row(notes="first good row,\nwith a line break inside the cell"),  # row 2
        *[row(**cells, notes=f"bad {i}") for i, (cells, *_rest) in enumerate(BAD_ROWS)],  # 3..12
        row(event_date="2022-09-05", notes="last good row"),  # row 13
    ]
    path = write_csv(tmp_path / "mixed.csv", rows)
    return imp(path, empty_db), empty_db


def test_reject_counts_add_up(mixed_import) -> None:
    report, db = mixed_import
    assert report.read == 12
    assert report.inserted == 2
    assert report.rejected == len(BAD_ROWS)
    assert report.duplicates == 0
    assert adds_up(report)
    assert count(db) == 2
    assert set(json.loads(json.dumps(report.as_json()))) >= {
        "read",
        "inserted",
        "duplicates",
        "rejected",
        "rejects_file",
    }


def test_rejects_file_lists_every_bad_row(mixed_import) -> None:
    report, _ = mixed_import
    rejects = read_rejects(report)
    assert [r["row"] for r in rejects] == [str(i + 3) for i in range(len(BAD_ROWS))]
    for r, (_cells, fragment, column, raw) in zip(rejects, BAD_ROWS, strict=True):
        assert fragment in r["reason"], (r["row"], r["reason"])
        assert r[column] == raw, (r["row"], column)
        assert r["notes"] == f"bad {int(r['row']) - 3}"
    # the header keeps the file's own columns after row and reason
    with open(report.rejects_file, newline="", encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == ["row", "reason", *COLUMNS]


@pytest.mark.parametrize(("cells", "fragment", "column", "raw"), BAD_ROWS)
def test_each_reject_reason_alone(
    tmp_path: Path, empty_db: Path, cells: dict, fragment: str, column: str, raw: str
) -> None:
    report = imp(write_csv(tmp_path / "one.csv", [row(**cells)]), empty_db)
    assert (report.read, report.inserted, report.rejected) == (1, 0, 1)
    [reject] = read_rejects(report)
    assert reject["row"] == "2"
    assert fragment in reject["reason"]
    assert reject[column] == raw
    assert count(empty_db) == 0


# --------------------------------------------------------------------------------------------
# Boundary dates, through a whole import (tests/test_dates.py checks the parser alone)


def _import_boundary_dates(folder: Path, db: Path) -> tuple[date, ingest.ImportReport]:
    today = date.today()
    tomorrow = today + timedelta(days=1)
    rows = [
        {**row(event_date=today.isoformat()), "incident_id": "d-today"},  # row 2
        {**row(event_date=tomorrow.isoformat()), "incident_id": "d-tomorrow"},  # row 3
        {**row(event_date="2020-02-29"), "incident_id": "d-leap"},  # row 4
        {**row(event_date="2021-02-29"), "incident_id": "d-not-leap"},  # row 5
        {**row(event_date="1900-01-01"), "incident_id": "d-first"},  # row 6
        {**row(event_date="1899-12-31"), "incident_id": "d-before"},  # row 7
    ]
    path = write_csv(folder / "dates.csv", rows, ["incident_id", *COLUMNS])
    return today, imp(path, db)


def test_event_dated_today_is_stored_and_tomorrow_rejected(tmp_path: Path) -> None:
    for attempt in range(2):  # an import that straddles midnight is run again, once
        db = tmp_path / f"dates-{attempt}.duckdb"
        today, report = _import_boundary_dates(tmp_path, db)
        if date.today() == today:
            break
    else:
        pytest.fail("the day changed during both imports: run the test again")
    assert (report.read, report.inserted, report.duplicates, report.rejected) == (6, 3, 0, 3)
    stored = fetch(db, "SELECT incident_id, event_date FROM incidents ORDER BY event_date")
    assert [(i, pd.Timestamp(d).date()) for i, d in stored.itertuples(index=False)] == [
        ("native:d-first", date(1900, 1, 1)),
        ("native:d-leap", date(2020, 2, 29)),
        ("native:d-today", today),
    ]
    rejects = read_rejects(report)
    assert [(r["row"], r["incident_id"], r["event_date"]) for r in rejects] == [
        ("3", "d-tomorrow", (today + timedelta(days=1)).isoformat()),
        ("5", "d-not-leap", "2021-02-29"),
        ("7", "d-before", "1899-12-31"),
    ]
    tomorrow, not_leap, before = (r["reason"] for r in rejects)
    assert "is in the future" in tomorrow and (today + timedelta(days=1)).isoformat() in tomorrow
    assert "2021-02-29" in not_leap and "future" not in not_leap
    assert "before 1900" in before


# --------------------------------------------------------------------------------------------
# Duplicates and ids


def test_reimport_inserts_nothing(tmp_path: Path, empty_db: Path) -> None:
    rows = [
        row(),
        row(event_date="2022-09-03"),
        row(latitude="", longitude="", municipality="Neiva", geo_precision="2"),
    ]
    path = write_csv(tmp_path / "again.csv", rows)
    first = imp(path, empty_db)
    assert (first.inserted, first.duplicates) == (3, 0)
    ids = list(fetch(empty_db)["incident_id"])
    second = imp(path, empty_db)
    assert (second.read, second.inserted, second.duplicates, second.rejected) == (3, 0, 3, 0)
    assert adds_up(second)
    assert list(fetch(empty_db)["incident_id"]) == ids
    log = fetch(
        empty_db, "SELECT read, inserted, duplicates, rejected FROM imports ORDER BY imported_at"
    )
    assert log.values.tolist() == [[3, 3, 0, 0], [3, 0, 3, 0]]


def test_within_file_duplicate_id(tmp_path: Path, empty_db: Path) -> None:
    rows = [
        {**row(), "incident_id": "abc"},
        {**row(event_date="2022-09-03"), "incident_id": "abc"},
        {**row(event_date="2022-09-04"), "incident_id": "acled:99"},
    ]
    path = write_csv(tmp_path / "dup.csv", rows, ["incident_id", *COLUMNS])
    report = imp(path, empty_db)
    assert (report.read, report.inserted, report.duplicates, report.rejected) == (3, 2, 1, 0)
    stored = fetch(empty_db)
    assert sorted(stored["incident_id"]) == ["acled:99", "native:abc"]
    # the first occurrence wins
    first = stored.set_index("incident_id").loc["native:abc"]
    assert str(first["event_date"])[:10] == "2022-09-02"


def test_content_hash_id_is_stable(tmp_path: Path) -> None:
    rows = [row(), row(event_date="2022-09-03")]
    path = write_csv(tmp_path / "h.csv", rows)
    db1, db2 = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    imp(path, db1)
    imp(path, db2)
    ids1, ids2 = list(fetch(db1)["incident_id"]), list(fetch(db2)["incident_id"])
    assert ids1 == ids2
    assert len(set(ids1)) == 2
    assert all(i.startswith("native:") for i in ids1)
    # a copy with the rows in another order and another name still dedupes
    other = write_csv(tmp_path / "h2.csv", list(reversed(rows)))
    report = imp(other, db1)
    assert (report.inserted, report.duplicates) == (0, 2)


# --------------------------------------------------------------------------------------------
# Encodings, separators, decimal commas


CUCUTA = row(
    event_date="2022-08-24",
    latitude="7,89",
    longitude="-72,50",
    location="Cúcuta, barrio La Libertad",
    municipality="Cúcuta",
    source="Señal Noticias",
    notes="Ataque en Cúcuta; niño herido",
)


@pytest.mark.parametrize(
    ("sep", "encoding"),
    [(";", "latin-1"), (";", "cp1252"), (";", "utf-8-sig"), (",", "utf-8-sig"), (",", "latin-1")],
)
def test_encodings_and_separators(tmp_path: Path, empty_db: Path, sep: str, encoding: str) -> None:
    path = write_csv(tmp_path / "enc.csv", [CUCUTA], sep=sep, encoding=encoding)
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    report = imp(path, empty_db, fmt="auto")
    assert (report.inserted, report.rejected) == (1, 0), (
        read_rejects(report) if report.rejected else ""
    )
    rec = fetch(empty_db).iloc[0]
    assert rec["location"] == "Cúcuta, barrio La Libertad"
    assert rec["source"] == "Señal Noticias"
    assert rec["notes"] == "Ataque en Cúcuta; niño herido"
    assert rec["latitude"] == pytest.approx(7.89)
    assert rec["longitude"] == pytest.approx(-72.50)
    assert rec["muni_code"] == "54001"
    assert json.loads(rec["original"])["municipality"] == "Cúcuta"


# --------------------------------------------------------------------------------------------
# Actors, original row, markup


def test_actors_are_canonicalised_and_raw_kept(tmp_path: Path, empty_db: Path) -> None:
    rows = [
        {
            **row(actor1="AGC", actor2="Dagoberto Ramos"),
            "assoc_actors": "Urabeños; Some local gang",
        },
        {**row(actor1="Los Pepes Nuevos", actor2="", event_date="2022-09-03"), "assoc_actors": ""},
    ]
    path = write_csv(tmp_path / "actors.csv", rows, [*COLUMNS, "assoc_actors"])
    assert imp(path, empty_db).inserted == 2
    got = fetch(empty_db, "SELECT * FROM incidents ORDER BY event_date")
    first, second = got.iloc[0], got.iloc[1]
    assert first["actor1"] == "Clan del Golfo"
    assert first["actor1_raw"] == "AGC"
    assert first["actor2"] == "Dagoberto Ramos Mobile Column"
    assert first["actor2_raw"] == "Dagoberto Ramos"
    assert list(first["assoc_actors"]) == ["Clan del Golfo", "Some local gang"]
    assert first["assoc_actors_raw"] == "Urabeños; Some local gang"
    # unknown names are kept as given; empty actor2 is NULL, not ""
    assert second["actor1"] == "Los Pepes Nuevos"
    assert second["actor2"] is None or pd.isna(second["actor2"])
    assert len(second["assoc_actors"]) == 0


def test_original_row_kept_as_json(tmp_path: Path, empty_db: Path) -> None:
    r = row(actor1="AGC", fatalities="3", notes="  spaced  ")
    imp(write_csv(tmp_path / "o.csv", [r]), empty_db)
    original = json.loads(fetch(empty_db).iloc[0]["original"])
    assert original == r


def test_markup_is_stored_verbatim(tmp_path: Path, empty_db: Path) -> None:
    script = "<script>alert(1)</script>"
    img = "<img src=x onerror=alert(1)>"
    r = row(notes=f"{script} {img}", location=img, actor1=script, source=f"Src {img}")
    report = imp(write_csv(tmp_path / "x.csv", [r]), empty_db)
    assert report.inserted == 1
    rec = fetch(empty_db).iloc[0]
    assert rec["notes"] == f"{script} {img}"
    assert rec["location"] == img
    assert rec["actor1"] == script
    assert rec["source"] == f"Src {img}"


# --------------------------------------------------------------------------------------------
# Whole-file errors leave the database unchanged


@pytest.fixture()
def seeded_db(tmp_path: Path) -> Path:
    db = tmp_path / "seeded.duckdb"
    imp(write_csv(tmp_path / "seed.csv", [row()]), db)
    assert count(db) == 1
    return db


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.csv"
    blank.write_bytes(b"  \n\n")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    header_only = tmp_path / "header.csv"
    header_only.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    no_source = write_csv(tmp_path / "nosource.csv", [row()], [c for c in COLUMNS if c != "source"])
    no_place = write_csv(
        tmp_path / "noplace.csv",
        [row()],
        [c for c in COLUMNS if c not in ("latitude", "longitude", "municipality")],
    )
    return {
        "empty": (empty, "empty"),
        "blank": (blank, "empty"),
        "binary": (binary, "binary"),
        "header_only": (header_only, "no rows"),
        "missing_column": (no_source, "source"),
        "no_place_columns": (no_place, "municipality"),
        "missing_file": (tmp_path / "does-not-exist.csv", "no such file"),
    }


FILE_ERROR_CASES = [
    pytest.param(fmt, kind, id=f"{fmt}-{kind}")
    for fmt in ("native", "auto")
    for kind in (
        "empty",
        "blank",
        "binary",
        "header_only",
        "missing_column",
        "no_place_columns",
        "missing_file",
    )
]


@pytest.mark.parametrize(("fmt", "kind"), FILE_ERROR_CASES)
def test_file_errors_leave_db_unchanged(
    tmp_path: Path, seeded_db: Path, kind: str, fmt: str
) -> None:
    path, fragment = _bad_files(tmp_path)[kind]
    before = count(seeded_db)
    with pytest.raises(FileError) as info:
        imp(path, seeded_db, fmt=fmt)
    message = str(info.value)
    assert fragment in message
    assert str(path.name) in message
    assert count(seeded_db) == before
    assert fetch(seeded_db, "SELECT count(*) AS n FROM imports")["n"][0] == 1


def test_missing_required_column_message_names_it(tmp_path: Path, empty_db: Path) -> None:
    cols = [c for c in COLUMNS if c not in ("event_type", "source")]
    path = write_csv(tmp_path / "cols.csv", [row()], cols)
    with pytest.raises(FileError, match="event_type") as info:
        imp(path, empty_db, fmt="native")
    assert "source" in str(info.value)
    assert count(empty_db) == 0


# --------------------------------------------------------------------------------------------
# One transaction: nothing partial


def test_failure_while_logging_the_import_rolls_back_everything(
    tmp_path: Path, empty_db: Path
) -> None:
    # a database whose import log rejects every entry: the incidents are inserted first, then
    # logging fails, so the whole import must be rolled back
    with store.connect(empty_db) as con:
        con.execute("DROP TABLE imports")
        con.execute(
            "CREATE TABLE imports (imported_at TIMESTAMP, dataset VARCHAR, file VARCHAR, "
            "format VARCHAR, read INTEGER CHECK (read < 0), inserted INTEGER, "
            "duplicates INTEGER, rejected INTEGER)"
        )
    rows = [row(), row(event_date="2022-09-03"), row(event_date="2022-09-04")]
    path = write_csv(tmp_path / "tx.csv", rows)
    with pytest.raises(store_access.DB_ERRORS):
        imp(path, empty_db)
    assert count(empty_db) == 0


def _records(n: int) -> pd.DataFrame:
    now = pd.Timestamp("2024-01-01 00:00:00")
    data = {c: [None] * n for c in RECORD_COLUMNS}
    data.update(
        incident_id=[f"test:{i}" for i in range(n)],
        event_date=[pd.Timestamp("2022-01-01").date()] * n,
        date_precision=["day"] * n,
        event_type=["Battles"] * n,
        assoc_actors=[[] for _ in range(n)],
        fatalities=pd.array([1] * n, dtype="Int32"),
        latitude=[2.93] * n,
        longitude=[-75.28] * n,
        geo_precision=np.array([1] * n, dtype="int16"),
        dept_code=["41"] * n,
        muni_code=["41001"] * n,
        source=["test"] * n,
        dataset=["test"] * n,
        imported_at=[now] * n,
    )
    return pd.DataFrame(data)


def _insert(
    con: duckdb.DuckDBPyConnection,
    db: Path,
    records: pd.DataFrame,
    import_log: dict[str, object] | None = None,
) -> store.InsertResult:
    """As an import stores its records (ingest._import_chunks): staged, inserted and logged in
    one transaction."""
    with store.transaction(con), store.stage(con, db) as staged:
        staged.add(records)
        result = staged.insert()
        if import_log is not None:
            store.log_import(
                con, {**import_log, "inserted": result.inserted, "duplicates": result.duplicates}
            )
    return result


def test_insert_bad_import_log_rolls_back(empty_db: Path) -> None:
    with store.connect(empty_db) as con:
        with pytest.raises(store_access.DB_ERRORS):
            _insert(
                con, empty_db, _records(5), import_log={"dataset": "test", "read": "not-a-number"}
            )
        assert store.count_incidents(con) == 0
        # the connection is still usable and a good insert works afterwards
        result = _insert(con, empty_db, _records(5), import_log={"dataset": "test", "read": 5})
        assert (result.inserted, result.duplicates) == (5, 0)
        assert store.count_incidents(con) == 5


def test_insert_constraint_violation_midway(empty_db: Path) -> None:
    records = _records(6)
    records.loc[4, "fatalities"] = -3  # violates CHECK (fatalities >= 0) in the middle
    with store.connect(empty_db) as con:
        with pytest.raises(store_access.DB_ERRORS):
            _insert(con, empty_db, records)
        assert store.count_incidents(con) == 0


def test_chunked_import_keeps_row_numbers_dedupe_and_atomicity(
    tmp_path: Path, empty_db: Path
) -> None:
    rows = [
        {**row(), "incident_id": "a"},  # row 2
        {**row(event_date="2022-09-03"), "incident_id": "b"},  # row 3
        {**row(fatalities="-1"), "incident_id": "c"},  # row 4: rejected
        {**row(event_date="2022-09-04"), "incident_id": "a"},  # row 5: duplicate of row 2
        {**row(event_type="Picnic"), "incident_id": "d"},  # row 6: rejected
    ]
    path = write_csv(tmp_path / "chunks.csv", rows, ["incident_id", *COLUMNS])
    report = ingest.import_file(path, fmt="native", db=empty_db, chunk_rows=2)
    assert (report.read, report.inserted, report.duplicates, report.rejected) == (5, 2, 1, 2)
    assert [r["row"] for r in read_rejects(report)] == ["4", "6"]

    # a failure after several chunks were inserted leaves nothing behind
    other = tmp_path / "other.duckdb"
    with store.connect(other) as con:
        con.execute("DROP TABLE imports")
        con.execute(
            "CREATE TABLE imports (imported_at TIMESTAMP, dataset VARCHAR, file VARCHAR, "
            "format VARCHAR, read INTEGER CHECK (read < 0), inserted INTEGER, "
            "duplicates INTEGER, rejected INTEGER)"
        )
    with pytest.raises(store_access.DB_ERRORS):
        ingest.import_file(path, fmt="native", db=other, chunk_rows=1)
    assert count(other) == 0


def test_point_wins_over_a_disagreeing_place_name(tmp_path: Path, empty_db: Path) -> None:
    # coordinates in Neiva, municipality column says Medellín: the point decides, with a warning
    rows = [
        row(municipality="Medellín", department="Antioquia"),
        row(municipality="Neiva", event_date="2022-09-03"),
    ]
    report = imp(write_csv(tmp_path / "mismatch.csv", rows), empty_db)
    assert report.inserted == 2
    assert report.warnings.get("place_mismatch") == 1
    assert set(fetch(empty_db)["muni_code"]) == {"41001"}
