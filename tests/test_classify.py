"""conflictmap/classify.py: cases the mutation run (docs/mutation/conflictmap.classify.md) showed
the map tests (tests/test_mapping.py, tests/test_map_model.py) leave open."""

from __future__ import annotations

from conflictmap.classify import PALETTE, ZERO_COLOUR, classify


def test_six_classes_use_the_whole_palette_from_its_lightest_colour() -> None:
    # fewer classes than colours skip the lightest; as many classes as colours use every one
    assert classify(list(range(1, 61)), k=6).colours == PALETTE
    assert PALETTE[0] not in classify(list(range(1, 61)), k=5).colours


def test_fractional_bounds_are_not_rounded_up() -> None:
    c = classify([0.5, 1.5, 2.5, 3.5, 4.5])
    assert c.upper == (1.5, 2.5, 3.5, 4.5)
    assert c.lower == (0.5, 2.5, 3.5, 4.5)
    assert c.labels() == ["0.5 – 1.5", "2.5", "3.5", "4.5"]


def test_positive_value_without_classes_is_drawn_as_zero() -> None:
    # no positive value went into the classes (all zero): nothing to shade, not an IndexError
    assert classify([0, 0]).colour(5) == ZERO_COLOUR


def test_class_bounds_show_one_decimal_at_most() -> None:
    from conflictmap import classify as classify_module

    # a bound such as 2.71 (mean deaths per incident) is shown as 2.7, not 2.71; whole ones bare
    assert [classify_module._fmt(v) for v in (2.71, 1234.56, 3.0, 12)] == [
        "2.7", "1,234.6", "3", "12",
    ]  # fmt: skip
