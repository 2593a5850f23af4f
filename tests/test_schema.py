"""conflictmap/schema.py value parsing: cases the mutation run (docs/mutation/conflictmap.schema.md)
showed the importer tests leave open (exact reject reasons, inclusive bounds, case)."""

from __future__ import annotations

from datetime import date as day
from datetime import timedelta

import pytest

from conflictmap import schema
from conflictmap.schema import RowError


def test_event_type_reasons() -> None:
    with pytest.raises(RowError, match=r"^event_type is empty$"):
        schema.event_type(" - ")
    with pytest.raises(RowError, match=r"\(expected one of: Battles, Explosions/Remote violence, "):
        schema.event_type("Picnic")


def test_coordinate_bounds_are_inclusive_and_reasons_exact() -> None:
    assert schema.parse_coordinate("-90", field="latitude", low=-90, high=90) == -90
    assert schema.parse_coordinate("90", field="latitude", low=-90, high=90) == 90
    with pytest.raises(RowError, match=r"^latitude 'north' is not a number$"):
        schema.parse_coordinate("north", field="latitude", low=-90, high=90)


def test_date_precision_case_and_reason() -> None:
    assert schema.parse_date_precision(" MONTH ") == "month"
    with pytest.raises(RowError, match=r"^date_precision 'decade' is not one of day, week, month, year$"):
        schema.parse_date_precision("decade")


def test_geo_precision_four() -> None:
    assert schema.parse_geo_precision("4") == 4


def test_url_scheme_case_empty_and_reason_length() -> None:
    assert schema.parse_url("HTTPS://example.org/a") == "HTTPS://example.org/a"
    assert schema.parse_url("  ") == ""
    bad = "javascript:" + "x" * 100
    with pytest.raises(RowError) as err:
        schema.parse_url(bad)
    assert str(err.value) == f"source_url '{bad[:80]}' is not an http(s) link"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7", 7), ("7.0", 7), ("1.000.000", 1_000_000), ("2,000,000", 2_000_000), ("0.000", 0),
     ("0,000", 0), ("", None)],
)
def test_fatalities_in_thousands_groups(text: str, expected: int | None) -> None:
    assert schema.parse_fatalities(text) == expected


@pytest.mark.parametrize("text", ["1.000", "25,000", "999.999"])
def test_fatalities_with_one_separator_before_three_digits_are_refused(text: str) -> None:
    with pytest.raises(RowError) as refused:
        schema.parse_fatalities(text)
    assert str(refused.value) == (
        f"fatalities '{text}' is ambiguous: a thousands separator or a decimal mark? "
        "Write the number without separators (e.g. 1000)"
    )


def test_mixed_separators_are_not_thousands() -> None:
    # "1.000,000" mixes the two marks: not a group, not a number
    with pytest.raises(RowError, match=r"^fatalities '1\.000,000' is not a number$"):
        schema.parse_fatalities("1.000,000")
    assert schema.grouped_count("1000", "x") is None
    assert schema.grouped_count("1.0000", "x") is None


def test_date_rejects_name_the_field_and_the_text_as_written() -> None:
    with pytest.raises(RowError) as old:
        schema.parse_date(" 1899-12-31 ", field="fecha")
    assert str(old.value) == "fecha '1899-12-31' is before 1900"
    with pytest.raises(RowError) as default_field:
        schema.parse_date("1899-12-31")
    assert str(default_field.value) == "event_date '1899-12-31' is before 1900"
    tomorrow = day.today() + timedelta(days=1)
    with pytest.raises(RowError) as future:
        schema.check_event_day(tomorrow, "mañana")
    assert str(future.value) == "event_date 'mañana' is in the future"


@pytest.mark.parametrize(("text", "expected"), [("1", 1), ("2", 2), (" 3 ", 3), ("4", 4)])
def test_geo_precision_each_level(text: str, expected: int) -> None:
    assert schema.parse_geo_precision(text) == expected
