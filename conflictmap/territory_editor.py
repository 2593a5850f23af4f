"""The Territories page's view model: the claims table as the editor shows it, saving its edits,
importing an uploaded claims file, and the GeoJSON export.

The page reads its widgets (the table editor, the uploader, the export choices) and draws what
these functions return; the rules are :mod:`conflictmap.territory_claims`' (checking rows),
:mod:`conflictmap.territory_store`'s (storing them) and :mod:`conflictmap.territory_export`'s.
Saving and importing take the acting user (``actor=``): editors and admins only
(:mod:`conflictmap.permissions`), recorded in the audit trail (:mod:`conflictmap.audit`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from conflictmap import (
    audit,
    i18n,
    ingest,
    permissions,
    sample,
    store,
    territory_claims,
    territory_export,
    territory_store,
    text,
)
from conflictmap.geography import Geography
from conflictmap.i18n import _
from conflictmap.importers.candidates import Reject
from conflictmap.permissions import Actor

Db = str | os.PathLike[str] | None
TerritoryError = territory_claims.TerritoryError  # a claims file that cannot be imported at all

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
LEVELS = territory_claims.LEVELS


def editor_table(db: Db = None) -> pd.DataFrame:
    """Every stored claim, with the columns the editor shows (an empty table without claims)."""
    with store.connect(db, read_only=True) as con:
        frame = territory_store.claims(con)
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
            return _(text.CLAIMS_NOT_SAVED)
        return _(text.CLAIMS_SAVED).format(
            inserted=i18n.number(self.inserted), removed=i18n.number(self.removed)
        )

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


# The raw claim columns (as an import reads them) for each editor column but the id.
RAW_COLUMNS = dict(
    zip(
        EDIT_COLUMNS[1:],
        ["group", "municipality", "valid_from", "valid_to", "level", "source", "dataset"],
        strict=True,
    )
)
EditorState = Mapping[str, Any]  # st.data_editor's: edited_rows, added_rows, deleted_rows


def _cell(column: str, value: object) -> str:
    """An editor cell as the text an import reads; a date as YYYY-MM-DD, empty as ""."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.date().isoformat()
    if column in ("valid_from", "valid_to") and isinstance(value, str) and value.strip():
        try:  # the editor sends a date cell as ISO text, with or without a time
            return pd.Timestamp(value).date().isoformat()
        except (ValueError, TypeError, OverflowError):
            pass  # left as typed: the import's check names the bad date
    return str(value).strip()


def _row(cells: Mapping[str, object]) -> dict[str, str]:
    return {raw: _cell(column, cells.get(column)) for column, raw in RAW_COLUMNS.items()}


def changes(current: pd.DataFrame, state: EditorState | None) -> tuple[list[int], pd.DataFrame]:
    """From the editor's own state over ``current`` (row positions: edited_rows {position:
    {column: value}}, added_rows [{column: value}], deleted_rows [position]): the ids of the
    claims kept as they are, and the changed and added rows as raw claim rows (RAW_COLUMNS).
    A row edited back to what it was is kept; an empty added row is ignored."""
    state = state or {}
    deleted = {int(p) for p in state.get("deleted_rows") or []}
    edits = {int(p): dict(c) for p, c in (state.get("edited_rows") or {}).items()}
    keep: list[int] = []
    new: list[dict[str, str]] = []
    for position, raw in enumerate(current.to_dict("records")):
        record = {str(k): v for k, v in raw.items()}
        if position in deleted:
            continue
        if position in edits:
            before, after = _row(record), _row({**record, **edits[position]})
            if after != before:
                new.append(after)
                continue
        keep.append(int(record["claim_id"]))
    for added in state.get("added_rows") or []:
        row = _row(added)
        if any(row.values()):  # an empty row added by mistake is not a claim
            new.append(row)
    return keep, pd.DataFrame(new, columns=list(RAW_COLUMNS.values()))


def save_edits(
    current: pd.DataFrame,
    state: EditorState | None,
    db: Db = None,
    *,
    geo: Geography | None = None,
    actor: Actor | None = None,
) -> SaveResult:
    """Store the editor's changes to ``current`` (its own state, see :func:`changes`): unchanged
    claims are kept, deleted ones removed, changed and added rows checked as an import would
    check them and stored (new rows in the manual dataset; a changed row keeps its dataset).
    All or nothing."""
    who = permissions.require(actor, "edit_territories", db)
    keep, new_rows = changes(current, state)
    with store.connect(db) as con:
        inserted, rejects = territory_store.replace_claims(
            con, keep, new_rows, dataset=territory_claims.MANUAL_DATASET, geo=geo
        )
        if not rejects:
            removed = len(current) - len(keep)
            with store.transaction(con):
                audit.record(
                    con,
                    who,
                    "territory_save",
                    rows=inserted,
                    detail={"inserted": inserted, "removed": removed},
                )
    if rejects:
        return SaveResult(0, 0, list(rejects))
    return SaveResult(inserted, len(current) - len(keep))


# ---- import ------------------------------------------------------------------------------------


def default_dataset(name: str | None) -> str:
    """The dataset name an upload gets unless one is typed: its file name without extension."""
    return Path(name).stem if name else ""


def import_upload(
    stream: BinaryIO,
    name: str,
    dataset: str = "",
    db: Db = None,
    *,
    geo: Geography | None = None,
    actor: Actor | None = None,
) -> territory_claims.ClaimReport:
    """Import an uploaded claims CSV or GeoJSON in one transaction. TerritoryError, naming the
    file, when it cannot be read."""
    who = permissions.require(actor, "edit_territories", db)
    sha256 = audit.stream_sha256(stream)
    dataset = dataset.strip() or default_dataset(name)
    with ingest.spooled(stream, name, errors=(TerritoryError,)) as path:
        report = territory_store.import_claims(path, dataset=dataset, db=db, geo=geo)
    record_import(who, report, dataset, name, sha256, db)
    return report


def record_import(
    who: Actor,
    report: territory_claims.ClaimReport,
    dataset: str,
    file: str,
    sha256: str,
    db: Db = None,
) -> None:
    """The audit entry of a claims import: dataset, file and hash, the report's counts."""
    audit.record_now(
        who,
        "territory_import",
        db,
        dataset=dataset,
        rows=report.inserted,
        file=file,
        sha256=sha256,
        detail={
            "read": report.read,
            "inserted": report.inserted,
            "duplicates": report.duplicates,
            "rejected": report.rejected,
        },
    )


def import_summary(report: territory_claims.ClaimReport) -> str:
    return _(text.CLAIMS_IMPORTED).format(
        read=i18n.number(report.read),
        inserted=i18n.number(report.inserted),
        duplicates=i18n.number(report.duplicates),
        rejected=i18n.number(report.rejected),
    )


def import_reject_table(report: territory_claims.ClaimReport) -> pd.DataFrame:
    return pd.DataFrame(
        [{"row": r.row, "reason": r.reason} for r in report.rejects], columns=["row", "reason"]
    )


def unknown_group_note(report: territory_claims.ClaimReport) -> str | None:
    n = report.warnings.get("unknown_group")
    if not n:
        return None
    return _(text.CLAIMS_UNKNOWN_GROUP).format(n=i18n.number(n))


# ---- export ------------------------------------------------------------------------------------


def export_groups(db: Db = None) -> list[str]:
    """The groups that have claims, by name."""
    with store.connect(db, read_only=True) as con:
        frame = territory_store.claims(con)
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
    collection = territory_export.export_collection(
        db=db, start=start, end=end, groups=groups or None, geo=geo
    )
    return Export(json.dumps(collection, ensure_ascii=False), len(collection["features"]))
