"""The Data page imports spreadsheets of any shape (issue 21): the two real Colombian files
through their built-in layouts with no hand editing, and an unknown table through a mapping
made on the page, saved, and reused by the CLI.

Expected figures: the publishers' own totals as ../shared/data/README.md gives them (checked
there with Python's csv module on the files), and plain SQL on the stored rows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import store_access
from streamlit.testing.v1 import AppTest

from conflictmap import cli

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
POLICIA = DATA / "policia_masacres_2022_2025.csv"
CNMH = DATA / "cnmh_casos_map_muse_2018.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture()
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boundaries) -> Path:  # noqa: ARG001
    path = tmp_path / "layouts.duckdb"
    monkeypatch.setenv("CONFLICTMAP_DB", str(path))
    return path


def page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "1_Data.py"), default_timeout=300)
    at.run()
    return at


def sql(db: Path, query: str) -> list[tuple]:
    with store_access.read(db) as con:
        return con.execute(query).fetchall()


def _cli(args: list[str]) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(args) == 0
    return out.getvalue()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_policia_export_imports_through_its_built_in_layout(db: Path) -> None:
    at = page()
    at.file_uploader(key="upload").set_value((POLICIA.name, POLICIA.read_bytes(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="import_layout").value == "policia-masacres"
    assert "recognised from the header" in at.selectbox(key="import_layout").format_func(
        "policia-masacres"
    )
    got = metrics(at)
    assert (got["Rows read"], got["Would be inserted"], got["Rejected"]) == ("301", "301", "0")
    at.button(key="import_go").click().run()
    assert not at.exception, at.exception
    assert sql(db, "SELECT count(*), sum(victims) FROM incidents") == [(301, 1050)]
    assert sql(
        db,
        "SELECT dept_code, count(*), sum(victims) FROM incidents "
        "WHERE dept_code IN ('41', '54') GROUP BY 1 ORDER BY 1",
    ) == [("41", 7, 28), ("54", 16, 60)]


def test_cnmh_workbook_imports_through_its_built_in_layout(db: Path) -> None:
    at = page()
    at.file_uploader(key="upload").set_value((CNMH.name, CNMH.read_bytes(), XLSX))
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="import_layout").value == "cnmh-map-muse"
    assert any("Excel workbook, sheet 'Sheet1'" in c.value for c in at.caption)
    got = metrics(at)
    # 8,962 cases; 9 without a year and 15 without a department are rejected (README)
    assert (got["Rows read"], got["Would be inserted"]) == ("8,962", "8,938")
    at.button(key="import_go").click().run()
    assert not at.exception, at.exception
    assert sql(
        db,
        "SELECT dept_code, count(*), sum(victims) FROM incidents "
        "WHERE dept_code IN ('41', '54') GROUP BY 1 ORDER BY 1",
    ) == [("41", 213, 225), ("54", 608, 669)]
    # the summary counts victims where the source does (README: Huila 213 cases, 225 victims)
    summary = json.loads(_cli(["summary", "--db", str(db), "--dept", "41"]))
    assert (summary["incidents"], summary["victims"], summary["victims_known"]) == (213, 225, 213)
    # every actor resolves to a registry group or class (issue 20)
    from conflictmap.actors import default_registry

    names = {r[0] for r in sql(db, "SELECT DISTINCT actor FROM incident_actors")}
    assert names and all(default_registry().canonical(n) for n in names), names


def test_an_unknown_table_is_mapped_on_the_page_saved_and_reused_by_the_cli(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a newsroom's own sheet: Spanish headers, semicolons, Latin-1, no event type or source
    text = (
        "Fecha;Departamento;Municipio;Muertos;Presunto responsable\n"
        "02/09/2022;HUILA;NEIVA;7;Disidencias de las Farc\n"
        "15/01/2023;NORTE DE SANTANDER;CÚCUTA;2;Eln\n"
        "03/03/2023;ANTIOQUIA;MEDELLÍN;1;Clan del Golfo\n"
    )
    at = page()
    at.file_uploader(key="upload").set_value(("sala.csv", text.encode("cp1252"), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="import_layout").value == ""  # no layout fits: map by hand
    assert any("semicolon" in c.value for c in at.caption)
    # the proposal maps the Spanish headers; the page asks for what the file lacks
    mapping = at.data_editor[0].value.set_index("field")["Column"].to_dict()
    assert mapping["event_date"] == "Fecha"
    assert mapping["dept"] == "Departamento"
    assert mapping["muni"] == "Municipio"
    assert mapping["fatalities"] == "Muertos"
    assert mapping["actor1"] == "Presunto responsable"
    assert any("event type" in w.value for w in at.warning)
    at.selectbox(key="const_event_type").select("Battles")
    # the source defaults to the file's name (the proposal's constant)
    assert "source" not in mapping or not mapping["source"]
    at.text_input(key="layout_name").input("sala-conflicto")
    at.run()
    assert not at.exception, at.exception
    assert not at.warning, [w.value for w in at.warning]
    preview = next(d.value for d in at.dataframe if "muni_code" in d.value.columns)
    assert preview["muni_code"].tolist() == ["41001", "54001", "05001"]
    assert preview["actor1"].tolist() == ["FARC dissidents", "ELN", "Clan del Golfo"]
    at.button(key="layout_save").click().run()
    assert not at.exception, at.exception
    saved = re.sub(r"\\(.)", r"\1", " ".join(s.value for s in at.success))  # Markdown escapes
    assert "Saved the layout “sala-conflicto”" in saved

    # the CLI reads the next file with the saved layout (by name), same header
    later = tmp_path / "sala2.csv"
    later.write_bytes(
        "Fecha;Departamento;Municipio;Muertos;Presunto responsable\n"
        "05/05/2024;HUILA;PITALITO;3;Eln\n".encode("cp1252")
    )
    capsys.readouterr()
    assert cli.main(["import", str(later), "--layout", "sala-conflicto", "--db", str(db)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["inserted"] == 1
    assert sql(db, "SELECT muni_code, fatalities, event_type, source, actor1 FROM incidents") == [
        ("41551", 3, "Battles", "sala", "ELN")
    ]
