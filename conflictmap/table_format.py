"""Numbers in the tables people read, written the reader's way (``1.234,5`` in Spanish).

``st.dataframe`` writes numbers with the browser's own grouping (its ``"localized"`` format
follows the browser's locale, not the interface language), so a Spanish page in an English
browser would show ``1,234.5``. :func:`localized` gives a pandas Styler whose display text of
every numeric cell is :func:`conflictmap.i18n.number` in the current language; Streamlit shows
a Styler's display values and keeps the numbers underneath, so sorting a column stays numeric.
Meant for the small tables a person reads (reports, summaries): a Styler renders every cell,
so :func:`readable` styles a table only up to :data:`MAX_STYLED_ROWS` rows and gives a larger
one as it is (Streamlit's own number format: still numbers, grouped the browser's way).
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable

import pandas as pd
from pandas.io.formats.style import Styler

from conflictmap import i18n

# The most rows :func:`readable` styles: a Styler renders every cell (on each rerun), cheap for
# reports, summaries and admin lists, too slow for a table of every incident.
MAX_STYLED_ROWS = 5_000


def localized(frame: pd.DataFrame, lang: str | None = None) -> Styler:
    """``frame`` as a Styler with its numeric columns written as ``lang`` (default: the current
    language) writes numbers; empty cells stay empty."""
    lang = lang or i18n.current()
    numeric: list[Hashable] = [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]

    def shown(value: object) -> str:
        if value is None or pd.isna(value):  # type: ignore[call-overload]  # None, NaN, NA
            return ""
        if not isinstance(value, numbers.Real):
            return str(value)
        return i18n.number(
            int(value) if isinstance(value, numbers.Integral) else float(value), lang
        )

    return frame.style.format(shown, subset=numeric)


def readable(frame: pd.DataFrame, lang: str | None = None) -> Styler | pd.DataFrame:
    """:func:`localized` for a table of at most :data:`MAX_STYLED_ROWS` rows (and no more
    cells than pandas' Styler renders, ``styler.render.max_elements``); a larger table as it
    is, unstyled, since styling it would render every cell."""
    if len(frame) > MAX_STYLED_ROWS or frame.size > pd.get_option("styler.render.max_elements"):
        return frame
    return localized(frame, lang)
