"""Territories as GeoJSON: one feature per group and kind (levels merged), one per contested
municipality, at full-resolution boundaries (``conflictmap territories export`` and the
Territories page's download)."""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Any, TypedDict

import shapely

from conflictmap import store
from conflictmap.actors import default_registry
from conflictmap.geography import Geography
from conflictmap.territory_store import claims
from conflictmap.territory_view import Area, TerritoryView, build_view


class FeatureCollection(TypedDict):
    """A GeoJSON FeatureCollection (each feature a GeoJSON object with ``properties``)."""

    type: str
    features: list[dict[str, Any]]


def export_geojson(view: TerritoryView) -> FeatureCollection:
    """One feature per group and kind (levels merged), plus one per contested municipality."""
    features: list[dict[str, Any]] = []
    merged: dict[tuple[str, str], list[Area]] = {}
    for area in view.areas:
        merged.setdefault((area.group, area.kind), []).append(area)
    for (group, kind), parts in sorted(merged.items()):
        codes = sorted({c for p in parts for c in p.municipalities})
        geom = shapely.union_all([p.geometry for p in parts])
        starts = [p.valid_from for p in parts if p.valid_from]
        ends = [p.valid_to for p in parts]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "group": group,
                    "kind": kind,
                    "municipalities": codes,
                    "sources": sorted({s for p in parts for s in p.sources}),
                    "levels": {p.level: list(p.municipalities) for p in parts if p.level},
                    "valid_from": min(starts).isoformat() if starts else None,
                    "valid_to": (
                        None
                        if (not ends or None in ends)
                        else max(e for e in ends if e is not None).isoformat()
                    ),
                },
                "geometry": json.loads(shapely.to_geojson(geom)),
            }
        )
    for c in view.contested:
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "kind": "contested",
                    "municipality": c.muni_code,
                    "groups": list(c.groups),
                },
                "geometry": json.loads(shapely.to_geojson(c.geometry)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --------------------------------------------------------------------------------------------
# Editing (the Territories page)


def export_collection(
    *,
    db: str | os.PathLike[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    groups: list[str] | None = None,
    geo: Geography | None = None,
) -> FeatureCollection:
    """Declared territories valid in the window as GeoJSON (full-resolution boundaries)."""
    registry = default_registry()
    names = None
    if groups:
        names = sorted({n for g in groups for n in registry.expand(registry.canonical_or_raw(g))})
    with store.connect(db, read_only=True) as con:
        frame = claims(con, date_from=start, date_to=end, groups=names)
    return export_geojson(build_view(frame, geo=geo, simplified=False))
