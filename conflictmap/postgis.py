"""PostGIS in a PostgreSQL store: where geometry in the database helps.

1. **Viewport queries** (the map's clusters and points, :mod:`conflictmap.clusters`): a GiST
   index on every incident's point (an expression index, so the table and every ``SELECT *``
   stay as on DuckDB) answers "what lies in this box" without reading the rows outside it. The
   exact test stays the plain ``BETWEEN`` on latitude and longitude: the index's boxes are
   single-precision, and a point a millionth of a degree outside the view must not be counted
   on one store and not the other.
2. **GIS tools on the team's database**: the view ``incident_points`` gives every placed
   incident as a PostGIS point (EPSG:4326) with its codes, date, type, actors and figures, so
   QGIS (or any PostGIS client) can open the store as a layer.

Measured and left in the application: point-in-polygon at import. Placing each distinct point
of a file with ``ST_Intersects`` against the municipalities loaded into PostGIS (GiST index,
polygons cut with ``ST_Subdivide``) gave the same municipality as shapely for every point, but
took 2.3 s for 100,000 points against 0.6 s in the application, which holds the prepared
polygons anyway for the map (the points must travel to the server and back); so imports place
points with :func:`conflictmap.geodata.assign_admin` on both stores. Territory dissolves too:
``ST_Union`` of Huila's 37 municipalities took 24 ms and of 300 municipalities 133 ms, against 3
and 10 ms for shapely's coverage union of the same full-resolution polygons (1 and 3 ms on the
simplified ones the map draws, cached per Geography).

The extension is created by migration 7 when the server has it (Debian:
``postgresql-15-postgis-3``) and the role may create it; without it the store works as before
(shapely in the application, ``BETWEEN`` scans) and ``conflictmap db status`` says so. PostGIS's
functions are called with their schema's name, so a database whose ``search_path`` leaves out
that schema (one schema per tenant, per test) works too.
"""

from __future__ import annotations

from conflictmap import dialect

# Boxes up to this size (square degrees) go through the point index. Measured at 1M incidents on
# 2 cores: a view around Neiva (0.04 sq. deg.) loads in 151 ms instead of 426; Huila (5.5 sq.
# deg.) 508 against 481 by a scan, half the country 1,134 against 825: PostgreSQL's planner
# cannot tell, since it multiplies the index's (good) estimate by the BETWEEN tests' as if they
# were independent, so the rule is here.
INDEX_MAX_SQ_DEGREES = 2.0
_SCHEMAS: dict[str, str] = {}  # connection string -> PostGIS's schema (found once per process)

# Migration 7. A DO block, so a server without PostGIS (or a role that may not create it) still
# migrates: the store then works without it.
MIGRATION_SQL = """
DO $$
DECLARE s text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis') THEN
    BEGIN
      CREATE EXTENSION postgis SCHEMA public;
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'PostGIS not available (%): geometry stays in the application', SQLERRM;
      RETURN;
    END;
  END IF;
  SELECT extnamespace::regnamespace::text INTO s FROM pg_extension WHERE extname = 'postgis';
  EXECUTE format('CREATE INDEX IF NOT EXISTS incidents_point ON incidents '
                 'USING GIST (%s.ST_MakePoint(longitude, latitude))', s);
  EXECUTE format('CREATE OR REPLACE VIEW incident_points AS SELECT incident_id, event_date, '
                 'date_precision, event_type, sub_event_type, actor1, actor2, fatalities, '
                 'victims, dept_code, muni_code, geo_precision, dataset, source, '
                 '%1$s.ST_SetSRID(%1$s.ST_MakePoint(longitude, latitude), 4326)'
                 '::%1$s.geometry(Point, 4326) AS geom FROM incidents '
                 'WHERE latitude IS NOT NULL AND longitude IS NOT NULL', s);
END $$;
"""


def schema(con: object) -> str | None:
    """The schema holding PostGIS in ``con``'s database when this store uses it (migration 7
    ran with the extension present); None on DuckDB or without PostGIS."""
    if not dialect.is_postgres(con):
        return None
    key = con.raw.info.dsn  # type: ignore[attr-defined]
    if key in _SCHEMAS:
        return _SCHEMAS[key]
    rows = con.execute(  # type: ignore[attr-defined]
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'postgis' "
        "AND EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'incidents_point' "
        "AND schemaname = current_schema())"
    ).fetchall()
    if not rows:
        return None  # not cached: migration 7 may yet run, PostGIS be installed
    _SCHEMAS[key] = str(rows[0][0])
    return _SCHEMAS[key]


def version(con: object) -> str | None:
    """PostGIS's version in this database (for ``db status``), None without it."""
    s = schema(con)
    if s is None:
        return None
    rows = con.execute(f"SELECT {s}.postgis_lib_version()").fetchall()  # type: ignore[attr-defined]
    return str(rows[0][0])


def box_condition(
    con: object, south: float, north: float, west: float, east: float
) -> tuple[str, list[object]]:
    """SQL (and its parameters) keeping incidents whose point lies in the box, borders
    included: the same rows on both stores; with PostGIS the index finds them."""
    exact = "latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?"
    params: list[object] = [south, north, west, east]
    s = schema(con)
    if s is None or (north - south) * (east - west) > INDEX_MAX_SQ_DEGREES:
        return exact, params
    return (
        f"{s}.ST_MakePoint(longitude, latitude) OPERATOR({s}.&&) "
        f"{s}.ST_MakeEnvelope(?, ?, ?, ?) AND {exact}",
        [west, south, east, north, *params],
    )
