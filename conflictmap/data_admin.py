"""The Data page's view model: importing an uploaded file (inspect, dry run, import), adding one
incident from the form, and the datasets and actors in the database.

An upload is read like the command line's ``conflictmap import``: from a temporary copy of its
stream, in chunks (:func:`conflictmap.ingest.check_stream` / ``import_stream``), never decoded
and parsed whole in memory. The page only reads its widgets and draws what these functions
return.

Every function that writes takes the acting user (``actor=``, a
:class:`conflictmap.permissions.Actor`; None in single-user mode) and refuses with a
PermissionError when their role does not allow it (:func:`conflictmap.permissions.require`),
then records what it did in the audit trail (:mod:`conflictmap.audit`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from conflictmap import (
    actor_mappings,
    audit,
    i18n,
    import_preview,
    ingest,
    layout_store,
    matching,
    permissions,
    store,
    text,
    trash,
)
from conflictmap.actor_resolution import Summary
from conflictmap.actors import CLASSES, class_of_token, class_token, default_registry
from conflictmap.divipola import Place
from conflictmap.geography import Geography, load_geography
from conflictmap.i18n import _, ngettext
from conflictmap.import_preview import FilePreview, MappingPreview
from conflictmap.importers import csvfile
from conflictmap.importers import layout as layouts
from conflictmap.importers.layout import Layout
from conflictmap.permissions import Actor

Db = str | os.PathLike[str] | None
FileError = csvfile.FileError  # the file as a whole cannot be read or imported
LayoutError = layouts.LayoutError  # a layout that cannot read the file (a FileError)
MappingError = actor_mappings.MappingError  # an actor name that cannot be mapped (the reason)
TrashError = trash.TrashError  # no deleted dataset of that name

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
            _(text.PREVIEW_CAPTION).format(
                rows=i18n.number(rows), first=i18n.number(PREVIEW_ROWS)
            )
            if rows is not None
            else _(text.PREVIEW_CAPTION_UNCOUNTED).format(first=i18n.number(PREVIEW_ROWS))
        )
        return head + (_(text.HXL_NOTE) if self.hxl else "")


def inspect_upload(stream: BinaryIO, name: str) -> Upload:
    """Header, format and preview of an upload (reads only its start). FileError, naming the
    file, if it is not a table ConflictMap can import."""
    with ingest.spooled(stream, name) as path:
        table = csvfile.open_table(path, name)
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
    stream: BinaryIO,
    name: str,
    *,
    fmt: str = "auto",
    dataset: str,
    db: Db = None,
    layout: Layout | None = None,
    sheet: str | None = None,
) -> ingest.ImportReport:
    """Dry run: what importing the upload would do (inserted = would insert), writing nothing.
    With a ``layout`` (a spreadsheet of any other shape) the file is read with it. FileError
    if the file does not fit the format or layout or cannot be read."""
    return ingest.check_stream(
        stream, name=name, fmt=fmt, dataset=dataset.strip(), db=db, layout=layout, sheet=sheet
    )


def import_upload(
    stream: BinaryIO,
    name: str,
    *,
    fmt: str = "auto",
    dataset: str,
    progress: ingest.ProgressFn | None = None,
    db: Db = None,
    layout: Layout | None = None,
    sheet: str | None = None,
    actor: Actor | None = None,
) -> ingest.ImportReport:
    """Import the upload in chunks, in one transaction; rejected rows are saved beside the
    database (``report.rejects_file``). Editors and admins; recorded with the file's SHA-256."""
    who = permissions.require(actor, "import", db)
    sha256 = audit.stream_sha256(stream)
    return ingest.import_stream(
        stream,
        name=name,
        fmt=fmt,
        dataset=dataset.strip(),
        progress=progress,
        db=db,
        layout=layout,
        sheet=sheet,
        audit_entry=import_audit(who, name, sha256),
    )


