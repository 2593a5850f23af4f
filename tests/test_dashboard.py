"""AppTest of the map page: filters change the key figures to what the database says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conflictmap import store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def app(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("CONFLICTMAP_DB", str(sample_db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    return at


def figures(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def db_figures(db: Path, where: str = "TRUE", params: list | None = None) -> dict[str, str]:
    with store.connect(db, read_only=True) as con:  # either store
        n, fat = con.execute(
            f"SELECT count(*), coalesce(sum(fatalities), 0) FROM incidents WHERE {where}", params or []
        ).fetchone()
        munis = con.execute(
            f"SELECT count(DISTINCT muni_code) FROM incidents WHERE {where}", params or []
        ).fetchone()[0]
    return {"Incidents": f"{n:,}", "Fatalities": f"{fat:,}", "Municipalities affected": f"{munis:,}"}


def test_national_view_shows_all_sample_incidents(app: AppTest, sample_db: Path) -> None:
    app.run()
    assert not app.exception
    got = figures(app)
    want = db_figures(sample_db)
    for key, value in want.items():
        assert got[key] == value
    assert got["Incidents"] == "5,002"
    # demo data is labelled plainly
    assert any("synthetic" in w.value.lower() for w in app.warning)


def test_choosing_huila_changes_key_figures_to_database_values(app: AppTest, sample_db: Path) -> None:
    app.run()
    before = figures(app)
    app.selectbox(key="f_dept").set_value("41").run()
    assert not app.exception
    after = figures(app)
    want = db_figures(sample_db, "dept_code = ?", ["41"])
    assert after["Incidents"] == want["Incidents"]
    assert after["Fatalities"] == want["Fatalities"]
    assert after["Municipalities affected"] == want["Municipalities affected"]
    assert after != before
    assert app.query_params["dept"] == ["41"] or app.query_params["dept"] == "41"
    # the municipality list is Huila's 37, plus "all"
    assert len(app.selectbox(key="f_muni").options) == 38


def test_choosing_neiva_and_a_date_range(app: AppTest, sample_db: Path) -> None:
    import datetime as dt

    app.run()
    app.selectbox(key="f_dept").set_value("41").run()
    app.selectbox(key="f_muni").set_value("41001").run()
    app.date_input(key="f_dates").set_value((dt.date(2022, 1, 1), dt.date(2022, 12, 31))).run()
    assert not app.exception
    want = db_figures(
        sample_db,
        "muni_code = ? AND event_date BETWEEN ? AND ?",
        ["41001", dt.date(2022, 1, 1), dt.date(2022, 12, 31)],
    )
    got = figures(app)
    assert got["Incidents"] == want["Incidents"]
    assert got["Fatalities"] == want["Fatalities"]
    # the 2 Sept 2022 attack near Neiva is in view, with its 7 fatalities counted
    assert int(got["Fatalities"].replace(",", "")) >= 7
    crumbs = [b.label for b in app.button if b.key and b.key.startswith("crumb_")]
    assert crumbs == ["Colombia", "› Huila", "› Neiva"]


def test_url_parameters_reproduce_a_view(app: AppTest, sample_db: Path) -> None:
    app.query_params["dept"] = "54"
    app.query_params["type"] = ["Battles"]
    app.query_params["from"] = "2021-01-01"
    app.query_params["to"] = "2023-12-31"
    app.run()
    assert not app.exception
    assert app.selectbox(key="f_dept").value == "54"
    assert app.multiselect(key="f_types").value == ["Battles"]
    want = db_figures(
        sample_db,
        "dept_code = ? AND event_type = ? AND event_date BETWEEN ? AND ?",
        ["54", "Battles", "2021-01-01", "2023-12-31"],
    )
    assert figures(app)["Incidents"] == want["Incidents"]


def test_bad_url_parameters_are_reported_not_fatal(app: AppTest) -> None:
    app.query_params["from"] = "yesterday"
    app.query_params["type"] = ["Picnics"]
    app.run()
    assert not app.exception
    messages = " ".join(w.value for w in app.warning)
    assert "yesterday" in messages and "Picnics" in messages


def test_actor_alias_filter(app: AppTest, sample_db: Path) -> None:
    app.run()
    app.multiselect(key="f_actors").set_value(["Clan del Golfo"]).run()
    assert not app.exception
    with store.connect(sample_db, read_only=True) as con:
        n = con.execute(
            "SELECT count(*) FROM incidents WHERE actor1 = 'Clan del Golfo' OR actor2 = 'Clan del Golfo'"
            " OR list_contains(assoc_actors, 'Clan del Golfo')"
        ).fetchone()[0]
    assert figures(app)["Incidents"] == f"{n:,}"


def test_map_component_loads_no_remote_assets(app: AppTest) -> None:
    app.run()
    maps = [e for e in app.main if type(e).__name__ == "UnknownElement"]
    assert maps, "the map component is missing"
    links = json.loads(maps[0].proto.json_args)
    js = links["js_links"]
    css = links["css_links"]
    assert js and css
    assert all(not u.startswith("http") for u in js + css), js + css
    assert any(u.endswith("leaflet.js") for u in js)


def test_selecting_a_table_row_shows_its_notes_and_source_record(
    app: AppTest, sample_db: Path
) -> None:
    app.run()
    assert any("Select a row" in c.value for c in app.caption)
    app.selectbox(key="f_dept").set_value("41").run()
    table = next(d for d in app.dataframe if d.key == "incident_table")
    ids = table.value["incident_id"].tolist()
    assert "notes" not in table.value.columns
    row = ids.index("seed:2022-09-02-neiva")
    app.session_state["incident_table"] = {"selection": {"rows": [row], "columns": []}}
    app.run()
    assert not app.exception
    detail = next(
        d.value for d in app.dataframe if list(d.value.columns) == ["field", "value"]
    )
    fields = dict(zip(detail["field"], detail["value"], strict=True))
    assert fields["incident id"] == "seed:2022-09-02-neiva"
    assert fields["place"] == "Neiva (41001), Huila (41)"
    assert fields["notes"].startswith("About 14:30 on Friday 2 Sept 2022")
    assert any(j.value for j in app.json)
