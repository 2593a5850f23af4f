"""ConflictMap's own CSV format (one row per incident, see README "Native CSV format").

Columns: event_date, event_type, sub_event_type, actor1, actor2, fatalities, latitude, longitude,
municipality, department, location, source, source_url, notes; optional incident_id,
date_precision, geo_precision, assoc_actors (separated by ";").
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd

from conflictmap import schema
from conflictmap.i18n import N_
from conflictmap.importers.candidates import Candidates, candidate, cell, first_data_row, parse_rows
from conflictmap.messages import Message

FORMAT = "native"
FATALITIES = "fatalities"  # the column holding the fatality figure
REQUIRED = ["event_date", "event_type", "source"]
COLUMNS = [
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "fatalities",
    "latitude",
    "longitude",
    "municipality",
    "department",
    "location",
    "source",
    "source_url",
    "notes",
]
OPTIONAL = ["incident_id", "date_precision", "geo_precision", "assoc_actors"]


def header_problem(columns: list[str]) -> str | None:
    cols = set(columns)
    if {"latitude", "longitude"} <= cols or "municipality" in cols:
        return None
    return Message(
        N_("the native format needs latitude+longitude or municipality columns to place incidents")
    )


def looks_like(columns: list[str]) -> bool:
    cols = set(columns)
    return set(REQUIRED) <= cols and ({"latitude", "longitude"} <= cols or "municipality" in cols)


def _content_id(raw: dict[str, str]) -> str:
    key = json.dumps(
        {k: raw.get(k, "").strip() for k in COLUMNS}, sort_keys=True, ensure_ascii=False
    )
    return "native:" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def parse(frame: pd.DataFrame, start_row: int = first_data_row) -> Candidates:
    """Validate and map each row; rows that fail carry their spreadsheet row number and reason."""
    columns = set(frame.columns)
    if not ({"latitude", "longitude"} <= columns or "municipality" in columns):
        raise ValueError("a native file needs latitude+longitude or municipality columns")
    return parse_rows(frame, start_row, _row)


def _row(raw: dict[str, str], row: int) -> dict[str, object]:
    event_date = schema.parse_date(cell(raw, "event_date"))
    kind = schema.event_type(cell(raw, "event_type"))
    source = cell(raw, "source")
    if not source:
        raise schema.RowError(Message(schema.SOURCE_EMPTY))
    lat = schema.parse_coordinate(cell(raw, "latitude"), field="latitude", low=-90, high=90)
    lon = schema.parse_coordinate(cell(raw, "longitude"), field="longitude", low=-180, high=180)
    if (lat is None) != (lon is None):
        raise schema.RowError(Message(schema.HALF_POINT))
    muni, dept = cell(raw, "municipality"), cell(raw, "department")
    geo = schema.parse_geo_precision(cell(raw, "geo_precision"))
    if geo == 4:
        lat = lon = None  # known only to the country or a region: never drawn as a point
    elif lat is None and not muni and not dept:
        raise schema.RowError(
            Message(
                N_(
                    "no coordinates and no municipality or department to place it "
                    "(geo_precision 4 keeps an event known only to be in Colombia)"
                )
            )
        )
    given_id = cell(raw, "incident_id")
    if given_id:
        incident_id = given_id if ":" in given_id else f"native:{given_id}"
    else:
        incident_id = _content_id(raw)
    assoc_raw = cell(raw, "assoc_actors")
    return candidate(
        row=row,
        incident_id=incident_id,
        event_date=event_date,
        date_precision=schema.parse_date_precision(cell(raw, "date_precision")),
        event_type=kind,
        sub_event_type=cell(raw, "sub_event_type"),
        event_type_original=cell(raw, "event_type"),
        actor1_raw=cell(raw, "actor1"),
        actor2_raw=cell(raw, "actor2"),
        assoc_actors_raw=assoc_raw,
        fatalities=schema.parse_fatalities(cell(raw, "fatalities")),
        latitude=lat,
        longitude=lon,
        geo_precision=geo,
        place_muni=muni,
        place_dept=dept,
        location=cell(raw, "location"),
        notes=cell(raw, "notes"),
        source=source,
        source_url=schema.parse_url(cell(raw, "source_url")),
    )
