"""Cross-source event matching (issue 16 item 1): the 2 Sept 2022 Neiva attack reported by an
ACLED-format file and a UCDP-format file is one event; a nearby clash two days later is not.

Expected scores are added up by hand from the rule table in conflictmap/matching.py's docstring.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_import_acled import acled_row, write_acled
from test_import_ucdp import ucdp_row, write_ucdp

from conflictmap import cli, ingest, matching, queries, store, view
from conflictmap.filters import Filters
from conflictmap.geography import load_geography

# Neiva 41001 and Palermo 41524 share a border (DANE); both in Huila (41)
NEIVA_ACLED = acled_row(
    event_id_cnty="COL30001", event_type="Explosions/Remote violence",
    sub_event_type="Remote explosive/landmine/IED",
    actor1="Unidentified Armed Group (Colombia)", actor2="Police Forces of Colombia (2022-)",
    fatalities="7", latitude="2.9300", longitude="-75.2800",
)  # fmt: skip
PALERMO_CLASH = acled_row(
    event_id_cnty="COL30002", event_date="2022-09-04", event_type="Battles",
    sub_event_type="Armed clash", actor1="ELN: National Liberation Army",
    actor2="Military Forces of Colombia (2022-)", fatalities="1", admin2="Palermo",
    location="Palermo", latitude="2.8900", longitude="-75.4340",
)  # fmt: skip
NEIVA_UCDP = ucdp_row(
    id="470001", side_a="Government of Colombia", side_b="FARC dissidents",
    dyad_name="Government of Colombia - FARC dissidents", best="7", low="7", high="9",
    deaths_a="7", deaths_b="0",
)  # fmt: skip


@pytest.fixture()
def two_sources(tmp_path: Path, boundaries) -> Path:
    db = tmp_path / "match.duckdb"
    ingest.import_file(write_acled(tmp_path / "acled.csv", [NEIVA_ACLED, PALERMO_CLASH]), db=db,
                       fmt="acled", dataset="acled-huila")  # fmt: skip
    ingest.import_file(write_ucdp(tmp_path / "ged.csv", [NEIVA_UCDP]), db=db, fmt="ucdp",
                       dataset="ucdp-ged")  # fmt: skip
    return db


def _rows(db: Path) -> dict[str, dict]:
    with store.connect(db, read_only=True) as con:
        frame = con.execute(f"SELECT {matching._FIELDS} FROM incidents").df()
    return {r["incident_id"]: r for r in frame.to_dict("records")}


def test_the_same_attack_in_two_sources_scores_as_the_rule_table_says(two_sources: Path) -> None:
    rows = _rows(two_sources)
    acled, ucdp = rows["acled:COL30001"], rows["ucdp:470001"]
    s = matching.score(acled, ucdp, neighbours=load_geography().neighbours)
    parts = {p.criterion: p.points for p in s.parts}
    # same day 30, same municipality 30, explosions vs battles (both violent) 8, Police within
    # State forces 15, 7 = 7 fatalities 10
    assert parts == {"date": 30, "place": 30, "type": 8, "actors": 15, "fatalities": 10}
    assert s.total == 93 >= matching.THRESHOLD
    assert "same municipality (41001)" in s.explanation
    assert "Police / State forces" in s.explanation or "State forces / Police" in s.explanation


def test_a_nearby_but_different_event_is_left_alone(two_sources: Path) -> None:
    rows = _rows(two_sources)
    clash, ucdp = rows["acled:COL30002"], rows["ucdp:470001"]
    s = matching.score(clash, ucdp, neighbours=load_geography().neighbours)
    parts = {p.criterion: p.points for p in s.parts}
    # 2 days apart 10, neighbouring municipalities 20, both battles 15, Military within State
    # forces 15, 1 vs 7 fatalities (outside 7-9 and more than 25 % apart) -20
    assert parts == {"date": 10, "place": 20, "type": 15, "actors": 15, "fatalities": -20}
    assert s.total == 40 < matching.THRESHOLD


def test_import_groups_the_pair_and_views_count_the_event_once(two_sources: Path) -> None:
    with store.connect(two_sources, read_only=True) as con:
        stored = dict(con.execute("SELECT incident_id, event_id FROM event_matches").fetchall())
        events = queries.overview(con, Filters()).figures
        reports = queries.overview(con, Filters(count="reports")).figures
        summary = queries.summary(con, Filters())
    # the primary is the ACLED report: both exact points, both dated to the day, then dataset name
    assert stored == {"acled:COL30001": "acled:COL30001", "ucdp:470001": "acled:COL30001"}
    assert (events.incidents, events.fatalities) == (2, 7 + 1)
    assert (reports.incidents, reports.fatalities) == (3, 7 + 1 + 7)
    assert (summary["incidents"], summary["reports"]) == (2, 3)
    assert summary["by_municipality"]["41001"]["incidents"] == 1


def test_the_incident_detail_lists_every_report_with_the_fatality_range(two_sources: Path) -> None:
    with store.connect(two_sources, read_only=True) as con:
        reports = matching.reports_of(con, "ucdp:470001")
    assert list(reports["incident_id"]) == ["acled:COL30001", "ucdp:470001"]
    assert list(reports["primary_report"]) == [True, False]
    assert matching.fatality_range(reports) == (7, 9)  # ACLED 7; UCDP best 7, low 7, high 9
    detail = view.incident_detail("ucdp:470001", load_geography(), db=two_sources)
    assert detail is not None
    assert list(detail.reports["dataset"]) == ["acled-huila", "ucdp-ged"]
    assert list(detail.reports["counted"]) == ["yes", ""]
    assert detail.reports_note == (
        "The same event is in 2 reports of different datasets; fatalities 7–9 across the reports."
    )
    alone = view.incident_detail("acled:COL30002", load_geography(), db=two_sources)
    assert alone is not None and alone.reports.empty and alone.reports_note == ""


def test_a_split_is_kept_across_a_reimport(two_sources: Path, tmp_path: Path) -> None:
    with store.connect(two_sources) as con, store.transaction(con):
        matching.decide(con, "ucdp:470001", "acled:COL30001", "split", "ana", "2026-12-02 10:00")
        matching.rematch(con, neighbours=load_geography().neighbours)
    ingest.import_file(write_ucdp(tmp_path / "again.csv", [NEIVA_UCDP]), db=two_sources,
                       fmt="ucdp", dataset="ucdp-ged")  # fmt: skip
    with store.connect(two_sources, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM event_matches").fetchall()[0][0] == 0
        assert queries.overview(con, Filters()).figures.incidents == 3


def test_a_confirmed_low_score_pair_is_matched(two_sources: Path) -> None:
    with store.connect(two_sources) as con, store.transaction(con):
        matching.decide(con, "acled:COL30002", "ucdp:470001", "confirmed", "ana", "2026-12-02 10:00")
        matching.rematch(con, neighbours=load_geography().neighbours)
    with store.connect(two_sources, read_only=True) as con:
        groups = dict(con.execute("SELECT incident_id, event_id FROM event_matches").fetchall())
    # all three are one event now (transitively), the primary still the Neiva ACLED report
    assert set(groups) == {"acled:COL30001", "acled:COL30002", "ucdp:470001"}
    assert set(groups.values()) == {"acled:COL30001"}


def test_the_cli_summary_gives_events_and_reports(two_sources: Path, capsys) -> None:
    assert cli.main(["summary", "--db", str(two_sources)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["incidents"], out["reports"]) == (2, 3)
    assert cli.main(["summary", "--db", str(two_sources), "--count", "reports"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["incidents"], out["reports"]) == (3, 3)


def test_same_dataset_reports_and_year_dates_are_never_candidates(tmp_path: Path, boundaries) -> None:
    db = tmp_path / "one.duckdb"
    twin = dict(NEIVA_ACLED, event_id_cnty="COL30009")
    ingest.import_file(write_acled(tmp_path / "a.csv", [NEIVA_ACLED, twin]), db=db, fmt="acled")
    with store.connect(db, read_only=True) as con:
        assert matching.candidates(con).empty


def test_deciding_needs_an_editor_and_is_audited(two_sources: Path) -> None:
    from conflictmap import audit, data_admin, users
    from conflictmap.permissions import Actor, Role

    admin = Actor("cli-admin", Role.ADMIN, "cli")
    users.add("ana", "admin", "a long passphrase", actor=admin, db=two_sources)
    users.add("vera", "viewer", "a long passphrase", actor=admin, db=two_sources)
    users.add("ed", "editor", "a long passphrase", actor=admin, db=two_sources)
    viewer = Actor("vera", Role.VIEWER)
    with pytest.raises(PermissionError):
        data_admin.decide_match("acled:COL30001", "ucdp:470001", "split", two_sources, actor=viewer)
    with pytest.raises(ValueError, match="no stored report 'ucdp:999'"):
        data_admin.decide_match("acled:COL30001", "ucdp:999", "split", two_sources,
                                actor=Actor("ed", Role.EDITOR))  # fmt: skip
    grouped = data_admin.decide_match(
        "acled:COL30001", "ucdp:470001", "split", two_sources, actor=Actor("ed", Role.EDITOR)
    )
    assert grouped == 0
    trail = audit.trail(two_sources, actor=Actor("ana", Role.ADMIN))
    assert "match_split" in set(trail["action"])
    assert data_admin.matched_reports(two_sources).empty


def test_the_data_page_lists_the_matched_pair(two_sources: Path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parents[1]
    monkeypatch.setenv("CONFLICTMAP_DB", str(two_sources))
    at = AppTest.from_file(str(root / "pages" / "1_Data.py"), default_timeout=60).run()
    assert not at.exception
    assert any(s.value == "Same event in several datasets" for s in at.subheader)
    frames = [d.value for d in at.dataframe if "incident_id" in d.value.columns]
    assert frames and list(frames[0]["incident_id"]) == ["ucdp:470001"]
    assert list(frames[0]["event_id"]) == ["acled:COL30001"]


def test_the_citation_says_how_many_reports_were_counted_once(two_sources: Path) -> None:
    from conflictmap import export_terms

    with store.connect(two_sources, read_only=True) as con:
        changes = export_terms.changes_in(con, Filters())
        every = export_terms.changes_in(con, Filters(count="reports"))
    assert changes["matched"] == 1 and "matched" not in every
    lines = export_terms.change_lines(changes, None)
    assert any(line.startswith("1 reports describe an event another dataset") for line in lines)
