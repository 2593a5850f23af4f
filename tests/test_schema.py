"""conflictmap/schema.py value parsing: cases the mutation run (docs/mutation/conflictmap.schema.md)
showed the importer tests leave open (exact reject reasons, inclusive bounds, case)."""

from __future__ import annotations

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
