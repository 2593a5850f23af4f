"""The Data page's view model: importing an uploaded file (inspect, dry run, import), adding one
incident from the form, and the datasets and actors in the database.

An upload is read like the command line's ``conflictmap import``: from a temporary copy of its
stream, in chunks (:func:`conflictmap.ingest.check_stream` / ``import_stream``), never decoded
and parsed whole in memory. The page only reads its widgets and draws what these functions
return.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from conflictmap import ingest, store, text
from conflictmap.actors import default_registry
from conflictmap.divipola import Place
from conflictmap.geography import Geography
from conflictmap.importers import csvfile

Db = str | os.PathLike[str] | None
FileError = csvfile.FileError  # the file as a whole cannot be read or imported

PREVIEW_ROWS = 20
REJECTS_SHOWN = 1000
POINT_DECIMALS = 5  # about a metre: as precise as a click on the map is meant


# ---- import a file -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """An uploaded file's header, detected format and first records (its HXL row dropped)."""

    name: str
    columns: list[str]
    detected: str  # a key of ingest.FORMATS
    preview: pd.DataFrame  # the first PREVIEW_ROWS records
    hxl: bool  # an HDX file's hashtag row under the header (not a record)

    @property
    def dataset(self) -> str:
        """The default dataset name: the file's name without its extension."""
        return Path(self.name).stem

    @property
    def rejects_file_name(self) -> str:
        return f"{Path(self.name).stem}.rejects.csv"

    def preview_caption(self, rows: int | None) -> str:
        """ "Preview of 4 rows (first 20)"; without a count when the file could not be checked."""
        head = (
            text.PREVIEW_CAPTION.format(rows=rows, first=PREVIEW_ROWS)
            if rows is not None
            else text.PREVIEW_CAPTION_UNCOUNTED.format(first=PREVIEW_ROWS)
        )
        return head + (text.HXL_NOTE if self.hxl else "")


def inspect_upload(stream: BinaryIO, name: str) -> Upload:
    """Header, format and preview of an upload (reads only its start). FileError, naming the
    file, if it is not a table ConflictMap can import."""
    with ingest.spooled(stream, name) as path:
        table = csvfile.open_table(path)
        detected = ingest.detect_format(table.columns, name)
        chunks = table.chunks(PREVIEW_ROWS)
        preview = next(chunks, pd.DataFrame(columns=table.columns))
        chunks.close()
    return Upload(
        name=name,
        columns=list(table.columns),
        detected=detected,
        preview=preview.reset_index(drop=True),
        hxl=bool(table.hxl_rows),
    )


def check_upload(
    stream: BinaryIO, name: str, *, fmt: str, dataset: str, db: Db = None
) -> ingest.ImportReport:
    """Dry run: what importing the upload would do (inserted = would insert), writing nothing.
    FileError if the file does not fit the format or cannot be read."""
    return ingest.check_stream(stream, name=name, fmt=fmt, dataset=dataset.strip(), db=db)


def import_upload(
    stream: BinaryIO,
    name: str,
    *,
    fmt: str,
    dataset: str,
    progress: ingest.ProgressFn | None = None,
    db: Db = None,
) -> ingest.ImportReport:
    """Import the upload in chunks, in one transaction; rejected rows are saved beside the
    database (``report.rejects_file``)."""
    return ingest.import_stream(
        stream, name=name, fmt=fmt, dataset=dataset.strip(), progress=progress, db=db
    )


def can_import(report: ingest.ImportReport, dataset: str) -> bool:
    return report.inserted > 0 and bool(dataset.strip())


def reject_table(report: ingest.ImportReport, limit: int = REJECTS_SHOWN) -> pd.DataFrame:
    """row, reason: the first ``limit`` rejected rows."""
    return pd.DataFrame(
        [{"row": r.row, "reason": r.reason} for r in report.rejects[:limit]],
        columns=["row", "reason"],
    )


def rejects_csv(report: ingest.ImportReport, upload: Upload) -> str:
    """The rejected rows as CSV: row number, reason, then the file's own columns."""
    return ingest.rejects_csv(report.rejects, upload.columns)


def report_caption(report: ingest.ImportReport) -> str | None:
    """Fatalities read = stored + duplicates + rejected, with a check mark when they add up."""
    if not report.lines:
        return None
    totals = report.fatalities
    kept = totals["stored"] + totals["duplicate"] + totals["rejected"]
    return text.REPORT_CAPTION.format(
        read=totals["read"],
        stored=totals["stored"],
        duplicate=totals["duplicate"],
        rejected=totals["rejected"],
        check="✓" if kept == totals["read"] else "≠",
    )


def report_warnings(report: ingest.ImportReport) -> list[str]:
    """The import's warnings as sentences."""
    return [text.WARNINGS.get(key, key).format(n=count) for key, count in report.warnings.items()]


def import_summary(report: ingest.ImportReport) -> str:
    return text.IMPORT_SUMMARY.format(
        inserted=report.inserted,
        dataset=text.md_escape(report.dataset),
        duplicates=report.duplicates,
        rejected=report.rejected,
    )


