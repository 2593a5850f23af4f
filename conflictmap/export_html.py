"""The interactive map as one standalone HTML file: the dashboard's folium map, its metadata in
a leading comment, and the map's assets from pinned CDNs or inlined (works offline)."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from conflictmap import assets, geodata, i18n, mapping
from conflictmap.geography import Geography
from conflictmap.i18n import _
from conflictmap.view import ViewData, map_spec

if TYPE_CHECKING:
    from conflictmap.clusters import ViewportLayer
    from conflictmap.export import SnapshotRequest


def html_bytes(
    request: SnapshotRequest,
    view: ViewData,
    boundaries: Geography | geodata.Boundaries | None,
    meta: dict,
    incidents: ViewportLayer | None = None,
) -> bytes:
    """The interactive map as one file: assets from pinned CDNs, or inlined for offline use.
    ``incidents``: every incident in view, as points or clusters per zoom
    (:func:`conflictmap.clusters.export_layer` with ``interactive``); None: the view's points."""
    spec = map_spec(view, request.basemap)
    if "incident_sources" in meta:
        spec = replace(spec, sources=list(meta["incident_sources"]))
    if incidents is not None:
        spec = replace(spec, incidents=incidents)
    fmap = mapping.build_map(spec, boundaries)
    page = stable_ids(fmap.get_root().render())
    page = assets.inline_assets(page) if request.inline_assets else assets.cdn_assets(page)
    # JSON escapes keep the comment closed and markup from the data (e.g. a source named
    # "<script>…") out of the page's text; json.loads gives the metadata back unchanged
    blob = (
        json.dumps(meta, ensure_ascii=False, sort_keys=True)
        .replace("--", "\\u002d\\u002d")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
    )
    title = mapping.esc(meta["title"])
    head = f"<!-- conflictmap-snapshot {blob} -->\n"
    page = page.replace("<head>", f"<head>\n<title>{title}</title>", 1)
    page = page.replace("<html>", f'<html lang="{i18n.current()}">', 1)  # the export's language
    block = meta.get("citation_block")
    if isinstance(block, dict) and block.get("text"):
        page = with_citation(page, str(block["text"]))
    return (head + page).encode("utf-8")


CITATION_STYLE = (
    "position:fixed;left:8px;bottom:8px;z-index:1000;max-width:min(60em,70vw);"
    "max-height:40vh;overflow:auto;background:rgba(255,255,255,0.92);padding:4px 8px;"
    "border-radius:4px;font:11px/1.35 sans-serif;color:#333"
)


def with_citation(page: str, text: str) -> str:
    """The citation block, visible on the page (a folded box at the lower left; escaped: the
    sources' names and citations are data)."""
    box = (
        f'<details class="conflictmap-citation" style="{CITATION_STYLE}" open>'
        f"<summary>{html.escape(_('Cite this map'))}</summary>"
        f'<div style="white-space:pre-wrap">{html.escape(text)}</div></details>\n'
    )
    if "</body>" in page:
        head, _sep, tail = page.rpartition("</body>")
        return f"{head}{box}</body>{tail}"
    return page + box


def stable_ids(page: str) -> str:
    """folium names elements with random hex ids: number them in order of appearance instead,
    so the same map gives the same bytes."""
    ids: dict[str, str] = {}
    return re.sub(
        r"(?<=_)[0-9a-f]{32}(?![0-9a-f])",
        lambda m: ids.setdefault(m.group(0), f"{len(ids):032x}"),
        page,
    )
