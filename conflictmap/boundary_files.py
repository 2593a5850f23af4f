"""Boundary files the dashboard's map fetches once, instead of receiving them on every rerun.

streamlit-folium sends all of a map component's arguments together on every rerun of the map
(each pan): the base map's script went with them, ~0.7 MB of it boundary GeoJSON. Here the
simplified geometry of a layer (:meth:`~conflictmap.geography.Geography.geometry_json`) is
written once per boundary source into ``static/geo/`` beside the app's main script (Streamlit
serves ``<app>/static`` at ``/app/static/...``, see :mod:`conflictmap.assets`); the map's script
fetches it (the browser keeps it: the name never changes for other content) and only the
per-view properties (fills, names, figures: small) stay in the page's arguments.

The files are derived from the user's own boundary file at run time: never part of the project
(the folder is gitignored). HTML exports do not use them: an export stays one self-contained file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING

from conflictmap import settings

if TYPE_CHECKING:
    from conflictmap.geography import Geography

GEO_URL = "/app/static/geo"
FOLDER = "geo"  # under the app's static folder

_LOCK = Lock()
_PUBLISHED: dict[tuple[Path, str, str, str | None], str] = {}


def folder() -> Path:
    """Where the files go: ``static/geo`` beside the app's main script (the folder Streamlit
    serves at ``/app/static/``)."""
    return settings.get().app_dir / "static" / FOLDER


def layer_text(geo: Geography, layer: str, dept: str | None = None) -> str:
    """A layer's geometry as a GeoJSON FeatureCollection: each feature's ``id`` its DIVIPOLA
    code, no properties (the page sends those per view), in the order the map draws them."""
    pairs = geo.geometry_json(layer, dept)
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "id": code, "properties": {}, "geometry": geom}
                for code, geom in pairs
            ],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def file_name(source_sha256: str, layer: str, dept: str | None, text: str) -> str:
    """``<source SHA-256>-<layer>[-<dept>]-<content hash>.json``: a name never reused for other
    content, so the browser may keep the file for good."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    place = f"-{dept}" if dept else ""
    return f"{source_sha256}-{layer}{place}-{digest}.json"


def publish(
    geo: Geography, layer: str, dept: str | None = None, target: Path | None = None
) -> str:
    """The URL of ``layer``'s geometry file (``dept``: the department of a
    ``dept_municipalities`` layer), written at its first use in this process unless it is
    already there."""
    target = target or folder()
    dept = dept if layer == "dept_municipalities" else None
    key = (target, geo.source_sha256, layer, dept)
    with _LOCK:
        name = _PUBLISHED.get(key)
        if name is not None and (target / name).is_file():
            return f"{GEO_URL}/{name}"
        text = layer_text(geo, layer, dept)
        name = file_name(geo.source_sha256, layer, dept, text)
        path = target / name
        if not path.is_file():
            _write_atomically(path, text)
        _PUBLISHED[key] = name
    return f"{GEO_URL}/{name}"


def _write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename: another process serving the
    same folder never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)  # mkstemp's 0600: whatever account serves the folder reads it
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
