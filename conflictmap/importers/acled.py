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

import math
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd

from conflictmap import schema
from conflictmap.i18n import N_
from conflictmap.importers.candidates import (
    CANDIDATE_DEFAULTS,
    Candidates,
    candidate,
    cell,
    combine,
    first_data_row,
    lookup,
    originals,
    parse_rows,
    texts,
)
from conflictmap.messages import Message

T = TypeVar("T")

FORMAT = "acled"
FATALITIES = "fatalities"  # the column holding the fatality figure
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
    """Map a chunk column-wise; rows any check fails go through :func:`_row`, one by one.

    The result equals ``parse_rows(frame, start_row, _row)`` (tested): the column-wise path only
    accepts rows every check passes, and :func:`_row` gives the others their reject reason (or
    accepts what the fast checks leave to it, such as a decimal comma in a coordinate).
    """
    n = len(frame)
    if n == 0:
        return parse_rows(frame, start_row, _row)
    t = {c: texts(frame, c) for c in _COLUMNS}
    event_id, country, source = t["event_id_cnty"], t["country"], t["source"]
    dates = lookup(t["event_date"], _or_none(schema.parse_date))
    kinds = lookup(t["event_type"], _or_none(schema.event_type))
    precision = np.where(t["time_precision"] == "", "1", t["time_precision"])
    geo = np.where(t["geo_precision"] == "", "1", t["geo_precision"])
    lat = lookup(t["latitude"], lambda v: _number(v, -90, 90)).astype(float)
    lon = lookup(t["longitude"], lambda v: _number(v, -180, 180)).astype(float)
    deaths = lookup(t["fatalities"], _or_none(schema.parse_fatalities))
    good = (
        (event_id != "")
        & (lookup(country, lambda v: v.casefold() == "colombia").astype(bool))
        & pd.notna(dates)
        & pd.notna(kinds)
        & np.isin(precision, list(TIME_PRECISION))
        & np.isin(geo, list(GEO_PRECISION))
        & np.isfinite(lat)
        & np.isfinite(lon)
        & pd.notna(deaths)
        & (source != "")
    )
    original = originals(frame)
    fast = np.flatnonzero(good)
    a1, a2 = t["assoc_actor_1"][fast], t["assoc_actor_2"][fast]
    assoc = np.where((a1 != "") & (a2 != ""), a1 + "; " + a2, np.where(a1 != "", a1, a2))
    columns: dict[str, object] = {
        **CANDIDATE_DEFAULTS,
        "row": (start_row + fast).astype(object),
        "incident_id": "acled:" + event_id[fast],
        "event_date": dates[fast],
        "date_precision": lookup(precision[fast], TIME_PRECISION.__getitem__),
        "event_type": kinds[fast],
        "sub_event_type": t["sub_event_type"][fast],
        "event_type_original": t["event_type"][fast],
        "actor1_raw": t["actor1"][fast],
        "actor2_raw": t["actor2"][fast],
        "assoc_actors_raw": assoc,
        "fatalities": deaths[fast],
        "latitude": lat[fast].astype(object),
        "longitude": lon[fast].astype(object),
        "geo_precision": lookup(geo[fast], GEO_PRECISION.__getitem__),
        "location": t["location"][fast],
        "notes": t["notes"][fast],
        "source": "ACLED (" + source[fast] + ")",
        "source_url": "",
        "admin1": t["admin1"][fast],
        "admin2": t["admin2"][fast],
        "in_country": True,
        "original": np.array(original, dtype=object)[fast],
    }
    # the columns in the order candidate() gives them
    order = [*CANDIDATE_DEFAULTS, "row", "incident_id", "event_date", "event_type", "source"]
    accepted = pd.DataFrame({k: columns[k] for k in order}, index=range(len(fast)), dtype=object)
    slow = parse_rows(frame, start_row, _row, only=np.flatnonzero(~good), original=original)
    return combine(accepted, slow)


_COLUMNS = (
    "event_id_cnty", "country", "event_date", "event_type", "sub_event_type", "time_precision",
    "geo_precision", "latitude", "longitude", "fatalities", "source", "actor1", "actor2",
    "assoc_actor_1", "assoc_actor_2", "location", "notes", "admin1", "admin2",
)  # fmt: skip


def _or_none(parse: Callable[[str], T]) -> Callable[[str], T | None]:
    """``parse`` with None for a value it rejects (the per-row path then gives the reason)."""

    def attempt(text: str) -> T | None:
        try:
            return parse(text)
        except schema.RowError:
            return None

    return attempt


def _number(text: str, low: float, high: float) -> float:
    """The coordinate when it is a plain decimal in range, else NaN (left to the per-row path)."""
    if "," in text:
        return math.nan
    try:
        number = float(text)
    except ValueError:
        return math.nan
    return number if math.isfinite(number) and low <= number <= high else math.nan


def _row(raw: dict[str, str], row: int) -> dict[str, object]:
    event_id = cell(raw, "event_id_cnty")
    if not event_id:
        raise schema.RowError(Message(N_("event_id_cnty is empty")))
    country = cell(raw, "country")
    if country.casefold() != "colombia":
        raise schema.RowError(Message(schema.OUTSIDE_SCOPE, country=country))
    event_date = schema.parse_date(cell(raw, "event_date"))
    kind = schema.event_type(cell(raw, "event_type"))
    precision = cell(raw, "time_precision") or "1"
    if precision not in TIME_PRECISION:
        raise schema.RowError(
            Message(N_("time_precision '{value}' is not 1, 2 or 3"), value=precision)
        )
    geo = cell(raw, "geo_precision") or "1"
    if geo not in GEO_PRECISION:
        raise schema.RowError(Message(N_("geo_precision '{value}' is not 1, 2 or 3"), value=geo))
    lat = schema.parse_coordinate(cell(raw, "latitude"), field="latitude", low=-90, high=90)
    lon = schema.parse_coordinate(cell(raw, "longitude"), field="longitude", low=-180, high=180)
    if lat is None or lon is None:
        raise schema.RowError(
            Message(N_("latitude/longitude missing (ACLED rows always carry a point)"))
        )
    fatalities = schema.parse_fatalities(cell(raw, "fatalities"))
    if fatalities is None:
        raise schema.RowError(
            Message(N_("fatalities is empty (ACLED codes 0 when none were reported)"))
        )
    source = cell(raw, "source")
    if not source:
        raise schema.RowError(Message(schema.SOURCE_EMPTY))
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
        in_country=True,
    )
