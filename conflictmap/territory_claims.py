"""Territory claims: the claim record, its levels, and turning claim files into checked rows.

A claim is (group, municipality, valid_from, valid_to or open, level, source), the way the
Defensoría's early warnings and Indepaz record presence. Levels:

| level | meaning | Spanish sources |
| --- | --- | --- |
| recurrent | regular, established presence | "presencia recurrente", "presencia" |
| occasional | some activities, influence | "algunas actividades", "injerencia", "ocasional" |
| transit | corridor, passing through | "tránsito", "transito" |

Groups resolve through the actor registry, so "AGC", "Urabeños", "EGC" and "Clan del Golfo" are
one group. GeoJSON polygons become municipality claims where the polygon covers at least
:data:`OVERLAP_THRESHOLD` of the municipality's area. Nothing here touches the database
(:mod:`conflictmap.territory_store` stores what :func:`validate` returns).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from conflictmap import dates
from conflictmap.actors import ActorRegistry, default_registry
from conflictmap.divipola import PlaceError
from conflictmap.geography import Geography, load_geography
from conflictmap.i18n import N_, _
from conflictmap.importers import csvfile
from conflictmap.importers.candidates import Reject, cell, first_data_row
from conflictmap.messages import Message, of
from conflictmap.schema import RowError

LEVELS = ("recurrent", "occasional", "transit")
LEVEL_SYNONYMS = {
    "recurrent": "recurrent",
    "recurrente": "recurrent",
    "presencia recurrente": "recurrent",
    "presencia": "recurrent",
    "occasional": "occasional",
    "ocasional": "occasional",
    "algunas actividades": "occasional",
    "injerencia": "occasional",
    "transit": "transit",
    "transito": "transit",
    "tránsito": "transit",
}
OVERLAP_THRESHOLD = 0.25
DEFAULT_MIN_INCIDENTS = 3
MANUAL_DATASET = "manual-territories"
CLAIM_COLUMNS = ["group", "municipality", "department", "valid_from", "valid_to", "level", "source"]
REQUIRED = ["group", "municipality", "valid_from", "level", "source"]

STORED_COLUMNS = [
    "group_name",
    "group_raw",
    "muni_code",
    "dept_code",
    "valid_from",
    "valid_to",
    "level",
    "source",
    "dataset",
    "original",
]


class TerritoryError(ValueError):
    """A territory file that cannot be imported as a whole."""


def _parse_day(text: str, field_name: str, *, end: bool) -> date | None:
    """A claim's day; ``YYYY-MM`` and ``YYYY`` stand for their first (or, with ``end``, last)
    day. Empty is None (an open end)."""
    if not text.strip():
        return None
    try:
        return dates.parse_day(text, field=field_name, periods=True, end=end)
    except dates.DateError as exc:
        raise RowError(of(exc)) from None


def parse_level(text: str) -> str:
    key = " ".join(text.strip().casefold().split())
    if not key:
        raise RowError(Message(N_("level is empty (recurrent, occasional or transit)")))
    if key not in LEVEL_SYNONYMS:
        raise RowError(
            Message(N_("level '{value}' is not recurrent, occasional or transit"), value=text)
        )
    return LEVEL_SYNONYMS[key]


@dataclass
class ClaimReport:
    read: int
    inserted: int
    duplicates: int
    rejected: int
    rejects_file: str | None
    warnings: dict[str, int] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list, repr=False)

    def as_json(self) -> dict[str, object]:
        return {
            "read": self.read,
            "inserted": self.inserted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "rejects_file": self.rejects_file,
            "warnings": self.warnings,
        }


def validate(
    frame: pd.DataFrame,
    *,
    dataset: str,
    geo: Geography | None = None,
    registry: ActorRegistry | None = None,
    start_row: int = first_data_row,
) -> tuple[pd.DataFrame, list[Reject], dict[str, int]]:
    """Raw claim rows (CLAIM_COLUMNS as text) -> stored records, rejects, warnings."""
    gazetteer = (geo or load_geography()).gazetteer
    registry = registry or default_registry()
    records: list[dict[str, object]] = []
    rejects: list[Reject] = []
    unknown_groups = 0
    for offset, record in enumerate(frame.to_dict("records")):
        row = start_row + offset
        raw: dict[str, object] = {
            str(k): "" if v is None or (isinstance(v, float) and np.isnan(v)) else v
            for k, v in record.items()
        }
        try:
            group_raw = cell(raw, "group")
            if not group_raw:
                raise RowError(Message(N_("no group")))
            group = registry.canonical(group_raw)
            if group is None:
                group = group_raw
                unknown_groups += 1
            muni = cell(raw, "municipality")
            if not muni:
                raise RowError(Message(N_("no municipality")))
            try:
                place = gazetteer.municipality(muni, cell(raw, "department") or None)
            except PlaceError as exc:
                raise RowError(Message(N_("unknown place: {error}"), error=of(exc))) from None
            valid_from = _parse_day(cell(raw, "valid_from"), "valid_from", end=False)
            if valid_from is None:
                raise RowError(Message(N_("valid_from is empty")))
            valid_to = _parse_day(cell(raw, "valid_to"), "valid_to", end=True)
            if valid_to and valid_to < valid_from:
                raise RowError(
                    Message(
                        N_("valid_to {end} is before valid_from {start}"),
                        end=str(valid_to),
                        start=str(valid_from),
                    )
                )
            source = cell(raw, "source")
            if not source:
                raise RowError(Message(N_("source is empty (every claim needs its source)")))
            level = parse_level(cell(raw, "level"))
        except RowError as exc:
            rejects.append(
                Reject(row=row, reason=of(exc), raw={k: str(v) for k, v in raw.items()})
            )
            continue
        records.append(
            {
                "group_name": group,
                "group_raw": group_raw,
                "muni_code": place.muni_code,
                "dept_code": place.dept_code,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "level": level,
                "source": source,
                "dataset": cell(raw, "dataset") or dataset,
                "original": json.dumps({k: str(v) for k, v in raw.items()}, ensure_ascii=False),
            }
        )
    warnings = {"unknown_group": unknown_groups} if unknown_groups else {}
    return pd.DataFrame(records, columns=STORED_COLUMNS), rejects, warnings


def geojson_rows(data: dict, geo: Geography, name: str) -> pd.DataFrame:
    """Polygon features with a ``group`` property -> claim rows by municipality overlap share."""
    if not isinstance(data, dict) or data.get("type") not in ("FeatureCollection", "Feature"):
        raise TerritoryError(f"{name}: not a GeoJSON FeatureCollection")
    features = data.get("features") if data["type"] == "FeatureCollection" else [data]
    if not isinstance(features, list):
        raise TerritoryError(f"{name}: 'features' is not a list")
    index = geo.index
    geoms, tree = index.geoms, index.tree
    rows: list[dict[str, str]] = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            rows.append(
                {
                    "feature": str(number),
                    "municipality": "",
                    "_reason": _("feature {n}: not a GeoJSON feature").format(n=number),
                }
            )
            continue
        props = feature.get("properties") or {}
        base = {c: str(props.get(c, "") or "") for c in CLAIM_COLUMNS if c not in ("municipality",)}
        base["feature"] = str(number)
        try:
            shape = shapely.from_geojson(json.dumps(feature.get("geometry")))
        except Exception:  # noqa: BLE001 - shapely raises several types for bad geometry
            shape = None
        if shape is None or shape.is_empty or shape.geom_type not in ("Polygon", "MultiPolygon"):
            reason = _("feature {n}: not a polygon").format(n=number)
            rows.append({**base, "municipality": "", "_reason": reason})
            continue
        shape = shapely.make_valid(shape)
        hits = tree.query(shape, predicate="intersects")
        found = False
        for i in hits:
            share = shapely.area(shapely.intersection(geoms[i], shape)) / max(
                shapely.area(geoms[i]), 1e-12
            )
            if share >= OVERLAP_THRESHOLD:
                rows.append({**base, "municipality": index.muni_codes[i]})
                found = True
        if not found:
            rows.append(
                {
                    **base,
                    "municipality": "",
                    "_reason": _("feature {n}: covers no municipality by {share} or more").format(
                        n=number, share=f"{OVERLAP_THRESHOLD:.0%}"
                    ),
                }
            )
    return pd.DataFrame(rows)


def read_file(path: Path, geo: Geography) -> tuple[pd.DataFrame, int]:
    """A claims CSV or GeoJSON file -> raw claim rows, and how many rows or features it had."""
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise TerritoryError(f"{path}: no such file") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise TerritoryError(f"{path}: not valid GeoJSON ({exc})") from None
        frame = geojson_rows(data, geo, str(path))
        read = len(data.get("features", [])) if data.get("type") == "FeatureCollection" else 1
    else:
        try:
            frame = csvfile.read_table(path)
        except csvfile.FileError as exc:
            raise TerritoryError(str(exc)) from None
        missing = [c for c in REQUIRED if c not in frame.columns]
        if missing:
            raise TerritoryError(
                f"{path}: missing required column(s) for territory claims: {', '.join(missing)}"
            )
        read = len(frame)
    return frame, read
