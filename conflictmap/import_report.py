"""The import report a person reads: every row read accounted for, with its fatalities.

One line per outcome: stored (by place precision, and how points outside every municipality
were placed), duplicates, and each kind of reject with its reason. The fatalities of the lines
add up to the fatalities read, which are summed from the file's own fatality column
independently of the import, so "nothing lost" can be checked at a glance. A file with a
victims column (a column-mapped import, e.g. CNMH or Policía tables) gets the same accounting
for its victims (``ReportLine.victims``; None for files without one).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd

from conflictmap import i18n, messages
from conflictmap.i18n import N_, _
from conflictmap.importers.candidates import Reject

PRECISION_DETAIL = {
    1: N_("at a point"),
    2: N_("at municipality level"),
    3: N_("department only: counted, not drawn on the map"),
    4: N_("Colombia or a region only: counted, not drawn on the map"),
}
PLACEMENT_DETAIL = {
    "snapped": N_("of which: point just outside, snapped to the nearest municipality"),
    "placed by name": N_("of which: point outside, placed by the source's place names"),
    "unplaced": N_("of which: point outside and no place name resolves"),
}
DUPLICATE_DETAIL = N_("already stored, or repeated in the file: not stored again")
READ_DETAIL = N_("every record in the file")
# a line's outcome and detail stay English in the JSON report; a person reads them translated
OUTCOME_LABELS = {
    "stored": N_("stored"), "duplicate": N_("duplicate"), "rejected": N_("rejected"),
    "read": N_("read"),
}  # fmt: skip
_DETAILS = {
    "all": N_("all"), DUPLICATE_DETAIL: DUPLICATE_DETAIL, READ_DETAIL: READ_DETAIL,
    **{d: d for d in PRECISION_DETAIL.values()}, **{d: d for d in PLACEMENT_DETAIL.values()},
}  # fmt: skip


def outcome_label(outcome: str) -> str:
    """A line's outcome in the current language (``stored`` -> ``guardados``)."""
    label = OUTCOME_LABELS.get(outcome)
    return _(label) if label else outcome


def detail_label(detail: str) -> str:
    """A line's detail in the current language (a reject's reason too: the importers give a
    :class:`~conflictmap.messages.Message`; the JSON report keeps the English text)."""
    if isinstance(detail, messages.Message):
        return detail.text()
    label = _DETAILS.get(detail)
    return _(label) if label else detail


@dataclass(frozen=True)
class ReportLine:
    outcome: str  # stored | duplicate | rejected | read
    detail: str
    incidents: int
    fatalities: int
    victims: int | None = None  # None: the file has no victims column

    def as_json(self) -> dict[str, object]:
        out = asdict(self)
        if self.victims is None:
            out.pop("victims")
        return out


def fatalities_value(value: object) -> int:
    """A fatality cell as a number for the totals: what the importers accept, else 0."""
    text = "" if value is None else str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return 0
    return int(number) if math.isfinite(number) and number >= 0 and number == int(number) else 0


def fatalities_in(frame: pd.DataFrame, column: str | None) -> int:
    """The file's own fatality total over every row of a chunk (the check figure)."""
    if column is None or column not in frame.columns:
        return 0
    return int(sum(fatalities_value(v) for v in frame[column].to_numpy(dtype=object)))


def reason_kind(reason: str) -> str:
    """A reject reason without the row's own values, so rows rejected for one reason group
    (a Message stays one: the group is shown in the reader's language)."""
    return messages.kind(reason)


