"""ACLED "UMBRELLA: Faction" actor names end to end: native CSV import, then `conflictmap summary`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import store_access

from conflictmap import cli, ingest

COLUMNS = [
    "event_date", "event_type", "source", "latitude", "longitude", "actor1", "actor2",
    "fatalities",
]  # fmt: skip
ROWS = [
    # Neiva (41001), Huila
    ["2022-09-02", "Explosions/Remote violence", "Src", "2.93", "-75.28",
     "FARC Dissidents: Dagoberto Ramos Mobile Column", "Police Forces of Colombia (2022-)", "7"],
    # Cúcuta (54001), another group: must not match either filter
    ["2023-03-10", "Battles", "Src", "7.89", "-72.50",
     "ELN: National Liberation Army", "Military Forces of Colombia (2022-)", "2"],
]  # fmt: skip


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:
    folder = tmp_path_factory.mktemp("faction")
    path = folder / "incidents.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(ROWS)
    db = folder / "t.duckdb"
    report = ingest.import_file(path, fmt="native", db=db)
    assert (report.inserted, report.rejected) == (2, 0), report.rejects
    return db


def summary(db: Path, actor: str, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert cli.main(["summary", "--db", str(db), "--actor", actor]) == 0
    out = capsys.readouterr().out
    return json.loads(out)


def test_faction_name_is_stored_as_the_member(db: Path) -> None:
    with store_access.read(db) as con:
        rows = con.execute(
            "SELECT actor1, actor1_raw, muni_code FROM incidents ORDER BY event_date"
        ).fetchall()
    assert rows[0] == (
        "Dagoberto Ramos Mobile Column",
        "FARC Dissidents: Dagoberto Ramos Mobile Column",
        "41001",
    )
    assert rows[1][0] == "ELN"


@pytest.mark.parametrize(
    "actor",
    [
        "Dagoberto Ramos",  # what a user types: an alias of the faction
        "Dagoberto Ramos Mobile Column",
        "FARC Dissidents: Dagoberto Ramos Mobile Column",  # the ACLED name itself
        "FARC dissidents",  # the umbrella includes its factions
        "Estado Mayor Central",  # and so does the intermediate umbrella
    ],
)
def test_summary_by_faction_or_umbrella_finds_the_incident(
    db: Path, actor: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = summary(db, actor, capsys)
    assert out["incidents"] == 1
    assert out["fatalities"] == 7
    assert out["fatalities_unknown"] == 0
    assert out["by_municipality"] == {"41001": {"name": "Neiva", "incidents": 1, "fatalities": 7}}


def test_summary_by_another_group_does_not_find_it(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = summary(db, "Clan del Golfo", capsys)
    assert out["incidents"] == 0
    eln = summary(db, "ELN", capsys)
    assert (eln["incidents"], eln["fatalities"]) == (1, 2)
    assert set(eln["by_municipality"]) == {"54001"}


def test_umbrella_filter_includes_a_faction_the_registry_does_not_know(
    tmp_path: Path, boundaries, capsys: pytest.CaptureFixture[str]
) -> None:
    """'ELN: Frente Ficticio de Prueba' is kept as written (the registry does not know that
    front), yet a filter on the ELN finds it; a filter on the FARC dissidents does not."""
    path = tmp_path / "fronts.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(ROWS)
        # Saravena (81736), Arauca
        writer.writerow(["2023-05-01", "Battles", "Src", "6.95", "-71.88",
                         # a clearly fictitious front: the registry now lists the real Domingo
                         # Laín front (issue 20), which would resolve
                         "ELN: Frente Ficticio de Prueba", "Military Forces of Colombia (2022-)",
                         "3"])  # fmt: skip
    db = tmp_path / "f.duckdb"
    assert ingest.import_file(path, fmt="native", db=db).inserted == 3
    with store_access.read(db) as con:
        stored = con.execute(
            "SELECT actor1 FROM incidents WHERE event_date = DATE '2023-05-01'"
        ).fetchall()
    assert stored == [("ELN: Frente Ficticio de Prueba",)]
    eln = summary(db, "ELN", capsys)
    assert (eln["incidents"], eln["fatalities"]) == (2, 5)
    assert set(eln["by_department"]) == {"54", "81"}
    farc = summary(db, "FARC dissidents", capsys)
    assert (farc["incidents"], farc["fatalities"]) == (1, 7)
