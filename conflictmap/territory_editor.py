"""The Territories page's view model: the claims table as the editor shows it, saving its edits,
importing an uploaded claims file, and the GeoJSON export.

The page reads its widgets (the table editor, the uploader, the export choices) and draws what
these functions return; the rules are :mod:`conflictmap.territories`'.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from conflictmap import ingest, sample, store, territories, text
from conflictmap.geography import Geography
from conflictmap.importers.candidates import Reject

Db = str | os.PathLike[str] | None
TerritoryError = territories.TerritoryError  # a claims file that cannot be imported at all

EDIT_COLUMNS = [
    "claim_id",
    "group_name",
    "muni_code",
    "valid_from",
    "valid_to",
    "level",
    "source",
    "dataset",
]
LEVELS = territories.LEVELS


def editor_table(db: Db = None) -> pd.DataFrame:
    """Every stored claim, with the columns the editor shows (an empty table without claims)."""
    with store.connect(db, read_only=True) as con:
        frame = territories.claims(con)
    return frame[EDIT_COLUMNS] if not frame.empty else pd.DataFrame(columns=EDIT_COLUMNS)


def has_demo_claims(table: pd.DataFrame) -> bool:
    """Whether synthetic demo claims are in the table (the page says they are not real)."""
    return any(sample.is_synthetic(d) for d in table["dataset"])


@dataclass(frozen=True)
class SaveResult:
    """What saving the edited table did: all of it, or nothing when a row is rejected."""

    inserted: int
    removed: int
    rejects: list[Reject] = field(default_factory=list)

    @property
    def saved(self) -> bool:
        return not self.rejects

    @property
    def message(self) -> str:
        if self.rejects:
            return text.CLAIMS_NOT_SAVED
        return text.CLAIMS_SAVED.format(inserted=self.inserted, removed=self.removed)

    def reject_table(self) -> pd.DataFrame:
        """group, municipality, valid_from, reason: each rejected row as typed."""
        columns = ["group", "municipality", "valid_from", "reason"]
        return pd.DataFrame(
            [
                {
                    "group": r.raw.get("group", ""),
                    "municipality": r.raw.get("municipality", ""),
                    "valid_from": r.raw.get("valid_from", ""),
                    "reason": r.reason,
                }
                for r in self.rejects
            ],
            columns=columns,
        )


def save_edits(
    current: pd.DataFrame, edited: pd.DataFrame, db: Db = None, *, geo: Geography | None = None
) -> SaveResult:
    """Store the editor's table: unchanged claims are kept, deleted ones removed, changed and
    added rows checked as an import would check them and stored (new rows in the manual
    dataset; a changed row keeps its dataset). All or nothing."""
    keep, new_rows = territories.diff_edits(current, edited)
    with store.connect(db) as con:
        inserted, rejects = territories.replace_claims(
            con, keep, new_rows, dataset=territories.MANUAL_DATASET, geo=geo
        )
    if rejects:
        return SaveResult(0, 0, list(rejects))
    return SaveResult(inserted, len(current) - len(keep))


# ---- import ------------------------------------------------------------------------------------


def default_dataset(name: str | None) -> str:
    """The dataset name an upload gets unless one is typed: its file name without extension."""
    return Path(name).stem if name else ""


def import_upload(
    stream: BinaryIO, name: str, dataset: str = "", db: Db = None, *, geo: Geography | None = None
) -> territories.ClaimReport:
    """Import an uploaded claims CSV or GeoJSON in one transaction. TerritoryError, naming the
    file, when it cannot be read."""
    with ingest.spooled(stream, name, errors=(TerritoryError,)) as path:
        return territories.import_claims(
            path, dataset=dataset.strip() or default_dataset(name), db=db, geo=geo
        )


def import_summary(report: territories.ClaimReport) -> str:
    return text.CLAIMS_IMPORTED.format(
        read=report.read,
        inserted=report.inserted,
        duplicates=report.duplicates,
        rejected=report.rejected,
    )


def import_reject_table(report: territories.ClaimReport) -> pd.DataFrame:
    return pd.DataFrame(
        [{"row": r.row, "reason": r.reason} for r in report.rejects], columns=["row", "reason"]
    )


def unknown_group_note(report: territories.ClaimReport) -> str | None:
    n = report.warnings.get("unknown_group")
    if not n:
        return None
    return text.CLAIMS_UNKNOWN_GROUP.format(n=n)


# ---- export ------------------------------------------------------------------------------------


def export_groups(db: Db = None) -> list[str]:
    """The groups that have claims, by name."""
    with store.connect(db, read_only=True) as con:
        frame = territories.claims(con)
    return sorted(set(frame["group_name"])) if not frame.empty else []


@dataclass(frozen=True)
class Export:
    content: str  # GeoJSON text
    features: int
    file_name: str = "territories.geojson"
    mime: str = "application/geo+json"


def export_geojson(
    start: date | None = None,
    end: date | None = None,
    groups: list[str] | None = None,
    db: Db = None,
    *,
    geo: Geography | None = None,
) -> Export:
    """Declared territories valid in [start, end] of the groups (all when none) as GeoJSON."""
    collection = territories.export_collection(
        db=db, start=start, end=end, groups=groups or None, geo=geo
    )
    return Export(json.dumps(collection, ensure_ascii=False), len(collection["features"]))
