"""Geography: all place knowledge of one verified DANE boundary source, in one object.

DANE codes and names, code -> name lookups, "the department of a municipality", the mainland /
San Andrés rule, the gazetteer (names typed by people), and the derived artefacts every view and
import needs (simplified GeoJSON, projected layers, the spatial index, representative points,
dissolves), each computed once per object. Loaded and verified once per process
(:func:`load_geography`) and passed explicitly; nothing here reloads the global boundaries.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from collections.abc import Iterable
from functools import cached_property
from threading import Lock

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from conflictmap import geodata
from conflictmap.divipola import Gazetteer, dept_of  # dept_of: part of this module's API

ISLANDS = "88"  # San Andrés, Providencia y Santa Catalina: far off the mainland's frame
# MAGNA-SIRGAS / Colombia Bogotá zone (metres): measures and static maps
PROJECTED_CRS = "EPSG:3116"
COORD_DECIMALS = 4  # ~11 m: GeoJSON sent to the browser
DETAIL_SIMPLIFY = 0.002  # one department's municipalities, drawn in detail
BORDER_SIMPLIFY = 0.04  # department outlines over municipalities at national zoom
# dissolves kept per Geography: inferred territories change with the filters, so the sets of
# codes asked for are unbounded over a long-running server; the least recently used go first
DISSOLVE_CACHE = 512


class Geography:
    """One boundary source's layers and everything derived from them (computed on first use)."""

    def __init__(self, boundaries: geodata.Boundaries) -> None:
        self.boundaries = boundaries
        self._lock = Lock()  # derived artefacts are built once even when pages run in threads
        self._geojson: dict[tuple[str, str | None], tuple[tuple[str, dict], ...]] = {}
        self._dissolves: OrderedDict[tuple[tuple[str, ...], bool], shapely.Geometry] = OrderedDict()
        self._projected: dict[str, dict[str, gpd.GeoDataFrame]] = {}  # crs -> layers
        self._projected_lock = Lock()

    # ---- the layers ----------------------------------------------------------------------------
    @property
    def departments(self) -> gpd.GeoDataFrame:
        return self.boundaries.departments

    @property
    def municipalities(self) -> gpd.GeoDataFrame:
        return self.boundaries.municipalities

    @property
    def departments_simplified(self) -> gpd.GeoDataFrame:
        """Departments simplified as a coverage, for national views."""
        return self.boundaries.departments_simplified

    @property
    def municipalities_simplified(self) -> gpd.GeoDataFrame:
        """Municipalities simplified as a coverage, for national views."""
        return self.boundaries.municipalities_simplified

    @property
    def source_sha256(self) -> str:
        return self.boundaries.source_sha256

    @property
    def attribution(self) -> str:
        return self.boundaries.attribution

    def department_municipalities(self, dept_code: str) -> gpd.GeoDataFrame:
        return self.boundaries.department_municipalities(dept_code)

    # ---- names and codes -----------------------------------------------------------------------
    @cached_property
    def gazetteer(self) -> Gazetteer:
        return Gazetteer.from_boundaries(self.boundaries)

    @cached_property
    def dept_names(self) -> dict[str, str]:
        d = self.departments
        return dict(zip(d["dept_code"], d["dept_name"], strict=True))

    @cached_property
    def muni_names(self) -> dict[str, str]:
        m = self.municipalities
        return dict(zip(m["muni_code"], m["muni_name"], strict=True))

    @cached_property
    def code_names(self) -> dict[str, str]:
        """Every department and municipality code -> its DANE name (codes never collide: two
        digits against five)."""
        return {**self.dept_names, **self.muni_names}

    @cached_property
    def place_codes(self) -> tuple[str, ...]:
        """Every department, then every municipality, each in the order of its label (the
        pickers of several places)."""
        depts = sorted(self.dept_names, key=self.label)
        munis = sorted(self.muni_names, key=self.label)
        return (*depts, *munis)

    def name(self, code: str | None) -> str:
        """The DANE name of a department or municipality code ("" for None or unknown)."""
        if not code:
            return ""
        return self.code_names.get(code, "")

    def label(self, code: str | None) -> str:
        """ "Neiva, Huila" for a municipality, "Huila" for a department."""
        if not code:
            return ""
        if len(code) == 2:
            return self.name(code)
        return f"{self.name(code)}, {self.name(dept_of(code))}"

    @staticmethod
    def dept_of(muni_code: str) -> str:
        return dept_of(muni_code)

    @staticmethod
    def is_mainland(dept_code: str) -> bool:
        return dept_code != ISLANDS

    def mainland_departments(self, *, projected: bool = False) -> gpd.GeoDataFrame:
        frame = self.projected["departments"] if projected else self.departments
        return frame[frame["dept_code"] != ISLANDS]

    # ---- derived artefacts ---------------------------------------------------------------------
    @cached_property
    def index(self) -> geodata.SpatialIndex:
        """The spatial index of the municipalities (point-in-polygon at ingest)."""
        return geodata.SpatialIndex(self.municipalities)

    def assign_admin(
        self, lon: np.ndarray | pd.Series | list[float], lat: np.ndarray | pd.Series | list[float]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(dept_codes, muni_codes) of points, ``None`` outside every municipality (see
        :func:`conflictmap.geodata.assign_admin`)."""
        return geodata.assign_admin(lon, lat, self.index)

    def nearest_municipalities(
        self,
        lon: np.ndarray | list[float],
        lat: np.ndarray | list[float],
        max_km: float,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For points outside every municipality: the nearest one within ``max_km`` (see
        :func:`conflictmap.geodata.nearest_municipalities`)."""
        return geodata.nearest_municipalities(lon, lat, self.index, max_km)

    @cached_property
    def neighbours(self) -> dict[str, frozenset[str]]:
        """muni_code -> the municipalities sharing a border with it (cross-source matching)."""
        munis = self.municipalities
        codes = munis["muni_code"].to_numpy()
        tree = shapely.STRtree(munis.geometry.to_numpy())
        left, right = tree.query(munis.geometry.to_numpy(), predicate="intersects")
        found: dict[str, set[str]] = {str(c): set() for c in codes}
        for i, j in zip(left, right, strict=True):
            if i != j:
                found[str(codes[i])].add(str(codes[j]))
        return {k: frozenset(v) for k, v in found.items()}

    @cached_property
    def representative_points(self) -> dict[str, tuple[float, float]]:
        """A point inside each municipality and department, keyed by code: (lon, lat)."""
        out: dict[str, tuple[float, float]] = {}
        for frame, col in ((self.municipalities, "muni_code"), (self.departments, "dept_code")):
            pts = frame.geometry.representative_point()
            out.update(
                zip(frame[col], zip(pts.x.round(6), pts.y.round(6), strict=True), strict=True)
            )
        return out

    @property
    def projected(self) -> dict[str, gpd.GeoDataFrame]:
        """Every layer in :data:`PROJECTED_CRS` (distances, areas)."""
        return self.projected_to(PROJECTED_CRS)

    def projected_to(self, crs: str) -> dict[str, gpd.GeoDataFrame]:
        """Every layer (``departments``, ``municipalities`` and their ``_simplified``) in
        ``crs``, computed once per CRS (the static maps print in EPSG:9377)."""
        with self._projected_lock:
            layers = self._projected.get(crs)
            if layers is None:
                b = self.boundaries
                layers = {
                    "departments": b.departments.to_crs(crs),
                    "municipalities": b.municipalities.to_crs(crs),
                    "departments_simplified": b.departments_simplified.to_crs(crs),
                    "municipalities_simplified": b.municipalities_simplified.to_crs(crs),
                }
                self._projected[crs] = layers
            return layers

    def geometry_json(self, layer: str, dept: str | None = None) -> tuple[tuple[str, dict], ...]:
        """(code, GeoJSON geometry) pairs of a layer for the browser, rounded and simplified:
        ``departments``, ``dept_borders`` (coarse outlines), ``municipalities`` (national) or
        ``dept_municipalities`` (one department's, in detail)."""
        key = (layer, dept if layer == "dept_municipalities" else None)
        with self._lock:
            if key not in self._geojson:
                self._geojson[key] = self._build_geometry_json(layer, dept)
            return self._geojson[key]

    def _build_geometry_json(self, layer: str, dept: str | None) -> tuple[tuple[str, dict], ...]:
        b = self.boundaries
        if layer == "departments":
            frame, key = b.departments_simplified, "dept_code"
        elif layer == "dept_borders":
            frame, key = b.departments_simplified, "dept_code"
            frame = frame.assign(
                geometry=shapely.coverage_simplify(
                    np.asarray(frame.geometry.values), BORDER_SIMPLIFY
                )
            )
        elif layer == "municipalities":
            frame, key = b.municipalities_simplified, "muni_code"
        elif layer == "dept_municipalities":
            frame, key = b.department_municipalities(dept or ""), "muni_code"
            geoms = np.asarray(frame.geometry.values)
            try:
                geoms = shapely.coverage_simplify(geoms, DETAIL_SIMPLIFY)
            except Exception:  # noqa: BLE001 - not a clean coverage: simplify each polygon
                geoms = shapely.simplify(geoms, DETAIL_SIMPLIFY / 3, preserve_topology=True)
            frame = frame.assign(geometry=geoms)
        else:
            raise ValueError(f"unknown layer {layer!r}")
        geoms = shapely.transform(
            np.asarray(frame.geometry.values), lambda c: np.round(c, COORD_DECIMALS)
        )
        return tuple(
            (code, json.loads(shapely.to_geojson(g)))
            for code, g in zip(frame[key].tolist(), geoms, strict=True)
        )

    def dissolve(self, codes: Iterable[str], *, simplified: bool = True) -> shapely.Geometry:
        """One geometry: the union of the municipalities (each set of codes computed once;
        the :data:`DISSOLVE_CACHE` most recently used are kept)."""
        key = (tuple(sorted(set(codes))), simplified)
        with self._lock:
            if key in self._dissolves:
                self._dissolves.move_to_end(key)
            else:
                frame = (
                    self.boundaries.municipalities_simplified if simplified else self.municipalities
                )
                geoms = np.asarray(frame.geometry.values)[
                    frame["muni_code"].isin(key[0]).to_numpy()
                ]
                try:
                    self._dissolves[key] = shapely.coverage_union_all(geoms)
                except Exception:  # noqa: BLE001 - not a clean coverage: the general union
                    self._dissolves[key] = shapely.union_all(geoms)
                while len(self._dissolves) > DISSOLVE_CACHE:
                    self._dissolves.popitem(last=False)
            return self._dissolves[key]

    def names_frame(self, codes: pd.Series) -> pd.DataFrame:
        """department and municipality names for a column of codes (for tables and exports)."""
        codes = codes.astype(object)
        return pd.DataFrame(
            {
                "dept_name": codes.map(
                    lambda c: self.name(dept_of(c)) if isinstance(c, str) else ""
                ),
                "muni_name": codes.map(
                    lambda c: self.name(c) if isinstance(c, str) and len(c) == 5 else ""
                ),
            }
        )


def load_geography(
    *,
    allow_download: bool = True,
    source: str | os.PathLike[str] | None = None,
    progress: geodata.ProgressFn | None = None,
) -> Geography:
    """The Geography of the pinned boundaries, verified and loaded once per process per source
    (``source``: a local copy instead of ``CONFLICTMAP_GEODATA``; ``progress``: called while
    the file downloads, if it must)."""
    b = geodata.load_boundaries(allow_download=allow_download, source=source, progress=progress)
    return _geography_for(b)


# the one process-wide memo: a Geography per verified source, so its derived artefacts are
# built once per process
_BY_SHA: dict[str, Geography] = {}
_BY_SHA_LOCK = Lock()


def _geography_for(b: geodata.Boundaries) -> Geography:
    with _BY_SHA_LOCK:
        if b.source_sha256 not in _BY_SHA:
            _BY_SHA[b.source_sha256] = Geography(b)
        return _BY_SHA[b.source_sha256]
