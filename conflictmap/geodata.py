"""Colombian administrative boundaries (DANE MGN 2018): decode, simplify, cache, assign.

Where the file comes from (``CONFLICTMAP_GEODATA``, the cache, or the pinned download, each
verified against the pinned sha256) is :mod:`conflictmap.boundary_source`; this module turns the
verified file into GeoDataFrames. The decoded layers are stored once as GeoParquet (plus
simplified variants for national views) under a folder of the cache named after the source
checksum, so a warm load only reads Parquet.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

# The source side, re-exported: callers catch ``geodata.GeodataError`` and tests point
# ``geodata.ENV_GEODATA`` / ``geodata.ENV_CACHE`` at files and folders.
from conflictmap.boundary_source import (  # noqa: F401
    ENV_CACHE,
    ENV_GEODATA,
    BoundarySource,
    GeodataError,
    ProgressFn,
    cache_dir,
    load_source_spec,
    resolve_source,
)

CRS = "EPSG:4326"
PROCESSED_VERSION = "2"
# Tolerances (degrees) for the simplified variants sent to the browser in national views.
SIMPLIFY_DEPARTMENTS = 0.02
SIMPLIFY_MUNICIPALITIES = 0.02


# --------------------------------------------------------------------------------------------
# Decoding and normalising


_LOWER_WORDS = {"de", "del", "y", "e"}
_ARTICLES = {"la", "las", "los", "el"}


def title_es(name: str) -> str:
    """Title-case a DANE upper-case name the way Spanish writes it, keeping accents.

    "SAN JOSÉ DE CÚCUTA" -> "San José de Cúcuta"; "BOGOTÁ, D.C." -> "Bogotá, D.C.";
    "CAMPO DE LA CRUZ" -> "Campo de la Cruz"; "CASTILLA LA NUEVA" -> "Castilla La Nueva".
    """
    words = name.strip().split()
    out: list[str] = []
    for i, word in enumerate(words):
        low = word.lower()
        prev = out[-1].lower() if out else ""
        if i > 0 and (low in _LOWER_WORDS or (low in _ARTICLES and prev in {"de", "del"})):
            out.append(low)
        elif "." in word and word.replace(".", "").replace(",", "").isalpha() and len(word) <= 5:
            out.append(word.upper())  # abbreviations such as D.C.
        else:
            out.append("-".join(p[:1].upper() + p[1:].lower() for p in word.split("-")))
    return " ".join(out)


def _polygonal(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """make_valid, then keep only the polygonal parts (make_valid may add stray lines)."""
    fixed = shapely.make_valid(np.asarray(geoms.values))
    parts = shapely.get_parts(fixed, return_index=True)
    polys, idx = parts
    keep = np.isin(shapely.get_type_id(polys), [3, 6])
    kept, at = polys[keep], idx[keep]
    merged: dict[int, BaseGeometry] = {
        int(i): shapely.union_all(list(kept[at == i])) for i in np.unique(at)
    }
    out = np.array([merged.get(i) for i in range(len(fixed))], dtype=object)
    return gpd.GeoSeries(out, index=geoms.index, crs=CRS)


def decode(
    path: Path, spec: BoundarySource | None = None
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Read both TopoJSON layers into (departments, municipalities) with our column names."""
    spec = spec or load_source_spec()
    try:
        dept_raw = gpd.read_file(path, layer=spec.department_layer)
        muni_raw = gpd.read_file(path, layer=spec.municipality_layer)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise GeodataError(f"Cannot read the boundary file {path}: {exc}") from exc
    for frame in (dept_raw, muni_raw):
        frame.set_crs(CRS, allow_override=True, inplace=True)
    dept = gpd.GeoDataFrame(
        {
            "dept_code": dept_raw["DPTO_CCDGO"].astype(str).str.zfill(2),
            "dept_name": dept_raw["DPTO_CNMBR"].astype(str).map(title_es),
        },
        geometry=_polygonal(dept_raw.geometry),
        crs=CRS,
    )
    muni = gpd.GeoDataFrame(
        {
            "muni_code": muni_raw["MPIO_CCNCT"].astype(str).str.zfill(5),
            "muni_name": muni_raw["MPIO_CNMBR"].astype(str).map(title_es),
            "dept_code": muni_raw["DPTO_CCDGO"].astype(str).str.zfill(2),
            "dept_name": muni_raw["DPTO_CNMBR"].astype(str).map(title_es),
            "area_km2": muni_raw["MPIO_NAREA"].astype(float),
        },
        geometry=_polygonal(muni_raw.geometry),
        crs=CRS,
    )
    dept = dept.sort_values("dept_code").reset_index(drop=True)
    muni = muni.sort_values("muni_code").reset_index(drop=True)
    return dept, muni


