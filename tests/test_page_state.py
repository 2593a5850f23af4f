"""page_state: what every page reads from the database before drawing, against SQL here."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest

from conflictmap import ingest, page_state
from conflictmap.filters import EARLIEST


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:  # noqa: ARG001
    folder = tmp_path_factory.mktemp("page_state")
    path = folder / "rows.csv"
    rows = [
        ("1958-05-10", "ELN", ""), ("2001-02-03", "ELN", "Clan del Golfo"),
        ("2023-07-08", "Los Nuevos Rastrojos", "ELN"),
    ]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["event_date", "event_type", "source", "latitude", "longitude", "actor1",
                    "actor2"])
        for i, (day, a1, a2) in enumerate(rows):
            w.writerow([day, "Battles", f"s{i}", "2.93", "-75.28", a1, a2])
    db = folder / "state.duckdb"
    assert ingest.import_file(path, fmt="native", db=db).inserted == len(rows)
    return db


def test_actor_options_and_data_span(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        want = con.execute(
            "SELECT actor, count(DISTINCT incident_id) FROM (SELECT incident_id, actor1 AS actor "
            "FROM incidents UNION ALL SELECT incident_id, actor2 FROM incidents) "
            "WHERE actor IS NOT NULL AND actor <> '' GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
    finally:
        con.close()
    # the classes some incident names come first (ELN: guerrilla, 3 incidents; Clan del Golfo:
    # post-demobilisation, 1; "Los Nuevos Rastrojos" is no registry group, so no class)
    classes = [("class:guerrilla", 3), ("class:post_demobilisation", 1)]
    assert page_state.actor_options(db) == classes + [(a, int(n)) for a, n in want]
    assert page_state.actor_label("class:guerrilla", dict(classes)) == "All guerrillas (class) (3)"
    assert want[0] == ("ELN", 3)
    assert page_state.data_span(db) == (date(1958, 5, 10), date(2023, 7, 8))
    assert page_state.default_dates(page_state.data_span(db)) == (
        date(1958, 5, 10), date(2023, 7, 8))


def test_a_missing_database_reads_as_empty_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    assert page_state.data_span(missing) == (None, None)
    assert page_state.actor_options(missing) == []
    today = date(2024, 1, 2)
    assert page_state.default_dates((None, None), today) == (EARLIEST, today)
    assert page_state.database_version(missing).startswith(str(missing))
    assert not missing.exists()


def test_version_changes_with_the_file(db: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy.duckdb"
    shutil.copy(db, copy)
    before = page_state.database_version(copy)
    assert before == page_state.database_version(copy)
    assert ingest.add_incident(
        {"event_date": "2024-01-01", "event_type": "Battles", "source": "x",
         "source_url": "https://x.co", "municipality": "41001"}, db=copy
    ).inserted == 1  # fmt: skip
    assert page_state.database_version(copy) != before
