"""Data exports: the incidents in view as CSV, GeoJSON or GeoPackage (a citation per row where
a licence asks for one), and the choropleth table (one row per shape of the map, with its class
colour)."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from conflictmap import geodata, public_view, queries, store
from conflictmap.export_terms import ROW_KIND, ExportPolicy, aggregate_points, apply_policy
from conflictmap.geography import Geography
from conflictmap.map_model import as_geography, build_model
from conflictmap.schema import MAPPABLE_PRECISION
from conflictmap.sources import CITATIONS, format_of_incident
from conflictmap.spreadsheet import neutralise_frame
from conflictmap.view import ViewData, map_spec

if TYPE_CHECKING:
    from conflictmap.export import SnapshotRequest

CITATION_COLUMN = "citation"


def _after(frame: pd.DataFrame, column: str) -> int:
    """The position just after ``column`` (unique: get_loc gives its index, not a mask)."""
    at = frame.columns.get_loc(column)
    assert isinstance(at, int)
    return at + 1


def incidents_frame(
    request: SnapshotRequest,
    db: str | os.PathLike[str] | None,
    boundaries: Geography | geodata.Boundaries | None,
) -> pd.DataFrame:
    geo = as_geography(boundaries)
    with store.connect(db, read_only=True) as con:
        frame = queries.incident_export(con, request.filters)
    frame.insert(_after(frame, "dept_code"), "dept_name", frame["dept_code"].map(geo.dept_names))
    frame.insert(_after(frame, "muni_code"), "muni_name", frame["muni_code"].map(geo.muni_names))
    return frame


def aggregates_frame(
    view: ViewData, boundaries: Geography | geodata.Boundaries | None
) -> pd.DataFrame:
    """The choropleth table: every shape of the view's map, its figures and its colour."""
    geo = as_geography(boundaries)
    model = build_model(map_spec(view), geo)
    codes = list(model.codes)
    return pd.DataFrame(
        {
            "code": codes,
            "name": [geo.name(c) for c in codes],
            "incidents": [model.values[c][0] for c in codes],
            "fatalities": [model.values[c][1] for c in codes],
            "class_colour": [model.fills[c] for c in codes],
        }
    )


def with_citation_column(frame: pd.DataFrame) -> pd.DataFrame:
    """The incidents with a last column ``citation``: for each row from a licensed source (by
    its incident_id, e.g. ``ucdp:``), the attribution its licence asks for; else empty. It
    travels with every row of a CSV, GeoJSON or GeoPackage export."""
    by_format = {c.format: c.attribution for c in CITATIONS.values()}
    cites = frame["incident_id"].map(lambda i: by_format.get(format_of_incident(i) or "", ""))
    return frame.assign(**{CITATION_COLUMN: cites.astype(object)})


def _gpkg_options(frame: pd.DataFrame) -> dict[str, str]:
    """The GeoPackage layer's description (gpkg_contents) names the citations of its rows."""
    cites = sorted({c for c in frame[CITATION_COLUMN] if isinstance(c, str) and c})
    if ROW_KIND in frame.columns:  # the terms note (aggregates in place of rows)
        cites += [n for n in frame.loc[frame[ROW_KIND] == "note", "notes"] if n]
    return {"DESCRIPTION": "Incidents: " + "; ".join(cites)} if cites else {}


def _incident_points(frame: pd.DataFrame) -> gpd.GeoSeries:
    """Points of the incidents placed to a municipality or finer; department-only and unplaced
    incidents get a null geometry (their figures are in the attributes), never a centroid."""
    precision = pd.to_numeric(frame["geo_precision"], errors="coerce")
    whole = frame["latitude"].notna() & frame["longitude"].notna()  # never half a point at 0
    drawn = whole & (precision <= MAPPABLE_PRECISION)
    points = gpd.GeoSeries(
        gpd.points_from_xy(frame["longitude"].fillna(0), frame["latitude"].fillna(0)),
        index=frame.index,
        crs=geodata.CRS,
    )
    return points.where(drawn.to_numpy(), None)


def _geometry(frame: pd.DataFrame, geo: Geography) -> gpd.GeoSeries:
    """Incident points; aggregate rows at their municipality's (department's) point."""
    points = _incident_points(frame)
    if ROW_KIND not in frame.columns:
        return points
    extra = aggregate_points(frame, geo.representative_points).set_crs(geodata.CRS)
    aggregate = (frame[ROW_KIND] == "aggregate").to_numpy()
    return points.where(~aggregate, extra)


def data_bytes(
    fmt: str,
    request: SnapshotRequest,
    view: ViewData,
    db: str | os.PathLike[str] | None,
    boundaries: Geography | geodata.Boundaries | None,
    *,
    policy: ExportPolicy | None = None,
) -> bytes:
    """One data file. ``policy``: the source terms in view (rows of restricted datasets become
    aggregates, with a note row; see export_terms.py)."""
    if fmt == "aggregates.csv":
        table = neutralise_frame(aggregates_frame(view, boundaries))  # formulas as text
        return table.to_csv(index=False).encode("utf-8")
    geo = as_geography(boundaries)
    frame = public_view.coarsen(with_citation_column(incidents_frame(request, db, geo)), geo)
    if policy is not None:
        frame = apply_policy(frame, policy)
    if fmt == "csv":
        return neutralise_frame(frame).to_csv(index=False).encode("utf-8")
    gdf = gpd.GeoDataFrame(
        frame.assign(
            event_date=frame["event_date"].astype(str),
            imported_at=frame["imported_at"].astype(str),
            assoc_actors=frame["assoc_actors"].map(
                lambda v: "; ".join(v) if isinstance(v, (list, np.ndarray)) else ""
            ),
        ),
        geometry=_geometry(frame, geo),
        crs=geodata.CRS,
    )
    if fmt == "geojson":
        return gdf.to_json(drop_id=True, ensure_ascii=False).encode("utf-8")
    if fmt == "gpkg":
        import pyogrio

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "incidents.gpkg"
            # GDAL stamps the current time into the file: pin it to the day for stable bytes
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": f"{date.today()}T00:00:00.000Z"})
            try:
                gdf.to_file(
                    path, layer="incidents", driver="GPKG", layer_options=_gpkg_options(frame)
                )
            finally:
                pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
            return path.read_bytes()
    raise ValueError(fmt)
