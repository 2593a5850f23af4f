"""Snapshots and exports: PNG/SVG/PDF, standalone HTML, CSV/GeoJSON/GeoPackage, the choropleth
table. This module is the entry point (:func:`snapshot`, :func:`write`, what the dashboard's
Export panel offers); the work is done in

- :mod:`conflictmap.export_metadata`: the metadata, how it is embedded, formats and file names,
- :mod:`conflictmap.static_map`: the static map (matplotlib) of the view's map model,
- :mod:`conflictmap.export_html`: the interactive map as one HTML file,
- :mod:`conflictmap.export_data`: the incidents and the choropleth table as data files.

Every snapshot is built from the same :class:`conflictmap.view.ViewData` the dashboard shows and
carries its metadata (filters, datasets, a content hash of the incidents in view, app version,
view URL) inside the file: PNG text chunks, PDF info, SVG ``<metadata>``, an HTML comment, and a
sidecar JSON on request. Output is deterministic for the same data and day, so the dashboard's
download and the CLI give the same bytes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from conflictmap import (
    __version__,
    actor_mappings,
    audit,
    clusters,
    export_terms,
    geodata,
    permissions,
    public_view,
    queries,
    settings,
    store,
)
from conflictmap.actors import default_registry
from conflictmap.clusters import ViewportLayer
from conflictmap.divipola import Gazetteer
from conflictmap.export_data import (  # noqa: F401 - re-exported
    CITATION_COLUMN,
    aggregates_frame,
    data_bytes,
    incidents_frame,
    with_citation_column,
)
from conflictmap.export_html import html_bytes  # noqa: F401 - re-exported
from conflictmap.export_metadata import (  # noqa: F401 - re-exported
    DATA_FORMATS,
    FORMATS,
    IMAGE_FORMATS,
    cited_sources,
    digest,
    filename_for,
    format_of,
    image_bytes,
    map_incidents,
    metadata,
    title_for,
    view_query,
)
from conflictmap.filters import Filters, ViewOptions, day_month_year, describe
from conflictmap.geography import Geography
from conflictmap.i18n import N_
from conflictmap.map_model import SHORT_ATTRIBUTION, as_geography, build_model  # noqa: F401
from conflictmap.permissions import Actor
from conflictmap.sources import citations_for, formats_in_view
from conflictmap.static_map import (  # noqa: F401 - re-exported
    A4_LANDSCAPE,
    PNG_SIZE,
    PROJECTED_CRS,
    RC,
    Sheet,
)
from conflictmap.static_map import render as _render_static
from conflictmap.view import (
    TerritoryOptions,
    ViewData,
    load_view,
    map_spec,
    place_label,
    start_viewport,
)


@dataclass(frozen=True)
class SnapshotRequest:
    filters: Filters
    options: ViewOptions
    territories: TerritoryOptions = TerritoryOptions()
    title: str | None = None
    dpi: int = 100
    inline_assets: bool = False
    basemap: str = "none"
    # incident rows of datasets whose terms allow only aggregates (or nothing), for the
    # exporter's own use: recorded in the metadata and the audit trail (export_terms.py)
    own_use: bool = False


@dataclass
class Snapshot:
    content: bytes
    metadata: dict
    fmt: str

    @property
    def sidecar(self) -> bytes:
        return json.dumps(self.metadata, ensure_ascii=False, indent=2, sort_keys=True).encode()


def render_figure(
    request: SnapshotRequest,
    view: ViewData,
    boundaries: Geography | geodata.Boundaries | None,
    gazetteer: Gazetteer | None = None,
    *,
    size: tuple[float, float] = PNG_SIZE,
    incident_sources: list[str] | None = None,
    citation: str = "",
    incidents: ViewportLayer | None = None,
) -> Figure:
    """The static map of the view. ``incident_sources``: the attribution line's sources
    (default: the view's, see :func:`cited_sources`). ``incidents``: every incident in view as
    points or clusters (:func:`conflictmap.clusters.export_layer`; None: the view's points).
    ``gazetteer`` is accepted for old callers and not used: place names come from the
    Geography."""
    geo = as_geography(boundaries)
    spec = map_spec(view)
    if incident_sources is not None:
        spec.sources = list(incident_sources)
    spec.incidents = incidents
    label = place_label(request.filters, geo)
    sheet = Sheet(
        title=title_for(request, label),
        subtitle=describe(request.filters, label),
        footer=f"Exported {day_month_year(date.today())} with ConflictMap {__version__} · "
        f"view {view_query(request)}",
        citation=citation,
    )
    return _render_static(build_model(spec, geo), geo, sheet, size=size)


def snapshot(
    request: SnapshotRequest,
    fmt: str,
    *,
    db: str | os.PathLike[str] | None = None,
    view: ViewData | None = None,
    boundaries: Geography | geodata.Boundaries | None = None,
    gazetteer: Gazetteer | None = None,
    actor: Actor | None = None,
) -> Snapshot:
    """Build one export in memory. ``fmt`` is one of :data:`FORMATS`. ``boundaries``: a
    Geography (a Boundaries is accepted while callers move over; default: the pinned one).
    ``gazetteer`` is accepted for old callers and not used: names come from the Geography."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format '{fmt}' (known: {', '.join(FORMATS)})")
    geo = as_geography(boundaries)
    view = view or load_view(
        request.filters, request.options, db=db, territory_options=request.territories, geo=geo
    )
    with store.connect(db, read_only=True) as con:
        content_hash = queries.content_hash(con, request.filters)
        # licensed sources by incident_id, not only by the view's first sources per dataset
        cited = formats_in_view(con, request.filters)
        in_view = queries.where(con, request.filters)
        names = actor_mappings.summary(con, default_registry(), in_view.sql, in_view.params)
        policy, counts = export_terms.policy_for(con, request.filters, own_use=request.own_use)
        changes = export_terms.changes_in(con, request.filters)
        # every incident in view, as the dashboard's map opens on the place: points, or
        # clusters with their counts (an HTML map also carries the deeper zooms' clusters)
        incidents = clusters.export_layer(
            con, request.filters, start_viewport(request.filters, geo).zoom,
            interactive=fmt == "html",
        )
    citations = citations_for({c.format for c in view.citations} | cited)
    label = place_label(request.filters, geo)
    meta = metadata(request, view, content_hash, label, citations)
    # how the actor names in view were resolved (what ConflictMap changed in the sources)
    meta["actor_names"] = {
        k: v for k, v in names.as_json().items() if k != "unresolved_names"
    } | {"note": names.sentence()}
    meta["format"] = fmt
    meta["map_incidents"] = map_incidents(incidents)
    # each source's terms: what this export carries of it, and the citation block
    meta["source_terms"] = policy.as_json(counts)
    meta["citation_block"] = export_terms.citation_block(
        policy,
        filters_text=meta["subtitle"],
        filter_params=meta["filters"],
        changes=export_terms.change_lines(changes, names.sentence()),
    )
    if settings.get().public_view:
        meta["public_view"] = public_view.NOTE
    if policy.overridden:
        _record_own_use(actor, db, fmt, policy, counts)
    if policy.restricted:  # no incident point of a restricted dataset in a map export
        view = replace(view, points=export_terms.restrict_points(view.points, policy))
        incidents = replace(
            incidents, points=export_terms.restrict_points(incidents.points, policy)
        )
    if fmt in IMAGE_FORMATS:
        size = A4_LANDSCAPE if fmt == "pdf" else PNG_SIZE
        dpi = max(request.dpi, 100)
        with matplotlib.rc_context(RC):
            fig = render_figure(
                request, view, geo, size=size, incident_sources=meta["incident_sources"],
                citation=str(meta["citation_block"]["text"]), incidents=incidents,
            )
            return Snapshot(image_bytes(fig, fmt, meta, dpi), meta, fmt)
    if fmt == "html":
        return Snapshot(html_bytes(request, view, geo, meta, incidents), meta, fmt)
    return Snapshot(data_bytes(fmt, request, view, db, geo, policy=policy), meta, fmt)


def _record_own_use(
    actor: Actor | None,
    db: str | os.PathLike[str] | None,
    fmt: str,
    policy: export_terms.ExportPolicy,
    counts: dict[str, int],
) -> None:
    """The own-use override: allowed only where the trail can record it (not in a public,
    read-only or public-view deployment), and recorded."""
    if settings.get().public_view:
        raise PermissionError(
            f"this ConflictMap shows a public view ({settings.ENV_PUBLIC_VIEW}): restricted "
            "incident rows cannot be exported"
        )
    who = permissions.require(actor, "export", db)
    rows = sum(counts.get(d, 0) for d in policy.overridden)
    audit.record_now(
        who,
        "export_own_use",
        db,
        rows=rows,
        detail={"format": fmt, "datasets": policy.overridden},
    )


def write(snap: Snapshot, out: str | os.PathLike[str], *, sidecar: bool = False) -> list[Path]:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(snap.content)
    written = [out]
    if sidecar:
        side = out.with_name(out.name + ".json")
        side.write_bytes(snap.sidecar)
        written.append(side)
    return written


# What the dashboard's Export panel offers: label -> (format, dpi, inline assets)
UI_CHOICES: dict[str, tuple[str, int, bool]] = {
    N_("PNG image (1600 px)"): ("png", 100, False),
    N_("PNG for print (300 dpi)"): ("png", 300, False),
    N_("SVG (editable text)"): ("svg", 100, False),
    N_("PDF (A4 landscape)"): ("pdf", 100, False),
    N_("Interactive HTML"): ("html", 100, False),
    N_("Interactive HTML, works offline"): ("html", 100, True),
    N_("Incidents CSV"): ("csv", 100, False),
    N_("Incidents GeoJSON"): ("geojson", 100, False),
    N_("Incidents GeoPackage"): ("gpkg", 100, False),
    N_("Choropleth table CSV"): ("aggregates.csv", 100, False),
}
MIME = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "html": "text/html",
    "csv": "text/csv",
    "aggregates.csv": "text/csv",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
}
