"""Actors since 1958 end to end (issue 20): Spanish and historical spellings stored, dated
membership and class filters through the CLI, the unresolved-names workflow and its hand
mappings across re-imports, and the real UCDP file with no unresolved name.

Every expected count below is read off the rows of this file by hand (the comment on each row
says which filters it must match), not computed by the code under test.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import store_access

from conflictmap import cli, data_admin, ingest, sample

COLUMNS = ["event_date", "event_type", "source", "latitude", "longitude", "actor1", "actor2",
           "fatalities"]  # fmt: skip
NEIVA = ("2.93", "-75.28")
ROWS = [
    # 1: ACCU before it joined the AUC (April 1997): ACCU, class paramilitary, NOT AUC
    ["1995-06-01", "Autodefensas Campesinas de Córdoba y Urabá (ACCU)", "Civiles"],
    # 2: ACCU inside the AUC: ACCU, AUC, paramilitary
    ["1999-06-01", "accu", "Civiles"],
    # 3: an AUC bloc, Spanish sentence case: Bloque Central Bolívar, AUC, paramilitary
    ["2001-03-01", "Bloque central bolívar", "Civiles"],
    # 4: two guerrillas in one cell: FARC-EP and ELN, guerrilla
    ["1998-02-01", "Farc/eln", "Ejército Nacional"],
    # 5: long name + acronym: AUC, paramilitary
    ["2003-05-01", "Autodefensas unidas de colombia auc", "Civiles"],
    # 6: only a class: the unnamed paramilitaries (paramilitary, not AUC)
    ["2010-01-01", "Grupo paramilitar", "Civiles"],
    # 7: a name nobody knows: unresolved
    ["2012-01-01", "Los Invisibles del Sur", "Civiles"],
    # 8: UCDP's EPL remnant: Los Pelusos, EPL, guerrilla
    ["2016-01-01", "EPL - Megateo", "Ejército Nacional"],
    # 9: a renaming: Clan del Golfo
    ["2020-01-01", "AGC ahora EGC", "Civiles"],
    # 10: a state agent with paramilitaries: state forces and unnamed paramilitaries
    ["2015-01-01", "Agente del estado - grupo paramilitar", "Civiles"],
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for day, actor1, actor2 in rows:
            writer.writerow([day, "Battles", "Test", *NEIVA, actor1, actor2, "1"])
    return path


@pytest.fixture()
def db(tmp_path: Path, boundaries) -> Path:
    db = tmp_path / "actors.duckdb"
    report = ingest.import_file(write_csv(tmp_path / "a.csv", ROWS), fmt="native", db=db)
    assert (report.inserted, report.rejected) == (10, 0), report.rejects
    return db


def count(db: Path, *actors: str, capsys: pytest.CaptureFixture[str]) -> int:
    capsys.readouterr()
    args = ["summary", "--db", str(db)]
    for actor in actors:
        args += ["--actor", actor]
    assert cli.main(args) == 0
    return int(json.loads(capsys.readouterr().out)["incidents"])


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert cli.main(args) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("AUC", 3),  # rows 2, 3, 5: not the 1995 ACCU row, not the unnamed paramilitaries
        ("ACCU", 2),  # rows 1, 2: a group selected itself counts on every date
        ("Bloque Central Bolívar", 1),
        ("class:paramilitary", 6),  # rows 1, 2, 3, 5, 6, 10
        ("FARC", 1),  # row 4, typed as the acronym
        ("Farc-ep", 1),
        ("ELN", 1),  # row 4 (second actor of the cell)
        ("EPL", 1),  # row 8
        ("Urabeños", 1),  # row 9 typed as an alias
        ("class:guerrilla", 2),  # rows 4, 8
        ("class:state", 3),  # rows 4, 8 (Ejército Nacional), 10
        ("class:civilians", 8),  # rows 1, 2, 3, 5, 6, 7, 9, 10 name "Civiles"
    ],
)
def test_filters_by_group_member_dates_and_class(
    db: Path, actor: str, expected: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert count(db, actor, capsys=capsys) == expected


def test_the_cells_are_stored_as_their_actors(db: Path) -> None:
    with store_access.read(db) as con:
        stored = dict(
            con.execute(
                "SELECT actor1_raw, ARRAY[actor1, actor2] || assoc_actors FROM incidents"
            ).fetchall()
        )
    assert stored["Farc/eln"] == ["FARC-EP", "Army", "ELN"]
    assert stored["Autodefensas unidas de colombia auc"] == ["AUC", "Civilians"]
    assert stored["EPL - Megateo"] == ["Los Pelusos", "Army"]
    assert stored["AGC ahora EGC"] == ["Clan del Golfo", "Civilians"]
    assert stored["Agente del estado - grupo paramilitar"] == [
        "State forces",
        "Civilians",
        "Unidentified paramilitary group",
    ]
    assert stored["Los Invisibles del Sur"] == ["Los Invisibles del Sur", "Civilians"]


def test_import_report_counts_resolution_and_lists_the_unresolved(
    tmp_path: Path, boundaries
) -> None:
    report = ingest.import_file(
        write_csv(tmp_path / "a.csv", ROWS), fmt="native", db=tmp_path / "r.duckdb"
    )
    assert report.actors is not None
    assert report.actors.unresolved == {"Los Invisibles del Sur": 1}
    assert report.actors.hand == 0
    # the distinct spellings that resolve (a spelling is counted once, whatever its case):
    # "Autodefensas Campesinas de Córdoba y Urabá (ACCU)", "accu", "Bloque central bolívar",
    # "Farc", "eln", "Autodefensas unidas de colombia auc", "Grupo paramilitar", "EPL - Megateo",
    # "AGC ahora EGC", "Agente del estado", "grupo paramilitar" (same key as "Grupo
    # paramilitar"), "Civiles", "Ejército Nacional"
    assert report.actors.registry == 12
    assert report.as_json()["actors"]["unresolved"] == 1


def test_unresolved_names_mapped_by_hand_now_and_on_reimport(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = run(["actors", "unresolved", "--db", str(db)], capsys)
    assert listed["unresolved"] == [
        {"name": "Los Invisibles del Sur", "incidents": 1, "filed_under": None}
    ]
    assert count(db, "Clan del Golfo", capsys=capsys) == 1
    mapped = run(
        ["actors", "map", "Los Invisibles del Sur", "--to", "Urabeños", "--db", str(db)], capsys
    )
    assert mapped == {
        "name": "Los Invisibles del Sur",
        "to": "Clan del Golfo",
        "incidents_changed": 1,
    }
    assert count(db, "Clan del Golfo", capsys=capsys) == 2
    assert run(["actors", "unresolved", "--db", str(db)], capsys)["unresolved"] == []
    assert run(["actors", "unresolved", "--db", str(db)], capsys)["resolved_by_hand"] == 1

    # a later file writing the name in another case resolves at import
    later = write_csv(tmp_path / "later.csv", [["2021-05-05", "LOS INVISIBLES DEL SUR", "Civiles"]])
    report = ingest.import_file(later, fmt="native", db=db, dataset="later")
    assert report.actors is not None and report.actors.hand == 1 and not report.actors.unresolved
    assert count(db, "Clan del Golfo", capsys=capsys) == 3

    # the first dataset deleted and imported again: the mapping still holds
    assert data_admin.delete_dataset("a", db) == 10
    again = ingest.import_file(tmp_path / "a.csv", fmt="native", db=db, dataset="a")
    assert again.inserted == 10
    assert count(db, "Clan del Golfo", capsys=capsys) == 3

    # forgetting the mapping makes the names unresolved again (in any case, as written)
    assert run(
        ["actors", "map", "Los Invisibles del Sur", "--remove", "--db", str(db)], capsys
    ) == {
        "removed": "Los Invisibles del Sur",
        "incidents_changed": 2,
    }
    names = {
        u["name"] for u in run(["actors", "unresolved", "--db", str(db)], capsys)["unresolved"]
    }
    assert names == {"Los Invisibles del Sur", "LOS INVISIBLES DEL SUR"}


def test_mapping_to_a_class_and_refusals(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(
        ["actors", "map", "Los Invisibles del Sur", "--to", "class:paramilitary", "--db", str(db)],
        capsys,
    )
    assert count(db, "class:paramilitary", capsys=capsys) == 7
    capsys.readouterr()
    # a name the registry knows cannot be mapped by hand; an unknown target is refused
    assert cli.main(["actors", "map", "Farc", "--to", "ELN", "--db", str(db)]) == 2
    assert "already resolves to 'FARC-EP'" in capsys.readouterr().err
    assert cli.main(["actors", "map", "Grupo Z", "--to", "Los Nadie", "--db", str(db)]) == 2
    assert "not a group or class" in capsys.readouterr().err


def test_ucdp_file_every_actor_resolves(
    tmp_path: Path, boundaries, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "ucdp.duckdb"
    report = ingest.import_file(sample.UCDP_FILE, db=db, dataset="ucdp")
    assert report.actors is not None
    assert report.actors.unresolved == {}
    # the file's 14 distinct side_a/side_b cells (counted with a spreadsheet) all resolve; one,
    # "ELN, FARC", names two groups written alone elsewhere: 13 distinct names
    assert (report.actors.registry, report.actors.hand) == (13, 0)
    assert run(["actors", "unresolved", "--db", str(db)], capsys)["unresolved"] == []
    # "AUC" includes its bloc: 655 AUC rows + 13 Bloque Central Bolívar rows (all 2000-2005,
    # inside its AUC membership); "EPL" includes "EPL - Megateo": 11 + 38
    auc = count(db, "AUC", capsys=capsys)
    assert auc == count(db, "AUC", "Bloque Central Bolívar", capsys=capsys)
    assert count(db, "Bloque Central Bolívar", capsys=capsys) == 13
    assert count(db, "EPL", capsys=capsys) == 11 + 38


def test_data_page_maps_an_unresolved_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boundaries
) -> None:
    from streamlit.testing.v1 import AppTest

    db = tmp_path / "page.duckdb"
    monkeypatch.setenv("CONFLICTMAP_DB", str(db))
    ingest.import_file(write_csv(tmp_path / "a.csv", ROWS), fmt="native", db=db)
    page = AppTest.from_file(str(Path(__file__).parents[1] / "pages" / "1_Data.py"))
    page.run(timeout=120)
    assert not page.exception, page.exception
    tables = [d.value for d in page.dataframe if "filed_under" in d.value.columns]
    assert tables[0]["actor"].tolist() == ["Los Invisibles del Sur"]
    summary = " ".join(m.value for m in page.markdown)
    assert "12 resolved by the actor registry, 0 by hand mappings, 1 unresolved" in summary

    page.selectbox(key="map_name").select("Los Invisibles del Sur")
    page.selectbox(key="map_target").select("class:paramilitary")
    assert page.selectbox(key="map_target").format_func("class:paramilitary") == (
        "Class: Paramilitaries (unnamed)"
    )
    page.button[[b.label for b in page.button].index("Map this name")].click()
    page.run(timeout=120)
    assert not page.exception, page.exception
    assert "1 stored incidents updated" in " ".join(s.value for s in page.success)
    with store_access.read(db) as con:
        assert con.execute(
            "SELECT actor1 FROM incidents WHERE actor1_raw = 'Los Invisibles del Sur'"
        ).fetchall() == [("Unidentified paramilitary group",)]
    page.run(timeout=120)
    assert "Every actor name in the database is known" in " ".join(m.value for m in page.markdown)


def test_dashboard_filters_by_class_and_tells_about_the_group(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CONFLICTMAP_DB", str(db))
    app = AppTest.from_file(str(Path(__file__).parents[1] / "dashboard.py"), default_timeout=120)
    app.query_params["actor"] = "class:paramilitary"
    app.run()
    assert not app.exception, app.exception
    assert {m.label: m.value for m in app.metric}["Incidents"] == "6"  # rows 1, 2, 3, 5, 6, 10
    actors = app.multiselect(key="f_actors")
    assert actors.value == ["class:paramilitary"]
    # classes first in the options, labelled with their incident counts
    assert actors.options[0] == "All guerrillas (class) (2)"
    assert "All paramilitaries (class) (6)" in actors.options
    assert [e.label for e in app.expander if e.label.startswith("About")] == [
        "About All paramilitaries · class"
    ]
    # the sources tab says how the names in view were resolved: rows 1, 2, 3, 5, 6, 10 write
    # 7 distinct resolved spellings (the ACCU long form, "accu", "Bloque central bolívar",
    # "Autodefensas unidas de colombia auc", "Grupo paramilitar" (= "grupo paramilitar"),
    # "Agente del estado", "Civiles")
    about = re.sub(r"\\(.)", r"\1", " ".join(m.value for m in app.markdown))
    assert "**Actor names.** 7 distinct actor names: 7 resolved by the actor registry, 0 by hand" in (
        about
    )

    app = AppTest.from_file(str(Path(__file__).parents[1] / "dashboard.py"), default_timeout=120)
    app.query_params["actor"] = "AUC"
    app.run()
    assert {m.label: m.value for m in app.metric}["Incidents"] == "3"  # rows 2, 3, 5
    about = [e for e in app.expander if e.label.startswith("About")]
    assert [e.label for e in about] == ["About AUC · paramilitaries"]
    detail = re.sub(r"\\(.)", r"\1", " ".join(m.value for m in about[0].markdown))
    # ACCU is listed as a member with the dates it was one (18 April 1997 on); lineage is shown
    # and said not to be in the filter
    assert "ACCU (18 Apr 1997 – " in detail
    assert "Succeeded by (not included in the filter): " in detail
