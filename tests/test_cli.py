"""The `conflictmap` command line, run as a subprocess: JSON on stdout, one line on stderr."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]

COLUMNS = [
    "incident_id", "event_date", "event_type", "sub_event_type", "actor1", "actor2", "fatalities",
    "latitude", "longitude", "municipality", "department", "geo_precision", "location", "source",
    "source_url", "notes",
]  # fmt: skip
ROWS = [
    ["c1", "2022-09-02", "Explosions/Remote violence", "", "Dagoberto Ramos", "Police", "7",
     "2.93", "-75.28", "", "", "1", "", "Src", "", ""],
    ["c2", "2022-03-15", "Battles", "", "AGC", "Military", "2",
     "", "", "Pitalito", "Huila", "2", "", "Src", "", ""],
    ["c3", "2021-06-01", "Battles", "", "Urabeños", "ELN", "4",
     "", "", "Medellín", "Antioquia", "2", "", "Src", "", ""],
    ["c4", "2023-02-01", "Protests", "", "Protesters", "", "0",
     "7.89", "-72.50", "", "", "1", "", "Src", "", ""],
    ["c5", "2022-12-31", "Battles", "", "Clan del Golfo", "", "",
     "", "", "", "Huila", "3", "", "Src", "", ""],
]  # fmt: skip


def run(
    *args: str, db: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    if db is not None:
        full_env["CONFLICTMAP_DB"] = str(db)
    return subprocess.run(
        [sys.executable, "-m", "conflictmap.cli", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=full_env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def run_many(*calls: tuple[str, ...], db: Path | None = None) -> list[subprocess.CompletedProcess]:
    """Independent commands side by side (each start-up loads the boundaries)."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda args: run(*args, db=db), calls))


def ok_json(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert proc.stdout.strip() == ""
    return lines[0]


def write_csv(path: Path, rows: list[list[str]], columns: list[str] = COLUMNS) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, boundaries) -> tuple[Path, Path, dict]:
    folder = tmp_path_factory.mktemp("cli")
    path = write_csv(folder / "incidents.csv", ROWS)
    db = folder / "cli.duckdb"
    first = ok_json(run("import", str(path), "--format", "native", "--db", str(db)))
    return path, db, first


def test_geodata_counts() -> None:
    out = ok_json(run("geodata"))
    assert out["departments"] == 33
    assert out["municipalities"] == 1122
    by_dept = out["municipalities_by_department"]
    assert by_dept["41"] == 37
    assert by_dept["54"] == 40
    assert len(by_dept) == 33
    assert sum(by_dept.values()) == 1122
    assert "DANE" in out["attribution"]


def test_import_prints_the_contract(imported) -> None:
    _, db, first = imported
    assert {"read", "inserted", "duplicates", "rejected", "rejects_file"} <= set(first)
    assert (first["read"], first["inserted"], first["duplicates"], first["rejected"]) == (
        5,
        5,
        0,
        0,
    )
    assert first["rejects_file"] is None
    assert db.exists()


def test_second_import_inserts_nothing(imported) -> None:
    path, db, _ = imported
    again = ok_json(run("import", str(path), "--format", "native", "--db", str(db)))
    assert (again["read"], again["inserted"], again["duplicates"], again["rejected"]) == (
        5,
        0,
        5,
        0,
    )


def test_import_with_rejects_writes_rejects_file(tmp_path: Path) -> None:
    rows = [ROWS[0], ["bad", "2022-13-01", *ROWS[0][2:]]]
    path = write_csv(tmp_path / "some-bad.csv", rows)
    out = ok_json(run("import", str(path), "--db", str(tmp_path / "r.duckdb")))
    assert (out["read"], out["inserted"], out["rejected"]) == (2, 1, 1)
    rejects = Path(out["rejects_file"])
    assert rejects.is_file()
    assert tmp_path in rejects.parents
    with open(rejects, newline="", encoding="utf-8") as fh:
        [reject] = list(csv.DictReader(fh))
    assert reject["row"] == "3" and reject["incident_id"] == "bad"