def import_audit(who: Actor, file: str, sha256: str | Callable[[], str]) -> ingest.AuditFn:
    """The audit entry of an import (dataset, file and hash, the report's counts), written by
    the importer in the import's own transaction. ``sha256``: the file's hash, or how to compute
    it once the file has been read (a missing file is the importer's error to report)."""

    def entry(con: Any, counts: dict[str, Any]) -> None:
        audit.record(
            con,
            who,
            "import",
            dataset=str(counts["dataset"]),
            rows=int(counts["inserted"]),
            file=file,
            sha256=sha256 if isinstance(sha256, str) else sha256(),
            detail={k: counts[k] for k in ("format", "read", "inserted", "duplicates", "rejected")},
        )

    return entry


# ---- a spreadsheet of any shape: the column-mapping form (layout_form) -------------------------


def inspect_table(
    stream: BinaryIO, name: str, *, sheet: str | None = None, db: Db = None
) -> FilePreview:
    """Columns, sample values, what was detected (encoding or sheet), the saved or built-in
    layout that fits the header and a proposal, for a file that is not native/ACLED/UCDP.
    FileError, naming the file, when it cannot be read."""
    stream.seek(0)
    data = stream.read()
    stream.seek(0)
    return import_preview.preview_bytes(data, name=name, sheet=sheet, db=db)


def known_layouts(db: Db = None) -> list[Layout]:
    """Saved layouts, then the built-in ones."""
    saved = layout_store.saved(db=db)
    names = {s.name for s in saved}
    return saved + [b for b in layouts.builtins() if b.name not in names]


def layout_named(name: str, db: Db = None) -> Layout:
    return layout_store.resolve(name, db=db)


def preview_mapping(
    stream: BinaryIO, name: str, layout: Layout, *, sheet: str | None = None, db: Db = None
) -> MappingPreview:
    """The first rows as the layout would store them, and those it would reject (why)."""
    with ingest.spooled(stream, name) as path:
        return import_preview.preview_layout(path, layout, sheet=sheet, db=db, name=name)


def save_layout(
    layout: Layout, columns: list[str], db: Db = None, *, actor: Actor | None = None
) -> Layout:
    """Save (or replace) a layout for this header: it is offered for the next file with it,
    and `conflictmap import FILE --layout NAME` reads with it. LayoutError when it cannot."""
    who = permissions.require(actor, "save_layout", db)
    saved = layout_store.save(layout.with_header(columns), db=db, replace=True)
    audit.record_now(who, "save_layout", db, detail={"layout": saved.name})
    return saved


def can_import(report: ingest.ImportReport, dataset: str) -> bool:
    return report.inserted > 0 and bool(dataset.strip())


def reject_table(report: ingest.ImportReport, limit: int = REJECTS_SHOWN) -> pd.DataFrame:
    """row, reason: the first ``limit`` rejected rows (each reason in the reader's language)."""
    return pd.DataFrame(
        [{"row": r.row, "reason": str(r.reason)} for r in report.rejects[:limit]],
        columns=["row", "reason"],
    )


def rejects_csv(report: ingest.ImportReport, upload: Upload | list[str]) -> str:
    """The rejected rows as CSV: row number, reason, then the file's own columns (of the
    upload, or as given)."""
    columns = upload if isinstance(upload, list) else upload.columns
    return ingest.rejects_csv(report.rejects, columns)


def report_caption(report: ingest.ImportReport) -> str | None:
    """Fatalities read = stored + duplicates + rejected, with a check mark when they add up."""
    if not report.lines:
        return None
    totals = report.fatalities
    kept = totals["stored"] + totals["duplicate"] + totals["rejected"]
    return _(text.REPORT_CAPTION).format(
        read=i18n.number(totals["read"]),
        stored=i18n.number(totals["stored"]),
        duplicate=i18n.number(totals["duplicate"]),
        rejected=i18n.number(totals["rejected"]),
        check="✓" if kept == totals["read"] else "≠",
    )


def report_warnings(report: ingest.ImportReport) -> list[str]:
    """The import's warnings as sentences."""
    return [
        _(text.WARNINGS[key]).format(n=i18n.number(count)) if key in text.WARNINGS else key
        for key, count in report.warnings.items()
    ]