# ---- add one incident --------------------------------------------------------------------------


@dataclass(frozen=True)
class PickedPoint:
    """A point clicked on the form's map and the municipality it falls in (None outside)."""

    lat: float
    lon: float
    dept_code: str | None
    muni_code: str | None
    place: str | None  # "Neiva, Huila"

    @property
    def inside(self) -> bool:
        return self.muni_code is not None


def clicked(last_clicked: Mapping[str, float] | None) -> tuple[float, float] | None:
    """The (lat, lon) of a map click, rounded as the form stores it; None without a click."""
    if not last_clicked:
        return None
    return (
        round(float(last_clicked["lat"]), POINT_DECIMALS),
        round(float(last_clicked["lng"]), POINT_DECIMALS),
    )


def locate(point: tuple[float, float], geo: Geography) -> PickedPoint:
    """The municipality a picked (lat, lon) falls in (point-in-polygon, as an import does)."""
    lat, lon = point
    dept, muni = (v[0] for v in geo.assign_admin([lon], [lat]))
    place = geo.label(muni) if muni else None
    return PickedPoint(lat, lon, dept or None, muni or None, place)


def municipality_choices(geo: Geography) -> list[Place]:
    """Every municipality, by name (then department)."""
    return sorted(geo.gazetteer.municipalities, key=lambda p: (p.muni_name or "", p.dept_name))


def municipality_label(place: Place) -> str:
    return f"{place.muni_name}, {place.dept_name} ({place.muni_code})"


def actor_names() -> list[str]:
    """The registry's canonical actor names (the form offers them; others may be typed)."""
    return default_registry().names()


@dataclass(frozen=True)
class IncidentForm:
    """The add-incident form as filled in. A picked point places the incident exactly (geo
    precision 1) and wins over the municipality chosen from the list."""

    event_date: date | None
    date_precision: str
    event_type: str
    sub_event_type: str = ""
    actor1: str | None = None
    actor2: str | None = None
    municipality: Place | str | None = None  # a Place or a DANE code
    point: tuple[float, float] | None = None  # (lat, lon)
    fatalities: int | float | None = None  # None: unknown
    location: str = ""
    source: str = ""
    source_url: str = ""
    notes: str = ""

    def record(self) -> dict[str, object]:
        """The native record the form stands for (ingest.add_incident checks it)."""
        muni = self.municipality
        code = muni.muni_code if isinstance(muni, Place) else (muni or "")
        point = self.point
        return {
            "event_date": self.event_date.isoformat() if self.event_date else "",
            "date_precision": self.date_precision,
            "event_type": self.event_type,
            "sub_event_type": self.sub_event_type,
            "actor1": self.actor1 or "",
            "actor2": self.actor2 or "",
            "municipality": "" if point else (code or ""),
            "latitude": point[0] if point else "",
            "longitude": point[1] if point else "",
            "geo_precision": "1" if point else "",
            "fatalities": "" if self.fatalities is None else int(self.fatalities),
            "location": self.location,
            "source": self.source,
            "source_url": self.source_url,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class SaveOutcome:
    kind: str  # "saved" | "duplicate" | "rejected"
    message: str
    report: ingest.ImportReport

    @property
    def saved(self) -> bool:
        return self.kind == "saved"


def save_incident(form: IncidentForm, db: Db = None) -> SaveOutcome:
    """Store the form's incident in the manual dataset through the native import's checks."""
    report = ingest.add_incident(form.record(), db=db)
    if report.inserted:
        message = text.INCIDENT_SAVED.format(dataset=ingest.MANUAL_DATASET)
        return SaveOutcome("saved", message, report)
    if report.duplicates:
        return SaveOutcome("duplicate", text.INCIDENT_DUPLICATE, report)
    reason = report.rejects[0].reason if report.rejects else "unknown reason"
    return SaveOutcome("rejected", text.INCIDENT_NOT_SAVED.format(reason=reason), report)


# ---- datasets and actors -----------------------------------------------------------------------


@dataclass(frozen=True)
class DatabaseContents:
    datasets: pd.DataFrame  # dataset, incidents, first_date, last_date
    unknown_actors: pd.DataFrame  # actor, incidents: names the actor registry does not know

    def incidents_in(self, dataset: str) -> int:
        rows = self.datasets.loc[self.datasets["dataset"] == dataset, "incidents"]
        return int(rows.iloc[0]) if len(rows) else 0


def database_contents(db: Db = None) -> DatabaseContents:
    with store.connect(db, read_only=True) as con:
        sets = store.datasets(con)
        unknown = store.unknown_actors(con, set(actor_names()))
    return DatabaseContents(sets, unknown)


def delete_dataset(dataset: str, db: Db = None) -> int:
    """Delete every incident of a dataset (one transaction); how many were deleted."""
    with store.connect(db) as con:
        return store.delete_dataset(con, dataset)
