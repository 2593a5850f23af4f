"""Trends: periods, series, place comparison, actors, before/after, playback frames, annotations
and chart export — exact numbers on a small database with known incidents."""

from __future__ import annotations

import io
import itertools
import json
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from conflictmap import annotations, charts, ingest, mapping, queries, store, trends
from conflictmap.classify import Classes
from conflictmap.filters import Filters
from conflictmap.schema import EVENT_TYPES

NEIVA = ("2.93", "-75.28")  # 41001, Huila
TIBU = ("8.64", "-72.73")  # 54810, Norte de Santander

B, VAC, EXP, PRO = (
    "Battles",
    "Violence against civilians",
    "Explosions/Remote violence",
    "Protests",
)

# id, date, type, actor1, actor2, fatalities, place
KNOWN = [
    ("k00", "2021-12-31", B, "ELN", "Military", "1", TIBU),  # Fri: same week as k01
    ("k01", "2022-01-01", B, "ELN", "Military", "2", NEIVA),  # Sat
    ("k02", "2022-01-03", B, "ELN", "Military", "1", TIBU),  # Mon
    ("k03", "2022-01-09", VAC, "ELN", "Civilians", "0", TIBU),  # Sun
    ("k04", "2022-01-10", EXP, "Frente 33", "Police", "3", TIBU),  # Mon
    ("k05", "2022-02-15", B, "Frente 33", "ELN", "4", TIBU),
    ("k06", "2022-03-31", PRO, "Protesters", "", "0", NEIVA),
    ("k07", "2022-04-01", B, "Military", "Military", "1", NEIVA),  # same actor on both sides
    ("k08", "2022-07-01", VAC, "Dagoberto Ramos Mobile Column", "Civilians", "1", NEIVA),
    ("k09", "2022-08-07", B, "Dagoberto Ramos Mobile Column", "Police", "5", NEIVA),
    ("k10", "2022-12-31", B, "ELN", "Military", "", TIBU),  # fatalities unknown
    # March 2023, for before/after around 2023-03-11 (10 days before, 20 days after)
    ("m01", "2023-03-01", B, "ELN", "Military", "1", TIBU),
    ("m02", "2023-03-03", B, "ELN", "Military", "1", TIBU),
    ("m03", "2023-03-06", B, "ELN", "Military", "1", TIBU),
    ("m04", "2023-03-08", B, "ELN", "Military", "1", TIBU),
    ("m05", "2023-03-10", B, "ELN", "Military", "1", TIBU),
    ("m06", "2023-03-11", B, "ELN", "Military", "0", TIBU),
    ("m07", "2023-03-15", B, "ELN", "Military", "0", TIBU),
    ("m08", "2023-03-16", B, "ELN", "Military", "0", TIBU),
    ("m09", "2023-03-25", B, "ELN", "Military", "1", TIBU),
    ("m10", "2023-03-30", B, "ELN", "Military", "1", TIBU),
]

YEAR = Filters(date_from=date(2022, 1, 1), date_to=date(2022, 12, 31))
MARCH = Filters(date_from=date(2023, 3, 1), date_to=date(2023, 3, 30))


def native_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "incident_id": i,
                "event_date": d,
                "event_type": t,
                "sub_event_type": "",
                "actor1": a1,
                "actor2": a2,
                "fatalities": fat,
                "latitude": lat,
                "longitude": lon,
                "municipality": "",
                "department": "",
                "location": "",
                "source": "Test source",
                "source_url": "",
                "notes": "",
                "geo_precision": "1",
            }
            for i, d, t, a1, a2, fat, (lat, lon) in rows
        ]
    ).astype(str)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:
    path = tmp_path_factory.mktemp("trends") / "known.duckdb"
    report = ingest.import_frame(
        native_frame(KNOWN), name="known.csv", fmt="native", db=path, dataset="known"
    )
    assert (report.inserted, report.rejected) == (len(KNOWN), 0)
    return path


@pytest.fixture()
def con(db: Path):
    with store.connect(db, read_only=True) as c:
        yield c


def test_known_rows_are_placed_in_neiva_and_tibu(con) -> None:
    got = dict(
        con.execute("SELECT incident_id, muni_code FROM incidents ORDER BY 1").fetchall()
    )
    assert {k.removeprefix("native:"): v for k, v in got.items()} == {
        r[0]: ("41001" if r[6] == NEIVA else "54810") for r in KNOWN
    }
    query = "SELECT actor1 FROM incidents UNION SELECT actor2 FROM incidents"
    actors = {a for (a,) in con.execute(query).fetchall()}
    assert actors - {None, ""} == {
        "ELN", "Military", "Civilians", "Frente 33", "Police", "Protesters",
        "Dagoberto Ramos Mobile Column",
    }  # fmt: skip


# ----------------------------------------------------------------------------------------------
# periods


