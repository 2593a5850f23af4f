"""What an export may contain under each source's terms, and the citation it carries.

An export follows the strictest terms in view (:mod:`conflictmap.source_terms`): incident rows
(CSV, GeoJSON, GeoPackage, the points of HTML and image exports) only from datasets whose terms
allow redistribution (``yes``); rows of an ``aggregates`` dataset are replaced by counts per
municipality (or department) and month; a ``no`` dataset gives neither rows nor aggregates. The
export says so in its metadata and in the file (a note row / feature), and the dashboard shows the
same sentence. An explicit "for my own use" override keeps every row; it is written into the
metadata and the audit trail.

The citation block (:func:`citation_block`, :func:`citation_text`) lists each source in view with
its citation, terms and access date, the filters in effect and what ConflictMap changed (actor
names resolved, placements by name or snapped, repeated rows kept).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from conflictmap import dialect, i18n, matching, queries
from conflictmap.filters import Filters
from conflictmap.i18n import N_
from conflictmap.source_terms import Terms, terms_for

if TYPE_CHECKING:
    from conflictmap.geography import Geography

ROW_KIND = "row_kind"
OWN_USE_NOTE = N_(
    "Exported for the exporter's own use: incident rows of {datasets} are included although "
    "their terms allow sharing only {what}. Do not share this file."
)
# place_note prefixes the importer writes (conflictmap.ingest._place) and what they mean
PLACEMENT_CHANGES = {
    "snapped": N_("placed in the nearest municipality (the source's point lay just outside it)"),
    "placed by name": N_("placed by the municipality the source names (its point lay elsewhere)"),
    "unplaced": N_("kept as events in Colombia (no place that resolves)"),
}
# ids the column-mapped importer gives a row repeated identically (hash plus occurrence number)
REPEATED_ID = r"^[^:]+:[0-9a-f]{16}-[0-9]+$"


@dataclass(frozen=True)
class ExportPolicy:
    """The terms of the datasets in view, and whether the own-use override is on."""

    terms: dict[str, Terms] = field(default_factory=dict)
    own_use: bool = False

    @property
    def aggregated(self) -> list[str]:
        """Datasets whose rows become aggregates in this export."""
        if self.own_use:
            return []
        return sorted(d for d, t in self.terms.items() if t.redistribution == "aggregates")

    @property
    def withheld(self) -> list[str]:
        """Datasets of which nothing is exported (neither rows nor aggregates)."""
        if self.own_use:
            return []
        return sorted(d for d, t in self.terms.items() if t.redistribution == "no")

    @property
    def overridden(self) -> list[str]:
        """Restricted datasets whose rows the own-use override includes."""
        if not self.own_use:
            return []
        return sorted(d for d, t in self.terms.items() if not t.rows_allowed)

    @property
    def restricted(self) -> bool:
        return bool(self.aggregated or self.withheld)

    def rows_allowed(self, dataset: str) -> bool:
        terms = self.terms.get(dataset)
        return self.own_use or terms is None or terms.rows_allowed

    @property
    def allowed_datasets(self) -> list[str]:
        return sorted(d for d in self.terms if self.rows_allowed(d))

    def note(self, aggregated_incidents: int | None = None, withheld_incidents: int | None = None) -> str:
        """The explanation shown on screen and written into the file ("" when nothing is
        restricted)."""
        parts: list[str] = []
        if self.aggregated:
            n = (
                i18n._("{n} incidents of ").format(n=i18n.number(aggregated_incidents))
                if aggregated_incidents
                else ""
            )
            terms = "; ".join(
                f"{d}: {self.terms[d].terms_name}" + (f" ({self.terms[d].terms_url})"
                                                     if self.terms[d].terms_url else "")
                for d in self.aggregated
            )
            parts.append(
                n
                + i18n._(
                    "{datasets} are given as counts per municipality (or department) and month, "
                    "not as incident rows: their terms allow sharing only aggregates ({terms})."
                ).format(datasets=", ".join(self.aggregated), terms=terms)
            )
        if self.withheld:
            n = (
                i18n._("{n} incidents of ").format(n=i18n.number(withheld_incidents))
                if withheld_incidents
                else ""
            )
            parts.append(
                n
                + i18n._(
                    "{datasets} are left out: their terms allow no redistribution "
                    "(confidential)."
                ).format(datasets=", ".join(self.withheld))
            )
        if self.overridden:
            what = i18n._("aggregates or nothing")
            parts.append(
                i18n._(OWN_USE_NOTE).format(datasets=", ".join(self.overridden), what=what)
            )
        return " ".join(parts)

    def as_json(self, counts: dict[str, int] | None = None) -> dict[str, object]:
        counts = counts or {}
        agg = sum(counts.get(d, 0) for d in self.aggregated)
        held = sum(counts.get(d, 0) for d in self.withheld)
        return {
            "incident_rows_from": self.allowed_datasets,
            "aggregated_datasets": self.aggregated,
            "withheld_datasets": self.withheld,
            "aggregated_incidents": agg,
            "withheld_incidents": held,
            "own_use": self.own_use,
            "own_use_datasets": self.overridden,
            "note": self.note(agg, held),
        }


def datasets_in(con: dialect.Connection, filters: Filters) -> dict[str, int]:
    """dataset -> incidents in view."""
    w = queries.where(con, filters)
    rows = con.execute(
        f"SELECT dataset, count(*) FROM incidents WHERE {w.sql} GROUP BY dataset ORDER BY dataset",
        w.params,
    ).fetchall()
    return {d: int(n) for d, n in rows}


def policy_for(
    con: dialect.Connection, filters: Filters, *, own_use: bool = False
) -> tuple[ExportPolicy, dict[str, int]]:
    """The policy for the datasets in view, and their incident counts."""
    counts = datasets_in(con, filters)
    return ExportPolicy(terms_for(con, counts), own_use), counts


# ---- the data files ----------------------------------------------------------------------------


def aggregate_rows(frame: pd.DataFrame, policy: ExportPolicy) -> pd.DataFrame:
    """The incidents of ``policy.aggregated`` datasets in ``frame`` as counts per dataset,
    department, municipality and month (``row_kind`` "aggregate")."""
    rows = frame[frame["dataset"].isin(policy.aggregated)]
    if rows.empty:
        return pd.DataFrame(columns=list(frame.columns) + [ROW_KIND, "month", "incidents"])
    month = pd.to_datetime(rows["event_date"]).dt.strftime("%Y-%m")
    keys = rows.assign(month=month, dept_code=rows["dept_code"].fillna(""),
                       muni_code=rows["muni_code"].fillna(""))
    grouped = (
        keys.groupby(["dataset", "dept_code", "muni_code", "month"], sort=True)
        .agg(incidents=("incident_id", "size"), fatalities=("fatalities", "sum"))
        .reset_index()
    )
    out = pd.DataFrame({c: pd.Series([None] * len(grouped), dtype=object) for c in frame.columns})
    for c in ("dataset", "dept_code", "muni_code", "fatalities"):
        out[c] = grouped[c].to_numpy()
    out["dept_code"] = out["dept_code"].replace("", None)
    out["muni_code"] = out["muni_code"].replace("", None)
    out[ROW_KIND] = "aggregate"
    out["month"] = grouped["month"].to_numpy()
    out["incidents"] = grouped["incidents"].to_numpy()
    out["notes"] = [
        f"{n} incidents of {d} in {m} (aggregate: {policy.terms[d].terms_name})"
        for n, d, m in zip(grouped["incidents"], grouped["dataset"], grouped["month"], strict=True)
    ]
    if "citation" in out.columns:
        out["citation"] = [policy.terms[d].citation or "" for d in grouped["dataset"]]
    return out


def apply_policy(frame: pd.DataFrame, policy: ExportPolicy) -> pd.DataFrame:
    """The export's rows under ``policy``: incident rows of allowed datasets, then aggregate rows,
    then one note row saying what was replaced and why. Unchanged (no extra columns) when nothing
    in view is restricted and the override is off."""
    if not policy.restricted and not policy.overridden:
        return frame
    allowed = frame["dataset"].map(policy.rows_allowed).astype(bool)
    rows = frame[allowed].assign(**{ROW_KIND: "incident", "month": None, "incidents": 1})
    aggregates = aggregate_rows(frame, policy)
    counts = frame["dataset"].value_counts().to_dict()
    note = policy.note(
        sum(counts.get(d, 0) for d in policy.aggregated),
        sum(counts.get(d, 0) for d in policy.withheld),
    )
    note_row = pd.DataFrame([{ROW_KIND: "note", "notes": note}], columns=rows.columns)
    parts = [p for p in (rows, aggregates, note_row) if len(p)]
    out = pd.concat([p.astype(object) for p in parts], ignore_index=True)
    for column in [*frame.select_dtypes("number").columns, "incidents"]:
        values = pd.to_numeric(out[column], errors="coerce")
        whole = bool((values.dropna() % 1 == 0).all())
        out[column] = values.astype("Int64") if whole else values  # counts stay whole numbers
    return out


def aggregate_points(frame: pd.DataFrame, reps: dict[str, tuple[float, float]]) -> gpd.GeoSeries:
    """Aggregate and note rows' geometry: the municipality's (else department's) representative
    point; none for a note or a place not known."""
    def point(row: pd.Series) -> object:
        muni, dept = row["muni_code"], row["dept_code"]
        code = muni if isinstance(muni, str) and muni else dept
        if row[ROW_KIND] != "aggregate" or not isinstance(code, str) or code not in reps:
            return None
        lon, lat = reps[code]
        return gpd.points_from_xy([lon], [lat])[0]

    return gpd.GeoSeries([point(r) for _, r in frame.iterrows()], index=frame.index)


def restrict_points(points: pd.DataFrame, policy: ExportPolicy) -> pd.DataFrame:
    """The map points an export may carry (HTML, images): allowed datasets only."""
    if not policy.restricted or points.empty:
        return points
    keep = points["dataset"].map(policy.rows_allowed).astype(bool)
    return points[keep].reset_index(drop=True)


# ---- citation block ----------------------------------------------------------------------------


def changes_in(con: dialect.Connection, filters: Filters) -> dict[str, int]:
    """What ConflictMap changed in the incidents in view: placements (by the importer's
    ``place_note``) and rows repeated identically in their file and kept."""
    w = queries.where(con, filters)
    cases = ", ".join(
        f"count(*) FILTER (WHERE starts_with(place_note, '{k}:'))" for k in PLACEMENT_CHANGES
    )
    row = con.execute(
        f"SELECT {cases}, count(*) FILTER (WHERE {dialect.regexp_test(con, 'incident_id', REPEATED_ID)}) "
        f"FROM incidents WHERE {w.sql}",
        w.params,
    ).fetchone()
    values = [int(v or 0) for v in (row or ())]
    keys = [*PLACEMENT_CHANGES, "repeated"]
    changes = dict(zip(keys, values, strict=False))
    if filters.count == "events" and matching.has_matches(con):
        every = queries.where(con, replace(filters, count="reports"))
        (n,) = con.execute(
            f"SELECT count(*) FROM incidents WHERE {every.sql} AND "
            f"{matching.secondary_condition()}",
            every.params,
        ).fetchall()[0]
        changes["matched"] = int(n)
    return changes


def change_lines(changes: dict[str, int], actor_note: str | None) -> list[str]:
    lines: list[str] = []
    if actor_note:
        lines.append(
            i18n._(
                "Actor names: aliases merged to canonical names by the actor registry and by "
                "analysts' mappings — {note}"
            ).format(note=actor_note)
        )
    for key, what in PLACEMENT_CHANGES.items():
        if changes.get(key):
            lines.append(
                i18n._("{n} incidents {what}.").format(
                    n=i18n.number(changes[key]), what=i18n._(what)
                )
            )
    if changes.get("matched"):
        lines.append(
            i18n._(
                "{n} reports describe an event another dataset also reports and were counted "
                "once, with that event (cross-source matching rules: ConflictMap README)."
            ).format(n=i18n.number(changes["matched"]))
        )
    if changes.get("repeated"):
        lines.append(
            i18n._(
                "{n} rows repeated identically in their file were kept as separate incidents "
                "(as often as the source lists them)."
            ).format(n=i18n.number(changes["repeated"]))
        )
    lines.append(
        i18n._(
            "Places: every incident with a point was assigned its DANE department and "
            "municipality by point in polygon (MGN 2018)."
        )
    )
    return lines


def citation_block(
    policy: ExportPolicy,
    *,
    filters_text: str,
    filter_params: dict[str, object],
    changes: list[str],
    exported: date | None = None,
) -> dict[str, object]:
    """The citation block of an export (metadata): sources, filters, changes."""
    return {
        "sources": [
            {
                "dataset": t.dataset,
                "terms": t.terms_name,
                "terms_url": t.terms_url,
                "redistribution": t.redistribution,
                "citation": t.citation or "",
                "access_date": t.access_date.isoformat() if t.access_date else None,
            }
            for _, t in sorted(policy.terms.items())
        ],
        "filters": filters_text,
        "filter_params": filter_params,
        "changes": changes,
        "exported": (exported or date.today()).isoformat(),
        "text": citation_text(policy, filters_text, changes, exported),
    }


def citation_text(
    policy: ExportPolicy, filters_text: str, changes: list[str], exported: date | None = None
) -> str:
    """The citation block as plain text (to copy, or to print into an export), in the current
    language (dates stay ISO, as in the data)."""
    day = (exported or date.today()).isoformat()
    lines = [i18n._("ConflictMap view, exported {day}.").format(day=day), "", i18n._("Sources:")]
    if not policy.terms:
        lines.append("- " + i18n._("no incidents in view"))
    for name, t in sorted(policy.terms.items()):
        accessed = t.access_date.isoformat() if t.access_date else i18n._("unknown")
        cite = t.citation or i18n._("(no citation recorded)")
        url = f" <{t.terms_url}>" if t.terms_url else ""
        lines.append(
            f"- {name}: {cite} "
            + i18n._("Terms: {terms}; redistribution: {redistribution}. Accessed {day}.").format(
                terms=f"{t.terms_name}{url}", redistribution=t.redistribution, day=accessed
            )
        )
    lines += [
        "",
        i18n._("Filters: {filters}").format(filters=filters_text),
        "",
        i18n._("Changes made by ConflictMap:"),
    ]
    lines += [f"- {c}" for c in changes]
    note = policy.note()
    if note:
        lines += ["", note]
    return "\n".join(lines)


# ---- for the dashboard -------------------------------------------------------------------------


def view_policy(
    filters: Filters, db: str | os.PathLike[str] | None = None, *, own_use: bool = False
) -> tuple[ExportPolicy, str]:
    """The export policy of a view and the sentence the export section shows ("" when every
    dataset in view may be exported as rows)."""
    from conflictmap import store

    with store.connect(db, read_only=True) as con:
        policy, counts = policy_for(con, filters, own_use=own_use)
    return policy, str(policy.as_json(counts)["note"])


def cite_view(
    filters: Filters, geo: Geography | None = None, db: str | os.PathLike[str] | None = None
) -> str:
    """"Cite this view": the citation block of the view as plain text, to copy."""
    from conflictmap import actor_mappings, store
    from conflictmap.actors import default_registry
    from conflictmap.filters import describe
    from conflictmap.geography import load_geography
    from conflictmap.view import place_label

    with store.connect(db, read_only=True) as con:
        policy, _ = policy_for(con, filters)
        changes = changes_in(con, filters)
        w = queries.where(con, filters)
        names = actor_mappings.summary(con, default_registry(), w.sql, w.params)
    label = place_label(filters, geo or load_geography())
    return citation_text(policy, describe(filters, label), change_lines(changes, names.sentence()))
