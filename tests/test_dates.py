"""The one date parser (conflictmap/dates.py) and the event-date rules built on it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conflictmap import dates, schema, territories
from conflictmap.schema import RowError


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2022-09-02", date(2022, 9, 2)),
        ("2022-09-02 00:00:00.000", date(2022, 9, 2)),  # UCDP GED
        ("2022-09-02 13:45:00", date(2022, 9, 2)),
        ("02 September 2022", date(2022, 9, 2)),  # ACLED
        ("2 Sep 2022", date(2022, 9, 2)),
        (" 1958-05-10 ", date(1958, 5, 10)),
    ],
)
def test_day_forms(text: str, want: date) -> None:
    assert dates.parse_day(text) == want


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),  # leap year
        ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
        ("2022-12", date(2022, 12, 1), date(2022, 12, 31)),
        ("1999", date(1999, 1, 1), date(1999, 12, 31)),
        ("2022-09-02", date(2022, 9, 2), date(2022, 9, 2)),
    ],
)
def test_periods_stand_for_their_first_or_last_day(text: str, start: date, end: date) -> None:
    assert dates.parse_day(text, periods=True) == start
    assert dates.parse_day(text, periods=True, end=True) == end


@pytest.mark.parametrize("text", ["2022-09", "1999", "02/09/2022", "2022-13-01", "", "yesterday"])
def test_days_only_without_periods(text: str) -> None:
    with pytest.raises(dates.DateError, match="expected YYYY-MM-DD or '02 September 2022'"):
        dates.parse_day(text, field="event_date")


def test_iso_only_for_links_and_flags() -> None:
    assert dates.parse_iso("2022-08-07") == date(2022, 8, 7)
    with pytest.raises(dates.DateError, match="--from '07/08/2022' is not a date"):
        dates.parse_iso("07/08/2022", field="--from")


def test_event_date_today_is_accepted_and_tomorrow_rejected() -> None:
    today = date.today()
    assert schema.parse_date(today.isoformat()) == today
    with pytest.raises(RowError, match="is in the future"):
        schema.parse_date((today + timedelta(days=1)).isoformat())


def test_event_date_bounds_at_1900() -> None:
    assert schema.parse_date("1900-01-01") == date(1900, 1, 1)
    with pytest.raises(RowError, match="before 1900"):
        schema.parse_date("1899-12-31")
    with pytest.raises(RowError, match="event_date is empty"):
        schema.parse_date("  ")


def test_claim_dates_use_the_same_parser() -> None:
    assert territories._parse_day("2022-02", "valid_to", end=True) == date(2022, 2, 28)
    assert territories._parse_day("", "valid_to", end=True) is None
    with pytest.raises(RowError, match="expected YYYY-MM-DD, YYYY-MM or YYYY"):
        territories._parse_day("Feb 2022", "valid_from", end=False)


def test_errors_name_the_field_default_date() -> None:
    with pytest.raises(dates.DateError, match=r"^bad date 'soon' \(expected YYYY-MM-DD or "):
        dates.parse_day(" soon ")
    with pytest.raises(dates.DateError, match=r"^bad date 'soon' \(expected YYYY-MM-DD, YYYY-MM "):
        dates.parse_day("soon", periods=True)
    with pytest.raises(dates.DateError, match=r"^date '07/08/2022' is not a date in the form "):
        dates.parse_iso(" 07/08/2022 ")
