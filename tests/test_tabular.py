"""Any table an analyst has: encodings, separators, workbooks, sheets, date forms.

Every file is made here (tmp_path); the expected stored values are written out by hand.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conflictmap import dates, ingest
from conflictmap.importers import layout as layouts
from conflictmap.importers import tabular
from conflictmap.importers.csvfile import FileError
from conflictmap.importers.layout import Layout, LayoutError

HEADER = ["Fecha", "Departamento", "Municipio", "Víctimas", "Presunto responsable", "Observación"]
ROWS = [
    ["02/09/2022", "Huila", "Neiva", "3", "ELN", "Ataque en zona rural"],
    ["15/03/2022", "NARIÑO", "Tumaco", "2", "Disidencias", "Explosión cerca de la vía"],
    ["01/06/2021", "Antioquia", "MEDELLIN", "1", "", "Señal: ñandú, pingüino"],
]
# by hand: day first (15/03 has a day above 12); Medellín found without its accent
EXPECTED = [
    (date(2021, 6, 1), "05", "05001", 1, "", "Señal: ñandú, pingüino"),
    (date(2022, 3, 15), "52", "52835", 2, "Disidencias", "Explosión cerca de la vía"),
    (date(2022, 9, 2), "41", "41001", 3, "ELN", "Ataque en zona rural"),
]
LAYOUT = Layout(
    name="prueba",
    columns={
        "event_date": "Fecha",
        "dept": "Departamento",
        "muni": "Municipio",
        "victims": "Víctimas",
        "actor1": "Presunto responsable",
        "notes": "Observación",
    },
    constants={"event_type": "Violence against civilians", "source": "Prueba"},
)
STORED = (
    "SELECT event_date, dept_code, muni_code, victims, actor1_raw, notes FROM incidents "
    "ORDER BY event_date"
)
EVERYTHING = "SELECT * EXCLUDE (imported_at) FROM incidents ORDER BY incident_id"


def write(path: Path, rows: list[list[str]], *, sep: str = ",", encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\n").writerows([HEADER, *rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def fetch(db: Path, sql: str = STORED) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def imp(path: Path, db: Path, **kwargs) -> ingest.ImportReport:
    kwargs.setdefault("layout", LAYOUT)
    return ingest.import_file(path, db=db, dataset="twin", **kwargs)


# ---- encodings and separators ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "sep", "found"),
    [
        ("latin-1", ";", ("charset-normalizer", "semicolon-separated")),
        ("cp1252", ";", ("charset-normalizer", "semicolon-separated")),
        ("utf-16", "\t", ("UTF-16 (from its byte-order mark)", "tab-separated")),
        ("utf-16-le", "\t", ("UTF-16 LE (every other byte is zero)", "tab-separated")),
        ("utf-8-sig", ",", ("UTF-8 with BOM (from its byte-order mark)", "comma-separated")),
        ("utf-8", "|", ("UTF-8 (the whole file is valid UTF-8)", "vertical bar-separated")),
    ],
)
def test_every_encoding_imports_as_its_utf8_twin(
    tmp_path: Path, boundaries, encoding: str, sep: str, found: tuple[str, str]
) -> None:
    twin_db, db = tmp_path / "twin.duckdb", tmp_path / "other.duckdb"
    twin = imp(write(tmp_path / "twin.csv", ROWS), twin_db)
    report = imp(write(tmp_path / "other.csv", ROWS, sep=sep, encoding=encoding), db)
    assert (report.read, report.inserted, report.rejected) == (3, 3, 0)
    assert fetch(db) == EXPECTED
    assert fetch(db, EVERYTHING) == fetch(twin_db, EVERYTHING)  # same ids, same originals
    assert all(part in report.detected["file"] for part in found)
    assert twin.detected["file"] == "CSV, UTF-8 (the whole file is valid UTF-8), comma-separated"


def test_bom_is_not_part_of_the_first_column_name(tmp_path: Path) -> None:
    table = tabular.read_table(write(tmp_path / "bom.csv", ROWS, encoding="utf-8-sig"))
    assert table.columns[0] == "Fecha"
    assert table.info.encoding == "utf-8-sig"


def test_a_native_file_in_utf16_is_no_longer_binary(tmp_path: Path, empty_db: Path) -> None:
    text = (
        "event_date,event_type,actor1,fatalities,municipality,department,source\n"
        "2022-09-02,Battles,ELN,2,Neiva,Huila,Prensa\n"
    )
    path = tmp_path / "native16.csv"
    path.write_bytes(text.encode("utf-16"))
    report = ingest.import_file(path, db=empty_db)
    assert (report.format, report.inserted) == ("native", 1)
    assert "UTF-16" in report.detected["file"]
    assert fetch(empty_db, "SELECT muni_code, fatalities FROM incidents") == [("41001", 2)]


def test_a_big_utf8_native_csv_still_streams(tmp_path: Path, empty_db: Path) -> None:
    text = "event_date,event_type,actor1,fatalities,municipality,department,source\n" + "".join(
        f"2022-09-{d:02d},Battles,ELN,1,Neiva,Huila,Prensa\n" for d in range(1, 11)
    )
    path = tmp_path / "native.csv"
    path.write_text(text, encoding="utf-8")
    seen: list[int] = []
    report = ingest.import_file(path, db=empty_db, chunk_rows=4, progress=seen.append)
    assert seen == [4, 8, 10]  # in chunks, as before
    assert report.detected["file"] == "CSV, UTF-8, comma-separated"


def test_binary_and_empty_files_still_say_so(tmp_path: Path, empty_db: Path) -> None:
    png = tmp_path / "map.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
    with pytest.raises(FileError, match="binary"):
        ingest.import_file(png, db=empty_db, layout=LAYOUT)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(FileError, match="empty"):
        ingest.import_file(empty, db=empty_db, layout=LAYOUT)
    assert not empty_db.exists()


# ---- workbooks ----------------------------------------------------------------------------


def _frame() -> pd.DataFrame:
    """The rows as a spreadsheet holds them: dates as dates, codes as numbers (Excel drops
    Medellín's leading zero: 5001)."""
    return pd.DataFrame(
        {
            "Fecha": [datetime(2022, 9, 2), datetime(2022, 3, 15), datetime(2021, 6, 1)],
            "Departamento": ["Huila", "NARIÑO", "Antioquia"],
            "Municipio": [41001, 52835, 5001],
            "Víctimas": [3, 2, 1],
            "Presunto responsable": ["ELN", "Disidencias", None],
            "Observación": [r[5] for r in ROWS],
        }
    )


def _workbook(
    path: Path, sheets: dict[str, pd.DataFrame | None], engine: str, *, title: bool = False
) -> Path:
    with pd.ExcelWriter(path, engine=engine) as writer:
        for name, frame in sheets.items():
            if frame is None:  # an empty sheet
                pd.DataFrame().to_excel(writer, sheet_name=name, index=False)
                continue
            if title:  # a title and an empty row above the table, as many exports have
                pd.DataFrame([["Casos registrados"]]).to_excel(
                    writer, sheet_name=name, index=False, header=False
                )
            frame.to_excel(writer, sheet_name=name, index=False, startrow=2 if title else 0)
    return path


@pytest.mark.parametrize(
    ("suffix", "engine", "described"),
    [
        ("xlsx", "openpyxl", "Excel workbook, sheet 'Datos' (2 of 2)"),
        ("ods", "odf", "OpenDocument spreadsheet, sheet 'Datos' (2 of 2)"),
    ],
)
def test_workbook_first_sheet_with_data_by_default(
    tmp_path: Path, empty_db: Path, suffix: str, engine: str, described: str
) -> None:
    path = _workbook(tmp_path / f"casos.{suffix}", {"Notas": None, "Datos": _frame()}, engine)
    report = imp(path, empty_db)
    assert (report.read, report.inserted, report.rejected) == (3, 3, 0)
    assert fetch(empty_db) == EXPECTED
    assert report.detected["file"] == described


def test_title_rows_above_the_header_are_skipped(tmp_path: Path, empty_db: Path) -> None:
    frame = _frame().astype({"Víctimas": object})
    frame.loc[1, "Víctimas"] = "varias"
    path = _workbook(tmp_path / "titulo.xlsx", {"Datos": frame}, "openpyxl", title=True)
    table = tabular.read_table(path)
    assert table.columns == HEADER
    # rows are numbered as the spreadsheet shows them: the header is on row 3
    assert (table.info.header_row, table.first_row) == (3, 4)
    assert table.info.describe().endswith("header on row 3")
    report = imp(path, empty_db)
    assert [(r.row, r.reason) for r in report.rejects] == [(5, "Víctimas 'varias' is not a number")]


@pytest.mark.parametrize(("suffix", "engine"), [("xlsx", "openpyxl"), ("ods", "odf")])
def test_workbook_sheet_chosen_by_name_or_number(
    tmp_path: Path, boundaries, suffix: str, engine: str
) -> None:
    older = _frame().iloc[2:]  # 2021 only
    path = _workbook(
        tmp_path / f"anos.{suffix}", {"2021": older, "2022": _frame().iloc[:2]}, engine
    )
    for sheet, want in ((None, EXPECTED[:1]), ("2022", EXPECTED[1:]), (2, EXPECTED[1:]),
                        ("1", EXPECTED[:1])):  # fmt: skip
        db = tmp_path / f"{sheet}.duckdb"
        imp(path, db, sheet=sheet)
        assert fetch(db) == want, sheet
    with pytest.raises(FileError, match=r"no sheet 'Hoja9' \(the sheets are 1: 2021, 2: 2022\)"):
        imp(path, tmp_path / "none.duckdb", sheet="Hoja9")
    assert not (tmp_path / "none.duckdb").exists()


def test_sheet_on_a_text_file_is_an_error(tmp_path: Path, empty_db: Path) -> None:
    with pytest.raises(FileError, match="--sheet applies to workbooks"):
        imp(write(tmp_path / "a.csv", ROWS), empty_db, sheet="Datos")


# ---- dates ----------------------------------------------------------------------------------


def _dated(tmp_path: Path, name: str, days: list[str]) -> Path:
    rows = [[d, "Huila", "Neiva", "1", "ELN", f"caso {i}"] for i, d in enumerate(days)]
    return write(tmp_path / name, rows)


def test_day_month_order_is_decided_from_the_whole_column(tmp_path: Path, boundaries) -> None:
    # 03/04/2022 alone reads either way; the last row of each file decides for all
    day_first = _dated(tmp_path, "dmy.csv", ["03/04/2022", "05/06/2022", "25/04/2022"])
    month_first = _dated(tmp_path, "mdy.csv", ["03/04/2022", "05/06/2022", "04/25/2022"])
    got = {}
    for path in (day_first, month_first):
        db = tmp_path / f"{path.stem}.duckdb"
        report = imp(path, db)
        got[path.stem] = [d for (d, *_rest) in fetch(db, "SELECT event_date FROM incidents "
                                                          "ORDER BY notes")]  # fmt: skip
        assert "date_order_assumed" not in report.warnings
    assert got["dmy"] == [date(2022, 4, 3), date(2022, 6, 5), date(2022, 4, 25)]
    assert got["mdy"] == [date(2022, 3, 4), date(2022, 5, 6), date(2022, 4, 25)]


def test_a_column_that_reads_both_ways_is_day_first_and_said(tmp_path: Path, empty_db) -> None:
    report = imp(_dated(tmp_path, "both.csv", ["03/04/2022", "05/06/2022"]), empty_db)
    assert report.warnings["date_order_assumed"] == 1
    assert report.detected["date_order"].startswith("DD/MM/YYYY")
    assert fetch(empty_db, "SELECT min(event_date) FROM incidents") == [(date(2022, 4, 3),)]
    # the layout can say otherwise
    other = tmp_path / "other.duckdb"
    imp(tmp_path / "both.csv", other, layout=dataclasses.replace(LAYOUT, date_order="mdy"))
    assert fetch(other, "SELECT min(event_date) FROM incidents") == [(date(2022, 3, 4),)]


def test_a_column_mixing_both_orders_is_refused_whole(tmp_path: Path, empty_db: Path) -> None:
    path = _dated(tmp_path, "mixed.csv", ["25/04/2022", "04/26/2022"])
    with pytest.raises(LayoutError, match=r"'25/04/2022' is day first, '04/26/2022' month first"):
        imp(path, empty_db)
    assert not empty_db.exists()


def test_us_portal_dates_with_times(tmp_path: Path, empty_db: Path) -> None:
    path = _dated(tmp_path, "us.csv", ["09/02/2022 12:00:00 AM", "01/03/2022 12:00:00 AM"])
    report = imp(path, empty_db)  # AM/PM and nothing above 12: the portal's month-first form
    assert report.detected["date_order"].startswith("MM/DD/YYYY")
    assert sorted(d for (d,) in fetch(empty_db, "SELECT event_date FROM incidents")) == [
        date(2022, 1, 3),
        date(2022, 9, 2),
    ]


def test_spanish_month_names_and_periods(tmp_path: Path, empty_db: Path) -> None:
    days = ["2 de septiembre de 2022", "15-mar-2021", "enero de 2020", "Sept. 2019", "2018",
            "1 Dic 2017", "2016-05"]  # fmt: skip
    imp(_dated(tmp_path, "es.csv", days), empty_db)
    got = fetch(empty_db, "SELECT event_date, date_precision FROM incidents ORDER BY notes")
    assert got == [
        (date(2022, 9, 2), "day"),
        (date(2021, 3, 15), "day"),
        (date(2020, 1, 1), "month"),
        (date(2019, 9, 1), "month"),
        (date(2018, 1, 1), "year"),
        (date(2017, 12, 1), "day"),
        (date(2016, 5, 1), "month"),
    ]


def test_day_month_year_columns_with_zeros(tmp_path: Path, empty_db: Path) -> None:
    header = ["Dia", "Mes", "Año", "Departamento", "Municipio"]
    rows = [
        ["5", "3", "2010", "Huila", "Neiva"],  # day
        ["0", "3", "2010", "Huila", "Neiva"],  # month: 2010-03-01
        ["0", "0", "2011", "Huila", "Neiva"],  # year: 2011-01-01
        ["7", "0", "2012", "Huila", "Neiva"],  # no month: year
        ["", "", "2013", "Huila", "Neiva"],  # empty is unknown too
        ["1", "1", "0", "Huila", "Neiva"],  # no year: rejected
        ["31", "4", "2010", "Huila", "Neiva"],  # no such day: rejected
    ]
    path = tmp_path / "partes.csv"
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    proposed = layouts.propose(header, name="partes", source="Prueba")
    assert {k: v[0] for k, v in proposed.columns.items()} == {
        "day": "Dia", "month": "Mes", "year": "Año", "dept": "Departamento", "muni": "Municipio"
    }  # fmt: skip
    mapping = dataclasses.replace(
        proposed, constants={**proposed.constants, "event_type": "Battles"}
    )
    report = ingest.import_file(path, db=empty_db, layout=mapping)
    assert (report.read, report.inserted, report.rejected) == (7, 5, 2)
    assert sorted(fetch(empty_db, "SELECT event_date, date_precision FROM incidents")) == [
        (date(2010, 3, 1), "month"),
        (date(2010, 3, 5), "day"),
        (date(2011, 1, 1), "year"),
        (date(2012, 1, 1), "year"),
        (date(2013, 1, 1), "year"),
    ]
    reasons = {r.row: r.reason for r in report.rejects}
    assert reasons[7] == (
        "Dia/Mes/Año '1/1/0': the year is '0' (unknown): a case needs at least its year"
    )
    assert reasons[8] == "Dia/Mes/Año '31/4/2010': day 31 does not exist in 2010-04"


@pytest.mark.parametrize(
    ("text", "order", "want"),
    [
        ("2022-09-02", "dmy", (date(2022, 9, 2), "day")),
        ("02/09/2022", "dmy", (date(2022, 9, 2), "day")),
        ("02/09/2022", "mdy", (date(2022, 2, 9), "day")),
        ("09/02/2022 12:00:00 AM", "mdy", (date(2022, 9, 2), "day")),
        ("2.9.22", "dmy", (date(2022, 9, 2), "day")),
        ("2022/09/02", "mdy", (date(2022, 9, 2), "day")),
        ("September 2, 2022", "dmy", (date(2022, 9, 2), "day")),
        ("2 de Septiembre del 2022", "dmy", (date(2022, 9, 2), "day")),
        ("02-SEP-2022", "dmy", (date(2022, 9, 2), "day")),
        ("setiembre 2022", "dmy", (date(2022, 9, 1), "month")),
        ("1999", "dmy", (date(1999, 1, 1), "year")),
    ],
)
def test_event_day_forms(text: str, order: str, want: tuple[date, str]) -> None:
    assert dates.parse_event_day(text, order=order) == want


@pytest.mark.parametrize("text", ["31/02/2022", "13/13/2022", "2 de brumario de 2022", "ayer"])
def test_event_day_refuses_what_is_no_date(text: str) -> None:
    with pytest.raises(dates.DateError, match="bad FECHA"):
        dates.parse_event_day(text, field="FECHA")


def test_strict_parse_day_is_unchanged() -> None:
    with pytest.raises(dates.DateError):
        dates.parse_day("02/09/2022")  # the native/ACLED forms stay strict
    with pytest.raises(dates.DateError):
        dates.parse_day("2 de septiembre de 2022")
