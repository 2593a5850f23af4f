"""Filters and ViewOptions <-> URL query parameters; lenient parsing; describe()."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conflictmap import i18n
from conflictmap.filters import (
    EARLIEST,
    LEVELS,
    METRICS,
    Filters,
    ViewOptions,
    actor_label,
    clamp_dates,
    day_month_year,
    describe,
    latest,
    widget_bounds,
)

FULL = Filters(
    date_from=date(2022, 1, 1),
    date_to=date(2022, 12, 31),
    actors=("Clan del Golfo", "ELN", "Dagoberto Ramos Mobile Column"),
    event_types=("Battles", "Explosions/Remote violence"),
    dept="41",
    muni="41001",
)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        FULL,
        Filters(date_from=date(2018, 1, 1)),
        Filters(date_to=date(2024, 12, 31)),
        Filters(actors=("AGC",)),
        Filters(event_types=("Riots",)),
        Filters(dept="54"),
        Filters(dept="05", event_types=("Battles", "Protests", "Riots")),
    ],
)
def test_round_trip(filters: Filters) -> None:
    params = filters.to_params()
    back, problems = Filters.from_params(params)
    assert back == filters
    assert problems == []


def test_to_params_names_and_shapes() -> None:
    assert Filters().to_params() == {}
    assert FULL.to_params() == {
        "from": "2022-01-01",
        "to": "2022-12-31",
        "actor": ["Clan del Golfo", "ELN", "Dagoberto Ramos Mobile Column"],
        "type": ["Battles", "Explosions/Remote violence"],
        "dept": "41",
        "muni": "41001",
    }


def test_from_params_as_streamlit_gives_them() -> None:
    # st.query_params.get_all returns lists for every key
    params = {k: v if isinstance(v, list) else [v] for k, v in FULL.to_params().items()}
    back, problems = Filters.from_params(params)
    assert back == FULL
    assert problems == []


def test_repeated_values_deduplicated_in_order() -> None:
    f, problems = Filters.from_params(
        {"actor": ["ELN", " ", "AGC", "ELN"], "type": ["Riots", "Battles", "Riots"]}
    )
    assert f.actors == ("ELN", "AGC")
    assert f.event_types == ("Riots", "Battles")
    assert problems == []


def test_single_string_values() -> None:
    f, problems = Filters.from_params({"actor": "ELN", "type": "Battles", "from": " 2022-01-01 "})
    assert f.actors == ("ELN",)
    assert f.event_types == ("Battles",)
    assert f.date_from == date(2022, 1, 1)
    assert problems == []


@pytest.mark.parametrize(
    ("params", "expected", "fragment"),
    [
        ({"from": "2022-13-01"}, Filters(), "from=2022-13-01"),
        ({"to": "yesterday"}, Filters(), "to=yesterday"),
        ({"from": "2022-01-01", "to": "not-a-date"}, Filters(date_from=date(2022, 1, 1)), "to="),
        ({"type": ["Battles", "Picnic"]}, Filters(event_types=("Battles",)), "Picnic"),
        ({"dept": "411"}, Filters(), "dept=411"),
        ({"dept": "4"}, Filters(), "dept=4"),
        ({"dept": "Huila"}, Filters(), "dept=Huila"),
        ({"muni": "4100"}, Filters(), "muni=4100"),
        ({"muni": "41001x"}, Filters(), "muni=41001x"),
        ({"from": "2023-01-01", "to": "2022-01-01"}, Filters(), "after"),
    ],
)
def test_bad_values_dropped_with_a_problem(params, expected: Filters, fragment: str) -> None:
    f, problems = Filters.from_params(params)
    assert f == expected
    assert len(problems) == 1
    assert fragment in problems[0]


def test_many_problems_at_once_never_raise() -> None:
    f, problems = Filters.from_params(
        {
            "from": "2022-02-30",
            "to": "",
            "type": ["Nope", "Riots"],
            "dept": "123",
            "muni": "abcde",
            "actor": ["ELN"],
            "level": "galaxy",
            "unknown": "whatever",
        }
    )
    assert f == Filters(actors=("ELN",), event_types=("Riots",))
    assert len(problems) == 4


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"from": None},
        {"from": []},
        {"type": []},
        {"dept": ""},
        {"muni": "41001", "dept": "54"},
        {"from": "2022-01-01", "to": "2022-01-01"},
        {"dept": ["41", "54"]},
        {"from": "9999-12-31", "to": "0001-01-01"},
    ],
)
def test_from_params_never_raises(params) -> None:
    f, problems = Filters.from_params(params)
    assert isinstance(f, Filters)
    assert isinstance(problems, list)


def test_muni_implies_dept() -> None:
    f, problems = Filters.from_params({"muni": "41001"})
    assert (f.dept, f.muni) == ("41", "41001")
    assert problems == []
    # a department that does not contain the municipality gives way to the municipality's own
    f, _ = Filters.from_params({"muni": "41001", "dept": "54"})
    assert (f.dept, f.muni) == ("41", "41001")
    assert f.place_code == "41001"


@pytest.mark.parametrize("params", [{"dept": "4²"}, {"dept": "٤١"}, {"muni": "٤١٠٠١"}])
def test_non_ascii_digits_are_not_codes(params) -> None:
    f, problems = Filters.from_params(params)
    assert (f.dept, f.muni) == (None, None)
    assert len(problems) == 1


def test_filters_validation() -> None:
    with pytest.raises(ValueError, match="after"):
        Filters(date_from=date(2023, 1, 1), date_to=date(2022, 1, 1))
    with pytest.raises(ValueError, match="unknown event type"):
        Filters(event_types=("Picnic",))
    with pytest.raises(ValueError, match="not in department"):
        Filters(dept="54", muni="41001")
    assert Filters(dept="41").place_code == "41"
    assert Filters().place_code is None


def test_with_place_and_hashable() -> None:
    moved = FULL.with_place("54")
    assert (moved.dept, moved.muni) == ("54", None)
    assert moved.actors == FULL.actors and moved.date_from == FULL.date_from
    assert FULL.with_place(None, None).place_code is None
    # a Filters value is a cache key
    assert hash(FULL) == hash(Filters.from_params(FULL.to_params())[0])
    assert len({FULL, Filters.from_params(FULL.to_params())[0]}) == 1


# --------------------------------------------------------------------------------------------
# ViewOptions


def test_view_options_defaults() -> None:
    assert ViewOptions() == ViewOptions(level="department", metric="incidents")
    assert ViewOptions.from_params({}, has_dept=False) == ViewOptions("department", "incidents")
    assert ViewOptions.from_params({}, has_dept=True) == ViewOptions("municipality", "incidents")
    assert LEVELS == ("department", "municipality")
    assert METRICS == ("incidents", "fatalities")


@pytest.mark.parametrize("has_dept", [False, True])
def test_view_options_round_trip(has_dept: bool) -> None:
    for level in LEVELS:
        for metric in METRICS:
            opts = ViewOptions(level, metric)
            assert opts.to_params() == {"level": level, "metric": metric}
            assert ViewOptions.from_params(opts.to_params(), has_dept=has_dept) == opts
            as_lists = {k: [v] for k, v in opts.to_params().items()}
            assert ViewOptions.from_params(as_lists, has_dept=has_dept) == opts


def test_view_options_bad_values_fall_back() -> None:
    opts = ViewOptions.from_params({"level": "province", "metric": "deaths"}, has_dept=False)
    assert opts == ViewOptions("department", "incidents")
    opts = ViewOptions.from_params({"level": ["x"], "metric": []}, has_dept=True)
    assert opts == ViewOptions("municipality", "incidents")


# --------------------------------------------------------------------------------------------
# describe()


def test_describe_everything() -> None:
    assert describe(Filters()) == "all dates · all event types · all actors · Colombia"


def test_describe_full() -> None:
    text = describe(FULL, "Colombia › Huila › Neiva")
    assert text == (
        "1 Jan 2022 – 31 Dec 2022 · Battles, Explosions/Remote violence · "
        "actors: Clan del Golfo, ELN, Dagoberto Ramos Mobile Column · Colombia › Huila › Neiva"
    )


def test_describe_open_ranges() -> None:
    assert describe(Filters(date_from=date(2022, 1, 5))).startswith("5 Jan 2022 – today · ")
    assert describe(Filters(date_to=date(2022, 1, 5))).startswith("the start – 5 Jan 2022 · ")
    assert (
        describe(Filters(actors=("ELN",))) == "all dates · all event types · actors: ELN · Colombia"
    )


# --------------------------------------------------------------------------------------------
# Exact messages and the less used options (each kills a one-line change: docs/mutation/)


def test_validation_messages_name_the_values() -> None:
    with pytest.raises(ValueError) as err:
        Filters(count="all")
    assert str(err.value) == "count must be one of events, reports, not 'all'"
    with pytest.raises(ValueError) as err:
        Filters(event_types=("Picnic", "Battles", "Party"))
    assert str(err.value) == "unknown event type(s): Picnic, Party"


def test_count_reports_round_trip() -> None:
    reports = Filters(dept="41", count="reports")
    assert reports.to_params() == {"dept": "41", "count": "reports"}
    assert Filters.from_params({"count": "reports"}) == (Filters(count="reports"), [])
    assert Filters.from_params({"count": ["events"]}) == (Filters(), [])


def test_bad_count_falls_back_to_events() -> None:
    f, problems = Filters.from_params({"count": "everything", "dept": "41"})
    assert f == Filters(dept="41")
    assert f.count == "events"
    assert problems == ["ignored 'count=everything': not one of events, reports"]


def test_problem_messages_are_exact() -> None:
    assert Filters.from_params({"from": "2023-01-01", "to": "2022-01-01"})[1] == [
        "ignored the date range: 'from' is after 'to'"
    ]
    assert Filters.from_params({"type": ["Picnic", "Riots", "Party"]})[1] == [
        "ignored unknown event type(s): Picnic, Party"
    ]


def test_a_one_day_range_is_kept() -> None:
    day = date(2022, 3, 4)
    assert Filters.from_params({"from": "2022-03-04", "to": "2022-03-04"}) == (
        Filters(date_from=day, date_to=day),
        [],
    )


def test_with_place_takes_a_municipality() -> None:
    moved = FULL.with_place("54", "54001")
    assert (moved.dept, moved.muni, moved.place_code) == ("54", "54001", "54001")


def test_view_options_style() -> None:
    hexagons = ViewOptions("municipality", "fatalities", "hexagons")
    assert hexagons.to_params() == {
        "level": "municipality", "metric": "fatalities", "style": "hexagons"
    }
    assert ViewOptions.from_params(hexagons.to_params(), has_dept=False) == hexagons
    assert ViewOptions.from_params({"style": ["hexagons"]}, has_dept=False).style == "hexagons"
    assert ViewOptions.from_params({"style": "dots"}, has_dept=False).style == "choropleth"
    assert ViewOptions().to_params() == {"level": "department", "metric": "incidents"}


def test_actor_label() -> None:
    assert actor_label("class:paramilitary") == "all paramilitaries"
    assert actor_label("class:guerrilla") == "all guerrillas"
    assert actor_label("ELN") == "ELN"
    assert actor_label("class:unknown") == "class:unknown"


def test_describe_in_spanish() -> None:
    with i18n.using("es"):
        text = describe(Filters(date_from=date(2022, 9, 2), date_to=date(2022, 10, 3)))
    assert text.startswith("2 sep. 2022 – 3 oct. 2022 · ")


TODAY = date(2001, 6, 15)  # a "today" far from the real one: the code must use the one given


def test_clamp_dates_keeps_the_edges_and_moves_the_rest() -> None:
    assert clamp_dates(EARLIEST, TODAY, today=TODAY) == (EARLIEST, TODAY, [])
    assert clamp_dates(None, date(2001, 6, 16), today=TODAY) == (
        None,
        TODAY,
        [
            "'to=2001-06-16' is after 15 Jun 2001, the latest date an incident can have: "
            "shown up to 15 Jun 2001"
        ],
    )
    before = EARLIEST - timedelta(days=1)
    assert clamp_dates(before, None, today=TODAY) == (
        EARLIEST,
        None,
        [
            f"'from={before.isoformat()}' is before {day_month_year(EARLIEST)}, the earliest "
            f"date an incident can have: shown from {day_month_year(EARLIEST)}"
        ],
    )
    # a stored day after today moves the upper bound
    assert clamp_dates(None, date(2002, 1, 1), last=date(2003, 1, 1), today=TODAY) == (
        None,
        date(2002, 1, 1),
        [],
    )


def test_widget_bounds() -> None:
    assert widget_bounds(date(1989, 7, 5), date(2000, 3, 1), today=TODAY) == (
        date(1989, 1, 1),
        TODAY,
    )
    assert widget_bounds(None, None, today=TODAY) == (EARLIEST, TODAY)
    assert widget_bounds(date(1989, 7, 5), date(2002, 3, 1), today=TODAY) == (
        date(1989, 1, 1),
        date(2002, 3, 1),
    )
    requested = [None, date(1980, 2, 3), date(2004, 5, 6)]
    assert widget_bounds(date(1989, 7, 5), date(2000, 3, 1), requested, today=TODAY) == (
        date(1980, 2, 3),
        date(2004, 5, 6),
    )


def test_latest_and_day_month_year() -> None:
    assert latest(None, TODAY) == TODAY
    assert latest(date(2001, 6, 14), TODAY) == TODAY
    assert latest(date(2001, 6, 16), TODAY) == date(2001, 6, 16)
    assert day_month_year(date(2022, 9, 2)) == "2 Sep 2022"