def test_weekly_periods_start_on_monday_and_are_clipped() -> None:
    got = trends.periods(date(2022, 1, 1), date(2022, 1, 20), "week")
    assert got == [
        (date(2022, 1, 1), date(2022, 1, 2)),  # Sat-Sun of the week starting Mon 27 Dec 2021
        (date(2022, 1, 3), date(2022, 1, 9)),
        (date(2022, 1, 10), date(2022, 1, 16)),
        (date(2022, 1, 17), date(2022, 1, 20)),
    ]
    for start, _ in got[1:]:
        assert start.weekday() == 0
    assert trends.period_start(date(2022, 1, 1), "week") == date(2021, 12, 27)
    assert trends.period_start(date(2022, 8, 7), "week") == date(2022, 8, 1)  # a Sunday
    assert trends.period_start(date(2022, 8, 8), "week") == date(2022, 8, 8)  # a Monday


def test_monthly_and_quarterly_periods() -> None:
    assert trends.periods(date(2022, 1, 15), date(2022, 4, 10), "month") == [
        (date(2022, 1, 15), date(2022, 1, 31)),
        (date(2022, 2, 1), date(2022, 2, 28)),
        (date(2022, 3, 1), date(2022, 3, 31)),
        (date(2022, 4, 1), date(2022, 4, 10)),
    ]
    assert trends.periods(date(2022, 2, 1), date(2022, 12, 31), "quarter") == [
        (date(2022, 2, 1), date(2022, 3, 31)),
        (date(2022, 4, 1), date(2022, 6, 30)),
        (date(2022, 7, 1), date(2022, 9, 30)),
        (date(2022, 10, 1), date(2022, 12, 31)),
    ]
    assert trends.period_start(date(2022, 8, 7), "quarter") == date(2022, 7, 1)
    assert trends.period_start(date(2022, 8, 7), "month") == date(2022, 8, 1)
    assert trends.period_start(date(2024, 2, 29), "month") == date(2024, 2, 1)
    assert trends.periods(date(2024, 2, 1), date(2024, 2, 29), "month") == [
        (date(2024, 2, 1), date(2024, 2, 29))
    ]


def test_periods_across_a_year_boundary() -> None:
    assert trends.periods(date(2021, 12, 20), date(2022, 1, 10), "week") == [
        (date(2021, 12, 20), date(2021, 12, 26)),
        (date(2021, 12, 27), date(2022, 1, 2)),
        (date(2022, 1, 3), date(2022, 1, 9)),
        (date(2022, 1, 10), date(2022, 1, 10)),
    ]
    assert trends.periods(date(2021, 11, 15), date(2022, 2, 10), "month") == [
        (date(2021, 11, 15), date(2021, 11, 30)),
        (date(2021, 12, 1), date(2021, 12, 31)),
        (date(2022, 1, 1), date(2022, 1, 31)),
        (date(2022, 2, 1), date(2022, 2, 10)),
    ]
    assert trends.periods(date(2021, 11, 15), date(2022, 4, 1), "quarter") == [
        (date(2021, 11, 15), date(2021, 12, 31)),
        (date(2022, 1, 1), date(2022, 3, 31)),
        (date(2022, 4, 1), date(2022, 4, 1)),
    ]
    assert trends.next_period(date(2021, 12, 1), "month") == date(2022, 1, 1)
    assert trends.next_period(date(2021, 10, 1), "quarter") == date(2022, 1, 1)


def test_periods_edge_cases() -> None:
    day = date(2022, 8, 7)
    for grain in trends.GRAINS:
        assert trends.periods(day, day, grain) == [(day, day)]
        assert trends.periods(day, day - timedelta(days=1), grain) == []
    # a full year: 12 months, 4 quarters, 53 (clipped) weeks; periods tile the range exactly
    for grain, n in (("month", 12), ("quarter", 4), ("week", 53), ("year", 1)):
        got = trends.periods(date(2022, 1, 1), date(2022, 12, 31), grain)
        assert len(got) == n
        assert sum((e - s).days + 1 for s, e in got) == 365
        for (_, end), (start, _) in itertools.pairwise(got):
            assert start == end + timedelta(days=1)
    with pytest.raises(ValueError, match="unknown period"):
        trends.periods(day, day, "fortnight")
    with pytest.raises(ValueError):
        trends.period_start(day, "day")


# ----------------------------------------------------------------------------------------------
# series


def cell(frame: pd.DataFrame, period: date, kind: str) -> tuple[int, int]:
    row = frame[(frame["period"] == period) & (frame["event_type"] == kind)]
    assert len(row) == 1, (period, kind)
    return int(row["incidents"].iloc[0]), int(row["fatalities"].iloc[0])


