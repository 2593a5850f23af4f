"""The forgiving date readers of column-mapped spreadsheets (conflictmap/dates.py): the day/month
order decided from a whole column, event dates in every common form, and dates split in day,
month and year cells. Every expected value is written out by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from conflictmap import dates
from conflictmap.dates import DAY_FIRST, MONTH_FIRST, DateError


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """parse_event_day memoises its texts: each test reads them afresh."""
    dates._parse_event.cache_clear()
    yield
    dates._parse_event.cache_clear()


def numbered(prefix: str, cases: list) -> list:
    """Plain test ids (mutmut does not run tests whose ids hold quotes or brackets)."""
    return [pytest.param(*(c if isinstance(c, tuple) else (c,)), id=f"{prefix}{i}")
            for i, c in enumerate(cases)]  # fmt: skip


def order(values: list[object], given: str | None = None) -> tuple[str, bool, str, bool]:
    found = dates.day_order(values, given=given)
    return found.order, found.decided, str(found.reason), found.numeric


# ---- day_order --------------------------------------------------------------------------------


def test_a_day_above_12_first_decides_day_first() -> None:
    assert order(["02/09/2022", " 13/01/2022 ", "25/12/2021", "12/12/2020"]) == (
        DAY_FIRST, True, "day first: '13/01/2022' has a day above 12", True,
    )  # fmt: skip


def test_a_day_above_12_second_decides_month_first() -> None:
    assert order(["09/02/2022 12:00:00 AM", "01/13/2022", "12/25/2021"]) == (
        MONTH_FIRST, True, "month first: '01/13/2022' has a day above 12", True,
    )  # fmt: skip


def test_a_column_with_both_orders_is_refused_naming_one_of_each() -> None:
    with pytest.raises(DateError) as err:
        dates.day_order(["02/09/2022", "13/01/2022", "01/13/2022", "14/01/2022"])
    assert str(err.value) == (
        "the dates mix day/month orders: '13/01/2022' is day first, '01/13/2022' month first; "
        "make the column consistent"
    )


def test_dates_that_read_either_way_follow_the_form() -> None:
    # 12 is still a month: 12/12 and 13/13 (no month either way) decide nothing
    assert order(["02/09/2022", "12/12/2022", "13/13/2022"]) == (
        DAY_FIRST, False, "every date reads either way; read day first (DD/MM)", True,
    )  # fmt: skip
    # a time with AM/PM: the US portal export, month first
    assert order(["02/09/2022", "09/02/2022 12:00:00 AM"]) == (
        MONTH_FIRST, False, "every date reads either way; AM/PM times: US order", True,
    )  # fmt: skip
    assert order(["02/09/2022 14:30"])[0:2] == (DAY_FIRST, False)  # a 24-hour time: no AM/PM


def test_a_column_without_numeric_dates_has_no_order_to_decide() -> None:
    assert order(["2022-09-02", "septiembre de 2022", None, 2022]) == (
        DAY_FIRST, False, "no numeric dates (the order changes nothing)", False,
    )  # fmt: skip


def test_a_given_order_wins_and_an_unknown_one_is_refused() -> None:
    assert order(["13/01/2022"], given=MONTH_FIRST) == (
        MONTH_FIRST, True, "as the layout says", True,
    )  # fmt: skip
    with pytest.raises(DateError) as err:
        dates.day_order(["02/09/2022"], given="ymd")
    assert str(err.value) == "date order 'ymd' is not one of dmy, mdy"


# ---- parse_event_day --------------------------------------------------------------------------

TWO_DIGITS = date.today().year % 100  # "26" in 2026 is this year; "27" is 1927


@pytest.mark.parametrize(
    ("text", "day_first", "month_first"),
    numbered(
        "form",
        [
            ("2022-09-02", (2022, 9, 2, "day"), (2022, 9, 2, "day")),
            ("02/09/2022", (2022, 9, 2, "day"), (2022, 2, 9, "day")),
            ("2-9-2022", (2022, 9, 2, "day"), (2022, 2, 9, "day")),
            ("2.9.22", (2022, 9, 2, "day"), (2022, 2, 9, "day")),
            ("02/09/1995 12:00:00 AM", (1995, 9, 2, "day"), (1995, 2, 9, "day")),
            ("29/02/2024", (2024, 2, 29, "day"), None),
            ("2022/09/02", (2022, 9, 2, "day"), (2022, 9, 2, "day")),
            ("2022.09.02 08:15", (2022, 9, 2, "day"), (2022, 9, 2, "day")),
            ("2 de septiembre de 2022", (2022, 9, 2, "day"), (2022, 9, 2, "day")),
            ("02-SEP-2022", (2022, 9, 2, "day"), (2022, 9, 2, "day")),
            ("2 Sept. 2022", (2022, 9, 2, "day"), (2022, 9, 2, "day")),
            ("September 2, 2022", (2022, 9, 2, "day"), (2022, 9, 2, "day")),
            ("agosto 7 de 2002", (2002, 8, 7, "day"), (2002, 8, 7, "day")),
            ("setiembre de 2022", (2022, 9, 1, "month"), (2022, 9, 1, "month")),
            ("Dic-1999", (1999, 12, 1, "month"), (1999, 12, 1, "month")),
            ("2022-09", (2022, 9, 1, "month"), (2022, 9, 1, "month")),
            ("1958", (1958, 1, 1, "year"), (1958, 1, 1, "year")),
            ("1999.0", (1999, 1, 1, "year"), (1999, 1, 1, "year")),
        ],
    ),
)
def test_event_dates_in_every_common_form(
    text: str, day_first: tuple | None, month_first: tuple | None
) -> None:
    for order_, want in ((DAY_FIRST, day_first), (MONTH_FIRST, month_first)):
        if want is None:
            with pytest.raises(DateError):
                dates.parse_event_day(text, order=order_)
        else:
            y, m, d, precision = want
            assert dates.parse_event_day(f"  {text} ", order=order_) == (date(y, m, d), precision)


def test_a_two_digit_year_is_in_the_last_hundred_years() -> None:
    this, next_ = f"{TWO_DIGITS:02d}", f"{(TWO_DIGITS + 1) % 100:02d}"
    assert dates.parse_event_day(f"01/01/{this}")[0].year == 2000 + TWO_DIGITS
    assert dates.parse_event_day(f"01/01/{next_}")[0].year == 1900 + (TWO_DIGITS + 1) % 100


@pytest.mark.parametrize(
    "text",
    numbered("nodate", ["", "31/02/2022", "13/13/2022", "2022/02/30", "31 de abril de 2022",
                        "2 de brumario de 2022", "Brumario 2, 2022", "September 31, 2022",
                        "brumario de 2022", "2022-13", "0000", "ayer", "2022-09-02-03"]),
)  # fmt: skip
def test_what_is_no_date_is_refused_naming_the_field_and_the_forms(text: str) -> None:
    with pytest.raises(DateError) as err:
        dates.parse_event_day(text, field="FECHA")
    assert str(err.value) == (
        f"bad FECHA '{text}' (expected a date such as 2022-09-02, 02/09/2022, "
        "2 de septiembre de 2022, 2022-09 or 2022)"
    )


def test_the_refusal_shows_the_numeric_form_of_the_order() -> None:
    with pytest.raises(DateError) as err:
        dates.parse_event_day("ayer", order=MONTH_FIRST)
    assert str(err.value) == (
        "bad date 'ayer' (expected a date such as 2022-09-02, 09/02/2022, "
        "2 de septiembre de 2022, 2022-09 or 2022)"
    )


# ---- from_parts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "month", "year", "want"),
    numbered(
        "parts",
        [
            ("2", "9", "2022", (date(2022, 9, 2), "day")),
            (2, 9.0, 2022.0, (date(2022, 9, 2), "day")),
            (" 29 ", "2", "2024", (date(2024, 2, 29), "day")),
            ("2", "septiembre", "2022", (date(2022, 9, 2), "day")),
            ("2", "Sept.", "2022", (date(2022, 9, 2), "day")),
            ("0", "9", "2022", (date(2022, 9, 1), "month")),
            (None, "12", "1958", (date(1958, 12, 1), "month")),
            ("", "0", "2022", (date(2022, 1, 1), "year")),
            (float("nan"), None, "1999", (date(1999, 1, 1), "year")),
        ],
    ),
)
def test_a_date_from_its_parts(day: object, month: object, year: object, want: tuple) -> None:
    assert dates.from_parts(day, month, year) == want


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    numbered(
        "refused",
        [
            ("2", "9", "", "the year is empty (unknown): a case needs at least its year"),
            ("2", "9", None, "the year is empty (unknown): a case needs at least its year"),
            ("2", "9", "0", "the year is '0' (unknown): a case needs at least its year"),
            ("2", "9", "dos mil", "the year 'dos mil' is not a number"),
            ("2", "9", "2022.5", "the year '2022.5' is not a year"),
            ("2", "9", "10000", "the year '10000' is not a year"),
            ("2", "13", "2022", "the month '13' is not a month (1-12 or its name)"),
            ("2", "9.5", "2022", "the month '9.5' is not a month (1-12 or its name)"),
            ("2", "brumario", "2022", "the month 'brumario' is not a month (1-12 or its name)"),
            ("dos", "9", "2022", "the day 'dos' is not a number"),
            ("31", "4", "2010", "day 31 does not exist in 2010-04"),
            ("29", "2", "2023", "day 29 does not exist in 2023-02"),
            ("2.5", "9", "2022", "day 2.5 does not exist in 2022-09"),
        ],
    ),
)
def test_parts_that_make_no_date_are_refused_with_the_reason(
    day: object, month: object, year: object, message: str
) -> None:
    with pytest.raises(DateError) as err:
        dates.from_parts(day, month, year)
    assert str(err.value) == message


def test_a_day_of_exactly_12_still_tells_the_order() -> None:
    # 25/12: the first part can only be a day, the second (12) is a month
    assert order(["25/12/2021"])[0:2] == (DAY_FIRST, True)
    assert order(["12/25/2021"])[0:2] == (MONTH_FIRST, True)


def test_the_years_a_date_can_hold_are_read_at_both_ends() -> None:
    # the readers accept every year a date can hold (1-9999); whether a year is plausible for
    # an event (not before 1900, not after today) is the importer's check, not the parser's
    assert dates.parse_event_day("0001") == (date(1, 1, 1), "year")
    assert dates.from_parts("", "", "1") == (date(1, 1, 1), "year")
    assert dates.from_parts("31", "12", "9999") == (date(9999, 12, 31), "day")


def test_an_iso_flag_names_the_form_it_expects() -> None:
    with pytest.raises(DateError) as err:
        dates.parse_iso(" 02/09/2022 ", field="--from")
    assert str(err.value) == "--from '02/09/2022' is not a date in the form YYYY-MM-DD"