def _simplify(frame: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoDataFrame:
    """Simplify as a coverage so neighbours keep shared edges (no gaps or slivers)."""
    out = frame.copy()
    geoms = np.asarray(frame.geometry.values)
    try:
        simplified = shapely.coverage_simplify(geoms, tolerance)
    except Exception:  # noqa: BLE001 - older GEOS or an invalid coverage: plain simplify
        simplified = shapely.simplify(geoms, tolerance, preserve_topology=True)
    out["geometry"] = gpd.GeoSeries(simplified, index=frame.index, crs=CRS)
    return out


@dataclass(frozen=True)
class Boundaries:
    """All boundary layers, full and simplified, from one verified source."""

    departments: gpd.GeoDataFrame
    municipalities: gpd.GeoDataFrame
    departments_simplified: gpd.GeoDataFrame
    municipalities_simplified: gpd.GeoDataFrame
    source_sha256: str
    attribution: str

    def department_municipalities(self, dept_code: str) -> gpd.GeoDataFrame:
        return self.municipalities[self.municipalities["dept_code"] == dept_code]


_LAYERS = ("departments", "municipalities", "departments_simplified", "municipalities_simplified")


def _processed_dir(sha: str) -> Path:
    return cache_dir() / f"processed-v{PROCESSED_VERSION}-{sha[:16]}"


def build_processed(path: Path, spec: BoundarySource) -> Path:
    """Decode the verified file and write the GeoParquet layers atomically; return their folder."""
    target = _processed_dir(spec.sha256)
    dept, muni = decode(path, spec)
    layers = {
        "departments": dept,
        "municipalities": muni,
        "departments_simplified": _simplify(dept, SIMPLIFY_DEPARTMENTS),
        "municipalities_simplified": _simplify(muni, SIMPLIFY_MUNICIPALITIES),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".processing-"))
    try:
        for name, frame in layers.items():
            frame.to_parquet(tmp / f"{name}.parquet")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def load_boundaries(
    *,
    progress: ProgressFn | None = None,
    allow_download: bool = True,
    source: str | os.PathLike[str] | None = None,
) -> Boundaries:
    """Resolve, verify and load all layers (processed cache when warm).

    ``source``: a local copy of the boundary file instead of ``CONFLICTMAP_GEODATA``.
    """
    spec = load_source_spec()
    path = resolve_source(spec, progress=progress, allow_download=allow_download, source=source)
    return _load_processed(spec.sha256, str(path))


@lru_cache(maxsize=2)
def _load_processed(sha: str, path: str) -> Boundaries:
    spec = load_source_spec()
    folder = _processed_dir(sha)
    if not all((folder / f"{name}.parquet").is_file() for name in _LAYERS):
        folder = build_processed(Path(path), spec)
    try:
        frames = {name: gpd.read_parquet(folder / f"{name}.parquet") for name in _LAYERS}
    except Exception:  # noqa: BLE001 - a damaged cache file: rebuild it from the verified source
        folder = build_processed(Path(path), spec)
        frames = {name: gpd.read_parquet(folder / f"{name}.parquet") for name in _LAYERS}
    return Boundaries(**frames, source_sha256=sha, attribution=spec.attribution)


# --------------------------------------------------------------------------------------------
# Point-in-polygon assignment (once, at ingest)