def test_monthly_series_counts_fatalities_and_zero_months(con) -> None:
    s = trends.series(con, YEAR, "month")
    months = [date(2022, m, 1) for m in range(1, 13)]
    kinds = sorted([B, VAC, EXP, PRO])
    assert len(s) == 12 * 4
    assert sorted(set(s["period"])) == months
    assert sorted(set(s["event_type"])) == kinds
    assert cell(s, date(2022, 1, 1), B) == (2, 3)  # k01 + k02 (k00 is 2021)
    assert cell(s, date(2022, 1, 1), VAC) == (1, 0)
    assert cell(s, date(2022, 1, 1), EXP) == (1, 3)
    assert cell(s, date(2022, 2, 1), B) == (1, 4)
    assert cell(s, date(2022, 3, 1), PRO) == (1, 0)
    assert cell(s, date(2022, 4, 1), B) == (1, 1)
    assert cell(s, date(2022, 7, 1), VAC) == (1, 1)
    assert cell(s, date(2022, 8, 1), B) == (1, 5)
    assert cell(s, date(2022, 12, 1), B) == (1, 0)  # unknown fatalities count as 0
    # months without incidents are present as zeros (gaps, not missing bars)
    for m in (5, 6, 9, 10, 11):
        for kind in kinds:
            assert cell(s, date(2022, m, 1), kind) == (0, 0)
    per_month = s.groupby("period")["incidents"].sum()
    assert per_month.tolist() == [4, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1]
    assert int(s["incidents"].sum()) == queries.overview(con, YEAR).figures.incidents == 10
    assert int(s["fatalities"].sum()) == queries.overview(con, YEAR).figures.fatalities == 17
    assert set(s["days"]) == {28, 30, 31}
    assert dict(zip(s["period"], s["days"], strict=True))[date(2022, 2, 1)] == 28


def test_weekly_series_has_clipped_first_and_last_weeks(con) -> None:
    s = trends.series(con, YEAR, "week")
    starts = sorted(set(s["period"]))
    assert len(starts) == 53
    assert starts[0] == date(2021, 12, 27) and starts[-1] == date(2022, 12, 26)
    assert all(p.weekday() == 0 for p in starts)
    days = dict(zip(s["period"], s["days"], strict=True))
    assert days[date(2021, 12, 27)] == 2  # 1-2 Jan 2022 only
    assert days[date(2022, 12, 26)] == 6  # 26-31 Dec
    assert {days[p] for p in starts[1:-1]} == {7}
    # the first (clipped) week holds k01 only: k00 (31 Dec 2021) is outside the filter
    assert cell(s, date(2021, 12, 27), B) == (1, 2)
    assert cell(s, date(2022, 1, 3), B) == (1, 1)
    assert cell(s, date(2022, 1, 3), VAC) == (1, 0)  # Sunday 9 Jan: same week as Monday 3 Jan
    assert cell(s, date(2022, 1, 10), EXP) == (1, 3)
    assert cell(s, date(2022, 8, 1), B) == (1, 5)  # Sunday 7 Aug 2022 -> week of Mon 1 Aug
    assert cell(s, date(2022, 12, 26), B) == (1, 0)
    assert int(s["incidents"].sum()) == 10


def test_quarterly_series(con) -> None:
    s = trends.series(con, YEAR, "quarter")
    assert sorted(set(s["period"])) == [date(2022, m, 1) for m in (1, 4, 7, 10)]
    per_quarter = s.groupby("period")["incidents"].sum().to_dict()
    assert per_quarter == {
        date(2022, 1, 1): 6,
        date(2022, 4, 1): 1,
        date(2022, 7, 1): 2,  # k08 (1 Jul) and k09 (7 Aug 2022)
        date(2022, 10, 1): 1,
    }
    assert cell(s, date(2022, 7, 1), B) == (1, 5)
    assert set(s["days"]) == {90, 91, 92}


def test_series_with_a_clipped_month_reports_its_days(con) -> None:
    f = Filters(date_from=date(2022, 1, 10), date_to=date(2022, 2, 20))
    s = trends.series(con, f, "month")
    days = dict(zip(s["period"], s["days"], strict=True))
    assert days == {date(2022, 1, 1): 22, date(2022, 2, 1): 20}
    assert cell(s, date(2022, 1, 1), EXP) == (1, 3)
    assert cell(s, date(2022, 2, 1), B) == (1, 4)
    assert cell(s, date(2022, 2, 1), EXP) == (0, 0)
    assert int(s["incidents"].sum()) == 2


def test_series_without_dates_spans_the_data(con) -> None:
    s = trends.series(con, Filters(), "month")
    starts = sorted(set(s["period"]))
    assert starts[0] == date(2021, 12, 1) and starts[-1] == date(2023, 3, 1)
    assert len(starts) == 16
    assert int(s["incidents"].sum()) == len(KNOWN)


def test_series_respects_type_and_place_filters(con) -> None:
    f = Filters(date_from=date(2022, 1, 1), date_to=date(2022, 12, 31), event_types=(B,), dept="41")
    s = trends.series(con, f, "month")
    assert set(s["event_type"]) == {B}
    assert len(s) == 12
    assert s.groupby("period")["incidents"].sum()[
        [date(2022, 1, 1), date(2022, 4, 1), date(2022, 8, 1)]
    ].tolist() == [1, 1, 1]
    assert int(s["incidents"].sum()) == 3 and int(s["fatalities"].sum()) == 8


