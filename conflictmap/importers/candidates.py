"""What every importer hands to ingest: mapped candidate rows plus row-level rejects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

# Row numbers are given as a spreadsheet shows them: the header is row 1, the first record row 2.
first_data_row = 2


@dataclass(frozen=True)
class Reject:
    """A row that was not imported: its spreadsheet row number, why (a
    :class:`~conflictmap.messages.Message` from the importers: English as a value, shown in the
    reader's language by ``str()``), and the row as it was read."""

    row: int
    reason: str
    raw: dict[str, str]


@dataclass
class Candidates:
    """Rows that passed the format's checks (not yet placed) and the rows that did not.

    ``frame`` holds the record columns known so far plus ``row`` and the place hints
    ``place_muni`` / ``place_dept`` (names or DIVIPOLA codes) for rows without coordinates,
    ``admin1`` / ``admin2`` (the source's names of where a point is) and ``in_country``.
    ``geo_precision`` 4 marks an event the source places only in the country or a region.
    """

    frame: pd.DataFrame
    rejects: list[Reject] = field(default_factory=list)


def cell(raw: Mapping[str, object], key: str) -> str:
    """A cell as stripped text ("" when the column is absent or empty)."""
    return _text(raw.get(key, ""))


def split_list(value: str, sep: str = ";") -> list[str]:
    return [part.strip() for part in value.split(sep) if part.strip()]


CANDIDATE_DEFAULTS: dict[str, object] = {
    "date_precision": "day",
    "sub_event_type": "",
    "event_type_original": "",
    "actor1_raw": "",
    "actor2_raw": "",
    "assoc_actors_raw": "",
    "fatalities": None,
    "fatalities_low": None,
    "fatalities_high": None,
    "victims": None,
    "latitude": None,
    "longitude": None,
    "geo_precision": None,
    "place_muni": "",
    "place_dept": "",
    "location": "",
    "notes": "",
    "source_url": "",
    "admin1": "",
    "admin2": "",
    # the source's own country field said Colombia: a point outside every municipality is then
    # a misplaced point of a Colombian event (kept), not an event outside Colombia (rejected)
    "in_country": False,
    "place_note": "",
    "original": "",  # filled by parse_rows: the row as read, as JSON
}
CANDIDATE_REQUIRED = ("row", "incident_id", "event_date", "event_type", "source")


def candidate(**fields: object) -> dict[str, object]:
    """One candidate row with every key ingest expects (unknown keys are a programming error)."""
    unknown = set(fields) - set(CANDIDATE_DEFAULTS) - set(CANDIDATE_REQUIRED)
    if unknown:
        raise TypeError(f"unknown candidate field(s): {', '.join(sorted(unknown))}")
    missing = [k for k in CANDIDATE_REQUIRED if k not in fields]
    if missing:
        raise TypeError(f"missing candidate field(s): {', '.join(missing)}")
    return {**CANDIDATE_DEFAULTS, **fields}


RowFn = Callable[[dict[str, str], int], dict[str, object]]


def originals(frame: pd.DataFrame) -> list[str]:
    """The original record of every row: one JSON object per row, column name -> cell.

    Files are read as text, so every cell is a string; DuckDB's ``to_json`` then encodes a
    chunk in about half the time of ``DataFrame.to_json(lines=True)`` (which splits its output
    into lines in Python). Frames holding other values take pandas' path.
    """
    if not len(frame):
        return []
    all_text = not frame.columns.has_duplicates and all(
        isinstance(c, str) and pd.api.types.infer_dtype(frame[c], skipna=False) == "string"
        for c in frame.columns
    )
    if not all_text:
        # split on "\n" only: JSON escapes it inside strings, but str.splitlines() would also
        # split at U+2028, \x1c and other characters pandas leaves as they are
        lines = frame.to_json(orient="records", lines=True, force_ascii=False).split("\n")
        return lines[:-1] if lines and lines[-1] == "" else lines
    with duckdb.connect() as con:
        con.register("original_rows", frame)
        (encoded,) = con.execute("SELECT to_json(r) FROM original_rows r").fetchnumpy().values()
    return [str(v) for v in encoded.tolist()]


def parse_rows(
    frame: pd.DataFrame,
    start_row: int,
    row_fn: RowFn,
    *,
    only: np.ndarray | None = None,
    original: list[str] | None = None,
) -> Candidates:
    """Apply a format's row mapping; a RowError makes that row a reject with its reason.

    ``only`` (row positions) limits the mapping to some rows, e.g. those a column-wise fast path
    could not accept; ``original`` passes the rows' JSON when the caller has it already.
    """
    from conflictmap.messages import of
    from conflictmap.schema import RowError

    accepted: list[dict[str, object]] = []
    rejects: list[Reject] = []
    columns = [str(c) for c in frame.columns]
    values = [frame[c].to_numpy(dtype=object) for c in frame.columns]
    originals_ = original if original is not None else originals(frame)
    positions = range(len(frame)) if only is None else [int(i) for i in only]
    for offset in positions:
        cells = [v[offset] for v in values]
        raw = dict(zip(columns, cells, strict=True))
        row = start_row + offset
        try:
            record = row_fn(raw, row)
        except RowError as exc:
            rejects.append(Reject(row=row, reason=of(exc), raw=raw))
            continue
        record["original"] = originals_[offset]
        accepted.append(record)
    return Candidates(pd.DataFrame(accepted, dtype=object), rejects)


def texts(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as stripped text, like :func:`cell` for every row ("" when absent or empty)."""
    if column not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    values = frame[column].to_numpy(dtype=object)
    out = np.empty(len(values), dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":  # as files are read
        out[:] = [v.strip() for v in values]
    else:
        out[:] = [_text(v) for v in values]
    return out


def _text(value: object) -> str:
    if value.__class__ is str:
        return value.strip()
    return "" if value is None or value != value else str(value).strip()  # noqa: PLR0124 (NaN)


def lookup(values: np.ndarray, fn: Callable[[str], object]) -> np.ndarray:
    """``fn`` applied to each distinct value once (files repeat few dates, types, numbers)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [fn(v) for v in uniques]
    return mapped[codes]


def combine(fast: pd.DataFrame, slow: Candidates) -> Candidates:
    """Rows accepted column-wise plus those of the per-row path, back in file order."""
    if slow.frame.empty:
        return Candidates(fast.reset_index(drop=True), slow.rejects)
    if fast.empty:
        return slow
    frame = pd.concat([fast, slow.frame.loc[:, list(fast.columns)]], ignore_index=True)
    order = np.argsort(frame["row"].to_numpy(dtype=np.int64), kind="stable")
    return Candidates(frame.iloc[order].reset_index(drop=True), slow.rejects)
