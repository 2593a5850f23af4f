"""Every incident in view on the map, at every zoom: clusters or points for a viewport.

The map asks for what lies in its viewport (the bounds and zoom streamlit-folium reports) and
gets back, computed in DuckDB:

- **clusters** while there are many incidents in view: the incidents in each cell of a grid of
  ``cell_degrees(zoom)`` (``floor(lat / size)``, ``floor(lon / size)``: the cells stay put
  while the map pans), with their count, fatalities, mean position (where the cluster is drawn)
  and extent (where a click on it zooms to);
- **points** once few enough are in view (at most ``point_limit``, by default the
  ``CONFLICTMAP_POINT_BUDGET`` setting) or the map is zoomed in to a town
  (:data:`POINTS_ZOOM`): every incident as its own marker, with its popup fields;
- **areas**: incidents with no place finer than a department, Colombia or a region
  (:data:`~conflictmap.schema.MAPPABLE_PRECISION`) are never points: they are counted per
  department (``None``: no department known), drawn as "12 more placed only to Huila".

Cluster counts, or the points, plus the area counts add up to the key figure "Incidents" of
the same filters (:func:`conflictmap.queries.overview`): at the national zoom the region asked
for is the whole country (:data:`NATIONAL_ZOOM`), so nothing is left out even off screen.

Nothing here knows about Streamlit or folium: :mod:`conflictmap.mapping` draws a
:class:`ViewportLayer`; the page keeps the viewport and caches the answers.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import pandas as pd

from conflictmap import dialect, postgis, public_view, queries, settings, store
from conflictmap.filters import Filters
from conflictmap.schema import MAPPABLE_PRECISION

# A cluster covers about this many screen pixels a side (Leaflet.markercluster's default radius
# is 80 px; smaller cells keep the clusters near their incidents).
CELL_PX = 60
TILE_PX = 256
# At or below this zoom the region is the whole country: every mappable incident is in some
# cluster, also San Andrés and Providencia off the mainland frame.
NATIONAL_ZOOM = 6
# From this zoom on (a town fills the map) every incident is its own point, up to MAX_POINTS.
POINTS_ZOOM = 12
# Never more points than this in one answer (the payload stays under ~2 MB): a town with more
# incidents at one zoom keeps clusters (their count is still exact) and says so.
MAX_POINTS = 10_000
# The region asked for reaches this share of the viewport's width and height beyond each edge,
# so a pan within it needs no new query (and the map does not redraw its markers).
PAD = 0.5
# Incidents drawn on the map: placed to a municipality or finer, with coordinates.
MAPPABLE = (
    f"geo_precision <= {MAPPABLE_PRECISION} AND latitude IS NOT NULL AND longitude IS NOT NULL"
)
COUNTRY = "CO"  # the area of incidents with no department known

Db = str | os.PathLike[str] | None


@dataclass(frozen=True)
class Bounds:
    """A latitude/longitude box (south <= north, west <= east)."""

    south: float
    west: float
    north: float
    east: float

    def __post_init__(self) -> None:
        values = (self.south, self.west, self.north, self.east)
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"bounds must be finite numbers, got {values}")
        if self.south > self.north or self.west > self.east:
            raise ValueError(f"bounds are inverted: {values}")

    @classmethod
    def from_leaflet(cls, bounds: object) -> Bounds | None:
        """Bounds as streamlit-folium returns them (``{"_southWest": {"lat", "lng"},
        "_northEast": {...}}``), clamped to the world; None when missing or malformed."""
        try:
            sw = bounds["_southWest"]  # type: ignore[index]
            ne = bounds["_northEast"]  # type: ignore[index]
            south, west = float(sw["lat"]), float(sw["lng"])
            north, east = float(ne["lat"]), float(ne["lng"])
        except (KeyError, TypeError, ValueError):
            return None
        south, north = max(south, -90.0), min(north, 90.0)
        west, east = max(west, -180.0), min(east, 180.0)
        try:
            return cls(south, west, north, east)
        except ValueError:
            return None

    def contains(self, other: Bounds) -> bool:
        return (
            self.south <= other.south
            and self.west <= other.west
            and self.north >= other.north
            and self.east >= other.east
        )

    def padded(self, share: float) -> Bounds:
        dy, dx = (self.north - self.south) * share, (self.east - self.west) * share
        return Bounds(
            max(self.south - dy, -90.0),
            max(self.west - dx, -180.0),
            min(self.north + dy, 90.0),
            min(self.east + dx, 180.0),
        )

    def snapped(self, size: float) -> Bounds:
        """Widened to whole grid cells of ``size`` degrees (the same region for small pans)."""
        return Bounds(
            max(math.floor(self.south / size) * size, -90.0),
            max(math.floor(self.west / size) * size, -180.0),
            min(math.ceil(self.north / size) * size, 90.0),
            min(math.ceil(self.east / size) * size, 180.0),
        )


@dataclass(frozen=True)
class Viewport:
    bounds: Bounds
    zoom: int


def reported_viewport(value: object) -> Viewport | None:
    """The viewport in what streamlit-folium returns (``bounds`` and ``zoom``); None when the
    map has not reported one."""
    if not isinstance(value, dict) or value.get("zoom") is None:
        return None
    bounds = Bounds.from_leaflet(value.get("bounds"))
    return None if bounds is None else Viewport(bounds, clamp_zoom(value["zoom"]))


def reported_center(value: object) -> tuple[float, float] | None:
    """(lat, lng) of the reported ``center``; None when missing."""
    try:
        center = value["center"]  # type: ignore[index]
        return float(center["lat"]), float(center["lng"])
    except (KeyError, TypeError, ValueError):
        return None


def clamp_zoom(zoom: object, default: int = NATIONAL_ZOOM) -> int:
    try:
        value = int(zoom)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default
    return min(max(value, 0), 22)


def cell_degrees(zoom: int) -> float:
    """The side of a cluster cell at ``zoom``, in degrees: :data:`CELL_PX` screen pixels (near
    the equator a degree of latitude and of longitude are nearly the same length on the map)."""
    return CELL_PX * 360.0 / (TILE_PX * 2 ** clamp_zoom(zoom))


def fit_zoom(bounds: Bounds, width_px: int = 1000, height_px: int = 620) -> int:
    """The zoom at which Leaflet's ``fitBounds`` shows ``bounds`` in a map of that size (what
    the map opens at, before it reports its own viewport)."""

    def merc_y(lat: float) -> float:
        s = math.sin(math.radians(max(min(lat, 85.0), -85.0)))
        return math.log((1 + s) / (1 - s)) / 2

    dx = max(bounds.east - bounds.west, 1e-9) / 360.0
    dy = max(merc_y(bounds.north) - merc_y(bounds.south), 1e-9) / (2 * math.pi)
    scale = min(width_px / (TILE_PX * dx), height_px / (TILE_PX * dy))
    return clamp_zoom(math.floor(math.log2(scale)))


def region_for(viewport: Viewport) -> Bounds | None:
    """The region to ask for: None (the whole country) at the national zoom, else the viewport
    widened by :data:`PAD` and snapped to the zoom's cells."""
    if viewport.zoom <= NATIONAL_ZOOM:
        return None
    return viewport.bounds.padded(PAD).snapped(cell_degrees(viewport.zoom))