def test_series_with_no_matching_incidents_is_empty(con) -> None:
    f = Filters(date_from=date(2020, 1, 1), date_to=date(2020, 12, 31))
    s = trends.series(con, f, "month")
    assert s.empty
    with pytest.raises(ValueError):
        trends.series(con, YEAR, "day")


# ----------------------------------------------------------------------------------------------
# place comparison


def test_place_series_huila_vs_norte_de_santander(con) -> None:
    # the filters' own place (Huila) is ignored: each place gets the same other filters
    f = Filters(date_from=date(2022, 1, 1), date_to=date(2022, 12, 31), dept="41")
    p = trends.place_series(con, f, ["41", "54"], "month")
    assert len(p) == 24
    for code in ("41", "54"):
        got = sorted(p.loc[p["place"] == code, "period"])
        assert got == [date(2022, m, 1) for m in range(1, 13)]
    totals = p.groupby("place")[["incidents", "fatalities"]].sum()
    assert totals.loc["41"].tolist() == [5, 9]
    assert totals.loc["54"].tolist() == [5, 8]
    huila = p[p["place"] == "41"].set_index("period")["incidents"]
    nds = p[p["place"] == "54"].set_index("period")["incidents"]
    assert huila.tolist() == [1, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0]
    assert nds.tolist() == [3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    # the other filters still apply
    battles = trends.place_series(
        con, Filters(date_from=date(2022, 1, 1), date_to=date(2022, 12, 31), event_types=(B,),
                     dept="54", muni="54810"),
        ["41", "54"], "quarter",
    )  # fmt: skip
    assert battles.groupby("place")["incidents"].sum().to_dict() == {"41": 3, "54": 3}
    assert len(battles) == 8


def test_place_series_with_municipality_codes(con) -> None:
    p = trends.place_series(con, YEAR, ["41001", "54810"], "month")
    assert p.groupby("place")["incidents"].sum().to_dict() == {"41001": 5, "54810": 5}
    assert len(p) == 24
    # a place with no incidents still has every period, as zeros
    q = trends.place_series(con, YEAR, ["41001", "05001"], "quarter")
    medellin = q[q["place"] == "05001"]
    assert len(medellin) == 4 and medellin["incidents"].sum() == 0


# ----------------------------------------------------------------------------------------------
# actors


def test_top_actors_count_actor1_or_actor2_once_per_incident(con) -> None:
    top = trends.top_actors(con, YEAR)
    assert top.to_dict("records") == [
        {"actor": "ELN", "incidents": 5, "fatalities": 7},
        # k07 has Military on both sides: one incident, its 1 fatality counted once
        {"actor": "Military", "incidents": 4, "fatalities": 4},
        {"actor": "Civilians", "incidents": 2, "fatalities": 1},
        {"actor": "Dagoberto Ramos Mobile Column", "incidents": 2, "fatalities": 6},
        {"actor": "Frente 33", "incidents": 2, "fatalities": 7},
        {"actor": "Police", "incidents": 2, "fatalities": 8},
        {"actor": "Protesters", "incidents": 1, "fatalities": 0},
    ]
    assert trends.top_actors(con, YEAR, n=2)["actor"].tolist() == ["ELN", "Military"]


def test_actor_matrix(con) -> None:
    m = trends.actor_matrix(con, YEAR, n=2)
    assert sorted(map(tuple, m[["actor", "event_type", "incidents"]].values.tolist())) == [
        ("ELN", B, 4),
        ("ELN", VAC, 1),
        ("Military", B, 4),
    ]
    full = trends.actor_matrix(con, YEAR)
    assert int(full.loc[(full["actor"] == "Police"), "incidents"].sum()) == 2
    assert set(full["actor"]) == set(trends.top_actors(con, YEAR)["actor"])


def test_actors_with_no_incidents(con) -> None:
    f = Filters(date_from=date(2020, 1, 1), date_to=date(2020, 1, 31))
    assert trends.top_actors(con, f).empty
    assert trends.actor_matrix(con, f).empty


# ----------------------------------------------------------------------------------------------
# before / after


def test_before_after_unequal_windows_reported_as_rates(con) -> None:
    ba = trends.before_after(con, MARCH, date(2023, 3, 11))
    before, after = ba.before, ba.after
    assert (before.start, before.end, before.days) == (date(2023, 3, 1), date(2023, 3, 10), 10)
    assert (after.start, after.end, after.days) == (date(2023, 3, 11), date(2023, 3, 30), 20)
    assert (ba.before.incidents, ba.after.incidents) == (5, 5)
    assert ba.before.incidents_per_day == pytest.approx(0.5)
    assert ba.after.incidents_per_day == pytest.approx(0.25)
    assert ba.incident_rate_change == pytest.approx(-0.5)
    assert (ba.before.fatalities, ba.after.fatalities) == (5, 2)
    assert ba.before.fatalities_per_day == pytest.approx(0.5)
    assert ba.after.fatalities_per_day == pytest.approx(0.1)
    assert ba.fatality_rate_change == pytest.approx(-0.8)


def test_before_after_days_option_clips_the_windows(con) -> None:
    ba = trends.before_after(con, MARCH, date(2023, 3, 11), days=5)
    assert (ba.before.start, ba.before.end) == (date(2023, 3, 6), date(2023, 3, 10))
    assert (ba.after.start, ba.after.end) == (date(2023, 3, 11), date(2023, 3, 15))
    assert ba.before.days == ba.after.days == 5
    assert (ba.before.incidents, ba.after.incidents) == (3, 2)  # 6, 8, 10 | 11, 15
    assert ba.incident_rate_change == pytest.approx(2 / 3 - 1)
    # more days than the range has: clipped to the filter's range
    wide = trends.before_after(con, MARCH, date(2023, 3, 11), days=60)
    assert (wide.before.start, wide.after.end) == (date(2023, 3, 1), date(2023, 3, 30))
    assert (wide.before.days, wide.after.days) == (10, 20)


def test_before_after_pivot_outside_the_range_raises(con) -> None:
    for pivot in (date(2023, 3, 1), date(2023, 2, 1), date(2023, 3, 31), date(2024, 1, 1)):
        with pytest.raises(ValueError):
            trends.before_after(con, MARCH, pivot)
        with pytest.raises(ValueError):
            trends.before_after(con, MARCH, pivot, days=5)
    last = trends.before_after(con, MARCH, date(2023, 3, 30))  # the last day: a 1-day window
    assert (last.after.days, last.after.incidents) == (1, 1)
    assert (last.before.days, last.before.incidents) == (29, 9)


def test_before_after_rate_change_none_without_incidents_before(con) -> None:
    f = Filters(date_from=date(2023, 2, 1), date_to=date(2023, 3, 30))
    ba = trends.before_after(con, f, date(2023, 3, 1))
    assert (ba.before.days, ba.before.incidents, ba.before.fatalities) == (28, 0, 0)
    assert (ba.after.days, ba.after.incidents) == (30, 10)
    assert ba.incident_rate_change is None
    assert ba.fatality_rate_change is None


def test_before_after_without_dates_uses_the_data_range(con) -> None:
    ba = trends.before_after(con, Filters(), date(2022, 8, 7))
    assert ba.before.start == date(2021, 12, 31) and ba.after.end == date(2023, 3, 30)
    assert ba.before.incidents + ba.after.incidents == len(KNOWN)
    assert ba.after.incidents == 2 + 10  # k09 (on the pivot day: "after"), k10, March 2023


# ----------------------------------------------------------------------------------------------
# playback frames


def test_playback_frames_by_month(con) -> None:
    frames, classes = trends.playback_frames(con, YEAR, "department", "month", "incidents")
    assert len(frames) == 12
    assert [f.label for f in frames] == [
        date(2022, m, 1).strftime("%b %Y") for m in range(1, 13)
    ]
    assert frames[0].label == "Jan 2022"
    monthly = trends.series(con, YEAR, "month").groupby("period")["incidents"].sum()
    for frame in frames:
        assert int(frame.aggregates["incidents"].sum()) == int(monthly[frame.start])
        f = Filters(date_from=frame.start, date_to=frame.end)
        assert int(frame.aggregates["incidents"].sum()) == queries.overview(con, f).figures.incidents
    jan = frames[0].aggregates.set_index("code")
    assert jan["incidents"].to_dict() == {"41": 1, "54": 3}
    assert jan["fatalities"].to_dict() == {"41": 2, "54": 4}
    assert frames[4].aggregates.empty  # May 2022
    # one set of classes for all frames, from every frame's values (max 3, in January)
    assert isinstance(classes, Classes)
    assert classes.upper[-1] == 3
    assert classes.lower[0] == 1


def test_playback_frames_by_week_count_for_a_known_range(con) -> None:
    frames, _ = trends.playback_frames(con, YEAR, "municipality", "week", "incidents")
    # 1 Jan 2022 is a Saturday: a clipped 2-day week, then 51 full weeks, then 26-31 Dec
    assert len(frames) == 53
    assert (frames[0].start, frames[0].end) == (date(2022, 1, 1), date(2022, 1, 2))
    assert (frames[-1].start, frames[-1].end) == (date(2022, 12, 26), date(2022, 12, 31))
    assert frames[0].label == "1 Jan 2022 – 2 Jan 2022"
    assert len({f.label for f in frames}) == 53  # labels identify the frames
    assert frames[0].aggregates.to_dict("records") == [
        {"code": "41001", "incidents": 1, "fatalities": 2}
    ]
    assert sum(int(f.aggregates["incidents"].sum()) for f in frames) == 10
    for frame in frames:
        f = Filters(date_from=frame.start, date_to=frame.end)
        assert int(frame.aggregates["incidents"].sum()) == queries.overview(con, f).figures.incidents


def test_playback_frames_other_ranges(con) -> None:
    f = Filters(date_from=date(2021, 1, 1), date_to=date(2023, 12, 31))
    frames, _ = trends.playback_frames(con, f, "department", "month", "incidents")
    assert len(frames) == 36
    f = Filters(date_from=date(2022, 1, 15), date_to=date(2022, 3, 10))
    frames, _ = trends.playback_frames(con, f, "department", "month", "fatalities")
    assert [f.label for f in frames] == [
        "15 Jan 2022 – 31 Jan 2022", "Feb 2022", "1 Mar 2022 – 10 Mar 2022"
    ]  # fmt: skip
    assert int(frames[0].aggregates["incidents"].sum()) == 0  # nothing 15-31 Jan


def test_playback_colours_are_fixed_across_frames(con, boundaries) -> None:
    frames, classes = trends.playback_frames(con, YEAR, "department", "month", "incidents")
    colours = []
    for frame in frames:
        spec = mapping.MapSpec(
            level="department", metric="incidents", aggregates=frame.aggregates,
            points=pd.DataFrame(), total_incidents=int(frame.aggregates["incidents"].sum()),
            classes=classes, point_budget=0,
        )  # fmt: skip
        values = mapping.choropleth_values(spec, ["41", "54"])
        used = mapping.view_classes(spec, values)
        assert used is classes
        colours.append({code: used.colour(v[0]) for code, v in values.items()})
    # Huila has 1 incident in Jan, Mar, Apr, Jul, Aug: the same colour every time
    assert len({colours[i]["41"] for i in (0, 2, 3, 6, 7)}) == 1
    # NdS: 3 in January is darker than 1 in February
    assert colours[0]["54"] != colours[1]["54"]
    assert colours[1]["54"] == colours[0]["41"]
    # the map draws a value with the same colour in every frame
    assert colours[4]["41"] == classes.colour(0)


def test_yearly_series_and_quarterly_and_yearly_playback(con) -> None:
    monthly = trends.series(con, YEAR, "month")
    yearly = trends.series(con, YEAR, "year")
    assert set(yearly["period"]) == {date(2022, 1, 1)}
    assert yearly["days"].tolist() == [365] * len(yearly)
    want = monthly.groupby("event_type")[["incidents", "fatalities"]].sum()
    got = yearly.set_index("event_type")[["incidents", "fatalities"]]
    assert got.sort_index().to_dict() == want.sort_index().to_dict()
    frames, _ = trends.playback_frames(con, YEAR, "department", "quarter", "incidents")
    assert [f.label for f in frames] == ["Q1 2022", "Q2 2022", "Q3 2022", "Q4 2022"]
    quarterly = trends.series(con, YEAR, "quarter").groupby("period")["incidents"].sum()
    for frame in frames:
        assert int(frame.aggregates["incidents"].sum()) == int(quarterly[frame.start])
    frames, _ = trends.playback_frames(con, MARCH, "department", "year", "incidents")
    assert [f.label for f in frames] == ["1 Mar 2023 – 30 Mar 2023"]  # a clipped year
    assert int(frames[0].aggregates["incidents"].sum()) == 10
    # a short range keeps the step asked for; three years of weeks fit in MAX_FRAMES
    three = Filters(date_from=date(2021, 1, 1), date_to=date(2023, 12, 31))
    assert trends.playback_step(con, three, "week") == ("week", (three.date_from, three.date_to))
    assert trends.playback_step(con, Filters(), "month")[1] == (
        date(2021, 12, 31), date(2023, 3, 30)
    )  # fmt: skip


def test_playback_rejects_other_grains(con) -> None:
    for grain in ("fortnight", "day", ""):
        with pytest.raises(ValueError):
            trends.playback_frames(con, YEAR, "department", grain, "incidents")
        with pytest.raises(ValueError):
            trends.playback_step(con, YEAR, grain)


def test_playback_with_no_incidents(con) -> None:
    f = Filters(date_from=date(2020, 1, 1), date_to=date(2020, 3, 31))
    frames, classes = trends.playback_frames(con, f, "department", "month", "incidents")
    assert len(frames) == 3
    assert all(fr.aggregates.empty for fr in frames)
    assert classes.labels() == []


# ----------------------------------------------------------------------------------------------
# annotations


def test_annotations_crud(empty_db: Path) -> None:
    with store.connect(empty_db) as con:
        assert annotations.all_annotations(con).empty
        assert annotations.in_window(con, date(2022, 1, 1), date(2022, 12, 31)).empty
        a = annotations.add(con, date(2022, 8, 7), "New government takes office")
        b = annotations.add(con, date(2021, 4, 28), "National strike begins")
        assert isinstance(a, int) and isinstance(b, int) and a != b
        rows = annotations.all_annotations(con)
        assert rows["annotation_id"].tolist() == [b, a]  # ordered by day
        assert rows["label"].tolist() == ["National strike begins", "New government takes office"]
        days = [d.date() if isinstance(d, datetime) else d for d in pd.to_datetime(rows["day"])]
        assert days == [date(2021, 4, 28), date(2022, 8, 7)]
        win = annotations.in_window(con, date(2022, 1, 1), date(2022, 12, 31))
        assert win["annotation_id"].tolist() == [a]
        one_day = annotations.in_window(con, date(2022, 8, 7), date(2022, 8, 7))
        assert one_day["annotation_id"].tolist() == [a]
        assert annotations.in_window(con, date(2022, 8, 8), None).empty
        assert annotations.in_window(con, None, date(2021, 4, 28))["annotation_id"].tolist() == [b]
        assert len(annotations.in_window(con, None, None)) == 2
        assert annotations.delete(con, a) is True
        assert annotations.delete(con, a) is False
        assert annotations.all_annotations(con)["annotation_id"].tolist() == [b]
    # stored in the database: visible from a new connection
    with store.connect(empty_db, read_only=True) as con:
        assert annotations.all_annotations(con)["label"].tolist() == ["National strike begins"]


def test_annotations_refuse_bad_input(empty_db: Path) -> None:
    with store.connect(empty_db) as con:
        for label in ("", "   ", "\n\t"):
            with pytest.raises(ValueError):
                annotations.add(con, date(2022, 8, 7), label)
        with pytest.raises(ValueError):
            annotations.add(con, date(2022, 8, 7), "x" * (annotations.MAX_LABEL + 1))
        for day in ("2022-08-07", None, 20220807):
            with pytest.raises(ValueError):
                annotations.add(con, day, "A label")  # type: ignore[arg-type]
        assert annotations.all_annotations(con).empty
        longest = annotations.add(con, date(2022, 8, 7), "y" * annotations.MAX_LABEL)
        assert annotations.all_annotations(con)["annotation_id"].tolist() == [longest]


def test_annotation_labels_with_markup_are_stored_verbatim(empty_db: Path) -> None:
    label = '<script>alert("x")</script> **bold** [link](http://e.org) & $x$ `c`'
    with store.connect(empty_db) as con:
        i = annotations.add(con, date(2022, 8, 7), label)
        stored = annotations.all_annotations(con)
    assert stored.loc[stored["annotation_id"] == i, "label"].iloc[0] == label


# ----------------------------------------------------------------------------------------------
# charts


def walk(spec: object):
    if isinstance(spec, dict):
        yield spec
        for value in spec.values():
            yield from walk(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from walk(value)


def marks(spec: dict) -> list[str]:
    out = []
    for node in walk(spec):
        mark = node.get("mark")
        if mark is not None:
            out.append(mark if isinstance(mark, str) else mark["type"])
    return out


def check_title(spec: dict, title: str, subtitle: str, demo: bool) -> None:
    t = spec["title"]
    assert t["text"] == title
    lines = t["subtitle"]
    assert lines[0] == subtitle
    assert any("Límites: DANE" in line for line in lines)
    assert (charts.DEMO_NOTE in lines) is demo


@pytest.fixture()
def ann_frame(empty_db: Path) -> pd.DataFrame:
    with store.connect(empty_db) as c:
        annotations.add(c, date(2022, 8, 7), "New government takes office")
        return annotations.all_annotations(c)


SUB = "1 Jan 2022 – 31 Dec 2022 · all event types · all actors · Colombia"


def test_time_chart_spec(con, ann_frame: pd.DataFrame) -> None:
    s = trends.series(con, YEAR, "month")
    for demo in (True, False):
        chart = charts.time_chart(
            s, metric="incidents", grain="month", annotations=ann_frame,
            title="Incidents per month — Colombia", subtitle=SUB, sources=["Test source"],
            demo=demo,
        )  # fmt: skip
        spec = chart.to_dict()
        check_title(spec, "Incidents per month — Colombia", SUB, demo)
        assert "Test source" in spec["title"]["subtitle"][1]
        kinds = marks(spec)
        assert "bar" in kinds and "rule" in kinds
        # event-type colours are the map's
        colour = next(n["color"] for n in walk(spec) if isinstance(n.get("color"), dict)
                      and n["color"].get("field") == "event_type")  # fmt: skip
        domain, rng = colour["scale"]["domain"], colour["scale"]["range"]
        assert set(domain) == {B, VAC, EXP, PRO}
        assert dict(zip(domain, rng, strict=True)) == {k: EVENT_TYPES[k] for k in domain}
        # the x range is brushable
        assert any(p.get("name") == "brush" for p in spec.get("params", []))
        # annotation data reaches the chart
        datasets = spec["datasets"]
        assert any(
            any(r.get("label") == "New government takes office" for r in rows)
            for rows in datasets.values()
        )


def test_time_chart_without_annotations_has_no_rules(con) -> None:
    s = trends.series(con, YEAR, "month")
    for ann in (None, pd.DataFrame(columns=["annotation_id", "day", "label"])):
        spec = charts.time_chart(
            s, metric="fatalities", grain="month", annotations=ann, title="T", subtitle=SUB,
            sources=[], demo=False, brush=False,
        ).to_dict()  # fmt: skip
        assert "rule" not in marks(spec)
        assert "params" not in spec
        assert "none" in spec["title"]["subtitle"][1]


def test_place_actor_and_matrix_charts(con, ann_frame: pd.DataFrame) -> None:
    p = trends.place_series(con, YEAR, ["41", "54"], "month")
    pchart = charts.place_chart(
        p, {"41": "Huila", "54": "Norte de Santander"}, metric="incidents", annotations=ann_frame,
        title="Incidents per month: Huila vs Norte de Santander", subtitle=SUB, sources=["S"],
        demo=True,
    )  # fmt: skip
    spec = pchart.to_dict()
    check_title(spec, "Incidents per month: Huila vs Norte de Santander", SUB, True)
    assert "line" in marks(spec) and "rule" in marks(spec)
    names = {
        r["place_name"] for rows in spec["datasets"].values() for r in rows if "place_name" in r
    }
    assert names == {"Huila", "Norte de Santander"}

    achart = charts.actor_chart(
        trends.top_actors(con, YEAR), title="Most active actors — Colombia", subtitle=SUB,
        sources=["S"], demo=False,
    )  # fmt: skip
    spec = achart.to_dict()
    check_title(spec, "Most active actors — Colombia", SUB, False)
    assert marks(spec) == ["bar"]

    mchart = charts.matrix_chart(
        trends.actor_matrix(con, YEAR), title="Actor × event type — Colombia", subtitle=SUB,
        sources=["S"], demo=True,
    )  # fmt: skip
    spec = mchart.to_dict()
    check_title(spec, "Actor × event type — Colombia", SUB, True)
    assert sorted(marks(spec)) == ["rect", "text"]


def test_png_svg_and_csv_export(con, ann_frame: pd.DataFrame) -> None:
    s = trends.series(con, YEAR, "month")
    chart = charts.time_chart(
        s, metric="incidents", grain="month", annotations=ann_frame,
        title="Incidents per month — Huila", subtitle=SUB, sources=["Test source"], demo=True,
    )  # fmt: skip
    png = charts.to_png(chart)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    svg = charts.to_svg(chart)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    texts = " ".join(t for t in root.itertext())
    assert "Incidents per month — Huila" in texts
    assert "Límites: DANE" in texts
    assert "SYNTHETIC" in texts
    assert "New government takes office" in texts  # the annotation is drawn
    back = pd.read_csv(io.BytesIO(charts.to_csv(s)))
    assert list(back.columns) == list(s.columns)
    assert len(back) == len(s)
    assert back["incidents"].tolist() == s["incidents"].tolist()
    assert back["period"].tolist() == [p.isoformat() for p in s["period"]]
    assert back["event_type"].tolist() == s["event_type"].tolist()


def test_brushed_range() -> None:
    ms1 = int(pd.Timestamp("2022-01-01").timestamp() * 1000)
    ms2 = int(pd.Timestamp("2022-08-07").timestamp() * 1000)
    sel = {"selection": {"brush": {"period": [ms1, ms2]}}}
    assert charts.brushed_range(sel) == (date(2022, 1, 1), date(2022, 8, 7))
    assert charts.brushed_range({"selection": {"brush": {"period": [float(ms1), float(ms2)]}}}) == (
        date(2022, 1, 1), date(2022, 8, 7)
    )  # fmt: skip
    assert charts.brushed_range(
        {"selection": {"brush": {"period": ["2022-01-01", "2022-08-07T00:00:00"]}}}
    ) == (date(2022, 1, 1), date(2022, 8, 7))
    for empty in (None, {}, {"selection": {}}, {"selection": {"brush": {}}},
                  {"selection": {"brush": {"period": []}}}, {"selection": {"brush": None}}, "x"):
        assert charts.brushed_range(empty) is None, empty


# ----------------------------------------------------------------------------------------------
# the map with fixed classes (a playback frame)


def test_map_with_fixed_classes_and_caption(boundaries) -> None:
    fixed = Classes(lower=(1.0, 11.0, 101.0), upper=(10.0, 100.0, 1000.0),
                    colours=("#111111", "#222222", "#333333"))  # fmt: skip
    agg = pd.DataFrame({"code": ["41", "54"], "incidents": [5, 50], "fatalities": [0, 0]})
    spec = mapping.MapSpec(
        level="department", metric="incidents", aggregates=agg, points=pd.DataFrame(),
        total_incidents=55, classes=fixed, caption="Jan 2022 — incidents", point_budget=0,
    )  # fmt: skip
    html = mapping.build_map(spec, boundaries).get_root().render()
    assert json.dumps("Jan 2022 — incidents", ensure_ascii=False) in html
    assert "cm-caption" in html
    for label in fixed.labels():  # "1 – 10", "11 – 100", "101 – 1,000"
        assert f"\\u003e{label}\\u003c/div" in html, label
    # the data alone would give other classes (5 and 50): their labels are not used
    assert "\\u003e5\\u003c/div" not in html and "\\u003e50\\u003c/div" not in html
    assert '"fill": "#111111"' in html or '"fill":"#111111"' in html  # Huila, 5
    assert '"fill": "#222222"' in html or '"fill":"#222222"' in html  # NdS, 50
    assert "points not drawn" in html
