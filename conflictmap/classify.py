"""Choropleth classes: quantile breaks over the non-zero values, a sequential palette, and the
legend entries (numbers, not only colours). Zero is its own class, distinct from "no data"."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from conflictmap.i18n import number

# ColorBrewer "Purples" (sequential, light -> dark): away from the event-type hues of the points.
PALETTE = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f", "#3f007d")
ZERO_COLOUR = "#ffffff"
NO_DATA_COLOUR = "#d9d9d9"
METHOD = "quantiles"


@dataclass(frozen=True)
class Classes:
    """Upper-inclusive class bounds: class i holds lower[i] <= v <= upper[i]."""

    lower: tuple[float, ...]
    upper: tuple[float, ...]
    colours: tuple[str, ...]
    method: str = METHOD

    def colour(self, value: float | None) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return NO_DATA_COLOUR
        if value <= 0:
            return ZERO_COLOUR
        for upper, colour in zip(self.upper, self.colours, strict=True):
            if value <= upper:
                return colour
        return self.colours[-1] if self.colours else ZERO_COLOUR

    def labels(self) -> list[str]:
        out = []
        for low, high in zip(self.lower, self.upper, strict=True):
            out.append(f"{_fmt(low)}" if low == high else f"{_fmt(low)} – {_fmt(high)}")
        return out


def _fmt(value: float) -> str:
    # in the interface language: 1,234.5 / 1.234,5
    return number(int(value)) if float(value).is_integer() else number(value, decimals=1)


def classify(values: np.ndarray | list[float], k: int = 5) -> Classes:
    """Quantile classes over the positive values (integers stay integers; empty -> no classes)."""
    arr = np.asarray([v for v in values if v is not None and np.isfinite(v) and v > 0], dtype=float)
    if arr.size == 0:
        return Classes((), (), ())
    k = max(1, min(k, len(PALETTE)))
    qs = np.quantile(arr, np.linspace(0, 1, k + 1)[1:], method="higher")
    if np.all(np.mod(arr, 1) == 0):
        qs = np.ceil(qs)
    uppers: list[float] = []
    for q in qs:
        if not uppers or q > uppers[-1]:
            uppers.append(float(q))
    lowers = [float(arr.min())]
    for prev in uppers[:-1]:
        nxt = arr[arr > prev]
        lowers.append(float(nxt.min()) if nxt.size else prev)
    colours = _spread(len(uppers))
    return Classes(tuple(lowers), tuple(uppers), colours)


def _spread(n: int) -> tuple[str, ...]:
    """n colours from the palette, from light to dark, skipping evenly when n is small."""
    if n <= 0:
        return ()
    idx = np.round(np.linspace(1 if n < len(PALETTE) else 0, len(PALETTE) - 1, n)).astype(int)
    return tuple(PALETTE[i] for i in idx)
