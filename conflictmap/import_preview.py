"""What the column-mapping screen shows before anything is stored.

1. :func:`read_preview` (or :func:`preview_bytes` for an upload): the file's columns, sample
   values, what was detected (encoding and separator, or sheet), the layout that would read it
   without being told (a saved layout for this header, or a built-in), and a proposed layout
   from the header's names.
2. :func:`preview_layout` (or :func:`preview_table`): the first rows as they would be stored
   with a layout (placed, dated, actors resolved) and the rows that would be rejected, with
   their reasons; or why the layout cannot read the file yet.
3. Then ``ingest.check_file(path, layout=...)`` gives the whole file's report and
   ``ingest.import_file(path, layout=...)`` imports it; :mod:`conflictmap.layout_store` saves,
   lists, loads and exports layouts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from conflictmap import actor_mappings, ingest, layout_store, store
from conflictmap.importers import layout as layouts
from conflictmap.importers import tabular
from conflictmap.importers.candidates import Reject
from conflictmap.importers.csvfile import FileError
from conflictmap.importers.layout import Layout, LayoutError
from conflictmap.importers.mapped import MappedFormat
from conflictmap.schema import RECORD_COLUMNS

Db = str | os.PathLike[str] | None
SAMPLE_VALUES = 5


@dataclass(frozen=True)
class FilePreview:
    """A file as the mapping screen first shows it.

    ``rows`` are the first records (text cells); ``samples`` the first distinct non-empty
    values of each column; ``format`` the native/acled/ucdp format the header matches (None:
    it needs a layout); ``layout`` the layout that reads it without being told (None: none
    fits); ``proposal`` a layout guessed from the header names, possibly incomplete (see
    ``proposal.problems()``).
    """

    name: str
    columns: list[str]
    rows: pd.DataFrame
    info: tabular.TableInfo
    samples: dict[str, list[str]]
    format: str | None
    layout: Layout | None
    proposal: Layout
    first_row: int = 2

    @property
    def fingerprint(self) -> str:
        return layouts.fingerprint(self.columns)


@dataclass
class MappingPreview:
    """The first rows of a file read with a layout.

    ``records`` has the stored columns (``schema.RECORD_COLUMNS``) of the rows that would be
    stored; ``rejects`` the rows that would be rejected (spreadsheet row number, reason, the
    row as read); ``problems`` why the layout cannot read the file (then nothing else is
    filled); ``detected`` and ``warnings`` as an import reports them.
    """

    layout: Layout
    records: pd.DataFrame
    rejects: list[Reject] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    detected: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    rows: int = 0  # rows looked at

    @property
    def ok(self) -> bool:
        return not self.problems


def read_preview(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    rows: int = 20,
    db: Db = None,
    name: str | None = None,
) -> FilePreview:
    """The file's columns, first ``rows`` records, sample values, detection and a proposed
    layout. Raises FileError (naming the file) when it cannot be read."""
    name = name or str(path)
    return _preview(tabular.read_table(path, sheet=sheet, name=name), name, rows, db)


def preview_bytes(
    data: bytes,
    *,
    name: str,
    sheet: str | int | None = None,
    rows: int = 20,
    db: Db = None,
) -> FilePreview:
    """:func:`read_preview` of an upload's content."""
    return _preview(tabular.read_bytes(data, name=name, sheet=sheet), name, rows, db)


def _preview(table: tabular.Table, name: str, rows: int, db: Db) -> FilePreview:
    columns = table.columns
    samples: dict[str, list[str]] = {}
    for column in columns:
        seen: list[str] = []
        for value in table.frame[column].tolist():
            text = str(value).strip()
            if text and text not in seen:
                seen.append(text)
                if len(seen) == SAMPLE_VALUES:
                    break
        samples[column] = seen
    try:
        fmt: str | None = ingest.detect_format(columns, name)
    except FileError:
        fmt = None
    detected = None if fmt else layout_store.detect(columns, db=db)
    stem = Path(name).stem
    return FilePreview(
        name=name,
        columns=columns,
        rows=table.frame.head(rows),
        info=table.info,
        samples=samples,
        format=fmt,
        layout=detected,
        proposal=layouts.propose(columns, name=stem, source=stem),
        first_row=table.first_row,
    )


def preview_layout(
    path: str | os.PathLike[str],
    layout: Layout | str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    rows: int = 20,
    db: Db = None,
    name: str | None = None,
) -> MappingPreview:
    """The first ``rows`` records of a file read with ``layout`` (a Layout, a TOML file or a
    saved or built-in layout's name), as they would be stored, and those that would be
    rejected. Decisions of the whole column (the date order) are made on the whole file."""
    name = name or str(path)
    table = tabular.read_table(path, sheet=sheet, name=name)
    preview = preview_table(
        table.frame, layout, rows=rows, db=db, name=name, first_row=table.first_row
    )
    preview.detected = {"file": table.info.describe(), **preview.detected}
    return preview


def preview_table(
    frame: pd.DataFrame,
    layout: Layout | str | os.PathLike[str],
    *,
    rows: int = 20,
    db: Db = None,
    name: str = "table",
    first_row: int = 2,
) -> MappingPreview:
    """:func:`preview_layout` of a table already read (text cells, as tabular reads them)."""
    from conflictmap.actors import default_registry
    from conflictmap.geography import load_geography

    chosen = layout_store.resolve(layout, db=db)
    empty = pd.DataFrame(columns=list(RECORD_COLUMNS))
    try:
        mapped = MappedFormat(chosen, frame, name=name)
    except LayoutError as exc:
        return MappingPreview(chosen, empty, problems=[str(exc)])
    head = frame.head(rows)
    candidates = mapped.parse(head, start_row=first_row)
    registry = default_registry()
    with store.connect(db, read_only=True) as con:
        resolver = actor_mappings.resolver(con, registry)  # the registry and hand mappings
    records, warnings = ingest.prepare(
        candidates,
        dataset=Path(name).stem,
        geo=load_geography(),
        registry=registry,
        resolver=resolver,
    )
    for key, value in mapped.warnings.items():
        warnings[key] = warnings.get(key, 0) + value
    return MappingPreview(
        layout=chosen,
        records=records.reset_index(drop=True),
        rejects=sorted(candidates.rejects, key=lambda r: r.row),
        detected=dict(mapped.detected),
        warnings=warnings,
        rows=len(head),
    )
