"""What every importer hands to ingest: mapped candidate rows plus row-level rejects."""

from __future__ import annotations

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
