"""What every importer hands to ingest: mapped candidate rows plus row-level rejects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

# Row numbers are given as a spreadsheet shows them: the header is row 1, the first record row 2.
first_data_row = 2


@dataclass(frozen=True)
class Reject:
    row: int
    reason: str
    raw: dict[str, str]


@dataclass
class Candidates:
    """Rows that passed the format's checks (not yet placed) and the rows that did not.

    ``frame`` holds the record columns known so far plus ``row`` and the place hints
    ``place_muni`` / ``place_dept`` (names or DIVIPOLA codes) for rows without coordinates.
    """

    frame: pd.DataFrame
    rejects: list[Reject] = field(default_factory=list)


def cell(raw: dict[str, str], key: str) -> str:
    """A cell as stripped text ("" when the column is absent or empty)."""
    value = raw.get(key, "")
    if value.__class__ is str:
        return value.strip()
    return "" if value is None or value != value else str(value).strip()  # None or NaN


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


def parse_rows(
    frame: pd.DataFrame, start_row: int, row_fn: Callable[[dict[str, str], int], dict[str, object]]
) -> Candidates:
    """Apply a format's row mapping; a RowError makes that row a reject with its reason."""
    from conflictmap.schema import RowError

    accepted: list[dict[str, object]] = []
    rejects: list[Reject] = []
    columns = [str(c) for c in frame.columns]
    values = [frame[c].to_numpy(dtype=object) for c in frame.columns]
    # the original record of every row, as JSON, serialised by pandas in one pass
    originals = (
        frame.to_json(orient="records", lines=True, force_ascii=False).splitlines()
        if len(frame)
        else []
    )
    for offset, cells in enumerate(zip(*values, strict=True)):
        raw = dict(zip(columns, cells, strict=True))
        row = start_row + offset
        try:
            record = row_fn(raw, row)
        except RowError as exc:
            rejects.append(Reject(row=row, reason=str(exc), raw=raw))
            continue
        record["original"] = originals[offset]
        accepted.append(record)
    return Candidates(pd.DataFrame(accepted, dtype=object), rejects)
