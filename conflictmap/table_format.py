"""Numbers in the tables people read, written the reader's way (``1.234,5`` in Spanish).

``st.dataframe`` writes numbers with the browser's own grouping (its ``"localized"`` format
follows the browser's locale, not the interface language), so a Spanish page in an English
browser would show ``1,234.5``. :func:`localized` gives a pandas Styler whose display text of
every numeric cell is :func:`conflictmap.i18n.number` in the current language; Streamlit shows
a Styler's display values and keeps the numbers underneath, so sorting a column stays numeric.
Meant for the small tables a person reads (reports, summaries): a Styler renders every cell.
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable

import pandas as pd
from pandas.io.formats.style import Styler

from conflictmap import i18n


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
        if not isinstance(value, numbers.Real) or value != value:  # noqa: PLR0124 - NaN
            return "" if value is None or value != value else str(value)  # noqa: PLR0124
        return i18n.number(
            int(value) if isinstance(value, numbers.Integral) else float(value), lang
        )

    return frame.style.format(shown, subset=numeric)
