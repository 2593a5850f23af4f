"""CSV cells a spreadsheet would run as formulas, written as text (OWASP "CSV Injection").

Excel, LibreOffice Calc and Google Sheets read a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return (or line feed) as a formula: an imported actor name or note
such as ``=HYPERLINK("http://…")`` would run in the spreadsheet of whoever opens an export.
Every CSV ConflictMap writes (incident and choropleth exports, chart data, rejected rows) passes
its text cells through :func:`neutralise`, which puts a single quote in front of such a cell, as
OWASP advises; spreadsheets show the quote-prefixed cell as text.

Numbers are never touched: numeric columns are not text, and a text cell that is a plain
number (``-75.28``, ``+57``, ``-1e3``, as rejected rows carry their cells as read) cannot be a
formula — it stays a number for every spreadsheet and for a re-import.
"""

from __future__ import annotations

import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
QUOTE = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: object) -> object:
    """A text cell that would start a formula, prefixed with ``'``; anything else as it is.

    A carriage return inside a text cell becomes a line feed: Python's csv writer (and pandas')
    quotes a cell with a line feed but leaves a bare CR unquoted, which splits the row for
    every reader."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        value = QUOTE + value
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def is_text(series: pd.Series) -> bool:
    return series.dtype == object or isinstance(series.dtype, pd.StringDtype)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text columns neutralised (a copy; numeric and date columns as they
    are, missing values kept missing)."""
    text_columns = [c for c in frame.columns if is_text(frame[c])]
    if not text_columns:
        return frame
    out = frame.copy()
    for column in text_columns:
        out[column] = frame[column].map(neutralise, na_action="ignore")
    return out


def neutralise_row(values: list[object]) -> list[object]:
    """One row for :mod:`csv` writers."""
    return [neutralise(v) for v in values]
