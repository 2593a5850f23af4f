"""trends_view: the Trends page's view model, checked against counts made here from the rows
written (and SQL on the stored file), never by the code under test."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from conflictmap import ingest, store, trends, trends_view
from conflictmap.filters import Filters
from conflictmap.url_params import TrendOptions

NEIVA = ("2.93", "-75.28")  # 41001, Huila
CUCUTA = ("7.89", "-72.50")  # 54001, Norte de Santander
DEPT = {NEIVA: "41", CUCUTA: "54"}

# event_date, event_type, place, fatalities, actor1, actor2
ROWS = [
    (date(1990, 3, 4), "Battles", NEIVA, 1, "FARC", "Military"),
    (date(2022, 1, 10), "Battles", NEIVA, 2, "ELN", "Military"),
    (date(2022, 1, 20), "Explosions/Remote violence", CUCUTA, 0, "ELN", ""),
    (date(2022, 3, 5), "Battles", CUCUTA, 4, "Clan del Golfo", "ELN"),
    (date(2022, 8, 6), "Violence against civilians", NEIVA, 1, "Clan del Golfo", ""),
    (date(2022, 8, 7), "Battles", NEIVA, 3, "ELN", ""),
    (date(2022, 11, 30), "Battles", CUCUTA, 0, "ELN", "Clan del Golfo"),
]
YEAR = Filters(date_from=date(2022, 1, 1), date_to=date(2022, 12, 31))


def in_year(rows=ROWS, dept: str | None = None):  # noqa: ANN001, ANN201
    return [
        r for r in rows
        if YEAR.date_from <= r[0] <= YEAR.date_to and (dept is None or DEPT[r[2]] == dept)
    ]  # fmt: skip


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:  # noqa: ARG001
    return _build(tmp_path_factory.mktemp("trends_view"))


def _build(folder: Path) -> Path:
    """A database of ROWS in ``folder`` (a file there, or a schema of its own on PostgreSQL)."""
    path = folder / "rows.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["event_date", "event_type", "source", "latitude", "longitude", "fatalities",
                    "actor1", "actor2"])
        for i, (day, kind, (lat, lon), fat, a1, a2) in enumerate(ROWS):
            w.writerow([day.isoformat(), kind, f"Source {i}", lat, lon, fat, a1, a2])
    db = folder / "trends.duckdb"
    report = ingest.import_file(path, fmt="native", db=db)
    assert (report.inserted, report.rejected) == (len(ROWS), 0)
    return db


def test_series_by_month_over_the_filtered_year(db: Path) -> None:
    view = trends_view.load_trends_view(YEAR, TrendOptions("month", "incidents"), db=db)
    assert view.window == (date(2022, 1, 1), date(2022, 12, 31))
    assert view.grain == "month" and view.grain_note is None
    assert sorted(set(view.series["period"])) == [date(2022, m, 1) for m in range(1, 13)]
    got = view.series.groupby("period")[["incidents", "fatalities"]].sum()
    months = Counter(r[0].replace(day=1) for r in in_year())
    deaths = Counter()
    for r in in_year():
        deaths[r[0].replace(day=1)] += r[3]
    for m in range(1, 13):
        day = date(2022, m, 1)
        assert int(got.loc[day, "incidents"]) == months.get(day, 0)
        assert int(got.loc[day, "fatalities"]) == deaths.get(day, 0)
    by_type = view.series.groupby("event_type")["incidents"].sum().to_dict()
    assert by_type == dict(Counter(r[1] for r in in_year()))
    assert view.series_heading == "Incidents per month, by event type"
    assert not view.demo
    # attribution: the sources in view (queries.datasets_in_view keeps the first five, sorted)
    assert view.sources == sorted(f"Source {i}" for i, r in enumerate(ROWS) if r in in_year())[:5]


def test_a_grain_too_fine_for_the_window_is_coarsened_and_said(db: Path) -> None:
    view = trends_view.load_trends_view(Filters(), TrendOptions("week", "fatalities"), db=db)
    assert view.window == (ROWS[0][0], ROWS[-1][0])  # open range: the first and last incident
    weeks = trends.count_periods(*view.window, "week")
    assert weeks > trends.MAX_CHART_PERIODS
    assert view.options.grain == "week" and view.grain == "month"
    assert view.grain_note and "by week would be" in view.grain_note
    assert f"{weeks:,} bars" in view.grain_note and "shown by month instead" in view.grain_note
    assert int(view.series["fatalities"].sum()) == sum(r[3] for r in ROWS)
    chart = view.time_chart().to_dict()
    assert chart["title"]["text"] == "Fatalities per month — Colombia"


def test_actors_and_matrix(db: Path) -> None:
    view = trends_view.load_trends_view(YEAR, db=db)
    want: Counter[str] = Counter()
    for r in in_year():
        for actor in {r[4], r[5]} - {""}:
            want[actor] += 1
    assert dict(zip(view.actors["actor"], view.actors["incidents"], strict=True)) == dict(want)
    cells: Counter[tuple[str, str]] = Counter()
    for r in in_year():
        for actor in {r[4], r[5]} - {""}:
            cells[(actor, r[1])] += 1
    got = {(a, t): n for a, t, n in view.matrix[["actor", "event_type", "incidents"]].itertuples(
        index=False)}
    assert got == dict(cells)
    assert view.actor_chart().to_dict()["title"]["text"] == "Most active actors — Colombia"
    assert view.matrix_chart().to_dict()["title"]["text"] == "Actor × event type — Colombia"


def test_compare_places_totals(db: Path, boundaries) -> None:  # noqa: ARG001
    from conflictmap.geography import load_geography

    geo = load_geography()
    view = trends_view.load_trends_view(YEAR, db=db)
    options, names = trends_view.place_choices(YEAR, geo)
    assert trends_view.default_places(options) == ["41", "54"]
    assert names["41"] == "Huila" and "41001" not in options  # no department chosen
    compared = view.compare(["54", "41"], names)
    totals = compared.totals
    assert list(totals.index) == ["Norte de Santander", "Huila"]
    for code, name in (("41", "Huila"), ("54", "Norte de Santander")):
        rows = in_year(dept=code)
        assert int(totals.loc[name, "incidents"]) == len(rows)
        assert int(totals.loc[name, "fatalities"]) == sum(r[3] for r in rows)
    assert compared.chart.to_dict()["title"]["text"] == (
        "Incidents per month: Norte de Santander vs Huila"
    )
    # with a department chosen, its municipalities can be compared too
    huila = Filters(dept="41")
    options, names = trends_view.place_choices(huila, geo)
    assert "41001" in options and names["41001"] == "Neiva (Huila)"


def test_before_and_after_a_date(db: Path) -> None:
    view = trends_view.load_trends_view(YEAR, db=db)
    pivot = date(2022, 8, 7)
    assert view.default_pivot() == pivot
    ba = view.before_after(pivot)
    assert ba.problem is None
    rows = {r["window"]: r for r in ba.table.to_dict("records")}
    before = [r for r in in_year() if r[0] < pivot]
    after = [r for r in in_year() if r[0] >= pivot]
    assert (rows["Before"]["from"], rows["Before"]["to"]) == (date(2022, 1, 1), date(2022, 8, 6))
    assert rows["Before"]["days"] == (pivot - date(2022, 1, 1)).days
    assert rows["Before"]["incidents"] == len(before)
    assert rows["After"]["incidents"] == len(after)
    assert rows["After"]["fatalities"] == sum(r[3] for r in after)
    b_rate = len(before) / rows["Before"]["days"]
    a_rate = len(after) / rows["After"]["days"]
    assert f"**{a_rate / b_rate - 1:+.0%}**" in ba.summary
    assert "differ in length" in ba.summary
    # 30 days each side
    ba = view.before_after(pivot, 30)
    assert ba.table["days"].tolist() == [30, 30]
    assert ba.table["incidents"].tolist() == [
        sum(1 for r in ROWS if date(2022, 7, 8) <= r[0] < pivot),
        sum(1 for r in ROWS if pivot <= r[0] <= date(2022, 9, 5)),
    ]
    # outside the range: a problem to show, not an exception
    ba = view.before_after(date(2020, 1, 1))
    assert ba.problem and "inside the filtered range" in ba.problem and ba.table.empty


def test_default_pivot_is_the_middle_of_a_range_without_it() -> None:
    f = Filters(date_from=date(1989, 1, 1), date_to=date(1989, 12, 31))
    assert trends_view.default_pivot(f) == date(1989, 7, 2)
    assert trends_view.default_pivot(Filters()) == date(2022, 8, 7)


def test_annotations_add_list_delete(db: Path, tmp_path: Path) -> None:
    copy = _build(tmp_path)  # the same rows, in a database of its own (either store)
    assert trends_view.list_annotations(copy).empty
    new_id = trends_view.add_annotation(date(2022, 8, 7), "  New   government ", db=copy)
    with store.connect(copy, read_only=True) as con:
        stored = con.execute("SELECT annotation_id, day, label FROM annotations").fetchall()
    assert stored == [(new_id, date(2022, 8, 7), "New government")]
    listed = trends_view.list_annotations(copy)
    assert listed["label"].tolist() == ["New government"]
    # drawn on the charts of a range that holds it, not on others
    view = trends_view.load_trends_view(YEAR, db=copy)
    assert view.annotations["label"].tolist() == ["New government"]
    assert trends_view.load_trends_view(
        Filters(date_from=date(1990, 1, 1), date_to=date(1990, 12, 31)), db=copy
    ).annotations.empty
    assert trends_view.delete_annotation(new_id, db=copy)
    assert trends_view.list_annotations(copy).empty


def test_an_annotation_without_date_or_label_is_refused_before_writing(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    with pytest.raises(ValueError, match="needs a label"):
        trends_view.add_annotation(date(2022, 1, 1), "   ", db=missing)
    with pytest.raises(ValueError, match="needs a date"):
        trends_view.add_annotation(None, "A label", db=missing)
    assert not missing.exists()


def test_playback_frames_and_their_map(db: Path) -> None:
    assert trends_view.playback_level(Filters(dept="41"), "department") == "municipality"
    assert trends_view.playback_level(Filters(), None) == "department"
    playback = trends_view.load_playback(YEAR, "department", "month", "incidents", db=db)
    assert playback.step == "month" and playback.note is None
    labels = [date(2022, m, 1).strftime("%b %Y") for m in range(1, 13)]
    assert playback.labels == labels
    assert f"{len(labels)} frames" in playback.caption
    for frame in playback.frames:
        want = Counter(DEPT[r[2]] for r in ROWS if frame.start <= r[0] <= frame.end)
        got = dict(zip(frame.aggregates["code"], frame.aggregates["incidents"], strict=True))
        assert got == dict(want), frame.label
    spec = playback.map_spec("Aug 2022", demo=True, sources=["x"])
    assert spec.caption == "Aug 2022 — incidents"
    assert spec.total_incidents == sum(1 for r in ROWS if r[0].month == 8 and r[0].year == 2022)
    assert (spec.level, spec.point_budget, spec.points.empty) == ("department", 0, True)
    assert spec.classes == playback.classes and spec.demo_in_view and spec.sources == ["x"]
    assert playback.next_label("Dec 2022") == "Jan 2022"
    assert playback.next_label("Mar 2022") == "Apr 2022"
    assert playback.next_label("unknown") == "Jan 2022"
    # within a department: its municipalities, whatever level was chosen
    huila = trends_view.load_playback(
        Filters(date_from=YEAR.date_from, date_to=YEAR.date_to, dept="41"),
        "department", "quarter", "fatalities", db=db,
    )  # fmt: skip
    assert huila.level == "municipality" and huila.labels == ["Q1 2022", "Q2 2022", "Q3 2022",
                                                              "Q4 2022"]
    q3 = huila.map_spec("Q3 2022")
    assert q3.dept == "41" and q3.caption == "Q3 2022 — fatalities"
    assert q3.aggregates.set_index("code")["fatalities"].to_dict() == {
        "41001": sum(r[3] for r in ROWS if DEPT[r[2]] == "41" and r[0].year == 2022
                     and 7 <= r[0].month <= 9)
    }


def test_playback_over_decades_is_coarsened_and_said(db: Path) -> None:
    playback = trends_view.load_playback(Filters(), "department", "week", "incidents", db=db)
    assert playback.wanted == "week" and playback.step != "week"
    assert len(playback.frames) <= trends.MAX_FRAMES
    assert playback.note and "by week would be" in playback.note
    total = sum(int(f.aggregates["incidents"].sum()) for f in playback.frames)
    assert total == len(ROWS)


def test_chart_files_make_bytes_only_when_asked(db: Path) -> None:
    view = trends_view.load_trends_view(YEAR, db=db)
    files = trends_view.chart_files(view.actor_chart(), view.actors)
    assert [(f.label, f.ext, f.mime) for f in files] == [
        ("PNG", "png", "image/png"), ("SVG", "svg", "image/svg+xml"),
        ("Data (CSV)", "csv", "text/csv"),
    ]  # fmt: skip
    csv_text = files[2].make().decode("utf-8")
    assert csv_text.splitlines()[0] == "actor,incidents,fatalities"
