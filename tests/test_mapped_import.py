"""A table read with a column layout becomes candidates (conflictmap/importers/mapped.py).

Small files written in the test in the real layouts (the Policía's massacre export, the CNMH case
tables with DIAH/MESH/ANNOH, a hand-made layout), read as ingest reads them (tabular), mapped by
:class:`MappedFormat` without a database. Expected values are written out by hand from the rows.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conflictmap.importers import layout as layouts
from conflictmap.importers import tabular
from conflictmap.importers.candidates import Candidates
from conflictmap.importers.layout import Layout, LayoutError
from conflictmap.importers.mapped import MappedFormat

POLICIA_HEADER = "FECHA HECHO,COD_DEPTO,DEPARTAMENTO,COD_MUNI,MUNICIPIO,ZONA,CASOS,VICTIMAS\n"
CNMH_HEADER = (
    "IdCaso,DIAH,MESH,ANNOH,DEPTO_CASO,MUNINICIO_CASO,TipoEvento,PRESUNTO_REPONSABLE1,"
    "DESCRIPCION_PRESUNTO_RESPONSABLE1,TipoArmas,TotalCivilesMuertos,NumeroVictimasCaso\n"
)


def builtin(name: str) -> Layout:
    return {lay.name: lay for lay in layouts.builtins()}[name]


def read(tmp_path: Path, text: str, name: str = "casos.csv") -> pd.DataFrame:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    table = tabular.read_table(path, name=name)
    assert table.first_row == 2
    return table.frame


def run(
    layout: Layout, frame: pd.DataFrame, *, drop_repeats: bool = False
) -> tuple[MappedFormat, Candidates]:
    mapped = MappedFormat(layout, frame, name="casos.csv", drop_repeats=drop_repeats)
    return mapped, mapped.parse(frame, 2)


def records(found: Candidates, *columns: str) -> list[tuple]:
    return [tuple(r) for r in found.frame[list(columns)].itertuples(index=False)]


def reasons(found: Candidates) -> list[tuple[int, str]]:
    return [(r.row, str(r.reason)) for r in found.rejects]


def content_id(prefix: str, cells: list[str]) -> str:
    """The documented id of a row without an id column: sha1 of the JSON list [date, precision,
    the other cells in file order], first 16 hex digits (ids must not change between versions:
    a re-import would store every row again)."""
    text = json.dumps(cells, ensure_ascii=False)
    return f"{prefix}:{hashlib.sha1(text.encode('utf-8')).hexdigest()[:16]}"


# ---- the Policía's export: one date column, DANE codes, no id column --------------------------


def test_policia_rows_codes_dates_and_counts(tmp_path: Path) -> None:
    frame = read(
        tmp_path,
        POLICIA_HEADER
        + "01/02/2022 12:00:00 AM,05,ANTIOQUIA,05001,MEDELLIN,,1,4\n"
        + "09/11/2022 12:00:00 AM,68,SANTANDER,68385,LANDAZURI,,1,4\n"
        + "02/29/2024 12:00:00 AM,08,ATLANTICO,,,,1,3\n"
        + "12/31/2023 12:00:00 AM,11,BOGOTA D.C.,11001,BOGOTA D.C.,,1,0\n",
    )
    mapped, found = run(builtin("policia-masacres"), frame)
    assert found.rejects == []
    assert records(
        found, "row", "event_date", "date_precision", "place_dept", "place_muni", "fatalities",
        "victims",
    ) == [
        (2, date(2022, 1, 2), "day", "05", "05001", 4, 4),
        (3, date(2022, 9, 11), "day", "68", "68385", 4, 4),
        (4, date(2024, 2, 29), "day", "08", "", 3, 3),
        (5, date(2023, 12, 31), "day", "11", "11001", 0, 0),
    ]  # fmt: skip
    # row numbers are whole numbers, shown as people count spreadsheet rows ("2", not "2.0")
    assert [str(r) for r in found.frame["row"]] == ["2", "3", "4", "5"]
    # Python objects in every column, as in every importer's candidates (parse_rows)
    assert set(found.frame.dtypes) == {np.dtype(object)}
    first = found.frame.iloc[0]
    assert first["event_type"] == "Violence against civilians"
    assert first["sub_event_type"] == "Massacre"
    assert first["event_type_original"] == "Masacre (Policía Nacional)"
    assert first["source"] == "Policía Nacional (datos.gov.co: masacres)"
    assert (first["actor1_raw"], first["actor2_raw"], first["notes"]) == ("", "", "")
    assert (first["latitude"], first["longitude"]) == (None, None)
    assert json.loads(first["original"]) == {
        "FECHA HECHO": "01/02/2022 12:00:00 AM", "COD_DEPTO": "05", "DEPARTAMENTO": "ANTIOQUIA",
        "COD_MUNI": "05001", "MUNICIPIO": "MEDELLIN", "ZONA": "", "CASOS": "1", "VICTIMAS": "4",
    }  # fmt: skip
    assert first["incident_id"] == content_id(
        "policia-masacres",
        ["2022-01-02", "day", "05", "ANTIOQUIA", "05001", "MEDELLIN", "", "1", "4"],
    )
    assert mapped.FORMAT == "layout:policia-masacres"
    assert (mapped.FATALITIES, mapped.VICTIMS, mapped.REQUIRED) == ("VICTIMAS", "VICTIMAS", [])
    # 02/29/2024 can only be month first: decided, no warning
    assert mapped.detected["layout"] == "policia-masacres"
    assert mapped.detected["date_order"].startswith("MM/DD/YYYY: month first: '")
    assert mapped.detected["date_order"].endswith(" 12:00:00 AM' has a day above 12")
    assert mapped.warnings == {}


def test_an_undecided_am_pm_column_is_month_first_and_says_so(tmp_path: Path) -> None:
    frame = read(tmp_path, POLICIA_HEADER + "01/02/2022 12:00:00 AM,81,ARAUCA,81300,FORTUL,,1,4\n")
    mapped, found = run(builtin("policia-masacres"), frame)
    assert records(found, "event_date") == [(date(2022, 1, 2),)]
    assert mapped.warnings == {"date_order_assumed": 1}
    assert mapped.detected["date_order"].startswith("MM/DD/YYYY: ")


def test_an_undecided_column_follows_the_layouts_order(tmp_path: Path) -> None:
    frame = read(tmp_path, POLICIA_HEADER + "01/02/2022 12:00:00 AM,81,ARAUCA,81300,FORTUL,,1,4\n")
    layout = layouts.replace(builtin("policia-masacres"), date_order="dmy")
    mapped, found = run(layout, frame)
    assert records(found, "event_date") == [(date(2022, 2, 1),)]
    assert mapped.warnings == {}
    assert mapped.detected["date_order"] == "DD/MM/YYYY: as the layout says"


def test_a_column_of_text_dates_decides_nothing_and_warns_nothing(tmp_path: Path) -> None:
    frame = read(tmp_path, POLICIA_HEADER + "2022-01-02,81,ARAUCA,81300,FORTUL,,1,4\n")
    mapped, found = run(builtin("policia-masacres"), frame)
    assert records(found, "event_date") == [(date(2022, 1, 2),)]
    assert mapped.warnings == {}
    assert mapped.detected["date_order"].startswith("DD/MM/YYYY: ")


def test_a_column_mixing_day_and_month_first_is_refused(tmp_path: Path) -> None:
    frame = read(
        tmp_path,
        POLICIA_HEADER
        + "13/01/2022 12:00:00 AM,81,ARAUCA,81300,FORTUL,,1,4\n"
        + "01/13/2022 12:00:00 AM,81,ARAUCA,81300,FORTUL,,1,4\n",
    )
    with pytest.raises(LayoutError) as err:
        MappedFormat(builtin("policia-masacres"), frame, name="masacres.csv")
    assert str(err.value).startswith("masacres.csv: column 'FECHA HECHO': ")
    assert "'13/01/2022 12:00:00 AM'" in str(err.value)  # the dates.DateError it wraps
    assert "'01/13/2022 12:00:00 AM'" in str(err.value)


def test_a_header_the_layout_does_not_fit_names_the_file(tmp_path: Path) -> None:
    frame = read(tmp_path, "FECHA HECHO,VICTIMAS\n01/02/2022,4\n")
    with pytest.raises(LayoutError) as err:
        MappedFormat(builtin("policia-masacres"), frame, name="masacres.csv")
    assert str(err.value).startswith("masacres.csv: layout 'policia-masacres': ")


def test_the_repeated_landazuri_line_gets_a_second_id_also_across_chunks(tmp_path: Path) -> None:
    line = "09/11/2022 12:00:00 AM,68,SANTANDER,68385,LANDAZURI,,1,4\n"
    frame = read(tmp_path, POLICIA_HEADER + line + line + line)
    mapped = MappedFormat(builtin("policia-masacres"), frame, name="m.csv")
    first = mapped.parse(frame.iloc[:1], 2)
    rest = mapped.parse(frame.iloc[1:], 3)
    base = content_id(
        "policia-masacres",
        ["2022-09-11", "day", "68", "SANTANDER", "68385", "LANDAZURI", "", "1", "4"],
    )
    assert records(first, "row", "incident_id") == [(2, base)]
    assert records(rest, "row", "incident_id") == [(3, base + "-2"), (4, base + "-3")]
    assert mapped.warnings == {"date_order_assumed": 1, "repeated_rows": 2}


def test_drop_repeats_gives_repeats_the_same_id(tmp_path: Path) -> None:
    line = "09/11/2022 12:00:00 AM,68,SANTANDER,68385,LANDAZURI,,1,4\n"
    frame = read(tmp_path, POLICIA_HEADER + line + line)
    mapped, found = run(builtin("policia-masacres"), frame, drop_repeats=True)
    ids = [r[0] for r in records(found, "incident_id")]
    assert ids[0] == ids[1] and not ids[0].endswith("-2")
    assert mapped.warnings["repeated_rows"] == 1


def test_the_same_day_written_two_ways_hashes_alike(tmp_path: Path) -> None:
    frame = read(
        tmp_path,
        "fecha,depto,fuente\n2022-09-02,05,El Tiempo\n02/09/2022,05,El Tiempo\n"
        "2022-09,05,El Tiempo\n",
    )
    layout = Layout(
        "Masacres Antioquia",
        columns={"event_date": "fecha", "dept": "depto", "source": "fuente"},
        constants={"event_type": "Battles"},
    )
    mapped, found = run(layout, frame)
    prefix = "masacres-antioquia"  # the layout's name as a slug
    same = content_id(prefix, ["2022-09-02", "day", "05", "El Tiempo"])
    month = content_id(prefix, ["2022-09-01", "month", "05", "El Tiempo"])
    assert records(found, "incident_id", "date_precision") == [
        (same, "day"), (same + "-2", "day"), (month, "month"),
    ]  # fmt: skip
    assert mapped.warnings == {"repeated_rows": 1, "date_order_assumed": 1}  # 02/09/2022


def test_content_ids_keep_accents_as_written(tmp_path: Path) -> None:
    frame = read(tmp_path, "fecha,municipio,fuente\n2022-09-02,Medellín,Semana\n")
    layout = Layout(
        "x",
        columns={"event_date": "fecha", "muni": "municipio", "source": "fuente"},
        constants={"event_type": "Battles"},
        id_prefix="mío",
    )
    _, found = run(layout, frame)
    assert records(found, "incident_id", "place_muni") == [
        (content_id("mío", ["2022-09-02", "day", "Medellín", "Semana"]), "Medellín")
    ]


# ---- CNMH case tables: day/month/year columns, names, actor class and group ------------------


def cnmh(tmp_path: Path, *rows: str) -> tuple[MappedFormat, Candidates]:
    frame = read(tmp_path, CNMH_HEADER + "".join(r + "\n" for r in rows), "Casos MAP MUSE.csv")
    return run(builtin("cnmh-map-muse"), frame)


def test_cnmh_unknown_day_or_month_keeps_month_or_year_precision(tmp_path: Path) -> None:
    _, found = cnmh(
        tmp_path,
        "0101,29,2,2004,ANTIOQUIA,SONSÓN,Atentado por MAP,Guerrilla,FARC,Mina antipersonal,1,2",
        "0102,0,7,1998,META,MESETAS,Afectación por MUSE,Guerrilla,No aplica,,0,1",
        "0103,,0,1990,HUILA,COLOMBIA,AFECTACION POR MUSE,Desconocido,,,0,1",
        "0104,5,,2001,BOGOTÁ D.C.,BOGOTÁ D.C.,,Agente del Estado,No Identificada,,,",
    )
    assert found.rejects == []
    assert records(
        found, "incident_id", "event_date", "date_precision", "place_dept", "place_muni"
    ) == [
        ("cnmh-map-muse:0101", date(2004, 2, 29), "day", "ANTIOQUIA", "SONSÓN"),
        ("cnmh-map-muse:0102", date(1998, 7, 1), "month", "META", "MESETAS"),
        ("cnmh-map-muse:0103", date(1990, 1, 1), "year", "HUILA", "COLOMBIA"),
        ("cnmh-map-muse:0104", date(2001, 1, 1), "year", "BOGOTÁ D.C.", "BOGOTÁ D.C."),
    ]
    assert records(found, "actor1_raw", "sub_event_type", "event_type_original") == [
        ("FARC", "Landmine", "Atentado por MAP"),
        ("Guerrilla", "Unexploded ordnance", "Afectación por MUSE"),
        ("Desconocido", "Unexploded ordnance", "AFECTACION POR MUSE"),
        # no TipoEvento: the original type is the event type constant
        ("Agente del Estado", "Landmine or unexploded ordnance", "Explosions/Remote violence"),
    ]
    assert records(found, "fatalities", "victims", "notes") == [
        (None, 2, "TipoArmas: Mina antipersonal; TotalCivilesMuertos: 1"),
        (None, 1, "TotalCivilesMuertos: 0"),
        (None, 1, "TotalCivilesMuertos: 0"),
        (None, None, ""),
    ]
    assert set(found.frame["event_type"]) == {"Explosions/Remote violence"}
    assert set(found.frame["source"]) == {"CNMH, Observatorio de Memoria y Conflicto (MAP/MUSE)"}


def test_cnmh_rejects_say_why(tmp_path: Path) -> None:
    _, found = cnmh(
        tmp_path,
        "0201,3,5,0,HUILA,NEIVA,,Guerrilla,FARC,,0,1",
        "0202,30,2,2005,HUILA,NEIVA,,Guerrilla,FARC,,0,1",
        "0203,1,13,2005,HUILA,NEIVA,,Guerrilla,FARC,,0,1",
        "0204,1,1,2005,SIN INFORMACION,SIN INFORMACION,,Guerrilla,FARC,,0,1",
        "0205,1,1,2005,,,,Guerrilla,FARC,,0,1",
        "0206,1,1,2005,HUILA,SIN INFORMACION,,Guerrilla,FARC,,0,-1",
        "0207,1,1,2005,HUILA,,,Guerrilla,FARC,,0,dos",
        ",,,,,,,,,,,",
        "0208,1,1,1899,HUILA,NEIVA,,Guerrilla,FARC,,0,1",
    )
    assert reasons(found) == [
        (2, "DIAH/MESH/ANNOH '3/5/0': the year is '0' (unknown): a case needs at least its year"),
        (3, "DIAH/MESH/ANNOH '30/2/2005': day 30 does not exist in 2005-02"),
        (4, "DIAH/MESH/ANNOH '1/13/2005': the month '13' is not a month (1-12 or its name)"),
        (5, "no place: DEPTO_CASO is 'SIN INFORMACION' and MUNINICIO_CASO is 'SIN INFORMACION' "
            "(a case needs at least its department)"),
        (6, "no place: DEPTO_CASO is empty and MUNINICIO_CASO is empty "
            "(a case needs at least its department)"),
        (7, "NumeroVictimasCaso '-1' is not a whole number >= 0"),
        (8, "NumeroVictimasCaso 'dos' is not a number"),
        (9, "the row is empty"),
        (10, "DIAH/MESH/ANNOH '1/1/1899' is before 1900"),
    ]  # fmt: skip
    assert found.frame.empty
    assert found.rejects[0].raw["ANNOH"] == "0"
    assert found.rejects[0].raw["IdCaso"] == "0201"
    assert found.rejects[0].raw["PRESUNTO_REPONSABLE1"] == "Guerrilla"


def test_cnmh_sin_informacion_municipality_keeps_the_department(tmp_path: Path) -> None:
    _, found = cnmh(tmp_path, "0301,1,1,2005,HUILA,SIN INFORMACION,,Guerrilla,ELN,,0,1")
    assert records(found, "place_dept", "place_muni", "actor1_raw") == [("HUILA", "", "ELN")]


# ---- a hand-made layout: every field, value maps, constants, points --------------------------


FULL_HEADER = (
    "id,fecha,tipo,subtipo,grupo,clase,contra,muertos,lat,lon,depto,lugar,notas,fuente,url\n"
)
FULL = Layout(
    "prensa",
    columns={
        "incident_id": "id", "event_date": "fecha", "event_type": "tipo",
        "sub_event_type": "subtipo", "actor1_group": "grupo", "actor1": "clase",
        "actor2": "contra", "fatalities": "muertos", "latitude": "lat", "longitude": "lon",
        "dept": "depto", "location": "lugar", "notes": "notas", "source": "fuente",
        "source_url": "url",
    },
    constants={"event_type": "Battles", "source": "Prensa regional", "actor2": "Población civil"},
    values={
        "event_type": {"Combate": "Battles", "Masacre": "Violence against civilians"},
        "actor1": {"Paras": "No aplica", "Guerrilla FARC": "FARC-EP"},
    },
    optional=("latitude", "longitude"),
)  # fmt: skip


def full(tmp_path: Path, *rows: str) -> tuple[MappedFormat, Candidates]:
    return run(FULL, read(tmp_path, FULL_HEADER + "".join(r + "\n" for r in rows)))


def test_every_field_of_a_full_layout(tmp_path: Path) -> None:
    _, found = full(
        tmp_path,
        "7,2022-09-02,COMBATE,Enfrentamiento,,Guerrilla FARC,Ejército,4.0,7.0625,-75.5,05,"
        "vereda La Aurora,texto,El Tiempo,https://eltiempo.com/a",
        '8,2023-03-01,masacre,,,Paras,,"2,0",,,ANTIOQUIA,,,,',
        "9,2023-03-02,,,Clan del Golfo,Paras,N/A,0,,,05,,,,",
    )
    assert found.rejects == []
    assert records(
        found, "incident_id", "event_type", "event_type_original", "sub_event_type",
        "actor1_raw", "actor2_raw", "fatalities",
    ) == [
        ("prensa:7", "Battles", "COMBATE", "Enfrentamiento", "FARC-EP", "Ejército", 4),
        ("prensa:8", "Violence against civilians", "masacre", "", "", "Población civil", 2),
        ("prensa:9", "Battles", "Battles", "", "Clan del Golfo", "Población civil", 0),
    ]  # fmt: skip
    assert records(
        found, "latitude", "longitude", "place_dept", "location", "notes", "source", "source_url"
    ) == [
        (7.0625, -75.5, "05", "vereda La Aurora", "texto", "El Tiempo", "https://eltiempo.com/a"),
        (None, None, "ANTIOQUIA", "", "", "Prensa regional", ""),
        (None, None, "05", "", "", "Prensa regional", ""),
    ]  # fmt: skip


def test_the_event_type_original_falls_back_to_the_sub_type_then_constants(
    tmp_path: Path,
) -> None:
    layout = Layout(
        "x",
        columns={"event_date": "fecha", "sub_event_type": "sub", "dept": "d"},
        constants={"event_type": "Battles", "source": "S"},
    )
    _, found = run(layout, read(tmp_path, "fecha,sub,d\n2022-01-01,Emboscada,05\n2022-01-02,,05\n"))
    assert records(found, "event_type_original") == [("Emboscada",), ("Battles",)]
    given = layouts.replace(
        layout, constants={"event_type": "Battles", "source": "S", "event_type_original": "Combate"}
    )
    _, found = run(given, read(tmp_path, "fecha,sub,d\n2022-01-01,Emboscada,05\n2022-01-02,,05\n"))
    assert records(found, "event_type_original") == [("Emboscada",), ("Combate",)]


def test_bad_cells_of_a_full_layout_are_rejected_with_their_reason(tmp_path: Path) -> None:
    tail = ",,,05,,,,"
    _, found = full(
        tmp_path,
        "1,,Combate,,,,,0" + tail,
        "2,2022-02-30,Combate,,,,,0" + tail,
        "3,2999-01-01,Combate,,,,,0" + tail,
        "4,2022-01-01,Paro,,,,,0" + tail,
        "5,2022-01-01,Combate,,,,,1.5" + tail,
        "6,2022-01-01,Combate,,,,,inf" + tail,
        "7,2022-01-01,Combate,,,,,0,7.1,,05,,,,",
        "8,2022-01-01,Combate,,,,,0,,-75.1,05,,,,",
        "9,2022-01-01,Combate,,,,,0,91,-75.1,05,,,,",
        "10,2022-01-01,Combate,,,,,0,7.1,-181,05,,,,",
        "11,2022-01-01,Combate,,,,,0,,,05,,,,javascript:alert(1)",
        "12,2022-01-01,Combate,,,,,0,,,,,,,",
    )
    assert [(row, reason.split(" (")[0]) for row, reason in reasons(found)] == [
        (2, "fecha is empty"),
        (3, "bad fecha '2022-02-30'"),
        (4, "fecha '2999-01-01' is in the future"),
        (5, "unknown event_type 'Paro'"),
        (6, "muertos '1.5' is not a whole number >= 0"),
        (7, "muertos 'inf' is not a whole number >= 0"),
        (8, "latitude and longitude must be given together"),
        (9, "latitude and longitude must be given together"),
        (10, "latitude '91' is out of range [-90, 90]"),
        (11, "longitude '-181' is out of range [-180, 180]"),
        (12, "source_url 'javascript:alert(1)' is not an http(s) link"),
        (13, "no place: depto is empty"),
    ]
    assert found.frame.empty


def test_a_point_alone_places_a_row(tmp_path: Path) -> None:
    _, found = full(tmp_path, '1,2022-01-01,Combate,,,,,,"7,1",-75.1,,,,,')
    assert found.rejects == []
    assert records(found, "latitude", "longitude", "place_dept", "fatalities") == [
        (7.1, -75.1, "", None)
    ]


def test_the_first_reason_of_a_row_wins(tmp_path: Path) -> None:
    _, found = full(tmp_path, "1,,Paro,,,,,-2,,,,,,,")
    assert reasons(found) == [(2, "fecha is empty")]


def test_no_place_reasons_with_one_or_no_place_column(tmp_path: Path) -> None:
    only_dept = Layout(
        "x",
        columns={"event_date": "f", "dept": "d"},
        constants={"event_type": "Battles", "source": "S"},
    )
    _, found = run(only_dept, read(tmp_path, "f,d,x\n2022-01-01,,a\n2022-01-01,No aplica,b\n"))
    assert reasons(found) == [
        (2, "no place: d is empty (a case needs at least its department)"),
        (3, "no place: d is 'No aplica' (a case needs at least its department)"),
    ]
    points = Layout(
        "y",
        columns={"event_date": "f", "latitude": "la", "longitude": "lo"},
        constants={"event_type": "Battles", "source": "S"},
    )
    _, found = run(points, read(tmp_path, "f,la,lo\n2022-01-01,,\n2022-01-02,4.6,-74.1\n"))
    assert reasons(found) == [
        (2, "no place: no place columns (a case needs at least its department)")
    ]
    assert records(found, "row", "latitude") == [(3, 4.6)]


def test_a_constant_department_places_every_row(tmp_path: Path) -> None:
    layout = Layout(
        "x",
        columns={"event_date": "f", "victims": "v"},
        constants={
            "event_type": "Battles",
            "source": "S",
            "dept": "08",
            "location": "Barranquilla",
        },
    )
    mapped, found = run(layout, read(tmp_path, "f,v\n2022-01-01,\n2022-01-02,3\n"))
    assert found.rejects == []
    assert records(found, "place_dept", "location", "victims", "fatalities") == [
        ("08", "Barranquilla", None, None), ("08", "Barranquilla", 3, None),
    ]  # fmt: skip
    assert (mapped.FATALITIES, mapped.VICTIMS) == (None, "v")


def test_notes_join_the_notes_cell_and_the_note_columns(tmp_path: Path) -> None:
    layout = Layout(
        "x",
        columns={"event_date": "f", "dept": "d", "notes": "n"},
        constants={"event_type": "Battles", "source": "S"},
        note_columns=("Arma", "Zona"),
    )
    frame = read(
        tmp_path,
        "f,d,n,Arma,Zona\n2022-01-01,05,Texto,Fusil,Rural\n2022-01-01,05,,,Urbana\n"
        "2022-01-01,05,Solo,,\n",
    )
    _, found = run(layout, frame)
    assert records(found, "notes") == [
        ("Texto; Arma: Fusil; Zona: Rural",), ("Zona: Urbana",), ("Solo",),
    ]  # fmt: skip


def test_an_empty_chunk_gives_no_candidates(tmp_path: Path) -> None:
    frame = read(tmp_path, POLICIA_HEADER + "01/02/2022 12:00:00 AM,81,ARAUCA,81300,FORTUL,,1,4\n")
    mapped = MappedFormat(builtin("policia-masacres"), frame, name="m.csv")
    found = mapped.parse(frame.iloc[:0], 2)
    assert found.frame.empty and found.rejects == []
    assert {"row", "incident_id", "event_date", "event_type", "source"} <= set(found.frame.columns)


def test_rows_are_numbered_from_the_start_row_of_the_chunk(tmp_path: Path) -> None:
    frame = read(
        tmp_path,
        POLICIA_HEADER
        + "01/02/2022 12:00:00 AM,81,ARAUCA,81300,FORTUL,,1,4\n"
        + "01/03/2022 12:00:00 AM,,,,,,1,3\n"
        + "01/04/2022 12:00:00 AM,76,VALLE DEL CAUCA,76364,JAMUNDI,,1,3\n",
    )
    mapped = MappedFormat(builtin("policia-masacres"), frame, name="m.csv")
    found = mapped.parse(frame.iloc[1:], 501)
    assert records(found, "row", "place_muni") == [(502, "76364")]
    assert [r.row for r in found.rejects] == [501]


def test_a_row_without_its_source_is_rejected(tmp_path: Path) -> None:
    layout = Layout(
        "x",
        columns={"event_date": "f", "dept": "d", "source": "fuente"},
        constants={"event_type": "Battles"},
    )
    _, found = run(layout, read(tmp_path, "f,d,fuente\n2022-01-01,05,\n2022-01-02,05,Semana\n"))
    assert reasons(found) == [(2, "source is empty (every incident needs its source)")]
    assert records(found, "row", "source") == [(3, "Semana")]


def test_points_at_the_ends_of_the_ranges(tmp_path: Path) -> None:
    layout = Layout(
        "x",
        columns={"event_date": "f", "latitude": "la", "longitude": "lo"},
        constants={"event_type": "Battles", "source": "S"},
    )
    frame = read(
        tmp_path,
        "f,la,lo\n2022-01-01,-90,-180\n2022-01-01,90,180\n2022-01-01,-90.5,-74\n"
        "2022-01-01,4,-180.5\n2022-01-01,4,180.5\n2022-01-01,-4.215,-69.94\n",
    )
    _, found = run(layout, frame)
    assert records(found, "row", "latitude", "longitude") == [
        (2, -90.0, -180.0), (3, 90.0, 180.0), (7, -4.215, -69.94),
    ]  # fmt: skip
    assert reasons(found) == [
        (4, "latitude '-90.5' is out of range [-90, 90]"),
        (5, "longitude '-180.5' is out of range [-180, 180]"),
        (6, "longitude '180.5' is out of range [-180, 180]"),
    ]


def test_a_missing_optional_note_column_adds_nothing(tmp_path: Path) -> None:
    layout = Layout(
        "x",
        columns={"event_date": "f", "dept": "d"},
        constants={"event_type": "Battles", "source": "S", "notes": "Nota fija"},
        note_columns=("Arma", "Zona"),
        optional=("notes",),
    )
    _, found = run(layout, read(tmp_path, "f,d,Zona\n2022-01-01,05,Rural\n2022-01-01,05,\n"))
    assert records(found, "notes") == [("Nota fija; Zona: Rural",), ("Nota fija",)]


def test_day_month_year_columns_without_ids_hash_the_parsed_date(tmp_path: Path) -> None:
    layout = Layout(
        "cnmh sin id",
        columns={"day": "DIAH", "month": "MESH", "year": "ANNOH", "dept": "DEPTO_CASO"},
        constants={"event_type": "Battles", "source": "CNMH"},
    )
    frame = read(
        tmp_path,
        "DIAH,MESH,ANNOH,DEPTO_CASO\n2,9,2022,HUILA\n02,09,2022,HUILA\n0,septiembre,2022,HUILA\n",
    )
    mapped, found = run(layout, frame)
    day = content_id("cnmh-sin-id", ["2022-09-02", "day", "HUILA"])
    month = content_id("cnmh-sin-id", ["2022-09-01", "month", "HUILA"])
    assert records(found, "incident_id", "event_date") == [
        (day, date(2022, 9, 2)), (day + "-2", date(2022, 9, 2)), (month, date(2022, 9, 1)),
    ]  # fmt: skip
    assert mapped.warnings == {"repeated_rows": 1}
    assert "date_order" not in mapped.detected


def test_a_year_column_alone_and_a_month_and_year(tmp_path: Path) -> None:
    year_only = Layout(
        "x",
        columns={"year": "AÑO", "dept": "d"},
        constants={"event_type": "Battles", "source": "S"},
    )
    _, found = run(year_only, read(tmp_path, "AÑO,d\n1998,05\n0,05\n,05\n"))
    assert records(found, "event_date", "date_precision") == [(date(1998, 1, 1), "year")]
    assert reasons(found) == [
        (3, "AÑO '0': the year is '0' (unknown): a case needs at least its year"),
        (4, "AÑO '(empty)': the year is empty (unknown): a case needs at least its year"),
    ]
    month_year = layouts.replace(year_only, columns={"month": "MES", "year": "AÑO", "dept": "d"})
    _, found = run(
        month_year, read(tmp_path, "MES,AÑO,d\n2,2024,05\nfebrero,2024,05\n13,2024,05\n")
    )
    assert records(found, "event_date", "date_precision") == [
        (date(2024, 2, 1), "month"), (date(2024, 2, 1), "month"),
    ]  # fmt: skip
    assert reasons(found) == [
        (4, "MES/AÑO '13/2024': the month '13' is not a month (1-12 or its name)"),
    ]


def test_counts_written_with_thousands_separators(tmp_path: Path) -> None:
    """ "1.000" is a thousand in a Colombian spreadsheet and 1 in an English one: refused with
    its reason, never guessed; "12.000.000" can only be thousands; "0.000" is 0 either way;
    "4,0" is a decimal comma."""
    _, found = cnmh(
        tmp_path,
        "0401,1,1,2005,HUILA,NEIVA,,Guerrilla,FARC,,0,12.000.000",
        "0402,1,1,2005,HUILA,NEIVA,,Guerrilla,FARC,,0,1.000",
        '0403,1,1,2005,HUILA,NEIVA,,Guerrilla,FARC,,0,"25,000"',
        "0404,1,1,2005,HUILA,NEIVA,,Guerrilla,FARC,,0,0.000",
        '0405,1,1,2005,HUILA,NEIVA,,Guerrilla,FARC,,0,"4,0"',
        "0406,1,1,2005,HUILA,NEIVA,,Guerrilla,FARC,,0,1.000.00",
    )
    assert records(found, "incident_id", "victims") == [
        ("cnmh-map-muse:0401", 12_000_000),
        ("cnmh-map-muse:0404", 0),
        ("cnmh-map-muse:0405", 4),
    ]
    ambiguous = ("is ambiguous: a thousands separator or a decimal mark? "
                 "Write the number without separators (e.g. 1000)")
    assert reasons(found) == [
        (3, f"NumeroVictimasCaso '1.000' {ambiguous}"),
        (4, f"NumeroVictimasCaso '25,000' {ambiguous}"),
        (7, "NumeroVictimasCaso '1.000.00' is not a number"),
    ]
