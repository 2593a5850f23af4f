"""What every export says about itself: the metadata (filters, datasets, content hash, app
version, view URL, citations), how it is embedded in each image format (PNG text chunks, SVG
``<metadata>``, PDF info), and the formats and file names.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from conflictmap import __version__
from conflictmap.filters import describe
from conflictmap.map_model import SHORT_ATTRIBUTION
from conflictmap.sources import Citation

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from conflictmap.clusters import ViewportLayer
    from conflictmap.export import SnapshotRequest
    from conflictmap.view import ViewData

IMAGE_FORMATS = ("png", "svg", "pdf")
DATA_FORMATS = ("csv", "geojson", "gpkg")
FORMATS = (*IMAGE_FORMATS, "html", *DATA_FORMATS, "aggregates.csv")


def view_query(request: SnapshotRequest) -> str:
    params: list[tuple[str, str]] = []
    for key, value in {**request.filters.to_params(), **request.options.to_params()}.items():
        for v in value if isinstance(value, list) else [value]:
            params.append((key, str(v)))
    return "?" + urlencode(params)


def cited_sources(view: ViewData, citations: list[Citation] | None = None) -> list[str]:
    """The incident sources line of an export: the view's sources, with the citation of every
    licensed source in view first (also those found in the database but not in the view's
    first five sources per dataset)."""
    shown = view.sources
    missing = [c.attribution for c in citations or [] if c.attribution not in shown]
    return missing + shown


def metadata(
    request: SnapshotRequest,
    view: ViewData,
    content_hash: str,
    label: str,
    citations: list[Citation] | None = None,
) -> dict:
    """The export's metadata. ``citations``: the licensed sources in view (default: those the
    view's sources name); every one is listed with its licence and references."""
    cites = view.citations if citations is None else citations
    return {
        "app": "ConflictMap",
        "version": __version__,
        "title": title_for(request, label),
        "subtitle": describe(request.filters, label),
        "filters": request.filters.to_params(),
        "view": request.options.to_params(),
        "view_url": view_query(request),
        "datasets": sorted(view.datasets["dataset"].tolist()) if len(view.datasets) else [],
        "territory_datasets": list(view.territory_datasets),
        "incidents": view.figures.incidents,
        "fatalities": view.figures.fatalities,
        "not_on_map": {
            "note": view.unmapped_note,
            "levels": [
                {"level": u.level, "incidents": u.incidents, "fatalities": u.fatalities}
                for u in view.unmapped
            ],
        },
        "content_sha256": content_hash,
        "synthetic_demo_data": view.demo_in_view,
        "boundaries": SHORT_ATTRIBUTION,
        "incident_sources": cited_sources(view, cites),
        "citations": [c.as_json() for c in cites],
        "exported": date.today().isoformat(),
    }


def map_incidents(layer: ViewportLayer) -> dict:
    """How a map export draws the incidents in view (the same in every format): as points or
    as clusters at the zoom the map opens at; ``with_a_place`` (the points, or the sum of the
    cluster counts) plus ``placed_only_to_an_area`` is the key figure ``incidents``."""
    areas = {
        str(code): int(n) for code, n in zip(layer.areas["code"], layer.areas["incidents"],
                                             strict=True)
    }
    return {
        "drawn_as": layer.mode,
        "zoom": layer.request.zoom,
        "with_a_place": layer.in_region,
        "clusters": len(layer.clusters) if layer.mode == "clusters" else 0,
        "placed_only_to_an_area": sum(areas.values()),
        "by_area": areas,  # department code ("CO": Colombia or a region) -> incidents
    }


def title_for(request: SnapshotRequest, label: str) -> str:
    if request.title:
        return request.title
    from conflictmap.i18n import _
    from conflictmap.map_model import METRIC_LABELS

    metric = _(METRIC_LABELS.get(request.options.metric, METRIC_LABELS["incidents"]))
    return f"{metric} — {label}"


def rights(meta: dict) -> str:
    """Boundaries' attribution, then the citation of every licensed incident source in view."""
    cites = [c["attribution"] for c in meta.get("citations", [])]
    return "; ".join([SHORT_ATTRIBUTION, *cites])


def image_bytes(fig: Figure, fmt: str, meta: dict, dpi: int) -> bytes:
    """The figure as a PNG, SVG or PDF file with the metadata inside it."""
    buffer = io.BytesIO()
    blob = json.dumps(meta, ensure_ascii=False, sort_keys=True)
    if fmt == "png":
        info = {
            "Title": meta["title"],
            "Description": meta["subtitle"],
            "Software": f"ConflictMap {__version__}",
            "Source": rights(meta),
            "conflictmap": blob,
        }
        if "citation_block" in meta:  # the citation block as its own text chunk
            info["Citation"] = str(meta["citation_block"]["text"])
        fig.savefig(buffer, format="png", dpi=dpi, metadata=info)
    elif fmt == "svg":
        info = {
            "Title": meta["title"],
            "Description": blob,
            "Creator": f"ConflictMap {__version__}",
            "Date": None,
            "Rights": rights(meta),
        }
        fig.savefig(buffer, format="svg", metadata=info)
    elif fmt == "pdf":
        info = {
            "Title": meta["title"],
            "Subject": blob,
            "Keywords": meta["view_url"],
            "Creator": f"ConflictMap {__version__}",
            "CreationDate": None,
            "ModDate": None,
        }
        fig.savefig(buffer, format="pdf", metadata=info)
    else:
        raise ValueError(fmt)
    return buffer.getvalue()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def format_of(path: str | os.PathLike[str]) -> str:
    name = Path(path).name.lower()
    if name.endswith(".aggregates.csv"):
        return "aggregates.csv"
    suffix = Path(name).suffix.lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(
            f"{path}: unknown export format '.{suffix}' (use one of: "
            f"{', '.join('.' + f for f in FORMATS)})"
        )
    return suffix


def filename_for(request: SnapshotRequest, fmt: str) -> str:
    from conflictmap.divipola import normalise

    f = request.filters
    parts = ["conflictmap", f.muni or f.dept or "colombia"]
    if f.date_from or f.date_to:
        parts.append(f"{f.date_from or 'start'}_{f.date_to or 'today'}")
    if request.title:
        parts.append("-".join(normalise(request.title).split())[:40])
    return "-".join(str(p) for p in parts) + f".{fmt}"
