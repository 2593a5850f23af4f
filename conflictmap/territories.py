"""Armed-group territories: declared claims, claims inferred from incidents, dissolved areas.

A claim is (group, municipality, valid_from, valid_to or open, level, source), the way the
Defensoría's early warnings and Indepaz record presence. Levels:

| level | meaning | Spanish sources |
| --- | --- | --- |
| recurrent | regular, established presence | "presencia recurrente", "presencia" |
| occasional | some activities, influence | "algunas actividades", "injerencia", "ocasional" |
| transit | corridor, passing through | "tránsito", "transito" |

A municipality claimed by two or more groups in the same window is *contested* (derived, never
entered). Groups resolve through the actor registry, so "AGC", "Urabeños", "EGC" and "Clan del
Golfo" are one group. GeoJSON polygons become municipality claims where the polygon covers at
least :data:`OVERLAP_THRESHOLD` of the municipality's area.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import pandas as pd
import shapely

from conflictmap import dates, store
from conflictmap.actors import ActorRegistry, default_registry
from conflictmap.divipola import PlaceError
from conflictmap.geography import Geography, load_geography
from conflictmap.importers import csvfile
from conflictmap.importers.candidates import Reject, cell, first_data_row
from conflictmap.rejects import write_rejects
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
LEVEL_OPACITY = {"recurrent": 0.55, "occasional": 0.35, "transit": 0.18}
OVERLAP_THRESHOLD = 0.25
DEFAULT_MIN_INCIDENTS = 3
MANUAL_DATASET = "manual-territories"
CLAIM_COLUMNS = ["group", "municipality", "department", "valid_from", "valid_to", "level", "source"]
REQUIRED = ["group", "municipality", "valid_from", "level", "source"]

# Stable colours: the headline groups fixed, others from a palette by a hash of the name.
# No purples (the choropleth) and no event-type hues at full strength.
FIXED_COLOURS = {
    "ELN": "#b2182b",
    "Clan del Golfo": "#2166ac",
    "Dagoberto Ramos Mobile Column": "#1b7837",
    "Frente 33": "#8c510a",
    "Estado Mayor Central": "#35978f",
    "Segunda Marquetalia": "#c51b7d",
    "ACSN": "#4d4d4d",
}
PALETTE = ("#e08214", "#01665e", "#7f3b08", "#543005", "#d6604d", "#4393c3", "#878787", "#b35806")


class TerritoryError(ValueError):
    """A territory file that cannot be imported as a whole."""


def group_colour(group: str) -> str:
    if group in FIXED_COLOURS:
        return FIXED_COLOURS[group]
    digest = int(hashlib.md5(group.encode("utf-8")).hexdigest(), 16)
    return PALETTE[digest % len(PALETTE)]


# --------------------------------------------------------------------------------------------
# Parsing and validation (shared by CSV, GeoJSON and the page's editor)


def _parse_day(text: str, field_name: str, *, end: bool) -> date | None:
    """A claim's day; ``YYYY-MM`` and ``YYYY`` stand for their first (or, with ``end``, last)
    day. Empty is None (an open end)."""
    if not text.strip():
        return None
    try:
        return dates.parse_day(text, field=field_name, periods=True, end=end)
    except dates.DateError as exc:
        raise RowError(str(exc)) from None


def parse_level(text: str) -> str:
    key = " ".join(text.strip().casefold().split())
    if not key:
        raise RowError("level is empty (recurrent, occasional or transit)")
    if key not in LEVEL_SYNONYMS:
        raise RowError(f"level '{text}' is not recurrent, occasional or transit")
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
                raise RowError("no group")
            group = registry.canonical(group_raw)
            if group is None:
                group = group_raw
                unknown_groups += 1
            muni = cell(raw, "municipality")
            if not muni:
                raise RowError("no municipality")
            try:
                place = gazetteer.municipality(muni, cell(raw, "department") or None)
            except PlaceError as exc:
                raise RowError(f"unknown place: {exc}") from None
            valid_from = _parse_day(cell(raw, "valid_from"), "valid_from", end=False)
            if valid_from is None:
                raise RowError("valid_from is empty")
            valid_to = _parse_day(cell(raw, "valid_to"), "valid_to", end=True)
            if valid_to and valid_to < valid_from:
                raise RowError(f"valid_to {valid_to} is before valid_from {valid_from}")
            source = cell(raw, "source")
            if not source:
                raise RowError("source is empty (every claim needs its source)")
            level = parse_level(cell(raw, "level"))
        except RowError as exc:
            rejects.append(
                Reject(row=row, reason=str(exc), raw={k: str(v) for k, v in raw.items()})
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
                    "_reason": f"feature {number}: not a GeoJSON feature",
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
            rows.append({**base, "municipality": "", "_reason": f"feature {number}: not a polygon"})
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
                    "_reason": f"feature {number}: covers no municipality by "
                    f"{OVERLAP_THRESHOLD:.0%} or more",
                }
            )
    return pd.DataFrame(rows)


def import_claims(
    path: str | os.PathLike[str],
    *,
    db: str | os.PathLike[str] | None = None,
    dataset: str | None = None,
    rejects_dir: str | os.PathLike[str] | None = None,
    geo: Geography | None = None,
) -> ClaimReport:
    """Import a claims CSV or GeoJSON file in one transaction."""
    geo = geo or load_geography()
    path = Path(path)
    dataset = dataset or path.stem
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
    return store_claims(
        frame, db=db, dataset=dataset, name=str(path), rejects_dir=rejects_dir, read=read, geo=geo
    )


def store_claims(
    frame: pd.DataFrame,
    *,
    db: str | os.PathLike[str] | None,
    dataset: str,
    name: str,
    rejects_dir: str | os.PathLike[str] | None = None,
    read: int | None = None,
    geo: Geography | None = None,
) -> ClaimReport:
    """Validate claim rows (CSV columns or GeoJSON-derived rows); store them in one transaction."""
    read = len(frame) if read is None else read
    pre_rejects: list[Reject] = []
    if "_reason" in frame.columns:
        bad = frame["_reason"].fillna("").astype(str) != ""
        for offset in np.flatnonzero(bad.to_numpy()):
            raw = frame.iloc[offset].to_dict()
            pre_rejects.append(
                Reject(
                    row=int(raw.get("feature") or offset + 1),
                    reason=str(raw["_reason"]),
                    raw={str(k): str(v) for k, v in raw.items() if k != "_reason"},
                )
            )
        frame = frame[~bad.to_numpy()].drop(columns=["_reason"])
    start = 1 if "feature" in frame.columns else first_data_row
    records, rejects, warnings = validate(frame, dataset=dataset, geo=geo, start_row=start)
    if "feature" in frame.columns:  # GeoJSON: report feature numbers, not row positions
        rejects = [
            Reject(row=int(r.raw.get("feature", r.row)), reason=r.reason, raw=r.raw)
            for r in rejects
        ]
    rejects = sorted(pre_rejects + rejects, key=lambda r: r.row)
    with store.connect(db) as con, store.transaction(con):
        inserted, duplicates = _insert(con, records)
    written = write_rejects(rejects, name, None, db, rejects_dir)
    rejects_file = str(written) if written else None
    return ClaimReport(
        read=read,
        inserted=inserted,
        duplicates=duplicates,
        rejected=len(rejects),
        rejects_file=rejects_file,
        warnings=warnings,
        rejects=rejects,
    )


_KEY = ["group_name", "muni_code", "valid_from", "valid_to", "level", "source"]


def _insert(con, records: pd.DataFrame) -> tuple[int, int]:  # noqa: ANN001 - duckdb connection
    if records.empty:
        return 0, 0
    unique = records.drop_duplicates(subset=_KEY)
    within = len(records) - len(unique)
    con.register("incoming_claims", unique)
    try:
        inserted = con.execute(
            f"""INSERT INTO territory_claims ({", ".join(STORED_COLUMNS)}, imported_at)
                SELECT {", ".join("i." + c for c in STORED_COLUMNS)}, current_timestamp
                FROM incoming_claims i WHERE NOT EXISTS (
                    SELECT 1 FROM territory_claims t WHERE t.group_name = i.group_name
                    AND t.muni_code = i.muni_code AND t.valid_from = i.valid_from
                    AND t.valid_to IS NOT DISTINCT FROM i.valid_to AND t.level = i.level
                    AND t.source = i.source)"""
        ).fetchall()[0][0]
    finally:
        con.unregister("incoming_claims")
    return int(inserted), within + len(unique) - int(inserted)


# --------------------------------------------------------------------------------------------
# Reading claims for a view


def claims(
    con,  # noqa: ANN001 - duckdb connection
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    groups: list[str] | None = None,
) -> pd.DataFrame:
    """Claims valid at some point in [date_from, date_to] (all claims when both are None)."""
    sql = "SELECT * FROM territory_claims WHERE TRUE"
    params: list[object] = []
    if date_to:
        sql += " AND valid_from <= ?"
        params.append(date_to)
    if date_from:
        sql += " AND (valid_to IS NULL OR valid_to >= ?)"
        params.append(date_from)
    if groups is not None:
        sql += " AND list_contains(?::VARCHAR[], group_name)"
        params.append(list(groups))
    return con.execute(sql + " ORDER BY group_name, muni_code, valid_from", params).df()


def contested(claim_frame: pd.DataFrame) -> pd.DataFrame:
    """Municipalities claimed by two or more groups: muni_code, groups (sorted list)."""
    if claim_frame.empty:
        return pd.DataFrame(columns=["muni_code", "groups"])
    per_muni = claim_frame.groupby("muni_code")["group_name"].agg(lambda s: sorted(set(s)))
    out = per_muni[per_muni.map(len) >= 2]
    return out.rename("groups").reset_index()


def inferred(
    con,  # noqa: ANN001 - duckdb connection
    filters,  # noqa: ANN001 - conflictmap.filters.Filters (not imported: avoids a cycle)
    *,
    min_incidents: int = DEFAULT_MIN_INCIDENTS,
    registry: ActorRegistry | None = None,
) -> pd.DataFrame:
    """group_name, muni_code, incidents: armed groups with >= k incidents there under the filters.

    The place filter is ignored (territories are drawn as context around the focused place).
    """
    from conflictmap.actor_relation import incident_actors
    from conflictmap.queries import where

    registry = registry or default_registry()
    armed = [a.name for a in registry.actors() if a.kind == "armed_group"]
    w = where(con, filters.with_place(None, None))
    frame = con.execute(
        f"""WITH f AS (SELECT incident_id, actor1, actor2, assoc_actors, muni_code FROM incidents
                       WHERE {w.sql} AND muni_code IS NOT NULL),
            a AS ({incident_actors("f", ["muni_code"])})
            SELECT actor AS group_name, muni_code, count(DISTINCT incident_id) AS incidents
            FROM a WHERE list_contains(?::VARCHAR[], actor)
            GROUP BY 1, 2 HAVING count(DISTINCT incident_id) >= ? ORDER BY 1, 2""",
        [*w.params, armed, int(min_incidents)],
    ).df()
    return frame


# --------------------------------------------------------------------------------------------
# Dissolving and the layers the map draws


@dataclass(frozen=True)
class Area:
    group: str
    kind: str  # "declared" | "inferred"
    level: str | None  # declared: recurrent/occasional/transit; inferred: None
    municipalities: tuple[str, ...]
    sources: tuple[str, ...]
    valid_from: date | None
    valid_to: date | None  # None: open
    colour: str
    geometry: shapely.Geometry


@dataclass(frozen=True)
class ContestedArea:
    muni_code: str
    groups: tuple[str, ...]
    geometry: shapely.Geometry


@dataclass
class TerritoryView:
    areas: list[Area]
    contested: list[ContestedArea]
    min_incidents: int = DEFAULT_MIN_INCIDENTS

    @property
    def groups(self) -> list[str]:
        return sorted({a.group for a in self.areas})


def _validity(frame: pd.DataFrame) -> tuple[date | None, date | None]:
    start = pd.to_datetime(frame["valid_from"]).min()
    ends = frame["valid_to"]
    end = None if ends.isna().any() else pd.to_datetime(ends).max()
    return (start.date() if pd.notna(start) else None, end.date() if end is not None else None)


def build_view(
    claim_frame: pd.DataFrame,
    inferred_frame: pd.DataFrame | None = None,
    *,
    geo: Geography | None = None,
    simplified: bool = True,
    min_incidents: int = DEFAULT_MIN_INCIDENTS,
) -> TerritoryView:
    """Declared areas (one per group and level), inferred areas (one per group) and contested
    municipalities, each dissolved by ``geo`` (the pinned boundaries' when None)."""
    geo = geo or load_geography()
    areas: list[Area] = []
    for (group_key, level_key), part in claim_frame.groupby(["group_name", "level"], sort=True):
        group, level = str(group_key), str(level_key)  # text columns (NULL keys are dropped)
        codes = tuple(sorted(set(part["muni_code"])))
        start, end = _validity(part)
        areas.append(
            Area(
                group,
                "declared",
                level,
                codes,
                tuple(sorted(set(part["source"]))),
                start,
                end,
                group_colour(group),
                geo.dissolve(codes, simplified=simplified),
            )
        )
    if inferred_frame is not None and not inferred_frame.empty:
        for group_key, part in inferred_frame.groupby("group_name", sort=True):
            group = str(group_key)
            codes = tuple(sorted(set(part["muni_code"])))
            areas.append(
                Area(
                    group,
                    "inferred",
                    None,
                    codes,
                    ("inferred from incidents",),
                    None,
                    None,
                    group_colour(group),
                    geo.dissolve(codes, simplified=simplified),
                )
            )
    both = contested(claim_frame)
    disputed = [
        ContestedArea(code, tuple(groups), geo.dissolve((code,), simplified=simplified))
        for code, groups in zip(both["muni_code"], both["groups"], strict=True)
    ]
    areas.sort(key=lambda a: (a.kind, a.group, LEVELS.index(a.level) if a.level else 0))
    return TerritoryView(areas, disputed, min_incidents)


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


def replace_claims(
    con,  # noqa: ANN001 - duckdb connection
    keep_ids: list[int],
    new_rows: pd.DataFrame,
    *,
    dataset: str,
    geo: Geography | None = None,
) -> tuple[int, list[Reject]]:
    """Delete claims not in ``keep_ids`` and add validated ``new_rows``, all or nothing.

    Returns (inserted, rejects); with any reject nothing is changed.
    """
    if len(new_rows):
        records, rejects, _ = validate(new_rows, dataset=dataset, geo=geo)
    else:
        records, rejects = pd.DataFrame(columns=STORED_COLUMNS), []
    if rejects:
        return 0, rejects
    with store.transaction(con):
        con.execute(
            "DELETE FROM territory_claims WHERE NOT list_contains(?::BIGINT[], claim_id)",
            [list(map(int, keep_ids))],
        ).fetchall()
        inserted, _ = _insert(con, records)
    return inserted, []


def diff_edits(current: pd.DataFrame, edited: pd.DataFrame) -> tuple[list[int], pd.DataFrame]:
    """From the editor's table: ids of unchanged claims, and the new or changed rows as raw rows."""
    columns = ["group_name", "muni_code", "valid_from", "valid_to", "level", "source", "dataset"]

    def norm(value: object) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
            return ""
        if isinstance(value, (pd.Timestamp, datetime)):
            return value.date().isoformat()
        return str(value).strip()

    before = {
        int(r["claim_id"]): tuple(norm(r[c]) for c in columns)
        for r in current.to_dict("records")
    }
    keep: list[int] = []
    new: list[dict[str, str]] = []
    for r in edited.to_dict("records"):
        values = tuple(norm(r[c]) for c in columns)
        cid = r["claim_id"]
        if (
            cid is not None
            and not (isinstance(cid, float) and np.isnan(cid))
            and int(cid) in before
            and before[int(cid)] == values
        ):
            keep.append(int(cid))
            continue
        if not any(values):
            continue  # an empty row added by mistake
        new.append(
            dict(
                zip(
                    [
                        "group",
                        "municipality",
                        "valid_from",
                        "valid_to",
                        "level",
                        "source",
                        "dataset",
                    ],
                    values,
                    strict=True,
                )
            )
        )
    return keep, pd.DataFrame(
        new,
        columns=["group", "municipality", "valid_from", "valid_to", "level", "source", "dataset"],
    )


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