def import_summary(report: ingest.ImportReport) -> str:
    return _(text.IMPORT_SUMMARY).format(
        inserted=i18n.number(report.inserted),
        dataset=text.md_escape(report.dataset),
        duplicates=i18n.number(report.duplicates),
        rejected=i18n.number(report.rejected),
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


# what the audit trail keeps of an added incident
INCIDENT_AUDIT_FIELDS = (
    "event_date", "event_type", "actor1", "actor2", "municipality", "latitude", "longitude",
    "fatalities", "source", "source_url",
)  # fmt: skip


@dataclass(frozen=True)
class SaveOutcome:
    kind: str  # "saved" | "duplicate" | "rejected"
    message: str
    report: ingest.ImportReport

    @property
    def saved(self) -> bool:
        return self.kind == "saved"


def save_incident(form: IncidentForm, db: Db = None, *, actor: Actor | None = None) -> SaveOutcome:
    """Store the form's incident in the manual dataset through the native import's checks."""
    who = permissions.require(actor, "add_incident", db)
    record = form.record()
    report = ingest.add_incident(record, db=db)
    if report.inserted:
        audit.record_now(
            who,
            "add_incident",
            db,
            dataset=ingest.MANUAL_DATASET,
            rows=report.inserted,
            detail={k: record[k] for k in INCIDENT_AUDIT_FIELDS},
        )
        message = _(text.INCIDENT_SAVED).format(dataset=ingest.MANUAL_DATASET)
        return SaveOutcome("saved", message, report)
    if report.duplicates:
        return SaveOutcome("duplicate", _(text.INCIDENT_DUPLICATE), report)
    reason = report.rejects[0].reason if report.rejects else _("unknown reason")
    return SaveOutcome("rejected", _(text.INCIDENT_NOT_SAVED).format(reason=reason), report)


# ---- datasets and actors -----------------------------------------------------------------------


@dataclass(frozen=True)
class DatabaseContents:
    datasets: pd.DataFrame  # dataset, incidents, first_date, last_date
    # actor, incidents, filed_under: stored names no registry group or class resolves
    unknown_actors: pd.DataFrame
    # how the stored actor names resolve (registry, hand mappings, unresolved)
    actor_summary: Summary | None = None
    # written, target, mapped_at: the hand mappings
    actor_mappings: pd.DataFrame | None = None

    def incidents_in(self, dataset: str) -> int:
        rows = self.datasets.loc[self.datasets["dataset"] == dataset, "incidents"]
        return int(rows.iloc[0]) if len(rows) else 0


def database_contents(db: Db = None) -> DatabaseContents:
    registry = default_registry()
    with store.connect(db, read_only=True) as con:
        sets = store.datasets(con)
        unknown = actor_mappings.unresolved(con, registry)
        summary = actor_mappings.summary(con, registry)
        mappings = actor_mappings.listing(con)
    return DatabaseContents(sets, unknown, summary, mappings)


def report_actor_lines(report: ingest.ImportReport) -> list[str]:
    """The import report on actor names: the summary sentence, then each unresolved name with
    its incidents (to be mapped in "Datasets and actors")."""
    if report.actors is None:
        return []
    return [report.actors.sentence()] + [
        ngettext("{name} ({n} incident)", "{name} ({n} incidents)", n).format(
            name=name, n=i18n.number(n)
        )
        for name, n in report.actors.unresolved.items()
    ]


def mapping_targets() -> list[str]:
    """What an unresolved name can be mapped to: each class (``class:…``, its class-level
    actor), then every registry group, by name."""
    registry = default_registry()
    classes = [class_token(c) for c in CLASSES if registry.class_level(c)]
    return classes + registry.names()


def target_label(value: str) -> str:
    """How the mapping form shows a target: a class as "Class: Paramilitaries (unnamed)"."""
    actor_class = class_of_token(value)
    if actor_class is None:
        return value
    return _("Class: {name} (unnamed)").format(name=_(CLASSES[actor_class]))


def map_actor(
    name: str, target: str, db: Db = None, *, actor: Actor | None = None
) -> actor_mappings.Mapped:
    """Map an unresolved name by hand (stored incidents and later imports), one transaction.
    Raises actor_mappings.MappingError with the reason when it cannot be mapped."""
    who = permissions.require(actor, "map_actor", db)
    with store.connect(db) as con, store.transaction(con):
        mapped = actor_mappings.add(con, name, target, default_registry())
        audit.record(
            con,
            who,
            "map_actor",
            rows=mapped.incidents,
            detail={"name": mapped.written, "target": mapped.target},
        )
        return mapped


def unmap_actor(name: str, db: Db = None, *, actor: Actor | None = None) -> int:
    """Forget a hand mapping; how many stored incidents changed."""
    who = permissions.require(actor, "map_actor", db)
    with store.connect(db) as con, store.transaction(con):
        changed = actor_mappings.remove(con, name, default_registry())
        audit.record(con, who, "unmap_actor", rows=changed, detail={"name": name})
        return changed


def matched_reports(db: Db = None) -> pd.DataFrame:
    """The reports counted under another dataset's report of the same event, with their primary
    report, score and why, and any analyst's decision (the Data page's "Same event" table)."""
    with store.connect(db, read_only=True) as con:
        return matching.pairs(con)


def decide_match(
    report: str,
    other: str,
    decision: str,
    db: Db = None,
    *,
    actor: Actor | None = None,
) -> int:
    """Confirm (``"confirmed"``) or split (``"split"``) two reports as one event; kept across
    re-imports. Regroups every report; returns how many reports are in a group now."""
    who = permissions.require(actor, "decide_match", db)
    with store.connect(db) as con, store.transaction(con):
        matching.decide(con, report, other, decision, who.name, audit.now())
        grouped = matching.rematch(con, neighbours=load_geography().neighbours)
        audit.record(
            con,
            who,
            "match_" + decision,
            rows=grouped,
            detail={"reports": sorted((report, other))},
        )
    return grouped


def delete_dataset(dataset: str, db: Db = None, *, actor: Actor | None = None) -> int:
    """Delete every incident of a dataset (one transaction); how many were deleted. They are
    hidden everywhere at once but kept until an admin purges them (:mod:`conflictmap.trash`):
    :func:`restore_dataset` brings them back. Admins only."""
    who = permissions.require(actor, "delete_dataset", db)
    with store.connect(db) as con, store.transaction(con):
        n = trash.move(con, dataset, who.name, audit.now())
        if n:
            audit.record(con, who, "delete_dataset", dataset=dataset, rows=n)
    return n


def restore_dataset(dataset: str, db: Db = None, *, actor: Actor | None = None) -> trash.Restored:
    """Bring a deleted dataset back (TrashError when none of that name is deleted)."""
    who = permissions.require(actor, "restore_dataset", db)
    with store.connect(db) as con, store.transaction(con):
        restored = trash.restore(con, dataset)
        audit.record(
            con,
            who,
            "restore_dataset",
            dataset=dataset,
            rows=restored.restored,
            detail={"skipped": restored.skipped} if restored.skipped else None,
        )
    return restored


def purge_dataset(dataset: str, db: Db = None, *, actor: Actor | None = None) -> int:
    """Drop a deleted dataset for good; how many incidents (TrashError when none of that name
    is deleted)."""
    who = permissions.require(actor, "purge_dataset", db)
    with store.connect(db) as con, store.transaction(con):
        n = trash.purge(con, dataset)
        audit.record(con, who, "purge_dataset", dataset=dataset, rows=n)
    return n


def deleted_datasets(db: Db = None) -> pd.DataFrame:
    """dataset, incidents, deleted_at, deleted_by: the deleted datasets an admin can restore
    or purge, latest first."""
    with store.connect(db, read_only=True) as con:
        return trash.listing(con)
