"""The public view (``CONFLICTMAP_PUBLIC_VIEW=1``): do-no-harm display of incidents.

Every mappable incident is shown at its municipality's representative point (a point inside the
municipality, :attr:`conflictmap.geography.Geography.representative_points`), never at its own
coordinates: map points, clusters (their positions and extents are computed from the
municipality points) and exports. Notes, placement notes (they quote the source's point) and the
source's original record are hidden in popups, the table, the incident detail and exports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from conflictmap import dialect, settings
from conflictmap.geography import Geography, load_geography

NOTE = (
    "Public view: incidents are shown at their municipality's representative point, never at "
    "their own coordinates; notes are hidden."
)
HIDDEN = ("notes", "place_note", "original")
PLACES_TABLE = "public_view_places"


def enabled() -> bool:
    return settings.get().public_view


def _muni_points(geo: Geography) -> dict[str, tuple[float, float]]:
    """municipality code -> (lon, lat) of its representative point."""
    munis = set(geo.muni_names)
    return {c: p for c, p in geo.representative_points.items() if c in munis}


def incidents_source(con: dialect.Connection, geo: Geography | None = None) -> str:
    """What to read instead of ``incidents`` in a public view: the same rows, their latitude and
    longitude replaced by their municipality's point (NULL without a municipality: then never a
    point). Registers the municipality points on ``con``."""
    if not enabled():
        return "incidents"
    places = pd.DataFrame(
        [(c, lat, lon) for c, (lon, lat) in _muni_points(geo or load_geography()).items()],
        columns=["code", "lat", "lon"],
    )
    con.register(PLACES_TABLE, places)
    # every column of incidents, latitude and longitude from the places (SQL both stores take,
    # unlike DuckDB's ``i.* REPLACE (…)``)
    replaced = {"latitude": "p.lat AS latitude", "longitude": "p.lon AS longitude"}
    columns = ", ".join(
        replaced.get(name, f"i.{name}")
        for name, _ in con.execute(dialect.columns_query(con), ["incidents"]).fetchall()
    )
    return (
        f"(SELECT {columns} FROM incidents i "
        f"LEFT JOIN {PLACES_TABLE} p ON p.code = i.muni_code)"
    )


def coarsen(frame: pd.DataFrame, geo: Geography | None = None) -> pd.DataFrame:
    """Rows (map points, export rows) with their coordinates at their municipality's point (none
    without a municipality) and notes emptied; unchanged outside a public view."""
    if not enabled() or frame.empty:
        return frame
    points = _muni_points(geo or load_geography())
    out = frame.copy()
    if {"latitude", "longitude", "muni_code"} <= set(out.columns):
        at = [points.get(c) if isinstance(c, str) else None for c in out["muni_code"]]
        out["longitude"] = [p[0] if p else np.nan for p in at]
        out["latitude"] = [p[1] if p else np.nan for p in at]
    for column in HIDDEN:
        if column in out.columns:
            out[column] = None
    return out
