"""Dated annotations (e.g. 2022-08-07 "New government takes office") drawn on every time chart."""

from __future__ import annotations

from datetime import date

import pandas as pd

from conflictmap import dialect, store

MAX_LABEL = 120


def add(con: dialect.Connection, day: date, label: str) -> int:
    """Store an annotation; return its id. Empty or over-long labels are refused."""
    text = " ".join(str(label).split())
    if not text:
        raise ValueError("the annotation needs a label")
    if len(text) > MAX_LABEL:
        raise ValueError(f"the label is {len(text)} characters; at most {MAX_LABEL} fit")
    if not isinstance(day, date):
        raise ValueError("the annotation needs a date")
    with store.transaction(con):
        new_id = con.execute(
            "INSERT INTO annotations (day, label) VALUES (?, ?) RETURNING annotation_id",
            [day, text],
        ).fetchall()[0][0]
    return int(new_id)


def all_annotations(con: dialect.Connection) -> pd.DataFrame:
    return con.execute(
        "SELECT annotation_id, day, label FROM annotations ORDER BY day, annotation_id"
    ).df()


def in_window(con: dialect.Connection, start: date | None, end: date | None) -> pd.DataFrame:
    frame = all_annotations(con)
    if start:
        frame = frame[pd.to_datetime(frame["day"]).dt.date >= start]
    if end:
        frame = frame[pd.to_datetime(frame["day"]).dt.date <= end]
    return frame.reset_index(drop=True)


def delete(con: dialect.Connection, annotation_id: int) -> bool:
    with store.transaction(con):
        n = con.execute(
            "DELETE FROM annotations WHERE annotation_id = ?", [int(annotation_id)]
        ).fetchall()[0][0]
    return bool(n)