@dataclass(frozen=True)
class Request:
    """What one answer is for: the page keeps it, and asks again only when the viewport leaves
    the region (or the zoom changes the cell size)."""

    zoom: int
    region: Bounds | None  # None: the whole country

    def covers(self, viewport: Viewport) -> bool:
        if viewport.zoom != self.zoom:
            return False
        return self.region is None or self.region.contains(viewport.bounds)


def request_for(viewport: Viewport, previous: Request | None = None) -> Request:
    """The previous request when it still covers the viewport, else a new one."""
    if previous is not None and previous.covers(viewport):
        return previous
    return Request(viewport.zoom, region_for(viewport))


@dataclass(frozen=True)
class ViewportLayer:
    """What the map draws over its boundaries for one request."""

    request: Request
    mode: str  # "clusters" | "points"
    clusters: pd.DataFrame  # lat, lon, incidents, fatalities, known, south, west, north, east
    points: pd.DataFrame  # queries.POINT_COLUMNS, every mappable incident in the region
    areas: pd.DataFrame  # code (dept code, or COUNTRY), incidents, fatalities: never points
    in_region: int  # mappable incidents in the region (clusters: their counts add up to it)
    capped: bool = False  # points were wanted (zoomed in) but more than MAX_POINTS are there
    # an export's interactive map (no server behind it, :func:`export_layer`): the clusters of
    # deeper zooms, (zoom, clusters) from request.zoom + 1 on, each shown from its zoom until
    # the next; and, in mode "clusters", ``points`` (every mappable incident) shown from
    # ``points_zoom`` on (None: no points, the deepest clusters stay)
    levels: tuple[tuple[int, pd.DataFrame], ...] = ()
    points_zoom: int | None = None

    @property
    def mappable(self) -> int:
        return self.in_region

    @property
    def area_incidents(self) -> int:
        return int(self.areas["incidents"].sum()) if len(self.areas) else 0


