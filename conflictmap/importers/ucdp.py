"""UCDP Georeferenced Event Dataset (GED) CSV files.

Mapping (UCDP GED codebook):
- ``incident_id`` = ``"ucdp:" + id``; ``date_start`` as ``2022-09-02`` or
  ``2022-09-02 00:00:00.000``;
- ``date_prec`` 1 (exact day) -> day; 2 (2–6 days) -> week; 3 (about a month) -> month;
  4 (more than a month, within a year) and 5 (a year or more) -> year;
- ``type_of_violence`` -> our event type (the original is kept in ``event_type_original`` and
  the UCDP category in ``sub_event_type``):

  | type_of_violence | UCDP meaning | event type |
  | --- | --- | --- |
  | 1 | state-based conflict | Battles |
  | 2 | non-state conflict | Battles |
  | 3 | one-sided violence (against civilians) | Violence against civilians |

- ``best`` -> fatalities; ``low`` and ``high`` -> ``fatalities_low`` / ``fatalities_high`` (and
  in the notes);
- ``where_prec`` 1 (exact) -> 1; 2 (within ~25 km of a named place) -> 2; 3 (municipality
  centroid) -> 2; 4 (department centroid: the department is known, not the municipality) -> 3,
  stored with the department code only; 5 (a region larger than a department), 6 (only the
  country) and 7 (at sea / in the air) -> 4: kept and counted, never drawn as a point, with the
  department ``adm_1`` names when it names one;
- a point outside every municipality is placed by ``adm_1``/``adm_2`` or snapped (see ingest);
- rows whose ``country`` is not Colombia are rejected as outside scope;
- columns are found by name, so the standard GEDEvent layout and the HDX country files (other
  columns, another order; their HXL hashtag row is skipped by csvfile) both read.
"""

from __future__ import annotations

import pandas as pd

from conflictmap import schema
from conflictmap.i18n import N_
from conflictmap.importers.candidates import Candidates, candidate, cell, first_data_row, parse_rows
from conflictmap.messages import Message

FORMAT = "ucdp"
FATALITIES = "best"  # the column holding the fatality figure
REQUIRED = [
    "id",
    "type_of_violence",
    "side_a",
    "side_b",
    "where_prec",
    "latitude",
    "longitude",
    "country",
    "date_prec",
    "date_start",
    "best",
]
SIGNATURE = {"id", "type_of_violence", "where_prec", "date_start", "best"}
SPECIFIC = {
    "relid",
    "type_of_violence",
    "where_prec",
    "where_coordinates",
    "dyad_name",
    "side_a",
    "side_b",
    "date_prec",
    "deaths_civilians",
    "priogrid_gid",
    "best",
}
VIOLENCE = {
    "1": ("Battles", "State-based conflict"),
    "2": ("Battles", "Non-state conflict"),
    "3": ("Violence against civilians", "One-sided violence"),
}
DATE_PREC = {"1": "day", "2": "week", "3": "month", "4": "year", "5": "year"}
WHERE_PREC = {"1": 1, "2": 2, "3": 2, "4": 3, "5": 4, "6": 4, "7": 4}


def looks_like(columns: list[str]) -> bool:
    return SIGNATURE <= set(columns)


def parse(frame: pd.DataFrame, start_row: int = first_data_row) -> Candidates:
    return parse_rows(frame, start_row, _row)


def _whole(value: str, field: str) -> int:
    try:
        number = float(value)
    except ValueError:
        raise schema.RowError(Message(schema.NOT_A_NUMBER, field=field, value=value)) from None
    if number != int(number) or number < 0:
        raise schema.RowError(
            Message(N_("{field} '{value}' is not a whole number >= 0"), field=field, value=value)
        )
    return int(number)


def _row(raw: dict[str, str], row: int) -> dict[str, object]:
    ged_id = cell(raw, "id")
    if not ged_id:
        raise schema.RowError(Message(N_("id is empty")))
    country = cell(raw, "country")
    if country.split("(")[0].strip().casefold() != "colombia":
        raise schema.RowError(Message(schema.OUTSIDE_SCOPE, country=country))
    violence = cell(raw, "type_of_violence")
    if violence not in VIOLENCE:
        raise schema.RowError(
            Message(N_("type_of_violence '{value}' is not 1, 2 or 3"), value=violence)
        )
    where = cell(raw, "where_prec")
    if where not in WHERE_PREC:
        raise schema.RowError(Message(N_("where_prec '{value}' is not 1–7"), value=where))
    date_prec = cell(raw, "date_prec")
    if date_prec not in DATE_PREC:
        raise schema.RowError(Message(N_("date_prec '{value}' is not 1–5"), value=date_prec))
    event_date = schema.parse_date(cell(raw, "date_start"), field="date_start")
    lat = schema.parse_coordinate(cell(raw, "latitude"), field="latitude", low=-90, high=90)
    lon = schema.parse_coordinate(cell(raw, "longitude"), field="longitude", low=-180, high=180)
    precision = WHERE_PREC[where]
    if precision == 4:
        lat = lon = None  # UCDP's point is the country's or region's centre: no place to draw
    elif lat is None or lon is None:
        raise schema.RowError(Message(N_("latitude/longitude missing")))
    best = _whole(cell(raw, "best"), "best")
    low, high = cell(raw, "low"), cell(raw, "high")
    low_n = _whole(low, "low") if low else None
    high_n = _whole(high, "high") if high else None
    kind, category = VIOLENCE[violence]
    notes = [f"UCDP fatality estimates: low {low or '?'}, best {best}, high {high or '?'}."]
    for key, label in (
        ("conflict_name", "Conflict"),
        ("dyad_name", "Dyad"),
        ("source_headline", "Headline"),
    ):
        if cell(raw, key):
            notes.append(f"{label}: {cell(raw, key)}.")
    source = "UCDP GED"
    if cell(raw, "source_office"):
        source += f" ({cell(raw, 'source_office')})"
    return candidate(
        row=row,
        incident_id=f"ucdp:{ged_id}",
        event_date=event_date,
        date_precision=DATE_PREC[date_prec],
        event_type=kind,
        sub_event_type=category,
        event_type_original=f"type_of_violence {violence} ({category.lower()})",
        actor1_raw=cell(raw, "side_a"),
        actor2_raw=cell(raw, "side_b"),
        fatalities=best,
        fatalities_low=low_n,
        fatalities_high=high_n,
        latitude=lat,
        longitude=lon,
        geo_precision=precision,
        location=cell(raw, "where_coordinates") or cell(raw, "adm_2") or cell(raw, "adm_1"),
        notes=" ".join(notes),
        source=source,
        admin1=cell(raw, "adm_1"),
        admin2=cell(raw, "adm_2"),
        in_country=True,
    )