def test_import_bad_file_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    db = tmp_path / "bad.duckdb"
    procs = run_many(
        ("import", str(missing), "--db", str(db)), ("import", str(empty), "--db", str(db))
    )
    for path, proc, fragment in zip(
        (missing, empty), procs, ("no such file", "empty"), strict=True
    ):
        line = one_line_error(proc)
        assert line.startswith("conflictmap import:")
        assert path.name in line and fragment in line
    assert not db.exists()  # nothing was opened or created


def test_import_native_without_place_columns_is_one_line(tmp_path: Path) -> None:
    cols = [c for c in COLUMNS if c not in ("latitude", "longitude", "municipality")]
    path = write_csv(
        tmp_path / "noplace.csv",
        [["x1", "2022-01-01", "Battles", "", "ELN", "", "0", "Huila", "3", "", "Src", "", ""]],
        cols,
    )
    line = one_line_error(
        run("import", str(path), "--format", "native", "--db", str(tmp_path / "n.duckdb"))
    )
    assert "municipality" in line


def test_summary_dept_and_dates(imported) -> None:
    _, db, _ = imported
    # the database comes from CONFLICTMAP_DB here
    out = ok_json(
        run("summary", "--dept", "Huila", "--from", "2022-01-01", "--to", "2022-12-31", db=db)
    )
    assert {"incidents", "fatalities", "by_event_type", "by_department", "by_municipality"} <= set(
        out
    )
    # c1 (Neiva, 7), c2 (Pitalito, 2), c5 (Huila only, unknown fatalities)
    assert out["incidents"] == 3
    assert out["fatalities"] == 9
    assert out["by_department"] == {"41": {"name": "Huila", "incidents": 3, "fatalities": 9}}
    assert out["by_municipality"] == {
        "41001": {"name": "Neiva", "incidents": 1, "fatalities": 7},
        "41551": {"name": "Pitalito", "incidents": 1, "fatalities": 2},
    }
    assert out["by_event_type"] == {
        "Battles": {"incidents": 2, "fatalities": 2},
        "Explosions/Remote violence": {"incidents": 1, "fatalities": 7},
    }


def test_summary_actor_alias(imported) -> None:
    _, db, _ = imported
    agc, clan = map(
        ok_json,
        run_many(
            ("summary", "--actor", "AGC", "--db", str(db)),
            ("summary", "--actor", "Clan del Golfo", "--db", str(db)),
        ),
    )
    for out in (agc, clan):
        out.pop("filters", None)  # echoes the name as typed
    assert agc == clan
    assert agc["incidents"] == 3  # c2 (AGC), c3 (Urabeños), c5 (Clan del Golfo)
    assert agc["fatalities"] == 6
    assert set(agc["by_department"]) == {"05", "41"}


def test_summary_ambiguous_municipality(imported) -> None:
    _, db, _ = imported
    proc = run("summary", "--muni", "La Unión", "--db", str(db))
    assert proc.returncode == 2
    line = one_line_error(proc)
    for code in ("05400", "52399", "70400", "76400"):
        assert code in line


def test_summary_bad_filters_are_one_line(imported) -> None:
    _, db, _ = imported
    procs = run_many(
        ("summary", "--from", "2022-13-01", "--db", str(db)),
        ("summary", "--event-type", "Picnic", "--db", str(db)),
    )
    for proc, fragment in zip(procs, ("2022-13-01", "Picnic"), strict=True):
        assert proc.returncode == 2
        line = one_line_error(proc)
        assert line.startswith("conflictmap summary:") and fragment in line


def test_summary_on_missing_db_is_empty(tmp_path: Path) -> None:
    db = tmp_path / "nothing.duckdb"
    out = ok_json(run("summary", "--db", str(db)))
    assert out["incidents"] == 0
    assert out["by_department"] == {}
    assert not db.exists()  # a summary never creates a database


def test_sample_loads_once(tmp_path: Path) -> None:
    """The default sample is real: the 2 seed incidents and the 4,632 UCDP GED events."""
    db = tmp_path / "sample.duckdb"
    first = ok_json(run("sample", "--db", str(db)))
    assert first["loaded"] is True
    assert sum(r["inserted"] for r in first["imports"]) == 2 + 4632
    second = ok_json(run("sample", "--db", str(db)))
    assert second["loaded"] is False
    assert second["imports"] == []
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == 2 + 4632
