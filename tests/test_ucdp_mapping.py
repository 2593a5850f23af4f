"""UCDP GED rows -> candidates (conflictmap/importers/ucdp.py), without a database.

Small files in the two real layouts (the HDX country file with its HXL hashtag row, and the
standard GEDEvent columns), read as ingest reads them (csvfile), mapped by ``ucdp.parse``.
Rows are modelled on hand-checked records of /work/shared/data/ucdp_ged_colombia_1989_2018_hdx.csv
(ids 222009 and 221032); expected values are written out from the codebook.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pandas as pd

from conflictmap.importers import csvfile, ucdp
from conflictmap.importers.candidates import Candidates, first_data_row

HDX_COLUMNS = (
    "id,year,active_year,start_year,end_year,type_of_violence,conflict_new_id,conflict_name,"
    "dyad_new_id,dyad_name,side_a_new_id,gwnoa,side_a,side_b_new_id,gwnob,side_b,"
    "number_of_sources,source_article,source_office,source_date,source_headline,"
    "source_original,where_prec,where_coordinates,adm_1,adm_2,latitude,longitude,geom_wkt,"
    "priogrid_gid,country,country_id,iso3,region,event_clarity,date_prec,date_start,date_end,"
    "deaths_a,deaths_b,deaths_civilians,deaths_unknown,low,best,high"
).split(",")
HXL = {
    "year": "#date+year", "side_a": "#group+name+first", "side_b": "#group+name+second",
    "adm_1": "#adm1+name", "adm_2": "#adm2+name", "latitude": "#geo+lat",
    "longitude": "#geo+lon", "country": "#country+name", "date_start": "#date+start",
    "best": "#affected+killed",
}  # fmt: skip
GED_COLUMNS = [
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_new_id",
    "conflict_name", "dyad_new_id", "dyad_name", "side_a_new_id", "side_a", "side_b_new_id",
    "side_b", "number_of_sources", "source_article", "source_office", "source_date",
    "source_headline", "source_original", "where_prec", "where_coordinates",
    "where_description", "adm_1", "adm_2", "latitude", "longitude", "geom_wkt", "priogrid_gid",
    "country", "country_id", "region", "event_clarity", "date_prec", "date_start", "date_end",
    "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "high", "low",
]  # fmt: skip

# id 222009 of the HDX file: AUC - FARC, Córdoba department centroid, 27-29 Dec 1998
AUC_FARC = {
    "id": "222009", "year": "1998", "type_of_violence": "2", "conflict_name": "AUC - FARC",
    "dyad_name": "AUC - FARC", "side_a": "AUC", "side_b": "FARC", "source_office": "",
    "source_headline": "", "where_prec": "4", "where_coordinates": "Córdoba department",
    "adm_1": "Córdoba department", "adm_2": "", "latitude": "8.333333",
    "longitude": "-75.666667", "country": "Colombia", "date_prec": "2",
    "date_start": "1998-12-27", "date_end": "1998-12-29", "low": "38", "best": "38",
    "high": "38",
}  # fmt: skip
# a made-up event at an exact place (Neiva), standard GED layout values
NEIVA = {
    "id": "451234", "type_of_violence": "1", "conflict_name": "Colombia: Government",
    "dyad_name": "Government of Colombia - ELN", "side_a": "Government of Colombia",
    "side_b": "ELN", "source_office": "El Tiempo", "source_headline": "Combates en Neiva",
    "where_prec": "1", "where_coordinates": "Neiva town", "adm_1": "Huila department",
    "adm_2": "Neiva municipality", "latitude": "2.9273", "longitude": "-75.2819",
    "country": "Colombia", "date_prec": "1", "date_start": "2022-09-02 00:00:00.000",
    "low": "2", "best": "3", "high": "5",
}  # fmt: skip


def write(path: Path, columns: list[str], rows: list[dict[str, str]], hxl: bool) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        if hxl:
            writer.writerow([HXL.get(c, "") for c in columns])
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
    return path


def parse(tmp_path: Path, *rows: dict[str, str], hdx: bool = True) -> Candidates:
    columns = HDX_COLUMNS if hdx else GED_COLUMNS
    path = write(tmp_path / "ged.csv", columns, list(rows), hxl=hdx)
    table = csvfile.open_table(path)
    assert ucdp.looks_like(table.columns)
    (frame,) = table.chunks(1000)
    return ucdp.parse(frame, first_data_row + table.hxl_rows)


def records(found: Candidates, *columns: str) -> list[tuple]:
    return [tuple(r) for r in found.frame[list(columns)].itertuples(index=False)]


def reasons(found: Candidates) -> list[tuple[int, str]]:
    return [(r.row, str(r.reason)) for r in found.rejects]


def test_the_hdx_row_222009(tmp_path: Path) -> None:
    found = parse(tmp_path, AUC_FARC)
    assert found.rejects == []
    (row,) = found.frame.to_dict("records")
    assert row["row"] == 3  # header row 1, HXL row 2
    assert row["incident_id"] == "ucdp:222009"
    assert (row["event_date"], row["date_precision"]) == (date(1998, 12, 27), "week")
    assert (row["event_type"], row["sub_event_type"]) == ("Battles", "Non-state conflict")
    assert row["event_type_original"] == "type_of_violence 2 (non-state conflict)"
    assert (row["actor1_raw"], row["actor2_raw"]) == ("AUC", "FARC")
    assert (row["fatalities"], row["fatalities_low"], row["fatalities_high"]) == (38, 38, 38)
    # where_prec 4: the department centroid; the point is kept, the department only
    assert (row["latitude"], row["longitude"], row["geo_precision"]) == (8.333333, -75.666667, 3)
    assert (row["admin1"], row["admin2"]) == ("Córdoba department", "")
    assert row["location"] == "Córdoba department"
    assert row["notes"] == (
        "UCDP fatality estimates: low 38, best 38, high 38. Conflict: AUC - FARC. Dyad: AUC - FARC."
    )
    assert row["source"] == "UCDP GED"
    assert row["in_country"] is True
    assert json.loads(row["original"])["adm_1"] == "Córdoba department"


def test_an_exact_place_in_the_standard_layout(tmp_path: Path) -> None:
    found = parse(tmp_path, NEIVA, hdx=False)
    assert found.rejects == []
    (row,) = found.frame.to_dict("records")
    assert row["row"] == 2
    assert (row["event_date"], row["date_precision"]) == (date(2022, 9, 2), "day")
    assert (row["event_type"], row["sub_event_type"]) == ("Battles", "State-based conflict")
    assert row["event_type_original"] == "type_of_violence 1 (state-based conflict)"
    assert (row["latitude"], row["longitude"], row["geo_precision"]) == (2.9273, -75.2819, 1)
    assert (row["fatalities"], row["fatalities_low"], row["fatalities_high"]) == (3, 2, 5)
    assert row["notes"] == (
        "UCDP fatality estimates: low 2, best 3, high 5. Conflict: Colombia: Government. "
        "Dyad: Government of Colombia - ELN. Headline: Combates en Neiva."
    )
    assert row["source"] == "UCDP GED (El Tiempo)"
    assert (row["admin1"], row["admin2"]) == ("Huila department", "Neiva municipality")
    assert row["location"] == "Neiva town"


def test_one_sided_violence_and_the_location_fallbacks(tmp_path: Path) -> None:
    found = parse(
        tmp_path,
        {**NEIVA, "id": "1", "type_of_violence": "3", "where_coordinates": ""},
        {**NEIVA, "id": "2", "where_coordinates": "", "adm_2": ""},
        {**NEIVA, "id": "3", "where_coordinates": "", "adm_2": "", "adm_1": ""},
    )
    assert records(found, "incident_id", "event_type", "sub_event_type", "location") == [
        ("ucdp:1", "Violence against civilians", "One-sided violence", "Neiva municipality"),
        ("ucdp:2", "Battles", "State-based conflict", "Huila department"),
        ("ucdp:3", "Battles", "State-based conflict", ""),
    ]
    assert found.frame["event_type_original"][0] == "type_of_violence 3 (one-sided violence)"


def test_every_where_prec_and_date_prec_code(tmp_path: Path) -> None:
    rows = [
        {**NEIVA, "id": str(code), "where_prec": str(code), "date_prec": str(min(code, 5))}
        for code in range(1, 8)
    ]
    found = parse(tmp_path, *rows)
    assert found.rejects == []
    assert records(found, "incident_id", "geo_precision", "date_precision", "latitude") == [
        ("ucdp:1", 1, "day", 2.9273),
        ("ucdp:2", 2, "week", 2.9273),
        ("ucdp:3", 2, "month", 2.9273),
        ("ucdp:4", 3, "year", 2.9273),
        # 5, 6, 7: a region, the country, sea or air: counted, never drawn
        ("ucdp:5", 4, "year", None),
        ("ucdp:6", 4, "year", None),
        ("ucdp:7", 4, "year", None),
    ]
    assert list(found.frame["longitude"][4:]) == [None, None, None]


def test_unknown_low_and_high(tmp_path: Path) -> None:
    found = parse(tmp_path, {**NEIVA, "low": "", "high": "", "best": "0"})
    (row,) = found.frame.to_dict("records")
    assert (row["fatalities"], row["fatalities_low"], row["fatalities_high"]) == (0, None, None)
    assert row["notes"].startswith("UCDP fatality estimates: low ?, best 0, high ?. ")


def test_country_names(tmp_path: Path) -> None:
    found = parse(
        tmp_path,
        {**NEIVA, "id": "1", "country": "COLOMBIA"},
        {**NEIVA, "id": "2", "country": "Colombia (Gran Colombia)"},
        {**NEIVA, "id": "3", "country": "Venezuela"},
        {**NEIVA, "id": "4", "country": "Gran Colombia"},
        {**NEIVA, "id": "5", "country": "Colombia and Venezuela"},
    )
    assert records(found, "incident_id") == [("ucdp:1",), ("ucdp:2",)]
    assert reasons(found) == [
        (5, "outside scope: country is 'Venezuela', not Colombia"),
        (6, "outside scope: country is 'Gran Colombia', not Colombia"),
        (7, "outside scope: country is 'Colombia and Venezuela', not Colombia"),
    ]


def test_rejects_say_why(tmp_path: Path) -> None:
    found = parse(
        tmp_path,
        {**NEIVA, "id": ""},
        {**NEIVA, "type_of_violence": "4"},
        {**NEIVA, "where_prec": "8"},
        {**NEIVA, "where_prec": ""},
        {**NEIVA, "date_prec": "6"},
        {**NEIVA, "date_start": "2022-02-30"},
        {**NEIVA, "latitude": ""},
        {**NEIVA, "longitude": ""},
        {**NEIVA, "best": "tres"},
        {**NEIVA, "best": "-1"},
        {**NEIVA, "best": "2.5"},
        {**NEIVA, "low": "x"},
        {**NEIVA, "high": "-3"},
        {**NEIVA, "latitude": "95"},
        {**NEIVA, "longitude": "-180.5"},
        {**NEIVA, "longitude": "180.5"},
        {**NEIVA, "latitude": "-90.5"},
    )
    assert [(row, reason.split(" (expected")[0]) for row, reason in reasons(found)] == [
        (3, "id is empty"),
        (4, "type_of_violence '4' is not 1, 2 or 3"),
        (5, "where_prec '8' is not 1–7"),
        (6, "where_prec '' is not 1–7"),
        (7, "date_prec '6' is not 1–5"),
        (8, "bad date_start '2022-02-30'"),
        (9, "latitude/longitude missing"),
        (10, "latitude/longitude missing"),
        (11, "best 'tres' is not a number"),
        (12, "best '-1' is not a whole number >= 0"),
        (13, "best '2.5' is not a whole number >= 0"),
        (14, "low 'x' is not a number"),
        (15, "high '-3' is not a whole number >= 0"),
        (16, "latitude '95' is out of range [-90, 90]"),
        (17, "longitude '-180.5' is out of range [-180, 180]"),
        (18, "longitude '180.5' is out of range [-180, 180]"),
        (19, "latitude '-90.5' is out of range [-90, 90]"),
    ]
    assert found.frame.empty


def test_a_country_level_row_needs_no_point(tmp_path: Path) -> None:
    found = parse(tmp_path, {**NEIVA, "where_prec": "6", "latitude": "", "longitude": ""})
    assert found.rejects == []
    assert records(found, "latitude", "longitude", "geo_precision") == [(None, None, 4)]


def test_29_february_and_a_whole_number_written_with_a_decimal(tmp_path: Path) -> None:
    found = parse(tmp_path, {**NEIVA, "date_start": "2016-02-29", "best": "4.0", "low": "0"})
    (row,) = found.frame.to_dict("records")
    assert (row["event_date"], row["fatalities"], row["fatalities_low"]) == (
        date(2016, 2, 29), 4, 0,
    )  # fmt: skip


def test_an_empty_chunk(tmp_path: Path) -> None:
    found = ucdp.parse(pd.DataFrame(columns=GED_COLUMNS, dtype=object))
    assert found.frame.empty and found.rejects == []


def test_a_header_is_ucdp_when_it_has_the_signature_columns() -> None:
    signature = ["id", "type_of_violence", "where_prec", "date_start", "best"]
    assert ucdp.looks_like(signature)  # exactly those: a minimal export
    assert ucdp.looks_like(HDX_COLUMNS) and ucdp.looks_like(GED_COLUMNS)
    assert not ucdp.looks_like(signature[:-1] + ["fatalities"])


def test_points_at_the_ends_of_the_ranges(tmp_path: Path) -> None:
    found = parse(
        tmp_path,
        {**NEIVA, "id": "1", "latitude": "-90", "longitude": "-180"},
        {**NEIVA, "id": "2", "latitude": "90", "longitude": "180"},
        {**NEIVA, "id": "3", "latitude": "-4.215", "longitude": "-69.94"},  # Leticia
    )
    assert found.rejects == []
    assert records(found, "latitude", "longitude") == [
        (-90.0, -180.0),
        (90.0, 180.0),
        (-4.215, -69.94),
    ]