def _region_sql(con: dialect.Connection, region: Bounds | None) -> tuple[str, list[object]]:
    """The box test (borders included); on PostGIS through its point index."""
    if region is None:
        return "TRUE", []
    return postgis.box_condition(con, region.south, region.north, region.west, region.east)


def count_in(
    con: dialect.Connection, filters: Filters, region: Bounds | None
) -> int:
    """Mappable incidents matching ``filters`` in ``region`` (None: anywhere)."""
    w = queries.where(con, filters)
    box, box_params = _region_sql(con, region)
    (n,) = con.execute(
        f"SELECT count(*) FROM {public_view.incidents_source(con)} "
        f"WHERE {w.sql} AND {MAPPABLE} AND {box}",
        [*w.params, *box_params],
    ).fetchall()[0]
    return int(n)


def clusters(
    con: dialect.Connection, filters: Filters, zoom: int, region: Bounds | None
) -> pd.DataFrame:
    """The grid cells of ``zoom`` holding mappable incidents in ``region``: one row per cell
    (``gy``, ``gx``) with its count, fatalities (``known``: how many have a figure), mean
    position and extent, largest first."""
    size = cell_degrees(zoom)
    w = queries.where(con, filters)
    box, box_params = _region_sql(con, region)
    return con.execute(
        f"""SELECT floor(latitude / ?)::BIGINT AS gy, floor(longitude / ?)::BIGINT AS gx,
                   count(*) AS incidents, coalesce(sum(fatalities), 0)::BIGINT AS fatalities,
                   count(fatalities) AS known,
                   avg(latitude) AS lat, avg(longitude) AS lon,
                   min(latitude) AS south, min(longitude) AS west,
                   max(latitude) AS north, max(longitude) AS east
            FROM {public_view.incidents_source(con)} WHERE {w.sql} AND {MAPPABLE} AND {box}
            GROUP BY 1, 2 ORDER BY incidents DESC, gy, gx""",
        [size, size, *w.params, *box_params],
    ).df()


def points(
    con: dialect.Connection, filters: Filters, region: Bounds | None, limit: int
) -> pd.DataFrame:
    """Every mappable incident in ``region`` (at most ``limit``, newest first), with the fields
    of its popup."""
    w = queries.where(con, filters)
    box, box_params = _region_sql(con, region)
    return con.execute(
        f"""SELECT {queries.POINT_COLUMNS} FROM {public_view.incidents_source(con)}
            WHERE {w.sql} AND {MAPPABLE} AND {box}
            ORDER BY event_date DESC, incident_id LIMIT ?""",
        [*w.params, *box_params, limit],
    ).df()


