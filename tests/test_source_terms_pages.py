"""Issue 17 in the pages: the Data page's "Source terms" form and the dashboard's "for my own
use" export checkbox (AppTest; single-user mode: no users configured, every control enabled)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
import store_access
from streamlit.testing.v1 import AppTest
from test_import_acled import TIBU, acled_row, write_acled

from conflictmap import ingest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def acled_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boundaries) -> Path:  # noqa: ARG001
    db = tmp_path / "acled.duckdb"
    rows = [
        acled_row(event_id_cnty="COL1", fatalities="2"),  # Neiva, Sept 2022
        acled_row(event_id_cnty="COL2", fatalities="3", event_date="2022-09-20"),
        acled_row(event_id_cnty="COL3", fatalities="0", event_date="2022-10-05"),
        acled_row(event_id_cnty="COL4", fatalities="1", **TIBU),  # Tibú, Sept
    ]
    ingest.import_file(
        write_acled(tmp_path / "acled.csv", rows), db=db, dataset="acled-co",
        access_date=date(2024, 3, 1),
    )
    monkeypatch.setenv("CONFLICTMAP_DB", str(db))
    return db


def shown(markdown: str) -> str:
    """Markdown as the reader sees it (text.md_escape's backslashes and word joiners removed)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def query(db: Path, sql: str) -> list[tuple]:
    with store_access.read(db) as con:
        return con.execute(sql).fetchall()


def own_use_trail(db: Path) -> list[int]:
    """The rows of each ``export_own_use`` entry of the audit trail."""
    from conflictmap import audit, permissions

    trail = audit.trail(db, actor=permissions.cli_actor(), actions=["export_own_use"])
    return [int(n) for n in trail["rows"]]


@pytest.fixture()
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """What the page hands to download buttons, by file name (spied on the media storage)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    seen: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):  # noqa: ANN001, ANN202
        if filename:
            data = path_or_data.encode("utf-8") if isinstance(path_or_data, str) else path_or_data
            seen[filename] = data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return seen


def test_data_page_terms_form_saves_redistribution(acled_db: Path) -> None:
    page = AppTest.from_file(str(ROOT / "pages" / "1_Data.py"), default_timeout=120)
    page.run()
    assert not page.exception, page.exception
    (radio,) = [r for r in page.radio if r.label == "Redistribution"]
    assert radio.value == "aggregates" and not radio.disabled
    radio.set_value("yes")
    (save,) = [b for b in page.button if b.label == "Save terms"]
    save.click().run()
    assert not page.exception, page.exception
    assert "Terms of “acled-co” saved." in [shown(s.value) for s in page.success]
    assert query(acled_db, "SELECT dataset, redistribution, access_date FROM dataset_terms") == [
        ("acled-co", "yes", date(2024, 3, 1))
    ]
    assert query(acled_db, "SELECT action, dataset FROM audit_log WHERE action = 'dataset_terms'") \
        == [("dataset_terms", "acled-co")]


def test_dashboard_own_use_checkbox_gives_rows_and_is_audited(
    acled_db: Path, downloads: dict[str, bytes]
) -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.query_params["from"] = "2022-01-01"
    at.query_params["to"] = "2022-12-31"
    at.run()
    assert not at.exception, at.exception
    (note,) = [shown(i.value) for i in at.sidebar.info]
    assert "4 incidents of acled-co are given as counts per municipality" in note
    assert "aggregates" in note
    at.selectbox(key="x_format").set_value("Incidents CSV")
    at.button(key="x_prepare").click().run()
    assert not at.exception, at.exception
    name = "conflictmap-colombia-2022-01-01_2022-12-31.csv"
    rows = list(csv.DictReader(io.StringIO(downloads[name].decode("utf-8"))))
    # by hand: Neiva Sept (2), Neiva Oct (1), Tibú Sept (1): three aggregates and the note
    assert sorted(r["row_kind"] for r in rows) == ["aggregate", "aggregate", "aggregate", "note"]
    assert not at.sidebar.warning

    at.checkbox(key="x_own_use").check().run()
    assert not at.exception, at.exception
    (warning,) = [shown(w.value) for w in at.sidebar.warning]
    assert "own use" in warning and "Do not share this file" in warning
    assert own_use_trail(acled_db) == []  # nothing recorded until the file is prepared
    downloads.clear()
    at.button(key="x_prepare").click().run()
    assert not at.exception, at.exception
    rows = list(csv.DictReader(io.StringIO(downloads[name].decode("utf-8"))))
    incidents = sorted(r["incident_id"] for r in rows if r["row_kind"] == "incident")
    assert incidents == ["acled:COL1", "acled:COL2", "acled:COL3", "acled:COL4"]
    assert own_use_trail(acled_db) == [4]