def build_lines(
    outcomes: pd.DataFrame,
    *,
    repeated: int,
    repeated_fatalities: int,
    rejects: list[Reject],
    fatality_column: str | None,
    read: int,
    fatalities_read: int,
    victim_column: str | None = None,
    victims_read: int = 0,
    repeated_victims: int = 0,
) -> list[ReportLine]:
    """The report's lines; ``outcomes`` as :func:`conflictmap.store.outcomes` gives them.

    With a ``victim_column`` every line also counts victims (read: ``victims_read``, summed
    from the file's column; rejected: from the rejected rows' cells)."""
    lines: list[ReportLine] = []
    new = outcomes[~outcomes["duplicate"].astype(bool)] if len(outcomes) else outcomes
    dup = outcomes[outcomes["duplicate"].astype(bool)] if len(outcomes) else outcomes
    counted = victim_column is not None

    def victims(part: pd.DataFrame, extra: int = 0) -> int | None:
        if not counted:
            return None
        column = part["victims"] if "victims" in part.columns else pd.Series([], dtype=int)
        return int(column.sum()) + extra

    def line(outcome: str, detail: str, part: pd.DataFrame) -> ReportLine:
        return ReportLine(
            outcome,
            detail,
            int(part["incidents"].sum()),
            int(part["fatalities"].sum()),
            victims(part),
        )

    lines.append(line("stored", "all", new))
    for precision, detail in PRECISION_DETAIL.items():
        part = new[new["geo_precision"] == precision]
        if len(part):
            lines.append(line("stored", detail, part))
    for placement, detail in PLACEMENT_DETAIL.items():
        part = new[new["placement"] == placement]
        if len(part):
            lines.append(line("stored", detail, part))
    n_dup = int(dup["incidents"].sum()) + repeated
    if n_dup:
        lines.append(
            ReportLine(
                "duplicate",
                DUPLICATE_DETAIL,
                n_dup,
                int(dup["fatalities"].sum()) + repeated_fatalities,
                victims(dup, repeated_victims),
            )
        )
    kinds: dict[str, list[int]] = {}
    for r in rejects:
        count = kinds.setdefault(reason_kind(r.reason), [0, 0, 0])
        count[0] += 1
        count[1] += fatalities_value(r.raw.get(fatality_column, "")) if fatality_column else 0
        count[2] += fatalities_value(r.raw.get(victim_column, "")) if victim_column else 0
    for kind, (n, deaths, hurt) in sorted(kinds.items(), key=lambda kv: (-kv[1][0], kv[0])):
        lines.append(ReportLine("rejected", kind, n, deaths, hurt if counted else None))
    lines.append(
        ReportLine(
            "read",
            READ_DETAIL,
            read,
            fatalities_read,
            victims_read if counted else None,
        )
    )
    return lines


def totals(lines: list[ReportLine], what: str = "fatalities") -> dict[str, int]:
    """Fatalities (or ``what="victims"``) read, stored, duplicate and rejected (read = the
    other three when nothing is lost)."""
    out = {"read": 0, "stored": 0, "duplicate": 0, "rejected": 0}
    for line in lines:
        if line.outcome == "stored" and line.detail != "all":
            continue
        out[line.outcome] += getattr(line, what) or 0
    return out


def has_victims(lines: list[ReportLine]) -> bool:
    """Whether the report counts victims (the file had a victims column)."""
    return any(line.victims is not None for line in lines)


def as_text(lines: list[ReportLine]) -> str:
    """The report as a plain-text table (the CLI prints it for a person, on stderr)."""
    victims = has_victims(lines)
    head = (_("outcome"), _("detail"), _("incidents"), _("fatalities")) + (
        (_("victims"),) if victims else ()
    )
    rows = [head] + [
        (
            outcome_label(line.outcome) if line.detail == "all" or line.outcome != "stored" else "",
            detail_label(line.detail),
            i18n.number(line.incidents),
            i18n.number(line.fatalities),
        )
        + ((i18n.number(line.victims or 0),) if victims else ())
        for line in lines
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    out = []
    for r in rows:
        text = f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]:>{widths[3]}}"
        if victims:
            text += f"  {r[4]:>{widths[4]}}"
        out.append(text)
    return "\n".join(out)


DETECTED_LABELS = {"file": N_("file"), "layout": N_("layout"), "date_order": N_("date order")}


def detected_lines(detected: dict[str, str]) -> list[str]:
    """What was found reading the file (``ImportReport.detected``) as lines for a person:
    "file: CSV, UTF-8, comma-separated" (in the current language; the JSON keeps the keys)."""
    return [
        f"{_(DETECTED_LABELS[key]) if key in DETECTED_LABELS else key.replace('_', ' ')}: "
        f"{messages.text(value)}"
        for key, value in detected.items()
    ]


WARNING_TEXT = {
    "repeated_rows": N_(
        "repeated rows: {n} (identical to an earlier row of the file; each is stored as the "
        "publisher counts it, with its own id; drop_repeats / --drop-repeats stores it once)"
    ),
    "date_order_assumed": N_(
        "date order assumed: every numeric date reads both as DD/MM and MM/DD; read as "
        "'date order' says (give date_order in the layout to choose)"
    ),
}


def warning_lines(warnings: dict[str, int]) -> list[str]:
    """The warnings of an import as sentences (for the CLI; the pages use their own text)."""
    return [
        _("warning: ")
        + (_(WARNING_TEXT[key]) if key in WARNING_TEXT else key + ": {n}").format(
            n=i18n.number(count)
        )
        for key, count in warnings.items()
    ]
