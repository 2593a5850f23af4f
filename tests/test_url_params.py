"""url_params: the one reader of a page's URL parameters (filters, map options, Trends options)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conflictmap import url_params
from conflictmap.filters import EARLIEST, Filters, ViewOptions
from conflictmap.url_params import TrendOptions


def test_a_full_link_as_streamlit_gives_it() -> None:
    url = url_params.read({
        "from": ["2021-01-01"], "to": ["2023-12-31"], "type": ["Battles"], "actor": ["ELN", "AGC"],
        "dept": ["41"], "level": ["department"], "metric": ["fatalities"], "grain": ["quarter"],
    })  # fmt: skip
    assert url.filters == Filters(
        date_from=date(2021, 1, 1), date_to=date(2023, 12, 31), actors=("ELN", "AGC"),
        event_types=("Battles",), dept="41",
    )  # fmt: skip
    assert url.problems == () and url.has_filters
    assert url.trend == TrendOptions("quarter", "fatalities")
    assert url.view_options() == ViewOptions("department", "fatalities")


def test_defaults_and_bad_values() -> None:
    url = url_params.read({})
    assert url.filters == Filters() and not url.has_filters and url.problems == ()
    assert url.trend == TrendOptions("month", "incidents")
    assert url.view_options() == ViewOptions("department", "incidents")
    assert url.view_options(has_dept=True) == ViewOptions("municipality", "incidents")
    bad = url_params.read({"grain": "fortnight", "metric": "deaths", "level": "province",
                           "from": "yesterday", "type": ["Picnics"], "muni": "41001"})
    assert bad.trend == TrendOptions("month", "incidents")
    assert bad.filters == Filters(dept="41", muni="41001")  # the municipality names its dept
    assert bad.view_options() == ViewOptions("municipality", "incidents")
    assert any("yesterday" in p for p in bad.problems)
    assert any("Picnics" in p for p in bad.problems)
    # a grain only for the Trends page: not a filter
    assert not url_params.read({"grain": "week"}).has_filters
    assert url_params.read({"grain": [" week "]}).trend.grain == "week"


def test_dates_outside_what_a_widget_shows_are_moved_and_said() -> None:
    url = url_params.read({"from": "1800-01-01", "to": "2999-01-01"}, last=date(2020, 5, 1))
    assert url.filters.date_from == EARLIEST
    assert url.filters.date_to == max(date.today(), date(2020, 5, 1))
    assert len(url.problems) == 2 and "from=1800-01-01" in url.problems[0]


def test_write_and_compare() -> None:
    f = Filters(date_from=date(2021, 1, 1), date_to=date(2021, 2, 1), event_types=("Battles",))
    wanted = url_params.write(f, TrendOptions("week", "fatalities"))
    assert wanted == {"from": "2021-01-01", "to": "2021-02-01", "type": ["Battles"],
                      "grain": "week", "metric": "fatalities"}
    assert url_params.write(Filters(dept="54"), ViewOptions("municipality", "incidents")) == {
        "dept": "54", "level": "municipality", "metric": "incidents"}
    as_streamlit = {k: v if isinstance(v, list) else [v] for k, v in wanted.items()}
    assert url_params.same(as_streamlit, wanted)
    assert not url_params.same({**as_streamlit, "grain": ["month"]}, wanted)
    # a link read back gives the same view
    back = url_params.read(as_streamlit)
    assert back.filters == f and back.trend == TrendOptions("week", "fatalities")


def test_trend_options_refuse_unknown_values() -> None:
    with pytest.raises(ValueError, match="period"):
        TrendOptions("fortnight", "incidents")
    with pytest.raises(ValueError, match="measure"):
        TrendOptions("month", "deaths")


def test_a_stored_day_after_today_extends_what_a_link_may_name() -> None:
    today = date.today()
    later, last = today + timedelta(days=10), today + timedelta(days=30)
    url = url_params.read({"to": later.isoformat()}, last=last)
    assert url.filters.date_to == later and url.problems == ()
    assert url_params.read({"to": later.isoformat()}).filters.date_to == today


def test_trend_options_errors_list_the_choices() -> None:
    with pytest.raises(ValueError, match=r"\(use one of: week, month, quarter, year\)"):
        TrendOptions("fortnight", "incidents")
    with pytest.raises(ValueError, match=r"\(use one of: incidents, fatalities\)"):
        TrendOptions("month", "deaths")


def test_a_link_carries_the_language_unless_it_is_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONFLICTMAP_LANG", "es")  # this deployment's default: Spanish
    assert url_params.read({"lang": "en-GB"}).lang == "en"
    assert url_params.read({"lang": ["ES"]}).lang == "es"
    assert url_params.read({"lang": "fr"}).lang is None
    assert url_params.read({}).lang is None
    huila = Filters(dept="41")
    assert url_params.write(huila, lang="en_US") == {"dept": "41", "lang": "en"}
    assert url_params.write(huila, lang="es") == {"dept": "41"}  # the default: left out
    assert url_params.write(huila, lang=None) == {"dept": "41"}
    assert url_params.write(huila, lang="fr") == {"dept": "41"}
    monkeypatch.setenv("CONFLICTMAP_LANG", "en")
    assert url_params.write(huila, lang="es") == {"dept": "41", "lang": "es"}