class SpatialIndex:
    """Prepared municipality polygons in an STR-tree, with their codes (built by
    :attr:`conflictmap.geography.Geography.index`, once per Geography)."""

    def __init__(self, munis: gpd.GeoDataFrame) -> None:
        self.geoms = np.asarray(munis.geometry.values)
        shapely.prepare(self.geoms)  # prepared polygons: much faster point-in-polygon
        self.tree = shapely.STRtree(self.geoms)
        self.muni_codes = munis["muni_code"].to_numpy(dtype=object)
        self.dept_codes = munis["dept_code"].to_numpy(dtype=object)


def assign_admin(
    lon: np.ndarray | pd.Series | list[float],
    lat: np.ndarray | pd.Series | list[float],
    index: SpatialIndex,
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised point-in-polygon: (dept_codes, muni_codes), ``None`` outside every
    municipality (see :func:`nearest_municipalities` for points just outside). Callers use
    :meth:`conflictmap.geography.Geography.assign_admin`, which passes its index.

    Points on a shared border take the lowest municipality code.
    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    n = len(x)
    muni = np.full(n, None, dtype=object)
    dept = np.full(n, None, dtype=object)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return dept, muni
    # many incidents share a point (a town's coordinates): test each distinct point once
    coords, inverse = np.unique(np.column_stack([x[ok], y[ok]]), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    u_dept, u_muni = _assign_unique(index, coords)
    pos = np.flatnonzero(ok)
    muni[pos] = u_muni[inverse]
    dept[pos] = u_dept[inverse]
    return dept, muni


def _assign_unique(index: SpatialIndex, coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(coords)
    muni = np.full(n, None, dtype=object)
    dept = np.full(n, None, dtype=object)
    pos = np.arange(n)
    points = shapely.points(coords[:, 0], coords[:, 1])
    inp, hit = index.tree.query(points, predicate="intersects")
    # several hits for a border point: keep the lowest code (municipalities are sorted by code)
    order = np.lexsort((hit, inp))
    inp, hit = inp[order], hit[order]
    first = np.unique(inp, return_index=True)[1]
    inp, hit = inp[first], hit[first]
    muni[pos[inp]] = index.muni_codes[hit]
    dept[pos[inp]] = index.dept_codes[hit]
    return dept, muni


KM_PER_DEGREE = 111.32  # along a meridian, and along the equator


def nearest_municipalities(
    lon: np.ndarray | list[float],
    lat: np.ndarray | list[float],
    index: SpatialIndex,
    max_km: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For points outside every municipality: the nearest one within ``max_km``.

    Returns (dept_codes, muni_codes, distance_km), ``None`` / NaN where none is that close.
    Distances are measured on a local equirectangular projection around each point (longitude
    scaled by the cosine of its latitude): within 0.5 % of the geodesic distance at these
    latitudes and ranges, without projecting the whole layer.
    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    n = len(x)
    dept = np.full(n, None, dtype=object)
    muni = np.full(n, None, dtype=object)
    dist = np.full(n, np.nan)
    # a degree of longitude is shorter than max_km/KM_PER_DEGREE suggests: search wide, then
    # measure each candidate properly
    reach = max_km / KM_PER_DEGREE / max(np.cos(np.radians(13.5)), 0.1)
    for i in np.flatnonzero(np.isfinite(x) & np.isfinite(y)):
        point = shapely.Point(x[i], y[i])
        candidates = index.tree.query(point.buffer(reach))
        if not len(candidates):
            continue
        scale = np.cos(np.radians(y[i]))

        def local(geom: BaseGeometry) -> BaseGeometry:
            return shapely.transform(geom, lambda c: (c - [x[i], y[i]]) * [scale, 1.0])  # noqa: B023

        origin = shapely.Point(0, 0)
        km = np.array([shapely.distance(origin, local(index.geoms[c])) for c in candidates])
        best = int(np.argmin(km)) if len(km) else -1
        distance = float(km[best]) * KM_PER_DEGREE
        if distance <= max_km:
            c = candidates[best]
            dept[i], muni[i], dist[i] = index.dept_codes[c], index.muni_codes[c], distance
    return dept, muni, dist
