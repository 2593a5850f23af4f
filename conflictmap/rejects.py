"""Rejected rows, as CSV: the spreadsheet row number, the reason, then the row as it was read.

The header (``row``, ``reason``, the file's own columns) is the same in every language; each
reason is written in the language of the person importing (:mod:`conflictmap.messages`)."""

from __future__ import annotations

import csv
import io
import os
from datetime import datetime
from pathlib import Path

from conflictmap import messages, store
from conflictmap.importers.candidates import Reject
from conflictmap.spreadsheet import neutralise_row


def rejects_csv(rejects: list[Reject], columns: list[str] | None = None) -> str:
    """CSV text; ``columns`` defaults to every column the rejected rows carry. A cell that a
    spreadsheet would run as a formula is written as text (:mod:`conflictmap.spreadsheet`)."""
    columns = columns or list(dict.fromkeys(k for r in rejects for k in r.raw))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["row", "reason", *columns])
    for r in rejects:
        reason = messages.text(r.reason)
        writer.writerow(neutralise_row([r.row, reason, *[r.raw.get(c, "") for c in columns]]))
    return buffer.getvalue()


def write_rejects(
    rejects: list[Reject],
    name: str,
    columns: list[str] | None,
    db: str | os.PathLike[str] | None,
    rejects_dir: str | os.PathLike[str] | None,
) -> Path | None:
    """Write the rejects next to the database (``rejects/``) unless told where; None if none."""
    if not rejects:
        return None
    folder = Path(rejects_dir) if rejects_dir else store.resolve_db_path(db).parent / "rejects"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{Path(name).stem}.{datetime.now():%Y%m%dT%H%M%S%f}.rejects.csv"
    target.write_text(rejects_csv(rejects, columns), encoding="utf-8")
    return target
