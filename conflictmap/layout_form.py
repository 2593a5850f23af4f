"""The Data page's column-mapping form: a layout as rows a person edits, and back.

For a file whose header is not a format ConflictMap knows (native, ACLED, UCDP), the page shows
one row per incident field (:data:`conflictmap.importers.layout.FIELDS`) with the column that
fills it and, for the fields that allow one, a constant; the proposal from the header names
(or the saved or built-in layout that fits the header) fills the rows first. What the person
leaves unchanged keeps the starting layout as it is (a built-in's alternative column names,
value maps and id prefix included), so its incident ids stay stable across imports.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from conflictmap.i18n import _
from conflictmap.import_preview import FilePreview
from conflictmap.importers.layout import FIELDS, Layout, find_column

FORM_COLUMNS = ["field", "Field", "Column", "Constant", "What it takes"]
# the form's choice to map the columns by hand (rather than use a saved or built-in layout)
BY_HAND = ""


def choices(preview: FilePreview, saved: list[Layout]) -> list[str]:
    """The layouts the form offers for this file: the one detected from its header first, then
    every other saved or built-in layout that can read it, then mapping by hand."""
    names: list[str] = []
    if preview.layout is not None:
        names.append(preview.layout.name)
    names += [s.name for s in saved if s.name not in names and s.fits(preview.columns)]
    return names + [BY_HAND]


def choice_label(name: str, preview: FilePreview) -> str:
    if name == BY_HAND:
        return _("Map the columns myself")
    if preview.layout is not None and name == preview.layout.name:
        return _("{name} (recognised from the header)").format(name=name)
    return name


def rows(layout: Layout, columns: list[str]) -> pd.DataFrame:
    """The form's rows for ``layout`` read on a file with ``columns``: each field, the file's
    column it takes (empty: none) and its constant."""
    out = []
    for name, spec in FIELDS.items():
        wanted = layout.column(name)
        column = find_column(columns, wanted) if wanted else None
        out.append(
            {
                "field": name,
                "Field": _(spec.label),
                "Column": column or "",
                "Constant": layout.constants.get(name, "") if spec.constant else "",
                "What it takes": _(spec.help) + ("" if spec.constant else _(" (no constant)")),
            }
        )
    return pd.DataFrame(out, columns=FORM_COLUMNS)


def layout_from(edited: pd.DataFrame, start: Layout, columns: list[str], name: str) -> Layout:
    """The layout the edited rows describe. Rows left as :func:`rows` made them keep ``start``
    unchanged (but for a new ``name``); otherwise the columns and constants are the form's and
    the rest (value maps, notes, date order, "no value" cells) is ``start``'s."""
    name = name.strip() or start.name
    if _same(edited, rows(start, columns)):
        return start if name == start.name else replace(start, name=name, builtin=False)
    mapped: dict[str, tuple[str, ...]] = {}
    constants: dict[str, str] = {}
    for record in edited.to_dict("records"):
        field_name = str(record["field"])
        column = str(record.get("Column") or "").strip()
        constant = str(record.get("Constant") or "").strip()
        if column:
            mapped[field_name] = (column,)
        if constant and FIELDS[field_name].constant:
            constants[field_name] = constant
    return replace(
        start,
        name=name,
        columns=mapped,
        constants=constants,
        optional=tuple(f for f in start.optional if f in mapped),
        match=(),
        builtin=False,
        id_prefix=start.id_prefix if start.builtin else "",
    )


# Fields most files lack and every incident needs: the form asks for them as constants for
# the whole file when the layout has neither a column nor a constant for them.
WHOLE_FILE = ("event_type", "source")


def missing_constants(layout: Layout) -> list[str]:
    """The :data:`WHOLE_FILE` fields the layout gives neither a column nor a constant."""
    return [
        f for f in WHOLE_FILE if not layout.column(f) and not layout.constants.get(f, "").strip()
    ]


def with_constants(layout: Layout, values: dict[str, str]) -> Layout:
    """``layout`` with the non-empty ``values`` as constants (a new layout when any is set)."""
    given = {k: v.strip() for k, v in values.items() if v and v.strip()}
    if not given:
        return layout
    return replace(layout, constants={**layout.constants, **given}, builtin=False)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    keys = ["field", "Column", "Constant"]
    left = a.loc[:, keys].fillna("").astype(str).reset_index(drop=True)
    right = b.loc[:, keys].fillna("").astype(str).reset_index(drop=True)
    return left.equals(right)


def samples(preview: FilePreview) -> pd.DataFrame:
    """Column, sample values: what each of the file's columns holds."""
    return pd.DataFrame(
        [
            {"Column": c, "Sample values": " · ".join(preview.samples.get(c, []))}
            for c in preview.columns
        ],
        columns=["Column", "Sample values"],
    )


def problems(layout: Layout, columns: list[str]) -> list[str]:
    """Why the layout cannot read a file with ``columns`` yet (empty: it can)."""
    found = layout.problems()
    if found:
        return found
    try:
        layout.resolve(columns)
    except Exception as exc:  # noqa: BLE001 - LayoutError: its message says why
        return [str(exc)]
    return []


STORED_SHOWN = [
    "event_date",
    "date_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "assoc_actors",
    "fatalities",
    "victims",
    "dept_code",
    "muni_code",
    "geo_precision",
    "location",
    "source",
    "incident_id",
]


def stored_rows(records: pd.DataFrame) -> pd.DataFrame:
    """The preview's records as they would be stored, in the columns a person checks first."""
    shown = [c for c in STORED_SHOWN if c in records.columns]
    return records.loc[:, shown].reset_index(drop=True)
