"""Issue 12, item 1: "never break on real data". Every page, chart, playback and export works on
a database whose incidents run from 1958 (memory-centre data) to today, across the Unix epoch
(1969-12-31 / 1970-01-01), and a shared link may name any dates without crashing the page.

The expected numbers are computed here from the rows written, never by the code under test.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from conflictmap import charts, cli, ingest, store, trends
from conflictmap.filters import EARLIEST, Filters, clamp_dates, latest, widget_bounds

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("dashboard.py", "pages/1_Data.py", "pages/2_Territories.py", "pages/3_Trends.py")
TODAY = date.today()
FIRST = date(1958, 5, 10)
NEIVA = ("2.93", "-75.28")  # 41001, Huila
CUCUTA = ("7.89", "-72.50")  # 54001, Norte de Santander
MUNI = {NEIVA: "41001", CUCUTA: "54001"}

# event_date, event_type, source, place, fatalities, actor1
ROWS = [
    (FIRST, "Battles", "Archivo de la memoria", NEIVA, 3, "Chusma"),
    (date(1969, 12, 31), "Explosions/Remote violence", "El Tiempo", CUCUTA, 1, "ELN"),
    (date(1970, 1, 1), "Battles", "El Tiempo", NEIVA, 2, "FARC"),
    (date(1989, 1, 5), "Battles", "UCDP GED", CUCUTA, 4, "ELN"),
    (TODAY, "Violence against civilians", "El Tiempo", CUCUTA, 0, "Clan del Golfo"),
]
N = len(ROWS)
FATALITIES = sum(r[4] for r in ROWS)


def native_csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            ["event_date", "event_type", "source", "latitude", "longitude", "fatalities", "actor1"]
        )
        for day, kind, source, (lat, lon), fat, actor in ROWS:
            w.writerow([day.isoformat(), kind, source, lat, lon, fat, actor])
    return path


@pytest.fixture(scope="module")
def years_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:
    folder = tmp_path_factory.mktemp("any_year")
    db = folder / "years.duckdb"
    report = ingest.import_file(native_csv(folder / "years.csv"), fmt="native", db=db)
    assert (report.inserted, report.rejected) == (N, 0), report.rejects
    return db


@pytest.fixture()
def db(years_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONFLICTMAP_DB", str(years_db))
    return years_db


@pytest.fixture()
def writable_db(years_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "copy.duckdb"
    if store.is_postgres(copy):  # no file to copy: the same rows, imported again
        report = ingest.import_file(native_csv(tmp_path / "years.csv"), fmt="native", db=copy)
        assert (report.inserted, report.rejected) == (N, 0), report.rejects
    else:
        shutil.copy(years_db, copy)
        wal = years_db.with_name(years_db.name + ".wal")
        if wal.exists():
            shutil.copy(wal, copy.with_name(copy.name + ".wal"))
    monkeypatch.setenv("CONFLICTMAP_DB", str(copy))
    return copy


@pytest.fixture()
def con(years_db: Path):
    with store.connect(years_db, read_only=True) as c:
        yield c


def page(name: str, url: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / name), default_timeout=180)
    for key, value in (url or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def figures(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def vega_charts(at: AppTest) -> list:
    return [e for e in at.main if getattr(e, "type", None) == "vega_lite_chart"]


def chart_rows(chart) -> list[dict]:
    rows: list[dict] = []
    for ds in chart.proto.datasets:
        rows += pa.ipc.open_stream(ds.data.data).read_all().to_pylist()
    return rows


def series_rows(at: AppTest) -> list[dict]:
    return [r for r in chart_rows(vega_charts(at)[0]) if "event_type" in r]


def chart_title(at: AppTest, i: int = 0) -> str:
    return json.loads(vega_charts(at)[i].proto.spec)["title"]["text"]


def day_of(value: object) -> date:
    return value.date() if isinstance(value, datetime) else date.fromisoformat(str(value)[:10])


def months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month + 1


def quarters_between(a: date, b: date) -> int:
    return (b.year * 4 + (b.month - 1) // 3) - (a.year * 4 + (a.month - 1) // 3) + 1


def epoch_ms(day: date) -> int:
    return (
        int((datetime(day.year, day.month, day.day) - datetime(1970, 1, 1)).total_seconds()) * 1000
    )


def expected_step(wanted: str, limit: int) -> str:
    """The step a window FIRST..TODAY should be shown by, counted here without the code."""
    counts = {
        "week": ((TODAY - timedelta(TODAY.weekday())) - (FIRST - timedelta(FIRST.weekday()))).days
        // 7
        + 1,
        "month": months_between(FIRST, TODAY),
        "quarter": quarters_between(FIRST, TODAY),
        "year": TODAY.year - FIRST.year + 1,
    }
    order = list(counts)
    for step in order[order.index(wanted) :]:
        if counts[step] <= limit:
            return step
    return "year"


def quarter_label(start: date, end: date) -> str:
    """The playback label of the last (possibly clipped) quarter."""
    if (
        start.day == 1
        and start.month in (1, 4, 7, 10)
        and (end + timedelta(1)).day == 1
        and (end + timedelta(1)).month in (1, 4, 7, 10)
    ):
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"


def infos(at: AppTest) -> str:
    return " ".join(i.value for i in at.info)


def map_script(at: AppTest) -> str:
    maps = [
        e for e in at.main
        if getattr(e, "type", None) == "component_instance"
        and e.proto.component_name.endswith("st_folium")
    ]  # fmt: skip
    assert len(maps) == 1
    return json.loads(maps[0].proto.json_args)["script"]


def sql(path: Path, query: str, params: list | None = None) -> list[tuple]:
    with store.connect(path, read_only=True) as c:  # either store
        return c.execute(query, params or []).fetchall()


# ----------------------------------------------------------------------------------------------
# the database holds what was written (so the page tests below compare with known rows)


def test_the_importer_keeps_1958_and_today(years_db: Path) -> None:
    got = sql(years_db, "SELECT event_date, muni_code, fatalities FROM incidents ORDER BY 1")
    assert got == sorted((r[0], MUNI[r[3]], r[4]) for r in ROWS)


# ----------------------------------------------------------------------------------------------
# every page


@pytest.mark.parametrize("name", PAGES)
def test_every_page_runs_on_incidents_from_1958_to_today(db: Path, name: str) -> None:
    at = page(name)
    assert not at.error, [e.value for e in at.error]


def test_map_page_default_view_covers_every_incident(db: Path) -> None:
    at = page("dashboard.py")
    widget = at.date_input(key="f_dates")
    assert tuple(widget.value) == (FIRST, TODAY)
    assert widget.min <= FIRST and widget.max >= TODAY
    assert widget.min >= EARLIEST  # no calendar back to year 1
    got = figures(at)
    assert got["Incidents"] == f"{N:,}"
    assert got["Fatalities"] == f"{FATALITIES:,}"
    assert got["Municipalities affected"] == f"{len({r[3] for r in ROWS}):,}"
    table = next(d.value for d in at.dataframe if "incident_id" in d.value.columns)
    assert sorted(day_of(v) for v in table["event_date"]) == sorted(r[0] for r in ROWS)


def test_a_1958_filter_shows_only_the_1958_incident(db: Path) -> None:
    at = page("dashboard.py")
    # a whole year, though the first incident is on 10 May: the widget must not refuse 1 Jan
    at.date_input(key="f_dates").set_value((date(1958, 1, 1), date(1958, 12, 31))).run()
    assert not at.exception, at.exception
    assert tuple(at.date_input(key="f_dates").value) == (date(1958, 1, 1), date(1958, 12, 31))
    got = figures(at)
    assert (got["Incidents"], got["Fatalities"]) == ("1", "3")
    table = next(d.value for d in at.dataframe if "incident_id" in d.value.columns)
    assert [day_of(v) for v in table["event_date"]] == [FIRST]
    assert at.query_params["from"] in ("1958-01-01", ["1958-01-01"])
    # the two days either side of the Unix epoch
    at.date_input(key="f_dates").set_value((date(1969, 12, 31), date(1970, 1, 1))).run()
    assert not at.exception, at.exception
    assert figures(at)["Incidents"] == "2"


LINKS = [
    # (url, expected widget value, expected incidents, words of the warning or None)
    ({"from": "1950-01-01", "to": "1960-01-01"}, (date(1950, 1, 1), date(1960, 1, 1)), 1, None),
    ({"from": "1800-01-01"}, (EARLIEST, TODAY), N, "before 1 Jan 1900"),
    ({"from": "1800-01-01", "to": "1899-12-31"}, (EARLIEST, EARLIEST), 0, "before 1 Jan 1900"),
    ({"to": "2999-01-01"}, (FIRST, TODAY), N, "to=2999-01-01"),
    ({"from": "2999-01-01", "to": "2999-12-31"}, (TODAY, TODAY), 1, "from=2999-01-01"),
    ({"from": "0001-01-01", "to": "9999-12-31"}, (EARLIEST, TODAY), N, "from=0001-01-01"),
]


@pytest.mark.parametrize(("url", "value", "incidents", "warning"), LINKS)
def test_a_shared_link_with_dates_outside_the_data_never_crashes(
    db: Path, url: dict, value: tuple, incidents: int, warning: str | None
) -> None:
    at = page("dashboard.py", url)
    widget = at.date_input(key="f_dates")
    assert tuple(widget.value) == value
    assert widget.min <= value[0] and widget.max >= value[1]
    assert figures(at)["Incidents"] == f"{incidents:,}"
    # as the reader sees it: text.md_escape's backslashes and word joiners removed
    warnings = re.sub(r"\\(.)", r"\1", " ".join(w.value for w in at.warning)).replace("\u2060", "")
    if warning:
        assert warning in warnings
    else:
        assert "Link:" not in warnings
    # the Trends page takes the same link
    at = page("pages/3_Trends.py", url)
    assert tuple(at.date_input(key="f_dates").value) == value


# ----------------------------------------------------------------------------------------------
# Trends page


def test_trends_page_draws_every_month_from_1958_to_today(db: Path) -> None:
    assert expected_step("month", trends.MAX_CHART_PERIODS) == "month"  # until 2041
    at = page("pages/3_Trends.py")
    assert chart_title(at) == "Incidents per month — Colombia"
    assert "bars" not in infos(at)  # 824-odd months fit: no coarser step for the chart
    rows = series_rows(at)
    periods = sorted({day_of(r["period"]) for r in rows})
    assert periods[0] == date(1958, 5, 1) and periods[-1] == TODAY.replace(day=1)
    assert len(periods) == months_between(FIRST, TODAY)
    assert sum(r["incidents"] for r in rows) == N
    assert sum(r["fatalities"] for r in rows) == FATALITIES
    by_month: dict[date, int] = {}
    for r in rows:
        by_month[day_of(r["period"])] = by_month.get(day_of(r["period"]), 0) + r["incidents"]
    for day, *_ in ROWS:
        assert by_month[day.replace(day=1)] >= 1, day  # pre-1970 months are not shifted
    assert by_month[date(1969, 12, 1)] == 1 and by_month[date(1970, 1, 1)] == 1
    # place comparison: Huila (Neiva rows) vs Norte de Santander (Cúcuta rows)
    totals = next(d.value for d in at.dataframe if "Huila" in list(d.value.index))
    assert int(totals.loc["Huila", "incidents"]) == sum(1 for r in ROWS if r[3] == NEIVA)
    assert int(totals.loc["Norte de Santander", "incidents"]) == sum(
        1 for r in ROWS if r[3] == CUCUTA
    )


def test_before_after_over_the_whole_range_and_any_pivot(db: Path) -> None:
    at = page("pages/3_Trends.py")
    pivot = date(2022, 8, 7)  # the default lies inside 1958..today
    assert at.date_input(key="ba_pivot").value == pivot
    assert at.date_input(key="ba_pivot").min <= EARLIEST
    table = next(d.value for d in at.dataframe if "window" in d.value.columns)
    rows = {r["window"]: r for r in table.to_dict("records")}
    assert day_of(rows["Before"]["from"]) == FIRST and day_of(rows["After"]["to"]) == TODAY
    assert rows["Before"]["incidents"] == sum(1 for r in ROWS if r[0] < pivot)
    assert rows["After"]["incidents"] == sum(1 for r in ROWS if r[0] >= pivot)
    assert rows["Before"]["days"] == (pivot - FIRST).days
    # a pivot in 1960 can be chosen (Streamlit's own default minimum is 10 years back)
    at.date_input(key="ba_pivot").set_value(date(1960, 1, 1)).run()
    assert not at.exception, at.exception
    assert at.date_input(key="ba_pivot").value == date(1960, 1, 1)
    table = next(d.value for d in at.dataframe if "window" in d.value.columns)
    assert table["incidents"].tolist() == [1, N - 1]
    # a pivot before the data is explained, not fatal
    at.date_input(key="ba_pivot").set_value(date(1950, 1, 1)).run()
    assert not at.exception, at.exception
    assert any("inside the filtered range" in w.value for w in at.warning)


def test_default_pivot_outside_the_range_is_moved_inside(db: Path) -> None:
    at = page("pages/3_Trends.py", {"from": "1989-01-01", "to": "1989-12-31"})
    assert at.date_input(key="ba_pivot").value == date(1989, 7, 2)  # the middle of the range
    table = next(d.value for d in at.dataframe if "window" in d.value.columns)
    assert table["incidents"].tolist() == [1, 0]  # 5 Jan 1989 is before the pivot


def test_week_grain_over_decades_is_drawn_by_month_and_says_so(db: Path) -> None:
    at = page("pages/3_Trends.py", {"grain": "week"})
    assert at.radio(key="tr_grain").value == "week"
    assert at.query_params["grain"] in ("week", ["week"])  # the link keeps the choice
    note = infos(at)
    assert "by week would be" in note and "shown by month instead" in note
    assert chart_title(at) == "Incidents per month — Colombia"
    assert chart_title(at, 1).startswith("Incidents per month: ")
    rows = series_rows(at)
    assert len({r["period"] for r in rows}) == months_between(FIRST, TODAY)
    assert sum(r["incidents"] for r in rows) == N
    # by year: one bar per year, nothing coarsened
    at.radio(key="tr_grain").set_value("year").run()
    assert not at.exception, at.exception
    assert "bars" not in infos(at)
    assert chart_title(at) == "Incidents per year — Colombia"
    rows = series_rows(at)
    assert sorted({day_of(r["period"]).year for r in rows}) == list(range(1958, TODAY.year + 1))
    # a short range by week is drawn by week
    at.date_input(key="f_dates").set_value((date(1969, 12, 1), date(1970, 1, 31)))
    at.radio(key="tr_grain").set_value("week").run()
    assert not at.exception, at.exception
    assert "bars" not in infos(at)
    weeks = {day_of(r["period"]) for r in series_rows(at)}
    assert date(1969, 12, 29) in weeks  # the Monday of the week holding the epoch
    assert all(w.weekday() == 0 for w in weeks)


def test_a_1958_annotation_is_added_and_drawn(writable_db: Path) -> None:
    at = page("pages/3_Trends.py")
    assert at.date_input(key="ann_day").min <= EARLIEST
    at.date_input(key="ann_day").set_value(date(1958, 8, 7))
    at.text_input(key="ann_label").set_value("Frente Nacional")
    at.get("form_submit_button")[0].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert sql(
        writable_db, "SELECT day, label FROM annotations WHERE label = 'Frente Nacional'"
    ) == [(date(1958, 8, 7), "Frente Nacional")]
    listed = [m.value for m in at.markdown if m.value.startswith("1958-08-07 —")]
    assert listed == ["1958-08-07 — Frente Nacional"]
    rules = [r for r in chart_rows(vega_charts(at)[0]) if r.get("label") == "Frente Nacional"]
    assert rules and {day_of(r["day"]) for r in rules} == {date(1958, 8, 7)}


def test_a_brush_reaching_before_the_range_is_clipped_to_it(db: Path) -> None:
    at = page("pages/3_Trends.py")
    # the first bar starts on 1 May 1958, the range on 10 May; a brush may start even earlier
    brush = [epoch_ms(date(1957, 6, 1)), epoch_ms(date(1960, 1, 1))]
    assert brush[0] < 0  # before the epoch
    at.session_state["time_chart"] = {"selection": {"brush": {"period": brush}}}
    at.run()
    assert not at.exception, at.exception
    button = at.button(key="apply_brush")
    assert button.label == "Filter to the brushed range 1958-05-10 – 1960-01-01"
    button.click().run()
    assert not at.exception, at.exception
    assert tuple(at.date_input(key="f_dates").value) == (FIRST, date(1960, 1, 1))
    assert figures_trend_total(at) == 1


def figures_trend_total(at: AppTest) -> int:
    return sum(r["incidents"] for r in series_rows(at))


def test_playback_over_decades_steps_by_quarter_and_says_so(db: Path) -> None:
    assert expected_step("month", trends.MAX_FRAMES) == "quarter"  # until 2033
    at = page("pages/3_Trends.py")
    assert at.radio(key="pb_step").value == "month"
    note = infos(at)
    assert "by month would be" in note and "shown by quarter instead" in note
    labels = list(at.select_slider(key="pb_frame").options)
    assert len(labels) == quarters_between(FIRST, TODAY) <= trends.MAX_FRAMES
    assert labels[0] == "10 May 1958 – 30 Jun 1958"
    assert labels[1] == "Q3 1958"
    last_start = date(TODAY.year, 3 * ((TODAY.month - 1) // 3) + 1, 1)
    assert labels[-1] == quarter_label(last_start, TODAY)
    assert json.dumps(f"{labels[0]} — incidents", ensure_ascii=False) in map_script(at)
    assert f"{len(labels):,} frames" in " ".join(c.value for c in at.caption)
    # playing advances one frame per run and does not crash
    at.toggle(key="pb_play").set_value(True).run()
    assert not at.exception, at.exception
    assert at.select_slider(key="pb_frame").value == labels[1]
    at.toggle(key="pb_play").set_value(False).run()
    # by week: still quarters over 68 years; by year: one frame a year
    at.radio(key="pb_step").set_value("week").run()
    assert not at.exception, at.exception
    assert "by week would be" in infos(at)
    assert len(at.select_slider(key="pb_frame").options) == len(labels)
    at.radio(key="pb_step").set_value("year").run()
    assert not at.exception, at.exception
    years = list(at.select_slider(key="pb_frame").options)
    assert len(years) == TODAY.year - 1958 + 1
    assert years[1:-1] == [str(y) for y in range(1959, TODAY.year)]
    # a short range plays week by week, as chosen
    at.date_input(key="f_dates").set_value((date(1958, 1, 1), date(1958, 12, 31)))
    at.radio(key="pb_step").set_value("week").run()
    assert not at.exception, at.exception
    assert "frames" not in infos(at)
    weeks = list(at.select_slider(key="pb_frame").options)
    mondays = sum(1 for i in range(365) if (date(1958, 1, 1) + timedelta(i)).weekday() == 0)
    assert len(weeks) == mondays + 1  # 1 Jan 1958 is a Wednesday: a clipped first week
    assert weeks[0] == "1 Jan 1958 – 5 Jan 1958"


# ----------------------------------------------------------------------------------------------
# Data page: a 1958 incident can be typed in


def test_data_page_add_incident_accepts_any_date_from_1900(writable_db: Path) -> None:
    from conflictmap import geodata
    from conflictmap.divipola import Gazetteer

    at = page("pages/1_Data.py")
    widget = at.date_input(key="add_date")
    assert widget.min <= EARLIEST and widget.max == TODAY
    widget.set_value(date(1958, 6, 1))
    at.selectbox(key="add_type").set_value("Battles")
    place = Gazetteer.from_boundaries(geodata.load_boundaries()).municipality("41001")
    at.selectbox(key="add_muni").set_value(place)
    at.text_input(key="add_source").set_value("Centro Nacional de Memoria Histórica")
    at.text_input(key="add_url").set_value("https://centrodememoriahistorica.gov.co/")
    [button] = [b for b in at.button if b.label == "Save incident"]
    button.click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.date_input(key="add_date").value == date(1958, 6, 1)
    got = sql(writable_db, "SELECT muni_code FROM incidents WHERE event_date = '1958-06-01'")
    assert got == [("41001",)]


# ----------------------------------------------------------------------------------------------
# exports of 1958 (the CLI builds the same snapshot as the dashboard's Export panel)


@pytest.mark.parametrize(
    "fmt", ["csv", "geojson", "gpkg", "aggregates.csv", "html", "png", "svg", "pdf"]
)
def test_a_1958_view_exports_in_every_format(years_db: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"snap.{fmt}"
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        rc = cli.main(
            ["snapshot", "--from", "1958-01-01", "--to", "1958-12-31", "--db", str(years_db),
             "--out", str(out)]
        )  # fmt: skip
    assert rc == 0
    meta = json.loads(buffer.getvalue())["metadata"]
    assert meta["incidents"] == 1 and meta["fatalities"] == 3
    assert meta["filters"] == {"from": "1958-01-01", "to": "1958-12-31"}
    assert "1 Jan 1958 – 31 Dec 1958" in meta["subtitle"]
    data = out.read_bytes()
    assert data
    if fmt == "csv":
        frame = pd.read_csv(out)
        assert frame["event_date"].tolist() == ["1958-05-10"]
    elif fmt == "geojson":
        features = json.loads(data)["features"]
        assert [f["properties"]["event_date"] for f in features] == ["1958-05-10"]
    elif fmt == "gpkg":
        import pyogrio

        frame = pyogrio.read_dataframe(out)
        assert [str(v)[:10] for v in frame["event_date"]] == ["1958-05-10"]
    elif fmt == "aggregates.csv":
        frame = pd.read_csv(out, dtype={"code": str})
        assert int(frame["incidents"].sum()) == 1
        assert frame.loc[frame["code"] == "41", "incidents"].tolist() == [1]


def test_an_unfiltered_export_holds_every_year(years_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(["snapshot", "--db", str(years_db), "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert sorted(frame["event_date"]) == sorted(r[0].isoformat() for r in ROWS)


# ----------------------------------------------------------------------------------------------
# units: filters' date bounds


def test_widget_bounds_follow_the_data_and_take_the_current_value() -> None:
    today = date(2026, 1, 15)
    # the data's years (from 1 January of the first, so a whole year can be chosen) to today
    assert widget_bounds(FIRST, date(2025, 1, 1), today=today) == (date(1958, 1, 1), today)
    assert widget_bounds(date(1989, 1, 5), date(2025, 1, 1), today=today)[0] == date(1989, 1, 1)
    # a newer stored day than today (a clock set wrong) stays reachable
    assert widget_bounds(FIRST, date(2026, 2, 1), today=today)[1] == date(2026, 2, 1)
    # widened to any requested day: the widget never raises
    assert widget_bounds(FIRST, today, [date(1950, 1, 1), None], today=today) == (
        date(1950, 1, 1), today
    )  # fmt: skip
    assert widget_bounds(FIRST, today, [date(2030, 1, 1)], today=today)[1] == date(2030, 1, 1)
    # no data: every day an incident can have
    assert widget_bounds(None, None, today=today) == (EARLIEST, today)


def test_clamp_dates_moves_a_range_inside_1900_to_today() -> None:
    today = date(2026, 1, 15)
    assert clamp_dates(date(1950, 1, 1), date(1960, 1, 1), today=today) == (
        date(1950, 1, 1), date(1960, 1, 1), []
    )  # fmt: skip
    lo, hi, problems = clamp_dates(date(1, 1, 1), date(9999, 12, 31), today=today)
    assert (lo, hi) == (EARLIEST, today)
    assert len(problems) == 2
    assert "from=0001-01-01" in problems[0] and "1 Jan 1900" in problems[0]
    assert "to=9999-12-31" in problems[1] and "15 Jan 2026" in problems[1]
    assert clamp_dates(None, None, today=today) == (None, None, [])
    assert clamp_dates(EARLIEST, today, today=today) == (EARLIEST, today, [])  # edges are kept
    assert latest(date(2026, 2, 1), today) == date(2026, 2, 1)
    assert latest(None, today) == today


# ----------------------------------------------------------------------------------------------
# units: periods, series and frames before the epoch


def test_periods_of_1958_and_across_the_epoch() -> None:
    assert date(1958, 5, 5).weekday() == 0  # a Monday
    assert trends.period_start(FIRST, "week") == date(1958, 5, 5)
    assert trends.period_start(FIRST, "month") == date(1958, 5, 1)
    assert trends.period_start(FIRST, "quarter") == date(1958, 4, 1)
    assert trends.period_start(FIRST, "year") == date(1958, 1, 1)
    # 1 Jan 1970 is a Thursday: its week starts on Monday 29 Dec 1969
    assert trends.periods(date(1969, 12, 29), date(1970, 1, 4), "week") == [
        (date(1969, 12, 29), date(1970, 1, 4))
    ]
    assert trends.periods(date(1969, 12, 31), date(1970, 1, 1), "month") == [
        (date(1969, 12, 31), date(1969, 12, 31)), (date(1970, 1, 1), date(1970, 1, 1))
    ]  # fmt: skip
    assert trends.periods(EARLIEST, date(1900, 1, 1), "week") == [(EARLIEST, EARLIEST)]


def test_series_buckets_pre_epoch_dates_in_their_own_period(con) -> None:
    f = Filters(date_from=date(1969, 12, 1), date_to=date(1970, 1, 31))
    s = trends.series(con, f, "month")
    got = {(p, t): n for p, t, n in zip(s["period"], s["event_type"], s["incidents"], strict=True)}
    assert got[(date(1969, 12, 1), "Explosions/Remote violence")] == 1
    assert got[(date(1970, 1, 1), "Battles")] == 1
    assert sum(got.values()) == 2
    w = trends.series(con, f, "week")
    week = w[w["period"] == date(1969, 12, 29)]
    assert int(week["incidents"].sum()) == 2  # Wed 31 Dec 1969 and Thu 1 Jan 1970
    assert int(week["days"].iloc[0]) == 7


def test_series_from_1958_to_today_has_every_month(con) -> None:
    f = Filters(date_from=FIRST, date_to=TODAY)
    s = trends.series(con, f, "month")
    assert s["period"].nunique() == months_between(FIRST, TODAY)
    assert int(s["incidents"].sum()) == N and int(s["fatalities"].sum()) == FATALITIES
    assert s["period"].min() == date(1958, 5, 1)
    assert int(s.loc[s["period"] == date(1958, 5, 1), "days"].iloc[0]) == 22  # 10-31 May
    y = trends.series(con, Filters(), "year")  # open range: the data's own span
    assert sorted(y["period"].unique()) == [date(v, 1, 1) for v in range(1958, TODAY.year + 1)]


def test_count_periods_equals_the_listed_periods() -> None:
    ranges = [
        (FIRST, TODAY), (EARLIEST, TODAY), (date(1969, 12, 31), date(1970, 1, 1)),
        (date(2021, 1, 1), date(2023, 12, 31)), (date(2022, 1, 1), date(2022, 1, 2)),
        (date(2022, 8, 7), date(2022, 8, 7)), (date(2022, 8, 7), date(2022, 8, 6)),
    ]  # fmt: skip
    for lo, hi in ranges:
        for grain in trends.GRAINS:
            assert trends.count_periods(lo, hi, grain) == len(trends.periods(lo, hi, grain)), (
                lo, hi, grain
            )  # fmt: skip


def test_fit_grain_picks_the_finest_grain_that_fits() -> None:
    # 1958-05-10 .. 2026-12-02: 3,579 weeks, 824 months, 275 quarters, 69 years
    lo, hi = FIRST, date(2026, 12, 2)
    assert trends.fit_grain(lo, hi, "week", 1000) == "month"
    assert trends.fit_grain(lo, hi, "month", 1000) == "month"
    assert trends.fit_grain(lo, hi, "week", 300) == "quarter"
    assert trends.fit_grain(lo, hi, "year", 300) == "year"
    assert trends.fit_grain(lo, hi, "week", 10) == "year"  # the coarsest when none fits
    assert trends.fit_grain(date(2021, 1, 1), date(2023, 12, 31), "week", 300) == "week"
    with pytest.raises(ValueError):
        trends.fit_grain(lo, hi, "day", 300)


def test_playback_over_decades(con) -> None:
    f = Filters(date_from=FIRST, date_to=TODAY)
    step, window = trends.playback_step(con, f, "month")
    assert (step, window) == ("quarter", (FIRST, TODAY))
    assert trends.playback_step(con, f, "year")[0] == "year"
    short = Filters(date_from=date(1969, 12, 1), date_to=date(1970, 1, 31))
    assert trends.playback_step(con, short, "week")[0] == "week"
    frames, classes = trends.playback_frames(con, f, "municipality", step, "incidents")
    assert len(frames) == quarters_between(FIRST, TODAY)
    assert sum(int(fr.aggregates["incidents"].sum()) for fr in frames) == N
    assert frames[0].aggregates.to_dict("records") == [
        {"code": "41001", "incidents": 1, "fatalities": 3}
    ]
    assert frames[0].label == "10 May 1958 – 30 Jun 1958"
    epoch = [fr for fr in frames if fr.start <= date(1970, 1, 1) <= fr.end]
    assert [fr.label for fr in epoch] == ["Q1 1970"]
    assert epoch[0].aggregates["code"].tolist() == ["41001"]
    assert len({fr.label for fr in frames}) == len(frames)
    assert classes.labels()  # one class set over all frames
    years, _ = trends.playback_frames(con, f, "department", "year", "fatalities")
    assert [fr.label for fr in years[1:-1]] == [str(y) for y in range(1959, TODAY.year)]


def test_frame_labels_by_grain() -> None:
    empty = pd.DataFrame()
    assert trends.Frame(date(1958, 4, 1), date(1958, 6, 30), empty, "quarter").label == "Q2 1958"
    assert trends.Frame(date(1958, 1, 1), date(1958, 12, 31), empty, "year").label == "1958"
    assert trends.Frame(date(1958, 5, 1), date(1958, 5, 31), empty, "month").label == "May 1958"
    assert trends.Frame(date(1958, 5, 5), date(1958, 5, 11), empty, "week").label == (
        "5 May 1958 – 11 May 1958"
    )
    # clipped by the date range: the days
    assert trends.Frame(FIRST, date(1958, 6, 30), empty, "quarter").label == (
        "10 May 1958 – 30 Jun 1958"
    )
    assert trends.Frame(date(1958, 1, 1), date(1958, 3, 31), empty, "year").label == (
        "1 Jan 1958 – 31 Mar 1958"
    )


# ----------------------------------------------------------------------------------------------
# units: charts with pre-1970 dates and many rows


def test_brushed_range_before_the_epoch() -> None:
    lo, hi = epoch_ms(FIRST), epoch_ms(date(1970, 1, 1))
    assert lo < 0 and hi == 0
    assert charts.brushed_range({"selection": {"brush": {"period": [lo, hi]}}}) == (
        FIRST, date(1970, 1, 1)
    )  # fmt: skip
    assert charts.brushed_range({"selection": {"brush": {"period": [float(lo), -1.0]}}}) == (
        FIRST, date(1969, 12, 31)
    )  # fmt: skip
    # reversed ends are put in order; ISO strings work too
    assert charts.brushed_range({"selection": {"brush": {"period": [hi, lo]}}}) == (
        FIRST, date(1970, 1, 1)
    )  # fmt: skip
    assert charts.brushed_range(
        {"selection": {"brush": {"period": ["1958-05-10", "1969-12-31T00:00:00"]}}}
    ) == (FIRST, date(1969, 12, 31))
    # clipped to the filtered range; None if it lies wholly outside
    sel = {"selection": {"brush": {"period": [epoch_ms(date(1957, 6, 1)), lo]}}}
    assert charts.brushed_range(sel, within=(FIRST, TODAY)) == (FIRST, FIRST)
    sel = {
        "selection": {"brush": {"period": [epoch_ms(date(1950, 1, 1)), epoch_ms(date(1951, 1, 1))]}}
    }
    assert charts.brushed_range(sel, within=(FIRST, TODAY)) is None
    assert charts.brushed_range({"selection": {"brush": {"period": ["soon", lo]}}}) is None


def test_chart_export_with_pre_1970_dates_and_more_than_5000_rows(con) -> None:
    # 1958 .. today by week, 3 event types: over 10,000 rows (altair refuses 5,000)
    f = Filters(date_from=FIRST, date_to=TODAY)
    s = trends.series(con, f, "week")
    assert len(s) > 10_000
    chart = charts.time_chart(
        s, metric="incidents", grain="week", annotations=None, title="Since 1958",
        subtitle="all dates", sources=["S"], demo=False,
    )  # fmt: skip
    spec = json.loads(charts.spec_json(chart))
    values = [r for ds in spec["datasets"].values() for r in ds if r.get("incidents")]
    assert sorted(v["period"][:10] for v in values) == sorted(
        (r[0] - timedelta(r[0].weekday())).isoformat() for r in ROWS
    )
    png = charts.to_png(chart, scale=1)
    assert png.startswith(b"\x89PNG")
    # a 1958-1960 chart: the axis is labelled with the years of the data, not 1970
    small = trends.series(con, Filters(date_from=FIRST, date_to=date(1960, 12, 31)), "month")
    svg = charts.to_svg(
        charts.time_chart(
            small, metric="incidents", grain="month", annotations=None, title="1958",
            subtitle="s", sources=[], demo=False,
        )
    )  # fmt: skip
    texts = [t.strip() for t in ET.fromstring(svg).itertext() if t.strip()]
    assert "1959" in texts and "1960" in texts
    assert "1970" not in texts
