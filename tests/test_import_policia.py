"""The Policía Nacional's massacre export (datos.gov.co), imported with no flags.

Expected figures come from ../shared/data/README.md (the publisher's own totals and the check
figures) and from reading the CSV here with Python's csv module, never from the code under
test.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import store_access

from conflictmap import ingest, store

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
POLICIA = DATA / "policia_masacres_2022_2025.csv"


def file_rows() -> list[dict[str, str]]:
    with POLICIA.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def imported(
    tmp_path_factory: pytest.TempPathFactory, boundaries
) -> tuple[Path, ingest.ImportReport]:
    db = tmp_path_factory.mktemp("policia") / "policia.duckdb"
    return db, ingest.import_file(POLICIA, db=db)


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with store_access.read(db) as con:
        return con.execute(sql, params or []).fetchall()


def test_the_file_is_what_its_readme_says() -> None:
    records = file_rows()
    assert len(records) == 301
    assert sum(int(r["VICTIMAS"]) for r in records) == 1050
    by_year = Counter()
    for r in records:
        by_year[r["FECHA HECHO"][6:10]] += int(r["VICTIMAS"])
    assert by_year == {"2022": 340, "2023": 333, "2024": 302, "2025": 75}


def test_no_flags_every_case_and_victim_stored(imported) -> None:
    db, report = imported
    assert report.format == "layout:policia-masacres"
    assert report.detected["layout"] == "policia-masacres"
    assert report.detected["date_order"].startswith("MM/DD/YYYY")
    assert "UTF-8" in report.detected["file"]
    assert (report.read, report.inserted, report.duplicates, report.rejected) == (301, 301, 0, 0)
    assert rows(db, "SELECT count(*), sum(victims), sum(fatalities) FROM incidents") == [
        (301, 1050, 1050)  # the victims of a massacre are the people killed
    ]
    assert report.victims == {"read": 1050, "stored": 1050, "duplicate": 0, "rejected": 0}
    assert report.fatalities == {"read": 1050, "stored": 1050, "duplicate": 0, "rejected": 0}
    assert rows(db, "SELECT DISTINCT event_type, sub_event_type FROM incidents") == [
        ("Violence against civilians", "Massacre")
    ]
    assert rows(db, "SELECT min(event_date), max(event_date) FROM incidents") == [
        (date(2022, 1, 2), date(2025, 4, 28))  # README: 2022-01-02 .. 2025-04-28
    ]


def test_check_figures_by_department_and_cucuta(imported) -> None:
    db, _ = imported
    by_dept = {
        d: (n, v)
        for d, n, v in rows(
            db, "SELECT dept_code, count(*), sum(victims) FROM incidents GROUP BY dept_code"
        )
    }
    assert by_dept["41"] == (7, 28)  # Huila
    assert by_dept["54"] == (16, 60)  # Norte de Santander
    assert rows(db, "SELECT count(*) FROM incidents WHERE muni_code = '54001'") == [(8,)]
    # every case at its municipality, as the file's DANE codes say
    expected = Counter(r["COD_MUNI"] for r in file_rows())
    stored = dict(rows(db, "SELECT muni_code, count(*) FROM incidents GROUP BY muni_code"))
    assert stored == dict(expected)
    assert rows(db, "SELECT DISTINCT geo_precision, date_precision FROM incidents") == [(2, "day")]


def test_bogota_and_leading_zeros(imported) -> None:
    db, _ = imported
    bogota = [r for r in file_rows() if r["COD_MUNI"] == "11001"]
    assert bogota and bogota[0]["DEPARTAMENTO"] == "BOGOTA D.C."
    assert rows(db, "SELECT count(*) FROM incidents WHERE muni_code = '11001'") == [(len(bogota),)]
    antioquia = [r for r in file_rows() if r["COD_DEPTO"] == "05"]
    assert rows(db, "SELECT count(*) FROM incidents WHERE dept_code = '05'") == [(len(antioquia),)]


def test_the_repeated_landazuri_line_is_stored_twice_and_reported(imported) -> None:
    db, report = imported
    line = "09/11/2022 12:00:00 AM,68,SANTANDER,68385,LANDAZURI,,1,4"
    assert POLICIA.read_text(encoding="utf-8").splitlines().count(line) == 2
    got = rows(
        db,
        "SELECT incident_id, victims FROM incidents WHERE muni_code = '68385' "
        "AND event_date = DATE '2022-09-11' ORDER BY incident_id",
    )
    assert [v for _, v in got] == [4, 4]
    first, second = sorted(i for i, _ in got)
    assert second == first + "-2"  # a distinct, stable id: the row's hash and its occurrence
    assert report.warnings.get("repeated_rows") == 1


def test_reimport_is_all_duplicates(imported, tmp_path: Path) -> None:
    db, _ = imported
    copy = tmp_path / "again.duckdb"
    if store.is_postgres(copy):  # no file to copy: the same rows, imported first
        ingest.import_file(POLICIA, db=copy)
    else:
        copy.write_bytes(db.read_bytes())
    again = ingest.import_file(POLICIA, db=copy)
    assert (again.read, again.inserted, again.duplicates, again.rejected) == (301, 0, 301, 0)
    assert again.victims == {"read": 1050, "stored": 0, "duplicate": 1050, "rejected": 0}


def test_drop_repeats_stores_the_repeat_once(empty_db: Path) -> None:
    report = ingest.import_file(POLICIA, db=empty_db, drop_repeats=True)
    assert (report.read, report.inserted, report.duplicates, report.rejected) == (301, 300, 1, 0)
    assert report.victims == {"read": 1050, "stored": 1046, "duplicate": 4, "rejected": 0}
    with store.connect(empty_db, read_only=True) as con:
        assert con.execute("SELECT sum(victims) FROM incidents").fetchall() == [(1046,)]


def test_cli_imports_it_with_no_flags(tmp_path: Path, boundaries) -> None:
    db = tmp_path / "cli.duckdb"
    result = subprocess.run(
        [
            sys.executable, "-m", "conflictmap.cli", "import", str(POLICIA),
            "--db", str(store.resolve_db(db)),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=dict(os.environ),
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["read"], out["inserted"], out["rejected"]) == (301, 301, 0)
    assert out["format"] == "layout:policia-masacres"
    assert out["victims"]["stored"] == 1050
    assert "warning: repeated rows: 1 (" in result.stderr  # the warning line, with its count
