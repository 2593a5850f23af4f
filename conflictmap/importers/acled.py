"""ACLED exports (Armed Conflict Location & Event Data), as downloaded from ACLED's export tool.

Mapping (ACLED codebook):
- ``incident_id`` = ``"acled:" + event_id_cnty``;
- ``event_date`` as ``2022-09-02`` or ``02 September 2022``;
- ``time_precision`` 1 / 2 / 3 -> day / week / month;
- ``geo_precision`` 1 (the town) -> 1; 2 (near a town / part of a region) -> 2; 3 (a larger
  region, coded to its capital or a natural feature) -> 3, which keeps the department only: the
  point is not in the municipality it falls in;
- ``event_type`` and ``sub_event_type`` are ACLED's own taxonomy (ours);
- ``actor1``/``actor2`` through the actor registry (raw names kept), ``assoc_actor_1`` and
  ``assoc_actor_2`` (``;``-separated) become associated actors;
- rows whose ``country`` is not Colombia are rejected as outside scope;
- ``admin1``/``admin2`` are compared with our point-in-polygon result: a disagreement keeps ours
  and is counted as a warning, not a reject.
"""

from __future__ import annotations

import pandas as pd

from conflictmap import schema
from conflictmap.importers.candidates import Candidates, candidate, cell, first_data_row, parse_rows

FORMAT = "acled"
REQUIRED = [
    "event_id_cnty",
    "event_date",
    "event_type",
    "actor1",
    "country",
    "latitude",
    "longitude",
    "fatalities",
    "source",
]
SIGNATURE = {"event_id_cnty", "event_type", "actor1", "fatalities"}
# columns only ACLED exports have (used to name what a damaged export lacks)
SPECIFIC = {
    "event_id_cnty",
    "disorder_type",
    "inter1",
    "inter2",
    "interaction",
    "assoc_actor_1",
    "assoc_actor_2",
    "admin3",
    "source_scale",
    "time_precision",
    "civilian_targeting",
}
TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}
GEO_PRECISION = {"1": 1, "2": 2, "3": 3}


def looks_like(columns: list[str]) -> bool:
    return SIGNATURE <= set(columns)


def parse(frame: pd.DataFrame, start_row: int = first_data_row) -> Candidates:
    return parse_rows(frame, start_row, _row)


def _row(raw: dict[str, str], row: int) -> dict[str, object]:
    event_id = cell(raw, "event_id_cnty")
    if not event_id:
        raise schema.RowError("event_id_cnty is empty")
    country = cell(raw, "country")
    if country.casefold() != "colombia":
        raise schema.RowError(f"outside scope: country is '{country}', not Colombia")
    event_date = schema.parse_date(cell(raw, "event_date"))
    kind = schema.event_type(cell(raw, "event_type"))
    precision = cell(raw, "time_precision") or "1"
    if precision not in TIME_PRECISION:
        raise schema.RowError(f"time_precision '{precision}' is not 1, 2 or 3")
    geo = cell(raw, "geo_precision") or "1"
    if geo not in GEO_PRECISION:
        raise schema.RowError(f"geo_precision '{geo}' is not 1, 2 or 3")
    lat = schema.parse_coordinate(cell(raw, "latitude"), field="latitude", low=-90, high=90)
    lon = schema.parse_coordinate(cell(raw, "longitude"), field="longitude", low=-180, high=180)
    if lat is None or lon is None:
        raise schema.RowError("latitude/longitude missing (ACLED rows always carry a point)")
    fatalities = schema.parse_fatalities(cell(raw, "fatalities"))
    if fatalities is None:
        raise schema.RowError("fatalities is empty (ACLED codes 0 when none were reported)")
    source = cell(raw, "source")
    if not source:
        raise schema.RowError("source is empty (every incident needs its source)")
    assoc = "; ".join(
        part for part in (cell(raw, "assoc_actor_1"), cell(raw, "assoc_actor_2")) if part
    )
    return candidate(
        row=row,
        incident_id=f"acled:{event_id}",
        event_date=event_date,
        date_precision=TIME_PRECISION[precision],
        event_type=kind,
        sub_event_type=cell(raw, "sub_event_type"),
        event_type_original=cell(raw, "event_type"),
        actor1_raw=cell(raw, "actor1"),
        actor2_raw=cell(raw, "actor2"),
        assoc_actors_raw=assoc,
        fatalities=fatalities,
        latitude=lat,
        longitude=lon,
        geo_precision=GEO_PRECISION[geo],
        location=cell(raw, "location"),
        notes=cell(raw, "notes"),
        source=f"ACLED ({source})",
        source_url="",
        admin1=cell(raw, "admin1"),
        admin2=cell(raw, "admin2"),
    )
