"""Issue 16 item 2: alerts at municipality and department level (conflictmap/alerts.py), the
`alerts` command and the Watchlist page's ranked table. Runs on DuckDB and, with
``--backend postgresql``, on PostgreSQL.

The constructed database (expected values worked out by hand below, not by the code):

- Tibú (54810): one ELN incident (1 fatality) on the 15th of each month December 2023 – May
  2024, then eight in June 2024 (1 fatality each), the last on 30 June; one of June's names the
  Clan del Golfo (new there), others an unidentified armed group and civilians (placeholders).
- Huila (41): one incident placed only to the department on 15 March and 15 April 2024; in June
  one in Neiva (41001; 4 fatalities, ELN), one in Pitalito (41551, an unidentified armed
  group), one in La Plata (41396) and one placed only to the department.

The last incident is on 30 June 2024, so the month periods end on 30 June: current 31 May – 30
June, baseline (1 May – 30 May), (31 Mar – 30 Apr), (1 – 30 Mar), (31 Jan – 29 Feb),
(31 Dec – 30 Jan), (1 – 30 Dec 2023): each of Tibú's monthly incidents falls in one of them.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conflictmap import alerts, cli, ingest, store
from conflictmap.filters import Filters

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "pages" / "5_Watchlist.py"
COLUMNS = [
    "incident_id", "event_date", "event_type", "actor1", "actor2", "fatalities", "municipality",
    "department", "geo_precision", "source",
]  # fmt: skip
TIBU, NEIVA, PITALITO, LA_PLATA = "54810", "41001", "41551", "41396"


def rows() -> list[dict[str, str]]:
    out: list[dict[str, str]] = []

    def add(day: str, muni: str, dept: str, actor1: str, actor2: str = "", deaths: str = "1",
            precision: str = "2") -> None:  # fmt: skip
        out.append(
            {"incident_id": f"a{len(out) + 1}", "event_date": day, "event_type": "Battles",
             "actor1": actor1, "actor2": actor2, "fatalities": deaths, "municipality": muni,
             "department": dept, "geo_precision": precision, "source": "Test"}
        )  # fmt: skip

    for month in ("2023-12", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05"):
        add(f"{month}-15", TIBU, "", "ELN", "Military")
    for d in ("01", "02", "03", "04", "05", "06"):
        add(f"2024-06-{d}", TIBU, "", "ELN", "Civilians")
    add("2024-06-07", TIBU, "", "Clan del Golfo", "Unidentified armed group")
    add("2024-06-30", TIBU, "", "ELN", "Military")
    add("2024-03-15", "", "Huila", "Military", deaths="0", precision="3")
    add("2024-04-15", "", "Huila", "Military", deaths="0", precision="3")
    add("2024-06-10", NEIVA, "", "ELN", "Police", deaths="4")
    add("2024-06-11", PITALITO, "", "Unidentified armed group", deaths="0")
    add("2024-06-12", LA_PLATA, "", "Military", deaths="0")
    add("2024-06-13", "", "Huila", "Military", deaths="0", precision="3")
    return out


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:  # noqa: ARG001
    folder = tmp_path_factory.mktemp("alerts")
    path = folder / "alerts.csv"
    data = rows()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, COLUMNS)
        writer.writeheader()
        writer.writerows(data)
    database = folder / "alerts.duckdb"
    report = ingest.import_file(path, fmt="native", db=database, dataset="alerts-test")
    assert (report.inserted, report.rejected) == (len(data), 0)
    return database


def compute(db: Path, filters: Filters | None = None, **kwargs) -> alerts.Alerts:
    with store.connect(db, read_only=True) as con:
        return alerts.compute(con, filters or Filters(), **kwargs)


def place(result: alerts.Alerts, code: str) -> alerts.Alert | None:
    return next((a for a in result.places if a.code == code), None)


def test_month_periods_end_on_the_last_incident() -> None:
    assert alerts.spans(date(2024, 6, 30), "month") == (
        (date(2024, 5, 31), date(2024, 6, 30)),
        (date(2024, 5, 1), date(2024, 5, 30)),
        (date(2024, 3, 31), date(2024, 4, 30)),
        (date(2024, 3, 1), date(2024, 3, 30)),
        (date(2024, 1, 31), date(2024, 2, 29)),
        (date(2023, 12, 31), date(2024, 1, 30)),
        (date(2023, 12, 1), date(2023, 12, 30)),
    )
    weeks = alerts.spans(date(2024, 6, 30), "week", 2)
    assert weeks == (
        (date(2024, 6, 24), date(2024, 6, 30)),
        (date(2024, 6, 17), date(2024, 6, 23)),
        (date(2024, 6, 10), date(2024, 6, 16)),
    )


def test_a_spike_is_flagged_with_its_rise(db: Path) -> None:
    result = compute(db, period="month")
    assert result.as_of == date(2024, 6, 30) and result.as_of_is_last
    tibu = place(result, TIBU)
    assert tibu is not None
    assert tibu.current == 8
    assert tibu.baseline == (1, 1, 1, 1, 1, 1)
    assert tibu.baseline_mean == 1.0
    assert tibu.rise_pct == pytest.approx((8 - 1) / 1 * 100)  # 700 %
    assert tibu.flagged
    assert result.alerts[0].code in (TIBU, "41")  # flagged places first


def test_a_one_event_place_is_not_flagged(db: Path) -> None:
    result = compute(db, period="month")
    neiva = place(result, NEIVA)
    assert neiva is not None and neiva.current == 1 and neiva.baseline == (0,) * 6
    assert not neiva.flagged  # 0 before, 1 now: under the minimum of 3
    la_plata = place(result, LA_PLATA)
    assert la_plata is not None and not la_plata.flagged
    # flagged by nothing and no new actor (Pitalito's is a placeholder): not in the table
    assert PITALITO not in {a.code for a in result.alerts}
    assert LA_PLATA in {a.code for a in result.alerts}  # "Military" is new in La Plata


def test_a_department_is_flagged_when_no_municipality_is(db: Path) -> None:
    result = compute(db, period="month")
    huila = place(result, "41")
    assert huila is not None and huila.level == "department"
    # June: Neiva, Pitalito, La Plata and one placed only to Huila; baseline: March and April
    assert huila.current == 4
    assert huila.baseline == (0, 1, 1, 0, 0, 0)
    assert huila.baseline_mean == pytest.approx(2 / 6)
    assert huila.rise_pct == pytest.approx((4 - 2 / 6) / (2 / 6) * 100)  # 1,100 %
    assert huila.flagged
    assert not any(a.flagged for a in result.places if a.level == "municipality" and a.dept_code == "41")
    norte = place(result, "54")
    assert norte is not None and norte.flagged and norte.current == 8


def test_new_actors_leave_placeholders_out(db: Path) -> None:
    result = compute(db, period="month")
    tibu = place(result, TIBU)
    assert tibu is not None
    # ELN and Military were there before; civilians and unidentified groups are placeholders
    assert tibu.new_actors == ("Clan del Golfo",)
    neiva = place(result, NEIVA)
    assert neiva is not None and neiva.new_actors == ("ELN", "Police")
    pitalito = place(result, PITALITO)
    assert pitalito is not None and pitalito.new_actors == ()
    assert alerts.is_placeholder("Unidentified armed group")
    assert alerts.is_placeholder("Civilians")
    assert alerts.is_placeholder("Grupo armado no identificado")
    assert not alerts.is_placeholder("ELN")


def test_the_fatality_metric_has_its_own_minimum(db: Path) -> None:
    result = compute(db, period="month", metric="fatalities")
    tibu = place(result, TIBU)
    assert tibu is not None and (tibu.current, tibu.baseline) == (8, (1,) * 6) and tibu.flagged
    neiva = place(result, NEIVA)
    assert neiva is not None and neiva.current == 4 and not neiva.flagged  # 4 < 5


def test_an_earlier_as_of_day_and_the_filters(db: Path) -> None:
    # as of 30 May: Tibú has 1 (15 May) against 5 in six months: not flagged
    result = compute(db, period="month", as_of=date(2024, 5, 30))
    assert not result.as_of_is_last
    tibu = place(result, TIBU)
    assert tibu is not None and tibu.current == 1 and not tibu.flagged
    # the date range of the filters sets the default as-of day, not the counting
    result = compute(db, Filters(date_to=date(2024, 5, 31)), period="month")
    assert result.as_of == date(2024, 5, 15)
    # another filter counts: Clan del Golfo only
    result = compute(db, Filters(actors=("Clan del Golfo",)), period="month")
    assert [(a.code, a.current) for a in result.places if a.level == "municipality"] == [(TIBU, 1)]


def test_the_rule_is_stated() -> None:
    text = alerts.rule_text("month", "incidents", date(2024, 6, 30))
    assert "at least double" in text and "6 previous months" not in text
    assert "previous 6 months" in text and "at least 3" in text
    assert "2024-06-30" in text and "not today" in text
    assert "at least 5" in alerts.rule_text("week", "fatalities", None)
    assert alerts.is_flagged(3, 1.5) and not alerts.is_flagged(3, 1.6) and not alerts.is_flagged(2, 0)


def test_the_alerts_command_prints_json(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["alerts", "--period", "month", "--db", str(db)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["as_of"] == "2024-06-30" and out["as_of_is_last_incident"] is True
    assert out["current_period"] == {"from": "2024-05-31", "to": "2024-06-30"}
    assert out["rule"]["rise_factor"] == 2 and out["rule"]["min_count"] == 3
    by_code = {a["code"]: a for a in out["alerts"]}
    assert by_code[TIBU] == {
        "level": "municipality", "code": TIBU, "place": "Tibú", "department": "Norte de Santander",
        "current": 8, "baseline": [1, 1, 1, 1, 1, 1], "baseline_mean": 1.0, "rise_pct": 700.0,
        "flagged": True, "new_actors": ["Clan del Golfo"],
    }  # fmt: skip
    assert by_code["41"]["flagged"] is True and by_code["41"]["rise_pct"] == 1100.0
    assert NEIVA in by_code and by_code[NEIVA]["flagged"] is False  # listed for its new actors
    assert PITALITO not in by_code

    assert cli.main(
        ["alerts", "--period", "month", "--as-of", "2024-05-30", "--muni", "Tibú", "--db", str(db)]
    ) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["filters"] == {"dept": "54", "muni": TIBU}
    assert out["alerts"] == []
    assert cli.main(["alerts", "--as-of", "30/05/2024", "--db", str(db)]) == 2


def test_the_page_shows_the_ranked_table_and_the_map(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLICTMAP_DB", str(db))
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.query_params["period"] = "month"
    at.run()
    assert not at.exception, at.exception
    assert any("at least double" in i.value for i in at.info)
    table = at.dataframe[0].value
    first = table.iloc[0]
    assert set(table.columns) >= {"Place", "Department", "Current", "Baseline mean", "Rise",
                                  "New actors"}  # fmt: skip
    tibu = table[table["Place"] == "Tibú"].iloc[0]
    assert (tibu["Current"], tibu["Baseline mean"], tibu["Rise"]) == (8, 1.0, "700.0 %")
    assert tibu["New actors"] == "Clan del Golfo" and bool(tibu["Flagged"])
    assert first["Place"] in ("Huila", "Tibú", "Norte de Santander") and bool(first["Flagged"])
    assert "Pitalito" not in set(table["Place"])
    maps = [
        e for e in at.main
        if getattr(e, "type", None) == "component_instance"
        and e.proto.component_name.endswith("st_folium")
    ]  # fmt: skip
    assert len(maps) == 1
    script = json.loads(maps[0].proto.json_args)["script"]
    # flagged places outlined, with their (escaped) tooltips
    assert f'"alert": "{TIBU}"' in script and '"alert": "41"' in script
    assert f'"alert": "{PITALITO}"' not in script
    assert "Tibú: 8 now, baseline mean 1.00, rise 700.0 %" in script
