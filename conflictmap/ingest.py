"""From a source file to stored incidents: read -> parse -> place -> actors -> one transaction.

Nothing partial, nothing lost: every row read is either inserted, a duplicate, or written to the
rejects CSV with its row number and reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from conflictmap import (
    actor_mappings,
    dialect,
    i18n,
    import_report,
    matching,
    place_notes,
    settings,
    source_terms,
    store,
    text,
)
from conflictmap.actor_resolution import Resolver, Summary, roles, summarise
from conflictmap.actors import ActorRegistry, default_registry
from conflictmap.divipola import Gazetteer, PlaceError
from conflictmap.geography import Geography, dept_of, load_geography
from conflictmap.i18n import N_, _
from conflictmap.importers import acled, csvfile, native, tabular, ucdp
from conflictmap.importers.candidates import Candidates, Reject, first_data_row
from conflictmap.importers.layout import Layout
from conflictmap.importers.mapped import MappedFormat
from conflictmap.messages import Message, of
from conflictmap.rejects import rejects_csv, write_rejects  # noqa: F401 - part of the API
from conflictmap.schema import RECORD_COLUMNS

FORMATS = {"native": native, "acled": acled, "ucdp": ucdp}
CHUNK_ROWS = 50_000
ProgressFn = Callable[[int], None]
# called in an import's transaction with its counts (dataset, format, read, inserted, duplicates,
# rejected): the audit entry (conflictmap.data_admin.import_audit)
AuditFn = Callable[[Any, dict[str, Any]], None]
# a column layout: a Layout, a TOML file, or the name of a saved or built-in layout
LayoutSpec = Layout | str | os.PathLike[str]


@dataclass
class ImportReport:
    read: int
    inserted: int
    duplicates: int
    rejected: int
    rejects_file: str | None
    dataset: str
    format: str
    warnings: dict[str, int] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list, repr=False)
    # what happened to every row, with fatalities (see import_report)
    lines: list[import_report.ReportLine] = field(default_factory=list, repr=False)
    # how the file's actor names resolved (registry, hand mappings, unresolved)
    actors: Summary | None = field(default=None, repr=False)
    # what was found reading the file: "file" (kind, encoding, separator or sheet), and for a
    # column-mapped import "layout" and "date_order"
    detected: dict[str, str] = field(default_factory=dict)

    @property
    def fatalities(self) -> dict[str, int]:
        """Fatalities read, stored, duplicate and rejected."""
        return import_report.totals(self.lines)

    @property
    def victims(self) -> dict[str, int] | None:
        """Victims read, stored, duplicate and rejected; None when the file has no victims
        column."""
        if not import_report.has_victims(self.lines):
            return None
        return import_report.totals(self.lines, "victims")

    def table(self) -> pd.DataFrame:
        """The report as a table: outcome, detail, incidents, fatalities (and victims)."""
        columns = ["outcome", "detail", "incidents", "fatalities"]
        if import_report.has_victims(self.lines):
            columns.append("victims")
        table = pd.DataFrame([line.as_json() for line in self.lines], columns=columns)
        # what a person reads: the outcome and detail in the interface language (from the lines:
        # a frame's text column holds plain strings, not the reasons' Message objects)
        table["outcome"] = [import_report.outcome_label(line.outcome) for line in self.lines]
        table["detail"] = [import_report.detail_label(line.detail) for line in self.lines]
        return table

    def as_json(self) -> dict[str, object]:
        out = asdict(self)
        out.pop("rejects")
        out["actors"] = self.actors.as_json() if self.actors else None
        out["lines"] = [line.as_json() for line in self.lines]
        out["fatalities"] = self.fatalities
        if self.victims is not None:
            out["victims"] = self.victims
        return out


def detect_format(columns: list[str], name: str) -> str:
    """ACLED and UCDP headers are recognised by their own column names, then the native one."""
    for fmt in ("acled", "ucdp"):
        if FORMATS[fmt].looks_like(list(columns)):
            return fmt
    # a source's own columns without its full signature: that format, so the error names
    # what it lacks (rather than a silent native import of an incomplete export)
    for fmt in ("acled", "ucdp"):
        if len(set(columns) & FORMATS[fmt].SPECIFIC) >= 3:
            return fmt
    if native.looks_like(list(columns)):
        return "native"
    raise csvfile.FileError(
        Message(
            N_(
                "{file}: the header matches no known format. Native needs {native} and "
                "latitude+longitude or municipality; ACLED needs {acled}; UCDP GED needs {ucdp}"
            ),
            file=name,
            native=", ".join(native.REQUIRED),
            acled=", ".join(sorted(acled.SIGNATURE)),
            ucdp=", ".join(sorted(ucdp.SIGNATURE)),
        )
    )


def _module(fmt: str, columns: list[str], name: str):  # noqa: ANN202 - a format module
    """The format module ``fmt`` names ("auto" is resolved by :func:`_choose`), checked
    against the header."""
    if fmt not in FORMATS:
        raise csvfile.FileError(
            Message(
                N_("{file}: unknown format '{format}' (known: {known})"),
                file=name,
                format=fmt,
                known=", ".join(FORMATS),
            )
        )
    module = FORMATS[fmt]
    csvfile.require_columns(pd.DataFrame(columns=columns), module.REQUIRED, name, fmt)
    problem = getattr(module, "header_problem", lambda _: None)(columns)
    if problem:
        raise csvfile.FileError(Message("{file}: {error}", file=name, error=problem))
    return module


@dataclass
class _Opened:
    """A file ready to import: its rows in chunks, the format module (or a column layout's
    :class:`MappedFormat`) that parses them, and what was found reading it."""

    chunks: Callable[[int], Iterator[pd.DataFrame]]
    first_row: int
    columns: list[str]
    module: object
    detected: dict[str, str]


def _choose(  # noqa: ANN202 - a format module, or a Layout
    fmt: str, columns: list[str], name: str, db: str | os.PathLike[str] | None
):
    """The format module for a header, or the layout that reads it (``fmt="auto"``: a format
    the header matches, else a saved layout made for this header, else a built-in layout)."""
    if fmt != "auto":
        return _module(fmt, columns, name)
    try:
        found = detect_format(columns, name)
    except csvfile.FileError as exc:
        from conflictmap import layout_store

        layout = layout_store.detect(columns, db=db)
        if layout is None:
            raise csvfile.FileError(
                Message(
                    N_(
                        "{error}; or map its columns with a layout (--layout NAME or "
                        "FILE.toml; `conflictmap layouts list`)"
                    ),
                    error=of(exc),
                )
            ) from None
        return layout
    return _module(found, columns, name)


def _open(
    path: str | os.PathLike[str],
    *,
    fmt: str,
    layout: LayoutSpec | None,
    sheet: str | int | None,
    db: str | os.PathLike[str] | None,
    name: str,
    drop_repeats: bool,
) -> _Opened:
    """A UTF-8 or Windows-1252 CSV of a known format streams in chunks (csvfile); any other
    table (a workbook, UTF-16, a column layout) is read whole (tabular)."""
    if layout is None and sheet in (None, "") and tabular.streamable(path):
        table = csvfile.open_table(path, name)
        found = _choose(fmt, table.columns, name, db)
        if not isinstance(found, Layout):
            return _Opened(
                table.chunks,
                first_data_row + table.hxl_rows,
                table.columns,
                found,
                {"file": tabular.describe_stream(path, table.encoding, table.sep)},
            )
        layout = found
    whole = tabular.read_table(path, sheet=sheet, name=name)
    return _open_frame(
        whole.frame, whole, fmt=fmt, layout=layout, db=db, name=name, drop_repeats=drop_repeats
    )


def _open_frame(
    frame: pd.DataFrame,
    table: tabular.Table | None,
    *,
    fmt: str,
    layout: LayoutSpec | None,
    db: str | os.PathLike[str] | None,
    name: str,
    drop_repeats: bool,
) -> _Opened:
    """A whole table (read by :mod:`tabular`, or already in memory) ready to import."""
    from conflictmap import layout_store

    if frame.empty:  # refused before any database is opened (or created)
        raise csvfile.FileError(Message(csvfile.NO_ROWS, file=name))
    columns = [str(c) for c in frame.columns]
    first_row = table.first_row if table is not None else first_data_row
    detected = {"file": table.info.describe()} if table is not None else {}
    found = (
        layout_store.resolve(layout, db=db)
        if layout is not None
        else _choose(fmt, columns, name, db)
    )
    module: object
    if isinstance(found, Layout):
        mapped = MappedFormat(found, frame, name=name, drop_repeats=drop_repeats)
        module, detected = mapped, {**detected, **mapped.detected}
    else:
        module = found
        frame, hxl = csvfile.drop_hxl_row(frame)
        first_row += hxl
        if frame.empty:
            raise csvfile.FileError(Message(csvfile.HXL_ONLY, file=name))

    def chunks(rows: int) -> Iterator[pd.DataFrame]:
        return (frame.iloc[i : i + rows] for i in range(0, max(len(frame), 1), rows))

    return _Opened(chunks, first_row, columns, module, detected)


@dataclass
class _Context:
    geo: Geography
    registry: ActorRegistry

    @classmethod
    def default(cls) -> _Context:
        return cls(load_geography(), default_registry())


def import_file(
    path: str | os.PathLike[str],
    *,
    fmt: str = "auto",
    db: str | os.PathLike[str] | None = None,
    dataset: str | None = None,
    rejects_dir: str | os.PathLike[str] | None = None,
    progress: ProgressFn | None = None,
    chunk_rows: int = CHUNK_ROWS,
    name: str | None = None,
    layout: LayoutSpec | None = None,
    sheet: str | int | None = None,
    drop_repeats: bool = False,
    access_date: date | None = None,
    audit_entry: AuditFn | None = None,
) -> ImportReport:
    """Import one file in chunks, all in one transaction.

    ``name`` is what the report, the import log and error messages call the file (by default
    its path). Any table reads (:mod:`conflictmap.importers.tabular`: CSV in any common
    encoding and separator, .xlsx, .xls, .ods; ``sheet`` by name or number, by default the
    first with data). With ``layout`` (a Layout, a TOML file, a saved or built-in layout's
    name) its columns are mapped by it; with ``fmt="auto"`` and no layout, a header no format
    knows is read with a saved layout made for the same header or a built-in that recognises
    it (CNMH case tables, Policía exports). Rows repeated identically in a file without ids are
    stored as often as they occur (reported), unless ``drop_repeats``. Raises
    csvfile.FileError (LayoutError for a layout that does not fit), with the database
    untouched, if the file cannot be read. ``audit_entry`` is called in the import's
    transaction with its counts, so the audit row exists exactly when the import does.
    """
    name = name or str(path)
    opened = _open(
        path, fmt=fmt, layout=layout, sheet=sheet, db=db, name=name, drop_repeats=drop_repeats
    )
    return _import_chunks(
        opened.chunks(chunk_rows),
        first_row=opened.first_row,
        columns=opened.columns,
        name=name,
        module=opened.module,
        db=db,
        dataset=dataset or Path(path).stem,
        rejects_dir=rejects_dir,
        progress=progress,
        ctx=_Context.default(),
        detected=opened.detected,
        access_date=access_date,
        audit_entry=audit_entry,
    )


def import_frame(
    frame: pd.DataFrame,
    *,
    name: str,
    fmt: str = "auto",
    db: str | os.PathLike[str] | None = None,
    dataset: str,
    rejects_dir: str | os.PathLike[str] | None = None,
    progress: ProgressFn | None = None,
    chunk_rows: int = CHUNK_ROWS,
    layout: LayoutSpec | None = None,
    drop_repeats: bool = False,
    access_date: date | None = None,
) -> ImportReport:
    """Import a table already in memory (an upload, generated sample data); ``layout`` and
    ``drop_repeats`` as for :func:`import_file`."""
    opened = _open_frame(
        frame, None, fmt=fmt, layout=layout, db=db, name=name, drop_repeats=drop_repeats
    )
    return _import_chunks(
        opened.chunks(chunk_rows),
        first_row=opened.first_row,
        columns=opened.columns,
        name=name,
        module=opened.module,
        db=db,
        dataset=dataset,
        rejects_dir=rejects_dir,
        progress=progress,
        ctx=_Context.default(),
        detected=opened.detected,
        access_date=access_date,
    )


def check_frame(
    frame: pd.DataFrame,
    *,
    name: str,
    fmt: str = "auto",
    db: str | os.PathLike[str] | None = None,
    dataset: str,
    layout: LayoutSpec | None = None,
    drop_repeats: bool = False,
) -> ImportReport:
    """Dry run: what importing would do (inserted = would insert), writing nothing."""
    opened = _open_frame(
        frame, None, fmt=fmt, layout=layout, db=db, name=name, drop_repeats=drop_repeats
    )
    return _check_chunks(
        opened.chunks(max(len(frame), 1)),
        first_row=opened.first_row,
        module=opened.module,
        db=db,
        dataset=dataset,
        ctx=_Context.default(),
        detected=opened.detected,
        name=name,
    )


def check_file(
    path: str | os.PathLike[str],
    *,
    fmt: str = "auto",
    db: str | os.PathLike[str] | None = None,
    dataset: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    name: str | None = None,
    layout: LayoutSpec | None = None,
    sheet: str | int | None = None,
    drop_repeats: bool = False,
) -> ImportReport:
    """Dry run of :func:`import_file`, in the same chunks: what importing would do (inserted =
    would insert; records repeated in the file count as duplicates), writing nothing.

    Raises csvfile.FileError if the file cannot be read or has no rows.
    """
    name = name or str(path)
    opened = _open(
        path, fmt=fmt, layout=layout, sheet=sheet, db=db, name=name, drop_repeats=drop_repeats
    )
    return _check_chunks(
        opened.chunks(chunk_rows),
        first_row=opened.first_row,
        module=opened.module,
        db=db,
        dataset=dataset or Path(path).stem,
        ctx=_Context.default(),
        detected=opened.detected,
        name=name,
    )


# what store.outcomes reads of a record: enough to say what importing it would do
_OUTCOME_COLUMNS = ["incident_id", "geo_precision", "place_note", "fatalities", "victims"]


def _check_chunks(
    chunks: Iterator[pd.DataFrame],
    *,
    first_row: int,
    module,  # noqa: ANN001 - a format module
    db: str | os.PathLike[str] | None,
    dataset: str,
    ctx: _Context,
    detected: dict[str, str] | None = None,
    name: str = "the file",
) -> ImportReport:
    """Parse and place every chunk as an import would; keep only what the outcomes need."""
    read = fatalities_read = victims_read = 0
    warnings: dict[str, int] = {}
    rejects: list[Reject] = []
    parts: list[pd.DataFrame] = []
    cells: dict[str, int] = {}  # actor cells as written -> incidents
    with store.connect(db, read_only=True) as con:
        resolver = actor_mappings.resolver(con, ctx.registry)
    max_rows = settings.get().max_rows
    for chunk in chunks:
        if chunk.empty:
            continue
        _within_row_limit(name, read + len(chunk), max_rows)
        candidates = module.parse(chunk, start_row=first_row + read)
        records, chunk_warnings = prepare(
            candidates,
            dataset=dataset,
            geo=ctx.geo,
            registry=ctx.registry,
            resolver=resolver,
        )
        _count_cells(records, cells)
        if len(records):
            parts.append(records.loc[:, _OUTCOME_COLUMNS])
        read += len(chunk)
        fatalities_read += import_report.fatalities_in(chunk, module.FATALITIES)
        victims_read += import_report.fatalities_in(chunk, getattr(module, "VICTIMS", None))
        rejects.extend(candidates.rejects)
        for key, value in chunk_warnings.items():
            warnings[key] = warnings.get(key, 0) + value
    for key, value in getattr(module, "warnings", {}).items():  # a column-mapped file's own
        warnings[key] = warnings.get(key, 0) + value
    records = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_OUTCOME_COLUMNS)
    )
    with store.connect(db, read_only=True) as con, dialect.scratch(con):
        con.register("checked_records", records)
        try:
            outcomes = store.outcomes(con, "checked_records")
        finally:
            con.unregister("checked_records")
    duplicate = outcomes["duplicate"].astype(bool)
    rejects.sort(key=lambda r: r.row)
    lines = import_report.build_lines(
        outcomes,
        repeated=0,
        repeated_fatalities=0,
        rejects=rejects,
        fatality_column=module.FATALITIES,
        read=read,
        fatalities_read=fatalities_read,
        victim_column=getattr(module, "VICTIMS", None),
        victims_read=victims_read,
    )
    return ImportReport(
        read=read,
        inserted=int(outcomes.loc[~duplicate, "incidents"].sum()),
        duplicates=int(outcomes.loc[duplicate, "incidents"].sum()),
        rejected=len(rejects),
        rejects_file=None,
        dataset=dataset,
        format=module.FORMAT,
        warnings=warnings,
        rejects=rejects,
        lines=lines,
        actors=summarise(resolver, list(cells.items())),
        detected=detected or {},
    )


def limits_note(max_upload_mb: float) -> str:
    """The import limits in words (Markdown), for an upload widget's help: the server's upload
    size (``max_upload_mb``, Streamlit's ``server.maxUploadSize``) and the row limit."""
    mb = int(max_upload_mb) if float(max_upload_mb).is_integer() else max_upload_mb
    return _(text.UPLOAD_LIMITS).format(
        mb=i18n.number(mb), rows=i18n.number(settings.get().max_rows), env=settings.ENV_MAX_ROWS
    )


def _within_row_limit(name: str, rows: int, max_rows: int) -> None:
    """FileError naming the file, the limit and how to raise it, past ``max_rows`` rows."""
    if rows > max_rows:
        raise csvfile.FileError(
            Message(
                N_(
                    "{file}: more than {rows} rows, the most ConflictMap imports from one file; "
                    "split the file, or raise the limit with the environment variable {env} "
                    "(e.g. {env}={example})"
                ),
                file=name,
                rows=max_rows,
                env=settings.ENV_MAX_ROWS,
                example=str(max_rows * 2),
            )
        )


def _count_cells(records: pd.DataFrame, cells: dict[str, int]) -> None:
    """Add the actor cells of ``records`` (as the source wrote them) to ``cells``."""
    for column in ("actor1_raw", "actor2_raw", "assoc_actors_raw"):
        if column in records:
            for cell, n in records[column].value_counts().items():
                if isinstance(cell, str) and cell.strip():
                    cells[cell] = cells.get(cell, 0) + int(n)


@contextmanager
def spooled(
    stream: BinaryIO,
    name: str,
    errors: tuple[type[Exception], ...] = (csvfile.FileError,),
) -> Iterator[Path]:
    """A file-like (an upload) copied block by block to a temporary file named like it, for
    the readers of files; removed afterwards. ``errors`` raised inside name the file ``name``,
    not the temporary path."""
    with tempfile.TemporaryDirectory(prefix="conflictmap-upload-") as folder:
        path = Path(folder) / (Path(name).name or "upload.csv")
        if hasattr(stream, "seek"):
            stream.seek(0)
        with open(path, "wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
        try:
            yield path
        except errors as exc:
            said = of(exc)
            renamed = (
                said.map_text(lambda t: t.replace(str(path), name))
                if isinstance(said, Message)
                else said.replace(str(path), name)
            )
            raise type(exc)(renamed) from None


def check_stream(
    stream: BinaryIO,
    *,
    name: str,
    fmt: str = "auto",
    db: str | os.PathLike[str] | None = None,
    dataset: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    layout: LayoutSpec | None = None,
    sheet: str | int | None = None,
    drop_repeats: bool = False,
) -> ImportReport:
    """:func:`check_file` of a file-like (an upload), read in chunks."""
    with spooled(stream, name) as path:
        return check_file(
            path,
            fmt=fmt,
            db=db,
            dataset=dataset or Path(name).stem,
            chunk_rows=chunk_rows,
            name=name,
            layout=layout,
            sheet=sheet,
            drop_repeats=drop_repeats,
        )


def import_stream(
    stream: BinaryIO,
    *,
    name: str,
    fmt: str = "auto",
    db: str | os.PathLike[str] | None = None,
    dataset: str | None = None,
    rejects_dir: str | os.PathLike[str] | None = None,
    progress: ProgressFn | None = None,
    chunk_rows: int = CHUNK_ROWS,
    layout: LayoutSpec | None = None,
    sheet: str | int | None = None,
    drop_repeats: bool = False,
    access_date: date | None = None,
    audit_entry: AuditFn | None = None,
) -> ImportReport:
    """:func:`import_file` of a file-like (an upload): read in chunks, one transaction."""
    with spooled(stream, name) as path:
        return import_file(
            path,
            fmt=fmt,
            db=db,
            dataset=dataset or Path(name).stem,
            rejects_dir=rejects_dir,
            progress=progress,
            chunk_rows=chunk_rows,
            name=name,
            layout=layout,
            sheet=sheet,
            drop_repeats=drop_repeats,
            access_date=access_date,
            audit_entry=audit_entry,
        )


def _import_chunks(
    chunks: Iterator[pd.DataFrame],
    *,
    first_row: int,
    columns: list[str],
    name: str,
    module,  # noqa: ANN001 - a format module
    db: str | os.PathLike[str] | None,
    dataset: str,
    rejects_dir: str | os.PathLike[str] | None,
    progress: ProgressFn | None,
    ctx: _Context,
    detected: dict[str, str] | None = None,
    access_date: date | None = None,
    audit_entry: AuditFn | None = None,
) -> ImportReport:
    read = inserted = duplicates = fatalities_read = victims_read = 0
    warnings: dict[str, int] = {}
    rejects: list[Reject] = []
    cells: dict[str, int] = {}  # actor cells as written -> incidents stored with them
    with store.connect(db) as con, store.transaction(con), store.stage(con, db) as staged:
        resolver = actor_mappings.resolver(con, ctx.registry)
        max_rows = settings.get().max_rows
        for chunk in chunks:
            if chunk.empty:
                continue
            _within_row_limit(name, read + len(chunk), max_rows)  # else nothing is stored
            candidates = module.parse(chunk, start_row=first_row + read)
            records, chunk_warnings = prepare(
                candidates,
                dataset=dataset,
                geo=ctx.geo,
                registry=ctx.registry,
                resolver=resolver,
            )
            _count_cells(records, cells)
            staged.add(records)
            read += len(chunk)
            fatalities_read += import_report.fatalities_in(chunk, module.FATALITIES)
            victims_read += import_report.fatalities_in(chunk, getattr(module, "VICTIMS", None))
            rejects.extend(candidates.rejects)
            for key, value in chunk_warnings.items():
                warnings[key] = warnings.get(key, 0) + value
            if progress:
                progress(read)
        for key, value in getattr(module, "warnings", {}).items():  # a mapped file's own
            warnings[key] = warnings.get(key, 0) + value
        # (a table with no records never gets here: csvfile.open_table, tabular.read_table and
        # _open_frame refuse it before any database is opened)
        outcomes = staged.outcomes()
        result = staged.insert()
        # the same event in another dataset: regroup the reports (same transaction)
        matching.rematch_if_several(con, neighbours=ctx.geo.neighbours, registry=ctx.registry)
        inserted, duplicates = result.inserted, result.duplicates
        rejects.sort(key=lambda r: r.row)
        lines = import_report.build_lines(
            outcomes,
            repeated=staged.repeated,
            repeated_fatalities=staged.repeated_fatalities,
            rejects=rejects,
            fatality_column=module.FATALITIES,
            read=read,
            fatalities_read=fatalities_read,
            victim_column=getattr(module, "VICTIMS", None),
            victims_read=victims_read,
            repeated_victims=staged.repeated_victims,
        )
        store.log_import(
            con,
            {
                "dataset": dataset,
                "file": name,
                "format": module.FORMAT,
                "read": read,
                "inserted": inserted,
                "duplicates": duplicates,
                "rejected": len(rejects),
            },
        )
        # the dataset's source terms (ACLED: aggregates only, ...), see source_terms.py
        source_terms.record_at_import(con, dataset, module.FORMAT, access_date)
        if audit_entry is not None:  # who imported it, in the same transaction
            audit_entry(
                con,
                {
                    "dataset": dataset,
                    "format": module.FORMAT,
                    "read": read,
                    "inserted": inserted,
                    "duplicates": duplicates,
                    "rejected": len(rejects),
                },
            )
    rejects_file = write_rejects(rejects, name, columns, db, rejects_dir)
    return ImportReport(
        read=read,
        inserted=inserted,
        duplicates=duplicates,
        rejected=len(rejects),
        rejects_file=str(rejects_file) if rejects_file else None,
        dataset=dataset,
        format=module.FORMAT,
        warnings=warnings,
        rejects=rejects,
        lines=lines,
        actors=summarise(resolver, list(cells.items())),
        detected=detected or {},
    )


def prepare(
    candidates: Candidates,
    *,
    dataset: str,
    geo: Geography,
    registry: ActorRegistry,
    resolver: Resolver | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Place candidates (place rejects go to ``candidates.rejects``) and finish the records.

    Actor cells are resolved by ``resolver`` (the registry and the database's hand mappings;
    by default the registry alone): see :mod:`conflictmap.actor_resolution`."""
    frame = candidates.frame
    warnings: dict[str, int] = {}
    if frame.empty:
        return pd.DataFrame(columns=list(RECORD_COLUMNS)), warnings
    frame = frame.reset_index(drop=True).copy()
    placed_ok = _place(frame, candidates, geo, warnings)
    frame = frame[placed_ok].copy()
    # at department precision the point is not in the municipality it falls in
    frame.loc[frame["geo_precision"] == 3, "muni_code"] = None
    resolve = resolver or Resolver(registry)
    stored = [
        roles(resolve, a1, a2, assoc)
        for a1, a2, assoc in zip(
            frame["actor1_raw"], frame["actor2_raw"], frame["assoc_actors_raw"], strict=True
        )
    ]
    frame["actor1"] = [r.actor1 for r in stored]
    frame["actor2"] = [r.actor2 for r in stored]
    frame["assoc_actors"] = [r.assoc for r in stored]
    frame["dataset"] = dataset
    frame["imported_at"] = pd.Timestamp(datetime.now().replace(microsecond=0))
    frame["event_date"] = pd.to_datetime(frame["event_date"]).dt.date
    for column in ("fatalities", "fatalities_low", "fatalities_high", "victims"):
        frame[column] = frame[column].astype("Int32")
    frame["geo_precision"] = frame["geo_precision"].astype("int16")
    return frame.loc[:, list(RECORD_COLUMNS)], warnings


# A point outside every municipality but at most this far from one is snapped to it (with a
# warning on the incident). Measured on the UCDP GED Colombia file: the points just outside the
# DANE polygons (a bridge on the coast, a bay, a river bank, a road on the Venezuelan border) lie
# 0.1–3.3 km from the municipality the source names; the next ones are 8 km or more away and
# wrong by the source's own names (a town placed 14 km into Venezuela). DANE's coastlines and
# rivers are generalised by about that much, so 5 km separates the two kinds.
SNAP_KM = 5.0


def _place(
    frame: pd.DataFrame,
    candidates: Candidates,
    geo: Geography,
    warnings: dict[str, int],
) -> np.ndarray:
    """Fill dept_code/muni_code/latitude/longitude/geo_precision/place_note in place; return the
    rows kept (the others are rejects with their reason).

    Order of evidence: the point when it falls in a municipality; else, for a point just
    outside (:data:`SNAP_KM`), the nearest municipality when the source's own place names agree
    with it or name nothing that resolves; else the source's names (municipality, or department
    only); else, for a source that says the event is in Colombia, the event is kept with no
    place (precision 4). Only a point outside Colombia from a source without a country field,
    or a name that does not resolve, is a reject.
    """
    n = len(frame)
    ok = np.ones(n, dtype=bool)
    frame["dept_code"] = None
    frame["muni_code"] = None
    notes = np.full(n, None, dtype=object)
    lat = pd.to_numeric(frame["latitude"], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(frame["longitude"], errors="coerce").to_numpy(dtype=float)
    precision = frame["geo_precision"].to_numpy(dtype=object, copy=True)
    vague = np.array([g == 4 for g in precision], dtype=bool)
    has_point = np.isfinite(lat) & np.isfinite(lon) & ~vague
    in_country = frame["in_country"].to_numpy(dtype=bool)
    names = _Names(geo.gazetteer)

    def reject(i: int, reason: str) -> None:
        ok[i] = False
        candidates.rejects.append(
            Reject(
                row=int(frame["row"].to_numpy()[i]),
                reason=reason,
                raw=json.loads(str(frame.at[i, "original"])),  # the source row as JSON text
            )
        )

    def at_place(i: int, dept_code: str, muni_code: str | None, given: float | None) -> None:
        """Place row ``i`` at a named municipality (or department) by its representative point."""
        frame.at[i, "dept_code"], frame.at[i, "muni_code"] = dept_code, muni_code
        if muni_code is None:
            precision[i] = 3
        else:
            precision[i] = given if given is not None and not pd.isna(given) else 2
        x, y = reps[muni_code or dept_code]
        frame.at[i, "longitude"], frame.at[i, "latitude"] = x, y

    reps = geo.representative_points

    # 1. points: vectorised point-in-polygon
    if has_point.any():
        dept, muni = geo.assign_admin(lon[has_point], lat[has_point])
        idx = np.flatnonzero(has_point)
        frame.loc[idx, "dept_code"] = dept
        frame.loc[idx, "muni_code"] = muni
        precision[idx] = [g if g is not None and not pd.isna(g) else 1 for g in precision[idx]]
        # the file also named a place: keep our point-in-polygon result, count disagreements
        _count_mismatches(frame.loc[idx[~pd.isna(dept)]], names, warnings)
        outside = idx[pd.isna(dept)]
        if len(outside):
            near_dept, near_muni, near_km = geo.nearest_municipalities(
                lon[outside], lat[outside], SNAP_KM
            )
            for k, i in enumerate(outside):
                point = place_notes.point(lat[i], lon[i])
                named = names.place(_source_muni(frame, i), _source_dept(frame, i))
                agrees = near_muni[k] is not None and (
                    named is None
                    or (named[1] or near_muni[k]) == near_muni[k]
                    and named[0] == near_dept[k]
                )
                if agrees:
                    frame.at[i, "dept_code"], frame.at[i, "muni_code"] = near_dept[k], near_muni[k]
                    notes[i] = place_notes.snapped(
                        point, near_km[k], names.label(near_dept[k], near_muni[k])
                    )
                    warnings["snapped"] = warnings.get("snapped", 0) + 1
                elif named is not None:
                    # the point was wrong: the place is now the municipality, not finer
                    at_place(i, named[0], named[1], 3 if precision[i] == 3 else 2)
                    notes[i] = place_notes.placed_by_name(
                        point, names.label(named[0], named[1]), near=near_muni[k] is not None
                    )
                    warnings["placed_by_name"] = warnings.get("placed_by_name", 0) + 1
                elif in_country[i]:
                    vague[i] = True
                    notes[i] = place_notes.unplaced(point)
                    warnings["unplaced_outside"] = warnings.get("unplaced_outside", 0) + 1
                else:
                    reject(i, Message(N_("point {point} is outside Colombia"), point=point))

    # 2. known only to the country or a region: never a point; the department when named
    for i in np.flatnonzero(vague).tolist():
        precision[i] = 4
        frame.at[i, "latitude"] = frame.at[i, "longitude"] = None
        frame.at[i, "muni_code"] = None
        named = names.place("", _source_dept(frame, i))
        frame.at[i, "dept_code"] = named[0] if named else None

    # 3. no point: the named municipality (or department) at its representative point (as
    # at_place does, column-wise: a file placed by names has one such row per record)
    named_rows = np.flatnonzero(~has_point & ~vague)
    if len(named_rows):
        place_munis = frame["place_muni"].to_numpy(dtype=object)
        place_depts = frame["place_dept"].to_numpy(dtype=object)
        columns = {c: frame[c].to_numpy(dtype=object).copy()
                   for c in ("dept_code", "muni_code", "latitude", "longitude")}  # fmt: skip
        for i in named_rows.tolist():
            found = names.lookup(str(place_munis[i] or ""), str(place_depts[i] or ""))
            if isinstance(found, str):
                reject(i, found)
                continue
            dept_code, muni_code = found
            columns["dept_code"][i], columns["muni_code"][i] = dept_code, muni_code
            given = precision[i]
            if muni_code is None:
                precision[i] = 3
            else:
                precision[i] = given if given is not None and not pd.isna(given) else 2
            x, y = reps[muni_code or dept_code]
            columns["longitude"][i], columns["latitude"][i] = x, y
        for column, values in columns.items():
            frame[column] = pd.Series(values, index=frame.index, dtype=object)
    frame["geo_precision"] = precision
    frame["place_note"] = notes
    return ok


def _source_muni(frame: pd.DataFrame, i: int) -> str:
    return str(frame.at[i, "admin2"] or frame.at[i, "place_muni"] or "")


def _source_dept(frame: pd.DataFrame, i: int) -> str:
    return str(frame.at[i, "admin1"] or frame.at[i, "place_dept"] or "")


_ADMIN_NOISE = re.compile(
    r"\s+(department|departamento|municipality|municipio|town|city|village|district)$",
    re.IGNORECASE,
)


def clean_admin_name(name: str) -> str:
    """A source's admin name as the gazetteer knows it: UCDP writes "Huila department",
    "Valle del Cauca  department" (two spaces) and "Cúcuta municipality"."""
    return _ADMIN_NOISE.sub("", " ".join(str(name).split()))


class _Names:
    """Place names of one import resolved to DIVIPOLA codes, each distinct name once."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._codes: dict[tuple[str, str, str], str | None] = {}
        self._places: dict[tuple[str, str], tuple[str, str | None] | str] = {}

    def code(self, kind: str, name: str, dept: str = "") -> str | None:
        """The department or municipality code of a name (None if it does not resolve)."""
        key = (kind, name, dept)
        if key not in self._codes:
            clean = clean_admin_name(name)
            try:
                place = (
                    self.gazetteer.department(clean)
                    if kind == "dept"
                    else self.gazetteer.municipality(clean, dept or None)
                )
                self._codes[key] = place.dept_code if kind == "dept" else place.muni_code
            except PlaceError:
                self._codes[key] = None
        return self._codes[key]

    def lookup(self, muni: str, dept: str) -> tuple[str, str | None] | str:
        """(dept_code, muni_code) for a named place, or the reject reason."""
        key = (muni, dept)
        if key not in self._places:
            try:
                if muni:
                    within = clean_admin_name(dept) or None
                    place = self.gazetteer.municipality(clean_admin_name(muni), within)
                    self._places[key] = (place.dept_code, place.muni_code)
                else:
                    found = self.gazetteer.department(clean_admin_name(dept))
                    self._places[key] = (found.dept_code, None)
            except PlaceError as exc:
                self._places[key] = Message(N_("unknown place: {error}"), error=of(exc))
        return self._places[key]

    def place(self, muni: str, dept: str) -> tuple[str, str | None] | None:
        """The most precise place the names give: the municipality (within the department when
        one is named), else the department alone; None when neither resolves."""
        dept_code = self.code("dept", dept) if dept else None
        if muni:
            muni_code = self.code("muni", muni, dept_code or "")
            if muni_code and (dept_code is None or dept_of(muni_code) == dept_code):
                return dept_of(muni_code), muni_code
        return (dept_code, None) if dept_code else None

    def label(self, dept_code: str, muni_code: str | None) -> str:
        if muni_code:
            place = self.gazetteer.municipality(muni_code)
            return f"{place.muni_name} ({muni_code}), {place.dept_name}"
        return f"{self.gazetteer.department(dept_code).dept_name} ({dept_code})"


def _count_mismatches(placed: pd.DataFrame, names: _Names, warnings: dict[str, int]) -> None:
    """Named places that disagree with the point: native hints and ACLED/UCDP admin names.

    A name is compared by resolving it with the gazetteer (accents, case and common short names
    such as "Cucuta" are understood); a name that does not resolve counts as a disagreement.
    """
    place_mismatch = admin_mismatch = 0
    code = names.code
    columns = ["place_muni", "place_dept", "admin1", "admin2", "dept_code", "muni_code"]
    # each distinct combination once, weighted by how many rows share it
    combos = placed[columns].astype(object).where(placed[columns].notna(), "")
    for row, count in combos.value_counts(dropna=False, sort=False).items():
        assert isinstance(row, tuple)  # several columns: each key is a tuple of their values
        place_muni, place_dept, admin1, admin2, dept_code, muni_code = row
        dept_code, muni_code = dept_code or None, muni_code or None  # "" stood for missing
        if place_muni and muni_code:
            place_mismatch += count * (code("muni", place_muni, place_dept or "") != muni_code)
        if admin1 or admin2:
            wrong = bool(admin1) and code("dept", admin1) != dept_code
            if admin2 and muni_code and not wrong:
                wrong = code("muni", admin2, dept_code or "") != muni_code
            admin_mismatch += count * wrong
    if place_mismatch:
        warnings["place_mismatch"] = place_mismatch
    if admin_mismatch:
        warnings["admin_mismatch"] = admin_mismatch


MANUAL_DATASET = "manual-entries"


def add_incident(
    fields: dict[str, object], *, db: str | os.PathLike[str] | None = None
) -> ImportReport:
    """Save one incident typed in by an analyst, through the same checks as a native import.

    ``fields`` uses the native column names. The source and its http(s) URL are required. The
    result has ``inserted == 1`` on success, else one reject carrying the reason.
    """
    row = {k: "" if v is None else str(v) for k, v in fields.items()}
    missing = [
        k
        for k in ("event_date", "event_type", "source", "source_url")
        if not row.get(k, "").strip()
    ]
    if missing:
        return ImportReport(
            read=1,
            inserted=0,
            duplicates=0,
            rejected=1,
            rejects_file=None,
            dataset=MANUAL_DATASET,
            format="native",
            rejects=[
                Reject(
                    row=first_data_row,
                    reason=Message(N_("required: {fields}"), fields=", ".join(missing)),
                    raw=row,
                )
            ],
        )
    frame = pd.DataFrame([{c: row.get(c, "") for c in native.COLUMNS + native.OPTIONAL}])
    return import_frame(frame, name="form", fmt="native", db=db, dataset=MANUAL_DATASET)
