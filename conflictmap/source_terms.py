"""Each dataset's source terms: what its licence allows others to receive, and how to cite it.

ACLED's terms of use forbid giving others direct access to its rows (derived aggregates may be
shared, with attribution, the access date, the filters and the changes made); UCDP GED is
CC BY 4.0 (anything may be shared, with the citation); an analyst's own additions may be
confidential. The table ``dataset_terms`` holds one row per dataset:

- ``redistribution``: ``yes`` (incident rows may be exported), ``aggregates`` (only counts per
  municipality or department and month leave ConflictMap) or ``no`` (nothing of it is exported
  as rows or aggregates; it still counts on the map);
- ``terms_name``, ``terms_url``, ``citation`` and ``access_date`` (the day the data was obtained;
  the import day unless given).

A row is written at import (:func:`record_at_import`, from the importer's format: ACLED →
aggregates, UCDP → yes with its citation, others → yes) unless the dataset already has one, and
changed by an editor (:func:`set_terms`, the Data page, ``conflictmap datasets terms``). A
dataset without a row (imported before this table existed) gets the defaults of the format its
import log names.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import date

from conflictmap import dialect, permissions, store
from conflictmap.i18n import N_, _
from conflictmap.permissions import Actor
from conflictmap.sources import UCDP

Db = str | os.PathLike[str] | None

REDISTRIBUTION = ("yes", "aggregates", "no")
REDISTRIBUTION_LABELS = {
    "yes": N_("yes: incident rows may be exported"),
    "aggregates": N_("aggregates only: counts per place and month, never the rows"),
    "no": N_("no: nothing of it leaves ConflictMap"),
}


def redistribution_label(value: str) -> str:
    """What a redistribution value allows, in the current language (the value stays English)."""
    label = REDISTRIBUTION_LABELS.get(value)
    return _(label) if label else value
ACLED_TERMS_URL = "https://acleddata.com/terms-of-use/"
ACLED_CITATION = (
    "Armed Conflict Location & Event Data Project (ACLED); www.acleddata.com. "
    "Raleigh, Clionadh, Andrew Linke, Håvard Hegre and Joakim Karlsen (2010). Introducing "
    "ACLED: An Armed Conflict Location and Event Dataset. Journal of Peace Research 47(5)."
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS dataset_terms (
    dataset VARCHAR PRIMARY KEY,
    terms_name VARCHAR NOT NULL,
    terms_url VARCHAR,
    redistribution VARCHAR NOT NULL CHECK (redistribution IN ('yes', 'aggregates', 'no')),
    citation VARCHAR,
    access_date DATE,
    updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
"""
COLUMNS = ("dataset", "terms_name", "terms_url", "redistribution", "citation", "access_date")


class TermsError(ValueError):
    """Terms that cannot be set (unknown dataset, redistribution value)."""


@dataclass(frozen=True)
class Terms:
    dataset: str
    terms_name: str
    terms_url: str | None
    redistribution: str
    citation: str | None
    access_date: date | None

    @property
    def rows_allowed(self) -> bool:
        return self.redistribution == "yes"

    def as_json(self) -> dict[str, object]:
        out = asdict(self)
        out["access_date"] = self.access_date.isoformat() if self.access_date else None
        return out


def defaults(dataset: str, fmt: str | None, access_date: date | None = None) -> Terms:
    """The terms a dataset of this importer format starts with."""
    if fmt == "acled":
        return Terms(
            dataset, "ACLED Terms of Use", ACLED_TERMS_URL, "aggregates", ACLED_CITATION,
            access_date,
        )
    if fmt == "ucdp":
        return Terms(
            dataset, UCDP.licence, "https://creativecommons.org/licenses/by/4.0/", "yes",
            " ".join(UCDP.references), access_date,
        )
    return Terms(dataset, "Own or unspecified terms", None, "yes", None, access_date)


def redistribution_value(value: str) -> str:
    v = str(value).strip().lower()
    if v not in REDISTRIBUTION:
        raise TermsError(f"redistribution must be one of {', '.join(REDISTRIBUTION)}, not {value!r}")
    return v


