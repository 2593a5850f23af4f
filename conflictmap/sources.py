"""Dataset-level citations: what a source's licence asks to be shown wherever its data is.

One place for the texts (screen, images, HTML, data exports, README all take them from here).
A source is recognised by what its importer writes, never by the dataset name a user chose:

- in the database: the ``incident_id`` prefix (``ucdp:<id>``), see :func:`formats_in_view`;
- in the per-dataset ``sources`` lists the views hold: the ``source`` value the importer writes
  (``UCDP GED`` or ``UCDP GED (<source_office>)``), see :func:`format_of_source`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from conflictmap import dialect

# The boundaries' attribution where space is short (static maps, charts); the full text is in
# conflictmap/data/sources.toml and on Geography.attribution
BOUNDARY_SHORT_ATTRIBUTION = "Límites: DANE — MGN 2018 (CC BY 4.0)"


@dataclass(frozen=True)
class Citation:
    format: str  # the importer format (conflictmap.ingest.FORMATS key)
    name: str
    licence: str
    attribution: str  # the short line shown with the data (screen, images, exports)
    references: tuple[str, ...]  # the full references, for metadata and the README
    url: str
    id_prefix: str  # incident_id prefix the importer writes
    source_prefix: str  # start of the `source` value the importer writes

    def as_json(self) -> dict[str, object]:
        return {
            "source": self.name,
            "licence": self.licence,
            "attribution": self.attribution,
            "references": list(self.references),
            "url": self.url,
        }


UCDP = Citation(
    format="ucdp",
    name="UCDP GED",
    licence="CC BY 4.0",
    attribution="UCDP GED (CC BY 4.0) — Sundberg & Melander 2013, Högbladh 2019",
    references=(
        (
            "Sundberg, Ralph and Erik Melander (2013). Introducing the UCDP Georeferenced Event "
            "Dataset. Journal of Peace Research 50(4)."
        ),
        (
            "Högbladh, Stina (2019). UCDP GED Codebook version 19.1. Department of Peace and "
            "Conflict Research, Uppsala University."
        ),
    ),
    url="https://ucdp.uu.se/downloads/",
    id_prefix="ucdp:",
    source_prefix="UCDP GED",
)

CITATIONS: dict[str, Citation] = {c.format: c for c in (UCDP,)}


def format_of_source(source: object) -> str | None:
    """The format whose importer writes this ``source`` value, if it needs a citation."""
    if not isinstance(source, str):
        return None
    for citation in CITATIONS.values():
        prefix = citation.source_prefix
        if source == prefix or source.startswith(prefix + " ("):
            return citation.format
    return None


def formats_of_sources(sources: Iterable[object]) -> set[str]:
    return {f for f in map(format_of_source, sources) if f}


def formats_in_view(con: dialect.Connection, filters: object) -> set[str]:
    """Formats needing a citation among the incidents the filters select (by incident_id)."""
    from conflictmap import queries

    w = queries.where(con, filters)  # type: ignore[arg-type]
    checks = ", ".join(
        f"bool_or(starts_with(incident_id, '{c.id_prefix}'))" for c in CITATIONS.values()
    )
    row = con.execute(f"SELECT {checks} FROM incidents WHERE {w.sql}", w.params).fetchone()
    return {fmt for fmt, hit in zip(CITATIONS, row or (), strict=False) if hit}


def format_of_incident(incident_id: object) -> str | None:
    if not isinstance(incident_id, str):
        return None
    for citation in CITATIONS.values():
        if incident_id.startswith(citation.id_prefix):
            return citation.format
    return None


def citations_for(formats: Iterable[str]) -> list[Citation]:
    """The citations for these formats, in a fixed order."""
    wanted = set(formats)
    return [c for fmt, c in CITATIONS.items() if fmt in wanted]