def areas(con: dialect.Connection, filters: Filters) -> pd.DataFrame:
    """Incidents never drawn as points, per department (``COUNTRY``: none known): code,
    incidents, fatalities, largest first."""
    w = queries.where(con, filters)
    return con.execute(
        f"""SELECT coalesce(dept_code, '{COUNTRY}') AS code, count(*) AS incidents,
                   coalesce(sum(fatalities), 0)::BIGINT AS fatalities
            FROM {public_view.incidents_source(con)} WHERE {w.sql} AND NOT ({MAPPABLE})
            GROUP BY 1 ORDER BY incidents DESC, code""",
        w.params,
    ).df()


def _empty_points() -> pd.DataFrame:
    return pd.DataFrame(columns=[c.strip() for c in queries.POINT_COLUMNS.split(",")])


def _empty_clusters() -> pd.DataFrame:
    return pd.DataFrame(
        columns=["gy", "gx", "incidents", "fatalities", "known", "lat", "lon", "south", "west",
                 "north", "east"]
    )


def load_layer(
    con: dialect.Connection,
    filters: Filters,
    request: Request,
    *,
    point_limit: int | None = None,
    max_points: int = MAX_POINTS,
) -> ViewportLayer:
    """Clusters or points for ``request`` on an open connection (see the module's docstring)."""
    limit = settings.get().point_budget if point_limit is None else point_limit
    n = count_in(con, filters, request.region)
    wants_points = n <= limit or request.zoom >= POINTS_ZOOM
    capped = wants_points and n > max_points
    if wants_points and not capped:
        return ViewportLayer(
            request, "points", _empty_clusters(), points(con, filters, request.region, n + 1),
            areas(con, filters), n,
        )
    return ViewportLayer(
        request, "clusters", clusters(con, filters, request.zoom, request.region),
        _empty_points(), areas(con, filters), n, capped,
    )


def load(
    filters: Filters,
    request: Request,
    *,
    db: Db = None,
    point_limit: int | None = None,
    max_points: int = MAX_POINTS,
) -> ViewportLayer:
    """:func:`load_layer` on the database (the shared read-only instance)."""
    with store.connect(db, read_only=True) as con:
        return load_layer(con, filters, request, point_limit=point_limit, max_points=max_points)


# An export's interactive map carries no server: its clusters are embedded for the zooms from
# the one it opens at down to a town, at most this many cells in all (about 60 bytes each) ...
EXPORT_MAX_CELLS = 20_000
# ... and every incident as its own point, shown zoomed in, when there are at most this many
# (about 100 bytes each: ~1 MB).
EXPORT_MAX_POINTS = MAX_POINTS


def export_layer(
    con: dialect.Connection,
    filters: Filters,
    zoom: int,
    *,
    point_limit: int | None = None,
    interactive: bool = False,
    max_cells: int = EXPORT_MAX_CELLS,
    max_points: int = EXPORT_MAX_POINTS,
) -> ViewportLayer:
    """What an export of ``filters`` draws at ``zoom`` (the zoom its place opens at): the same
    rules as the dashboard's map for the whole place (the filters say which incidents; no
    region), so the clusters or points plus the area counts add up to the key figure
    "Incidents". ``interactive`` (the HTML export, which has no server to ask when zoomed in):
    in mode "clusters" also the clusters of the deeper zooms, up to :data:`POINTS_ZOOM` and
    ``max_cells`` cells in all, and then every incident as a point when there are at most
    ``max_points``."""
    layer = load_layer(con, filters, Request(clamp_zoom(zoom), None), point_limit=point_limit)
    if not interactive or layer.mode != "clusters":
        return layer
    levels: list[tuple[int, pd.DataFrame]] = []
    cells = len(layer.clusters)
    z = layer.request.zoom + 1
    while z < POINTS_ZOOM:
        deeper = clusters(con, filters, z, None)
        if cells + len(deeper) > max_cells:
            break
        levels.append((z, deeper))
        cells += len(deeper)
        z += 1
    with_points = layer.in_region <= max_points
    return ViewportLayer(
        layer.request, "clusters", layer.clusters,
        points(con, filters, None, layer.in_region + 1) if with_points else _empty_points(),
        layer.areas, layer.in_region, layer.capped, tuple(levels),
        z if with_points else None,
    )
