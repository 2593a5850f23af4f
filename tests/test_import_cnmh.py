"""The CNMH landmine (MAP/MUSE) case workbook, imported with no flags (built-in layout).

Expected figures come from ../shared/data/README.md and from reading the sheet here with
openpyxl (not the reader the import uses), never from the code under test.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import store_access

from conflictmap import ingest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CNMH = DATA / "cnmh_casos_map_muse_2018.xlsx"
NO_VALUE = {"no aplica", "no identificada", "no identificado", "sin información", ""}


def sheet_rows() -> list[dict[str, object]]:
    book = openpyxl.load_workbook(CNMH, read_only=True, data_only=True)
    values = book["Sheet1"].iter_rows(values_only=True)
    header = [str(c) for c in next(values)]
    out = [dict(zip(header, row, strict=True)) for row in values]
    book.close()
    return [r for r in out if any(v not in (None, "") for v in r.values())]


ROWS = sheet_rows()


def kept(r: dict[str, object]) -> bool:
    """A case the import must store: it has a year and a Colombian department."""
    return int(r["ANNOH"] or 0) != 0 and r["DEPTO_CASO"] != "SIN INFORMACION"


@pytest.fixture(scope="module")
def imported(
    tmp_path_factory: pytest.TempPathFactory, boundaries
) -> tuple[Path, ingest.ImportReport]:
    db = tmp_path_factory.mktemp("cnmh") / "cnmh.duckdb"
    return db, ingest.import_file(CNMH, db=db)


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with store_access.read(db) as con:
        return con.execute(sql, params or []).fetchall()


def by_id(db: Path, columns: str) -> dict[str, tuple]:
    return {
        r[0]: r[1:]
        for r in rows(db, f"SELECT split_part(incident_id, ':', 2), {columns} FROM incidents")
    }


def test_the_sheet_is_what_its_readme_says() -> None:
    assert len(ROWS) == 8962
    assert sum(int(r["NumeroVictimasCaso"]) for r in ROWS) == 9623
    assert sum(1 for r in ROWS if r["ANNOH"] == 0) == 9
    assert sum(1 for r in ROWS if r["MESH"] == 0) == 11
    assert sum(1 for r in ROWS if r["DIAH"] == 0) == 16
    assert sum(1 for r in ROWS if r["DEPTO_CASO"] == "SIN INFORMACION") == 18


def test_every_case_with_a_year_and_a_department_is_stored(imported) -> None:
    db, report = imported
    assert report.format == "layout:cnmh-map-muse"
    assert report.detected["file"].startswith("Excel workbook, sheet 'Sheet1'")
    expected = [r for r in ROWS if kept(r)]
    assert (report.read, report.inserted, report.duplicates) == (len(ROWS), len(expected), 0)
    assert report.rejected == len(ROWS) - len(expected)
    assert set(by_id(db, "1")) == {str(r["IdCaso"]) for r in expected}
    # read = stored + rejected, for the cases and their victims
    victims = sum(int(r["NumeroVictimasCaso"]) for r in ROWS)
    stored = sum(int(r["NumeroVictimasCaso"]) for r in expected)
    assert report.victims == {
        "read": victims,
        "stored": stored,
        "duplicate": 0,
        "rejected": victims - stored,
    }
    assert rows(db, "SELECT sum(victims) FROM incidents") == [(stored,)]


def test_check_figures_huila_and_norte_de_santander(imported) -> None:
    db, _ = imported
    got = dict(
        (d, (n, v))
        for d, n, v in rows(
            db, "SELECT dept_code, count(*), sum(victims) FROM incidents GROUP BY dept_code"
        )
    )
    assert got["41"] == (213, 225)
    assert got["54"] == (608, 669)


def test_rejects_say_why(imported) -> None:
    _, report = imported
    no_year = [r for r in report.rejects if "year" in r.reason]
    assert sorted(r.raw["IdCaso"] for r in no_year) == sorted(
        str(r["IdCaso"]) for r in ROWS if r["ANNOH"] == 0
    )
    assert all("ANNOH" in r.reason and "unknown" in r.reason for r in no_year)
    no_place = [r for r in report.rejects if r not in no_year]
    assert no_place and all("DEPTO_CASO is 'SIN INFORMACION'" in r.reason for r in no_place)
    # spreadsheet rows: the header is row 1
    first = ROWS.index(next(r for r in ROWS if r["ANNOH"] == 0)) + 2
    assert min(r.row for r in no_year) == first


def test_unknown_day_or_month_keeps_the_case_at_month_or_year_precision(imported) -> None:
    db, _ = imported
    stored = by_id(db, "event_date, date_precision")
    checked = Counter()
    for r in ROWS:
        if not kept(r):
            continue
        day, month, year = int(r["DIAH"]), int(r["MESH"]), int(r["ANNOH"])
        if month == 0:
            want = (date(year, 1, 1), "year")
        elif day == 0:
            want = (date(year, month, 1), "month")
        else:
            want = (date(year, month, day), "day")
        assert stored[str(r["IdCaso"])] == want, r
        checked[want[1]] += 1
    assert checked["year"] and checked["month"]


def test_sin_informacion_municipality_keeps_the_department(imported) -> None:
    db, _ = imported
    stored = by_id(db, "dept_code, muni_code, geo_precision")
    cases = [r for r in ROWS if kept(r) and r["MUNINICIO_CASO"] == "SIN INFORMACION"]
    assert cases
    for r in cases:
        dept, muni, precision = stored[str(r["IdCaso"])]
        assert (muni, precision) == (None, 3)
        assert dept is not None


def test_cnmh_place_names(imported) -> None:
    db, _ = imported
    stored = by_id(db, "dept_code, muni_code")
    places = {
        ("BOGOTÁ, D.C.", "BOGOTÁ, D.C."): ("11", "11001"),
        ("QUINDIO", None): ("63", None),  # the department, written without its accent
        ("HUILA", "COLOMBIA"): ("41", "41206"),  # a real municipality called Colombia
        ("SUCRE", "TOLÚ VIEJO"): ("70", "70823"),  # San José de Toluviejo
    }
    for (dept, muni), (dept_code, muni_code) in places.items():
        cases = [
            r
            for r in ROWS
            if kept(r) and r["DEPTO_CASO"] == dept and muni in (None, r["MUNINICIO_CASO"])
        ]
        assert cases, (dept, muni)
        for r in cases:
            got = stored[str(r["IdCaso"])]
            assert got[0] == dept_code
            if muni_code:
                assert got[1] == muni_code


def test_actor1_raw_is_the_group_else_the_class(imported) -> None:
    db, _ = imported
    stored = by_id(db, "actor1_raw")
    for r in ROWS:
        if not kept(r):
            continue
        group = str(r["DESCRIPCION_PRESUNTO_RESPONSABLE1"] or "").strip()
        want = r["PRESUNTO_REPONSABLE1"] if group.casefold() in NO_VALUE else group
        assert stored[str(r["IdCaso"])] == (want,), r["IdCaso"]
    counts = Counter(v for (v,) in stored.values())
    assert counts["FARC"] and counts["ELN"] and counts["Desconocido"] and counts["Guerrilla"]


def test_event_type_and_sub_types(imported) -> None:
    db, _ = imported
    assert rows(db, "SELECT DISTINCT event_type FROM incidents") == [
        ("Explosions/Remote violence",)
    ]
    sub = dict(rows(db, "SELECT event_type_original, min(sub_event_type) FROM incidents "
                        "GROUP BY 1"))  # fmt: skip
    assert sub["Atentado por MAP"] == "Landmine"
    assert sub["Afectación por MUSE"] == "Unexploded ordnance"
    assert sub["Sin Información"] == "Landmine or unexploded ordnance"
