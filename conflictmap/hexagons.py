"""The density view: incidents counted per H3 hexagon, an alternative to the choropleth.

Every mappable incident (placed to a municipality or finer, with coordinates; see
:data:`conflictmap.clusters.MAPPABLE`) falls in exactly one hexagon of the view's resolution:
DuckDB counts the incidents per distinct coordinate, the ``h3`` library (v4 API:
``latlng_to_cell``, ``cell_to_boundary``) turns each distinct coordinate into its cell, and the
counts are summed per cell. Incidents placed only to a department or coarser have no hexagon:
they stay in the "not drawn" note, as on the choropleth. Colours come from
:func:`conflictmap.classify.classify` over the cells' values, like the choropleth's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import h3
import pandas as pd

from conflictmap import dialect, queries, store
from conflictmap.clusters import MAPPABLE
from conflictmap.filters import Filters

# Resolution per view: national ~253 km² cells (8.5 km edge), a department's ~36 km², a
# municipality's (shown within its department) ~5 km².
NATIONAL_RESOLUTION = 5
DEPARTMENT_RESOLUTION = 6
MUNICIPALITY_RESOLUTION = 7
COORD_DECIMALS = 4  # vertices sent to the browser and drawn: ~11 m

Db = str | os.PathLike[str] | None


def resolution_for(filters: Filters) -> int:
    if filters.muni:
        return MUNICIPALITY_RESOLUTION
    return DEPARTMENT_RESOLUTION if filters.dept else NATIONAL_RESOLUTION


def cell_area_km2(resolution: int) -> float:
    return float(h3.average_hexagon_area(resolution, "km^2"))


@dataclass(frozen=True)
class HexLayer:
    resolution: int
    cells: pd.DataFrame  # cell (H3 index, text), incidents, fatalities, known; largest first

    @property
    def area_km2(self) -> float:
        return cell_area_km2(self.resolution)

    @property
    def incidents(self) -> int:
        return int(self.cells["incidents"].sum()) if len(self.cells) else 0

    @property
    def label(self) -> str:
        """ "H3 res. 5, ≈ 253 km²": the cells' resolution and mean area """
        return f"H3 res. {self.resolution}, ≈ {self.area_km2:,.0f} km²"

    def boundaries(self) -> list[list[tuple[float, float]]]:
        """Each cell's ring of (lat, lon) vertices, rounded to :data:`COORD_DECIMALS`."""
        return [
            [(round(lat, COORD_DECIMALS), round(lon, COORD_DECIMALS))
             for lat, lon in h3.cell_to_boundary(cell)]
            for cell in self.cells["cell"]
        ]


def hex_counts(
    con: dialect.Connection, filters: Filters, resolution: int
) -> pd.DataFrame:
    """cell, incidents, fatalities, known (incidents with a fatality figure) per H3 cell of the
    mappable incidents matching ``filters``, largest first (ties by cell)."""
    w = queries.where(con, filters)
    places = con.execute(
        f"""SELECT latitude, longitude, count(*) AS incidents,
                   coalesce(sum(fatalities), 0)::BIGINT AS fatalities,
                   count(fatalities) AS known
            FROM incidents WHERE {w.sql} AND {MAPPABLE} GROUP BY 1, 2""",
        w.params,
    ).df()
    columns = ["cell", "incidents", "fatalities", "known"]
    if places.empty:
        return pd.DataFrame(columns=columns)
    places["cell"] = [
        h3.latlng_to_cell(lat, lon, resolution)
        for lat, lon in zip(
            places["latitude"].tolist(), places["longitude"].tolist(), strict=True
        )
    ]
    out = places.groupby("cell", as_index=False, sort=False)[
        ["incidents", "fatalities", "known"]
    ].sum()
    out = out.sort_values(["incidents", "cell"], ascending=[False, True], ignore_index=True)
    return out.loc[:, columns].astype(
        {"incidents": "int64", "fatalities": "int64", "known": "int64"}
    )


def load(filters: Filters, resolution: int | None = None, *, db: Db = None) -> HexLayer:
    """The hexagons of ``filters`` at ``resolution`` (default: :func:`resolution_for`)."""
    res = resolution_for(filters) if resolution is None else resolution
    with store.connect(db, read_only=True) as con:
        return HexLayer(res, hex_counts(con, filters, res))