def _write(con: dialect.Connection, terms: Terms) -> None:
    con.execute(SCHEMA)
    con.execute(
        "INSERT INTO dataset_terms (dataset, terms_name, terms_url, redistribution, "
        "citation, access_date, updated_at) VALUES (?, ?, ?, ?, ?, ?, current_timestamp) "
        "ON CONFLICT (dataset) DO UPDATE SET terms_name = excluded.terms_name, "
        "terms_url = excluded.terms_url, redistribution = excluded.redistribution, "
        "citation = excluded.citation, access_date = excluded.access_date, "
        "updated_at = excluded.updated_at",
        [
            terms.dataset, terms.terms_name, terms.terms_url, terms.redistribution,
            terms.citation, terms.access_date,
        ],
    ).fetchall()


def record_at_import(
    con: dialect.Connection, dataset: str, fmt: str | None, access_date: date | None
) -> None:
    """At import (in its transaction): the format's default terms for a new dataset; a dataset
    with terms keeps them (a later import only moves the access date when one is given)."""
    con.execute(SCHEMA)
    known = _stored(con, [dataset]).get(dataset)
    if known is None:
        _write(con, defaults(dataset, fmt, access_date or date.today()))
    elif access_date is not None:
        _write(con, replace(known, access_date=access_date))


def _has_table(con: dialect.Connection, table: str) -> bool:
    """Whether the database has ``table`` (checked first: on PostgreSQL a failed statement would
    abort the caller's transaction)."""
    return bool(con.execute(dialect.table_exists_query(con), [table]).fetchall()[0][0])


def _stored(con: dialect.Connection, datasets: Iterable[str] | None) -> dict[str, Terms]:
    if not _has_table(con, "dataset_terms"):  # a database from before this table
        return {}
    rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM dataset_terms").fetchall()
    wanted = None if datasets is None else set(datasets)
    return {r[0]: Terms(*r) for r in rows if wanted is None or r[0] in wanted}


def _formats(con: dialect.Connection) -> dict[str, str]:
    """The format each dataset was last imported with (from the import log)."""
    if not _has_table(con, "imports"):
        return {}
    rows = con.execute(
        "SELECT dataset, (array_agg(format ORDER BY imported_at DESC NULLS LAST))[1] "
        "FROM imports GROUP BY dataset"
    ).fetchall()
    return {d: f for d, f in rows}


def terms_for(con: dialect.Connection, datasets: Iterable[str]) -> dict[str, Terms]:
    """The terms of each dataset named (stored, else the defaults of its import format)."""
    names = sorted(set(datasets))
    stored = _stored(con, names)
    missing = [d for d in names if d not in stored]
    formats = _formats(con) if missing else {}
    return stored | {d: defaults(d, formats.get(d)) for d in missing}


def all_terms(db: Db = None) -> list[Terms]:
    """The terms of every stored dataset, by name (for the Data page and the CLI)."""
    with store.connect(db, read_only=True) as con:
        names = store.datasets(con)["dataset"].tolist()
        found = terms_for(con, names)
    return [found[n] for n in names]


def set_terms(
    dataset: str,
    db: Db = None,
    *,
    actor: Actor | None = None,
    redistribution: str | None = None,
    access_date: date | None = None,
    citation: str | None = None,
    terms_name: str | None = None,
    terms_url: str | None = None,
) -> Terms:
    """Change a dataset's terms (editors; recorded in the audit trail); the terms now."""
    from conflictmap import audit

    who = permissions.require(actor, "edit_terms", db)
    with store.connect(db) as con, store.transaction(con):
        con.execute(SCHEMA)
        if dataset not in set(store.datasets(con)["dataset"]):
            raise TermsError(f"no dataset named {dataset!r} (see `conflictmap datasets list`)")
        before = terms_for(con, [dataset])[dataset]
        changes: dict[str, object] = {}
        if redistribution is not None:
            changes["redistribution"] = redistribution_value(redistribution)
        if access_date is not None:
            changes["access_date"] = access_date
        if citation is not None:
            changes["citation"] = citation.strip() or None
        if terms_name is not None and terms_name.strip():
            changes["terms_name"] = terms_name.strip()
        if terms_url is not None:
            changes["terms_url"] = terms_url.strip() or None
        after = replace(before, **changes)  # type: ignore[arg-type]
        _write(con, after)
        audit.record(
            con, who, "dataset_terms", dataset=dataset,
            detail={"before": before.as_json(), "after": after.as_json()},
        )
    return after
