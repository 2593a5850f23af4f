"""Column layouts: proposals from header names, saved layouts (database, TOML, CLI), detection
by header fingerprint, the preview API, and the victims field.

Files are made here (tmp_path); expected values are written out by hand.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
import store_access

from conflictmap import import_preview, ingest, layout_store, queries, schema, store
from conflictmap.filters import Filters
from conflictmap.importers import layout as layouts
from conflictmap.importers.csvfile import FileError
from conflictmap.importers.layout import Layout, LayoutError

ROOT = Path(__file__).resolve().parents[1]

HEADER = ["FECHA_DEL_HECHO", "Dpto", "Municipio", "VÍCTIMAS", "muertos", "Grupo armado"]
LINES = [
    "2022-09-02,Huila,Neiva,3,2,ELN",
    "2022-03-15,Nariño,Tumaco,5,5,Clan del Golfo",
    "2021-06-01,Antioquia,SIN INFORMACION,1,0,",
]


def write(path: Path, header: list[str] = HEADER, lines: list[str] = LINES) -> Path:
    path.write_text("\n".join([",".join(header), *lines]) + "\n", encoding="utf-8")
    return path


def mapping(name: str = "boletin") -> Layout:
    """The proposal for HEADER, completed as a person would on the mapping screen."""
    proposed = layouts.propose(HEADER, name=name, source="Boletín regional")
    return dataclasses.replace(
        proposed, constants={**proposed.constants, "event_type": "Violence against civilians"}
    )


def fetch(db: Path, sql: str) -> list[tuple]:
    with store_access.read(db) as con:
        return con.execute(sql).fetchall()


def cli(*args: str, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "conflictmap.cli", *args, "--db", str(store.resolve_db(db))],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=dict(os.environ),
        cwd=ROOT,
        timeout=300,
        check=False,
    )


# ---- proposals ---------------------------------------------------------------------------


def columns(layout: Layout) -> dict[str, str]:
    return {k: v[0] for k, v in layout.columns.items()}


def test_proposal_for_the_police_header() -> None:
    header = ["FECHA HECHO", "COD_DEPTO", "DEPARTAMENTO", "COD_MUNI", "MUNICIPIO", "ZONA",
              "CASOS", "VICTIMAS"]  # fmt: skip
    got = columns(layouts.propose(header))
    # codes win over names; every column serves one field
    assert got["event_date"] == "FECHA HECHO"
    assert got["dept"] == "COD_DEPTO"
    assert got["muni"] == "COD_MUNI"
    assert got["victims"] == "VICTIMAS"
    assert "DEPARTAMENTO" not in got.values() and "MUNICIPIO" not in got.values()


def test_proposal_for_the_memory_centre_header() -> None:
    header = ["IdCaso", "DIAH", "MESH", "ANNOH", "DEPTO_CASO", "MUNINICIO_CASO",
              "PRESUNTO_REPONSABLE1", "DESCRIPCION_PRESUNTO_RESPONSABLE1", "NumeroVictimasCaso",
              "TotalCivilesCombatientesMuertos"]  # fmt: skip
    assert columns(layouts.propose(header)) == {
        "incident_id": "IdCaso",
        "day": "DIAH",
        "month": "MESH",
        "year": "ANNOH",
        "dept": "DEPTO_CASO",
        "muni": "MUNINICIO_CASO",
        "actor1": "PRESUNTO_REPONSABLE1",
        "actor1_group": "DESCRIPCION_PRESUNTO_RESPONSABLE1",
        "victims": "NumeroVictimasCaso",
        "fatalities": "TotalCivilesCombatientesMuertos",
    }


def test_proposal_folds_case_accents_and_underscores() -> None:
    proposed = layouts.propose(HEADER, source="Boletín")
    assert columns(proposed) == {
        "event_date": "FECHA_DEL_HECHO",
        "dept": "Dpto",
        "muni": "Municipio",
        "actor1": "Grupo armado",
        "fatalities": "muertos",
        "victims": "VÍCTIMAS",
    }
    assert proposed.constants == {"source": "Boletín"}
    # the event type is the person's to give
    assert proposed.problems() == ["give the event type: a column or a constant"]


def test_proposal_for_english_headers() -> None:
    header = ["Date", "Department", "Municipality", "Fatalities", "Perpetrator", "Event type",
              "Notes", "Source", "Latitude", "Longitude"]  # fmt: skip
    proposed = layouts.propose(header)
    assert columns(proposed) == {
        "event_date": "Date", "dept": "Department", "muni": "Municipality",
        "latitude": "Latitude", "longitude": "Longitude", "event_type": "Event type",
        "actor1": "Perpetrator", "fatalities": "Fatalities", "notes": "Notes", "source": "Source",
    }  # fmt: skip
    assert proposed.problems() == []


def test_a_whole_date_wins_over_derived_year_columns() -> None:
    got = columns(layouts.propose(["Fecha", "Año", "Mes", "Departamento"]))
    assert got == {"event_date": "Fecha", "dept": "Departamento"}


# ---- the layout itself ---------------------------------------------------------------------


def test_toml_round_trip_keeps_everything() -> None:
    original = dataclasses.replace(
        mapping(),
        values={"event_type": {"Combate": "Battles"}},
        note_columns=("Zona",),
        optional=("notes",),
        date_order="dmy",
        id_prefix="bol",
        description='Comillas "dobles" y barra \\ invertida',
        header=tuple(HEADER),
    )
    text = original.to_toml()
    assert layouts.from_toml(text) == original


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = ", "not valid TOML"),
        ('name = "x"\ncolour = "red"', "unknown key(s) colour"),
        ('name = "x"\n[columns]\nwhen = "Fecha"', "unknown field 'when'"),
        ('name = "x"\n[columns]\nyear = "A"\ndept = "D"\n[constants]\nsource = "s"',
         "give the event type"),
        ('name = "x"\n[columns]\nyear = "A"\ndept = "D"\n[constants]\nsource = "s"\n'
         'event_type = "Fiesta"', "unknown event_type 'Fiesta'"),
        ('name = "x"\n[columns]\nyear = "A"\ndept = "D"\n[constants]\nsource = "s"\n'
         'event_type = "Battles"\nfatalities = "3"', "'fatalities' cannot be a constant"),
    ],
)  # fmt: skip
def test_bad_layout_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LayoutError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        layouts.load_file(path)
    assert str(path) in str(info.value)


def test_a_layout_that_does_not_fit_the_file_leaves_the_db_untouched(
    tmp_path: Path, empty_db: Path
) -> None:
    path = write(tmp_path / "otro.csv", ["Fecha", "Dpto", "Municipio"], ["2022-01-01,Huila,Neiva"])
    with pytest.raises(LayoutError, match=r"otro\.csv: layout 'boletin': the file has no column"):
        ingest.import_file(path, db=empty_db, layout=mapping())
    assert not empty_db.exists()


def test_builtins_are_complete_and_recognise_their_headers() -> None:
    names = [layout.name for layout in layouts.builtins()]
    assert {"policia-masacres", "cnmh-map-muse", "cnmh-casos"} <= set(names)
    for layout in layouts.builtins():
        assert layout.problems() == [], layout.name
        assert layouts.detect(layout.match + tuple(_all_columns(layout))) is not None
    # the most specific built-in wins: a landmine table is not a generic case table
    header = [*_all_columns(layouts.builtin("cnmh-map-muse")), "TipoEvento", "TipoArmas"]
    assert layouts.detect(header).name == "cnmh-map-muse"
    assert layouts.detect(["TipoEvento", "DIAH"]) is None


def _all_columns(layout: Layout | None) -> list[str]:
    assert layout is not None
    return [names[0] for names in layout.columns.values()]


# ---- saved layouts --------------------------------------------------------------------------


def test_save_list_export_and_reuse(tmp_path: Path, empty_db: Path) -> None:
    saved = layout_store.save(mapping().with_header(HEADER), db=empty_db)
    assert saved.fingerprint == layouts.fingerprint(HEADER)
    listed = layout_store.listing(db=empty_db)
    assert listed[0] == {
        "name": "boletin",
        "kind": "saved",
        "description": "",
        "fingerprint": saved.fingerprint,
    }
    assert {item["name"] for item in listed if item["kind"] == "built-in"} >= {"policia-masacres"}
    # exported as TOML and imported into another database: the same layout
    toml = tmp_path / "boletin.toml"
    toml.write_text(layout_store.export_toml("boletin", db=empty_db), encoding="utf-8")
    other = tmp_path / "other.duckdb"
    assert layout_store.import_toml(toml, db=other) == saved
    # reused by name, from the file, and as an object: the same three incidents
    data = write(tmp_path / "boletin_enero.csv")
    for spec, db in (("boletin", empty_db), (toml, tmp_path / "t.duckdb"), (saved, other)):
        report = ingest.import_file(data, db=db, layout=spec)
        assert (report.format, report.inserted) == ("layout:boletin", 3)
    got = fetch(empty_db, "SELECT event_date, dept_code, muni_code, geo_precision, victims, "
                          "fatalities, actor1_raw, source FROM incidents ORDER BY event_date")  # fmt: skip
    assert got == [
        (date(2021, 6, 1), "05", None, 3, 1, 0, "", "Boletín regional"),  # SIN INFORMACION
        (date(2022, 3, 15), "52", "52835", 2, 5, 5, "Clan del Golfo", "Boletín regional"),
        (date(2022, 9, 2), "41", "41001", 2, 3, 2, "ELN", "Boletín regional"),
    ]


def test_saved_names_are_unique_and_builtin_names_reserved(empty_db: Path) -> None:
    layout_store.save(mapping(), db=empty_db)
    with pytest.raises(LayoutError, match="already saved"):
        layout_store.save(mapping(), db=empty_db)
    layout_store.save(dataclasses.replace(mapping(), description="v2"), db=empty_db, replace=True)
    assert layout_store.get("boletin", db=empty_db).description == "v2"
    with pytest.raises(LayoutError, match="built-in layout"):
        layout_store.save(mapping("policia-masacres"), db=empty_db)
    with pytest.raises(LayoutError, match="no layout called 'nada'"):
        layout_store.get("nada", db=empty_db)
    assert layout_store.delete("boletin", db=empty_db)
    assert not layout_store.delete("boletin", db=empty_db)


def test_a_saved_layout_is_offered_for_the_same_header(tmp_path: Path, empty_db: Path) -> None:
    data = write(tmp_path / "enero.csv")
    with pytest.raises(FileError, match="matches no known format.*--layout"):
        ingest.import_file(data, db=empty_db)
    layout_store.save(mapping().with_header(HEADER), db=empty_db)
    # the next month's file: same columns in another order and case
    february = ["muertos", "Grupo armado", "fecha_del_hecho", "DPTO", "Municipio", "VÍCTIMAS"]
    other = write(tmp_path / "febrero.csv", february, ["1,FARC,2022-02-01,Cauca,Toribío,1"])
    assert layouts.fingerprint(february) == layouts.fingerprint(HEADER)
    report = ingest.import_file(other, db=empty_db)
    assert (report.format, report.inserted) == ("layout:boletin", 1)
    assert import_preview.read_preview(other, db=empty_db).layout.name == "boletin"
    # a header with another column is another file: not guessed
    extra = write(tmp_path / "otro.csv", [*HEADER, "Fuente"], [LINES[0] + ",x"])
    with pytest.raises(FileError, match="no known format"):
        ingest.import_file(extra, db=empty_db)


def test_cli_layouts_and_import_with_a_layout(tmp_path: Path, boundaries) -> None:
    db = tmp_path / "cli.duckdb"
    toml = tmp_path / "boletin.toml"
    toml.write_text(mapping().to_toml(), encoding="utf-8")
    done = cli("layouts", "import", str(toml), db=db)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["saved"] == "boletin"
    listed = json.loads(cli("layouts", "list", db=db).stdout)["layouts"]
    assert [x["name"] for x in listed if x["kind"] == "saved"] == ["boletin"]
    exported = cli("layouts", "export", "boletin", db=db)
    assert layouts.from_toml(exported.stdout) == dataclasses.replace(mapping(), id_prefix="boletin")
    data = write(tmp_path / "boletin.csv")
    result = cli("import", str(data), "--layout", "boletin", db=db)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["read"], out["inserted"], out["format"]) == (3, 3, "layout:boletin")
    assert out["victims"] == {"read": 9, "stored": 9, "duplicate": 0, "rejected": 0}
    assert out["detected"]["layout"] == "boletin"
    # a layout that is not there: one line, exit 2
    missing = cli("import", str(data), "--layout", "nada", db=db)
    assert missing.returncode == 2
    assert len(missing.stderr.strip().splitlines()) == 1
    assert "no layout called 'nada'" in missing.stderr


def test_cli_import_with_a_toml_and_save_it_for_the_header(tmp_path: Path, boundaries) -> None:
    db = tmp_path / "cli.duckdb"
    toml = tmp_path / "mapa.toml"
    toml.write_text(mapping("mapa").to_toml(), encoding="utf-8")
    first = write(tmp_path / "enero.csv")
    done = cli("import", str(first), "--layout", str(toml), "--save-layout", "boletin-mensual",
               db=db)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["saved_layout"] == "boletin-mensual"
    second = write(tmp_path / "febrero.csv", HEADER, ["2022-02-01,Cauca,Toribío,1,1,FARC"])
    again = cli("import", str(second), db=db)  # no flags: found by the header
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["format"] == "layout:boletin-mensual"
    # the saved layout keeps the ids the file got the first time: a re-import adds nothing
    repeat = json.loads(cli("import", str(first), db=db).stdout)
    assert (repeat["inserted"], repeat["duplicates"]) == (0, 3)


# ---- the preview API -------------------------------------------------------------------------


def test_read_preview_shows_columns_samples_and_a_proposal(tmp_path: Path, empty_db: Path) -> None:
    path = write(tmp_path / "boletin.csv")
    preview = import_preview.read_preview(path, rows=2, db=empty_db)
    assert preview.columns == HEADER
    assert len(preview.rows) == 2 and preview.info.rows == 3
    assert preview.samples["Dpto"] == ["Huila", "Nariño", "Antioquia"]
    assert (preview.format, preview.layout) == (None, None)
    assert preview.proposal.columns["event_date"] == ("FECHA_DEL_HECHO",)
    assert preview.info.describe() == "CSV, UTF-8 (the whole file is valid UTF-8), comma-separated"


def test_preview_layout_shows_stored_rows_and_rejects(tmp_path: Path, empty_db: Path) -> None:
    lines = [*LINES, "2022-13-45,Huila,Neiva,1,1,ELN", "2022-01-05,Narnia,Cair Paravel,1,1,"]
    path = write(tmp_path / "boletin.csv", HEADER, lines)
    preview = import_preview.preview_layout(path, mapping(), db=empty_db)
    assert preview.ok and preview.rows == 5
    assert preview.records["muni_code"].tolist() == ["41001", "52835", None]
    assert [r.row for r in preview.rejects] == [5, 6]
    assert preview.rejects[0].reason.startswith("bad FECHA_DEL_HECHO '2022-13-45' (expected")
    assert preview.rejects[1].reason.startswith(
        "unknown place: No department is called 'Narnia'. Did you mean: Nariño"
    )
    assert preview.rejects[1].raw["Municipio"] == "Cair Paravel"
    incomplete = import_preview.preview_layout(path, layouts.propose(HEADER), db=empty_db)
    assert not incomplete.ok and "give the event type" in incomplete.problems[0]
    assert not empty_db.exists()  # nothing stored


# ---- victims ---------------------------------------------------------------------------------


def test_victims_is_a_record_column_and_exported(tmp_path: Path, empty_db: Path) -> None:
    assert "victims" in schema.RECORD_COLUMNS
    ingest.import_file(write(tmp_path / "b.csv"), db=empty_db, layout=mapping())
    with store.connect(empty_db, read_only=True) as con:
        frame = queries.incident_export(con, Filters())
    assert sorted(frame["victims"].tolist()) == [1, 3, 5]


# builds a DuckDB file as an older version wrote it (PostgreSQL databases are versioned by
# conflictmap.migrations instead)
@pytest.mark.duckdb_only
def test_an_older_database_gains_the_victims_column(tmp_path: Path, boundaries) -> None:
    db = tmp_path / "old.duckdb"
    old_table = store.INCIDENTS_TABLE.format(table="incidents").replace(
        "    victims INTEGER CHECK (victims >= 0),  -- people a source counts as victims "
        "(CNMH, Policía)\n",
        "",
    )
    assert "victims" not in old_table
    with duckdb.connect(str(db)) as con:
        con.execute(old_table)
        con.execute(
            "INSERT INTO incidents (incident_id, event_date, date_precision, event_type, "
            "geo_precision, source, dataset, imported_at, place_note) VALUES ('old:1', "
            "DATE '2020-01-01', 'day', 'Battles', 3, 's', 'old', now(), NULL)"
        )
    store.ensure_current(db)
    store.ensure_current(db)  # idempotent
    assert fetch(db, "SELECT incident_id, victims FROM incidents") == [("old:1", None)]
    report = ingest.import_file(write(tmp_path / "b.csv"), db=db, layout=mapping())
    assert report.inserted == 3
    assert fetch(db, "SELECT sum(victims) FROM incidents") == [(9,)]


# ---- the layout's own rules, one by one ------------------------------------------------------

EVENT_TYPES = (
    "expected one of: Battles, Explosions/Remote violence, Violence against civilians, Protests, "
    "Riots, Strategic developments"
)
KNOWN = (
    "incident_id, event_date, day, month, year, dept, muni, latitude, longitude, location, "
    "event_type, sub_event_type, event_type_original, actor1, actor1_group, actor2, fatalities, "
    "victims, notes, source, source_url"
)


def test_an_empty_layout_lists_what_it_needs() -> None:
    assert Layout("vacía").problems() == [
        "map the date: one column (event_date), or year (with month and day)",
        "give the event type: a column or a constant",
        "give the place: a department or municipality column, or coordinates",
        "give the source: a column or a constant (every incident needs one)",
    ]


def test_every_rule_of_a_broken_layout_is_reported() -> None:
    broken = Layout(
        "",
        columns={"when": "A", "day": "D"},
        constants={"fatalities": "3", "event_type": "Fiesta", "colour": "red"},
        values={"event_type": {"Combate": "Nope", "Hostigamiento": "Battles"}, "tone": {}},
        date_order="ymd",
        optional=("bogus", "notes"),
    )
    assert broken.problems() == [
        "the name '' must be 1-80 letters, digits, spaces or . - _ ( )",
        f"unknown field 'when' (known: {KNOWN})",
        f"unknown field 'colour' (known: {KNOWN})",
        f"unknown field 'tone' (known: {KNOWN})",
        "'fatalities' cannot be a constant (it must come from a column)",
        "map the date: one column (event_date), or year (with month and day)",
        "day and month need a year column",
        "a day column needs a month column",
        "give the place: a department or municipality column, or coordinates",
        "give the source: a column or a constant (every incident needs one)",
        f"constant event_type: unknown event_type 'Fiesta' ({EVENT_TYPES})",
        f"event_type value map 'Combate': unknown event_type 'Nope' ({EVENT_TYPES})",
        "date_order 'ymd' is not one of auto, dmy, mdy",
        "optional: unknown field 'bogus'",
    ]


def test_date_coordinates_and_actor_rules() -> None:
    both = Layout(
        "both", columns={"event_date": "F", "year": "A", "latitude": "lat", "actor1_group": "G"},
        constants={"event_type": "Battles", "source": "s"},
    )  # fmt: skip
    assert both.problems() == [
        "map the date either to one column (event_date) or to day/month/year",
        "give the place: a department or municipality column, or coordinates",
        "map latitude and longitude together",
        "an actor 1 group column needs the actor 1 (class) column",
    ]
    # a constant that is empty gives nothing; a month without a year is refused
    month = Layout(
        "month", columns={"month": "M", "longitude": "lon", "latitude": "lat"},
        constants={"event_type": "Battles", "source": "s", "dept": ""},
    )  # fmt: skip
    assert month.problems() == [
        "map the date: one column (event_date), or year (with month and day)",
        "day and month need a year column",
    ]
    # a place from coordinates alone, from a municipality alone, or a department constant
    base = {"event_type": "Battles", "source": "Fuente"}
    for columns, constants in (
        ({"year": "A", "latitude": "y", "longitude": "x"}, {}),
        ({"year": "A", "muni": "COD_MUNI"}, {}),
        ({"year": "A"}, {"dept": "05"}),
        ({"year": "A", "month": "M", "day": "D", "dept": "Dpto"}, {}),
        ({"event_date": "F", "dept": "D", "event_type": "T", "source": "S"}, {}),
    ):
        assert Layout("ok", columns=columns, constants={**base, **constants}).problems() == []
    # a name 80 characters long is fine, 81 is not; digits, dots, dashes, brackets are allowed
    ok = {"year": "A", "dept": "D"}
    assert Layout("a" * 80, columns=ok, constants=base).problems() == []
    assert Layout("a" * 81, columns=ok, constants=base).problems() == [
        f"the name '{'a' * 81}' must be 1-80 letters, digits, spaces or . - _ ( )"
    ]
    assert Layout("Boletín 2.0 (sur)-v_1", columns=ok, constants=base).problems() == []
    assert Layout(" x", columns=ok, constants=base).problems()[0].startswith("the name ' x'")


def test_text_given_for_tuples_is_one_name() -> None:
    layout = Layout("t", columns={"dept": "DPTO", "muni": ["A", "B"]}, note_columns="ZONA",
                    optional="notes", header="H", match="M")  # fmt: skip
    assert layout.columns == {"dept": ("DPTO",), "muni": ("A", "B")}
    assert (layout.note_columns, layout.optional, layout.header, layout.match) == (
        ("ZONA",),
        ("notes",),
        ("H",),
        ("M",),
    )
    assert layout.none_values == layouts.NONE_VALUES
    assert layout.column("muni") == ("A", "B") and layout.column("year") == ()
    assert layout.with_header([5001, "Dpto"]).header == ("5001", "Dpto")
    assert Layout("t").fingerprint is None
    assert layout.with_header(["a"]).fingerprint == layouts.fingerprint(["a"])


def test_prefix_is_the_given_one_or_the_name_as_a_slug() -> None:
    assert Layout("Boletín  Regional (2024)").prefix == "boletin-regional-2024"
    assert Layout("x", id_prefix="bol").prefix == "bol"
    assert layouts.slug("  ") == "layout"


def test_fold_and_find_column() -> None:
    assert layouts.fold("MUNINICIO_CASO") == layouts.fold("Muninicio caso") == "muniniciocaso"
    header = ["Fecha", "FECHA", "Víctimas", "cod_muni"]
    assert layouts.find_column(header, ("FECHA",)) == "FECHA"  # equal wins over folded
    assert layouts.find_column(header, ("fecha",)) == "Fecha"  # the first folded match
    assert layouts.find_column(header, ("nada", "VICTIMAS")) == "Víctimas"
    assert layouts.find_column(header, ("COD MUNI", "cod_muni")) == "cod_muni"
    assert layouts.find_column(header, ("nada",)) is None


def test_fingerprint_is_folded_sorted_and_skips_blank_names() -> None:
    import hashlib

    expected = hashlib.sha1(b"a\x1fb").hexdigest()[:16]
    assert layouts.fingerprint(["b", "A", " ", "a"]) == expected
    assert layouts.fingerprint(["B", "a"]) == expected
    assert len(expected) == 16


POLICE = Layout(
    "policia",
    columns={"event_date": "FECHA HECHO", "dept": "COD_DEPTO", "muni": ("COD_MUNI", "CODIGO DANE"),
             "victims": "CANTIDAD"},
    constants={"event_type": "Violence against civilians", "source": "Policía"},
    optional=("victims",),
)  # fmt: skip


def test_resolve_finds_each_field_column_folded() -> None:
    header = ["fecha_hecho", "cod_depto", "CODIGO DANE", "ZONA"]
    assert POLICE.resolve(header) == {
        "event_date": "fecha_hecho", "dept": "cod_depto", "muni": "CODIGO DANE",
    }  # fmt: skip
    assert POLICE.fits(header)
    noted = dataclasses.replace(POLICE, note_columns=("ZONA",))
    assert noted.resolve(header)["dept"] == "cod_depto"


def test_resolve_names_the_missing_columns() -> None:
    noted = dataclasses.replace(POLICE, note_columns=("ZONA", "ARMA"))
    with pytest.raises(LayoutError) as info:
        noted.resolve(["FECHA HECHO", "ZONA"])
    assert str(info.value) == (
        "layout 'policia': the file has no column for dept (COD_DEPTO), "
        "muni (COD_MUNI | CODIGO DANE), notes (ARMA)"
    )
    assert not noted.fits(["FECHA HECHO", "ZONA"])
    # notes optional: a missing note column is no error
    optional = dataclasses.replace(noted, optional=("victims", "notes"))
    assert optional.resolve(["FECHA HECHO", "COD_DEPTO", "COD_MUNI"])["muni"] == "COD_MUNI"


def test_resolve_refuses_an_incomplete_layout_or_a_missing_optional_place() -> None:
    with pytest.raises(LayoutError) as info:
        Layout("vacía").resolve(["a"])
    assert str(info.value) == (
        "layout 'vacía': map the date: one column (event_date), or year (with month and day); "
        "give the event type: a column or a constant; give the place: a department or "
        "municipality column, or coordinates; give the source: a column or a constant (every "
        "incident needs one)"
    )
    place_optional = dataclasses.replace(POLICE, optional=("dept", "muni", "victims"))
    with pytest.raises(LayoutError) as missing:
        place_optional.resolve(["FECHA HECHO"])
    assert str(missing.value) == (
        "layout 'policia' with this file: give the place: a department or municipality column, "
        "or coordinates"
    )
    assert place_optional.resolve(["FECHA HECHO", "COD_MUNI"]) == {
        "event_date": "FECHA HECHO", "muni": "COD_MUNI",
    }  # fmt: skip


def test_layout_problems_with_and_without_the_file() -> None:
    assert layouts.layout_problems("x", ["a", "b"]) == "layout 'x': a; b"
    assert layouts.layout_problems("x", ["a"], "f.toml") == "f.toml: layout 'x': a"


def test_to_toml_writes_only_what_is_set() -> None:
    plain = Layout("plain", columns={"year": "A", "dept": ("D1", "D2")},
                   constants={"event_type": "Battles", "source": "s"})  # fmt: skip
    assert plain.to_toml() == (
        "# ConflictMap column layout: `conflictmap layouts import FILE` to add it to a database,\n"
        "# `conflictmap import DATA --layout FILE` to use it directly.\n"
        'name = "plain"\n'
        'date_order = "auto"\n'
        "\n[columns]\n"
        'year = "A"\n'
        'dept = ["D1", "D2"]\n'
        "\n[constants]\n"
        'event_type = "Battles"\n'
        'source = "s"\n'
    )
    assert layouts.from_toml(plain.to_toml()) == plain
    full = dataclasses.replace(
        plain, description="Fuente/Regional", id_prefix="p", match=("A",), note_columns=("Z",),
        optional=("dept",), header=("A", "D1"), none_values=("N/A",),
        values={"event_type": {"Combate": "Battles"}}, constants={},
    )  # fmt: skip
    text = full.to_toml()
    assert text.splitlines()[2:11] == [
        'name = "plain"',
        'description = "Fuente/Regional"',
        'date_order = "auto"',
        'id_prefix = "p"',
        'match = ["A"]',
        'note_columns = ["Z"]',
        'optional = ["dept"]',
        'header = ["A", "D1"]',
        'none_values = ["N/A"]',
    ]
    assert "[constants]" not in text
    assert text.endswith('\n[values.event_type]\n"Combate" = "Battles"\n')


def test_as_json() -> None:
    layout = dataclasses.replace(POLICE, values={"event_type": {"Masacre": "Battles"}},
                                 note_columns=("ZONA",), header=("a",), description="d")  # fmt: skip
    assert layout.as_json() == {
        "name": "policia",
        "description": "d",
        "builtin": False,
        "columns": {"event_date": ["FECHA HECHO"], "dept": ["COD_DEPTO"],
                    "muni": ["COD_MUNI", "CODIGO DANE"], "victims": ["CANTIDAD"]},
        "constants": {"event_type": "Violence against civilians", "source": "Policía"},
        "values": {"event_type": {"Masacre": "Battles"}},
        "note_columns": ["ZONA"],
        "optional": ["victims"],
        "date_order": "auto",
        "id_prefix": "policia",
        "fingerprint": layouts.fingerprint(["a"]),
    }  # fmt: skip


GOOD = '[columns]\nyear = "A"\ndept = "D"\n[constants]\nevent_type = "Battles"\nsource = "s"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = 3\n' + GOOD, "f.toml: name must be text"),
        ('name = "x"\ncolumns = 3\n', "f.toml: [columns] must be a table"),
        ('name = "x"\nmatch = [1]\n' + GOOD, "f.toml: match must be text or a list of text"),
        ('name = "x"\nnote_columns = 2\n' + GOOD,
         "f.toml: note_columns must be text or a list of text"),
        ('name = "x"\n[columns]\nyear = [1]\n', "f.toml: columns.year must be text or a list of text"),
        ('name = "x"\n' + GOOD + "fatalities = 3\n", "f.toml: constants.fatalities must be text"),
        ('name = "x"\n' + GOOD + "[values]\nevent_type = 3\n",
         "f.toml: [values.event_type] must map text to text"),
        ('name = "x"\n' + GOOD + '[values.event_type]\n"Combate" = 3\n',
         "f.toml: [values.event_type] must map text to text"),
        ('name = "x"\nzeta = 1\nalpha = 2\n', "f.toml: unknown key(s) alpha, zeta"),
        ('name = "x"\noptional = 2\n' + GOOD, "f.toml: optional must be text or a list of text"),
        ('name = "x"\nheader = [1]\n' + GOOD, "f.toml: header must be text or a list of text"),
        ('name = "x"\nnone_values = 3\n' + GOOD,
         "f.toml: none_values must be text or a list of text"),
    ],
)  # fmt: skip
def test_from_toml_says_which_key_is_wrong(text: str, message: str) -> None:
    with pytest.raises(LayoutError) as info:
        layouts.from_toml(text, source="f.toml")
    assert str(info.value) == message


def test_from_toml_strips_and_drops_empty_entries() -> None:
    text = (
        'name = " Boletín "\ndescription = " d "\ndate_order = ""\nid_prefix = " b "\n'
        'match = " A "\nnote_columns = ["Z ", " "]\noptional = "dept"\nheader = ["A", "D"]\n'
        'none_values = ["-"]\n'
        '[columns]\nyear = " A "\ndept = ["D", ""]\nmuni = ""\n'
        '[constants]\nevent_type = " Battles "\nsource = "s"\nlocation = " "\n'
        '[values.event_type]\n"Combate" = " Battles "\n'
    )
    layout = layouts.from_toml(text, builtin=True)
    assert layout == Layout(
        name="Boletín", description="d", date_order="auto", id_prefix="b",
        columns={"year": ("A",), "dept": ("D",)},
        constants={"event_type": "Battles", "source": "s"},
        values={"event_type": {"Combate": "Battles"}},
        note_columns=("Z",), optional=("dept",), header=("A", "D"), match=("A",),
        none_values=("-",), builtin=True,
    )  # fmt: skip
    assert layouts.from_toml('name = "x"\n' + GOOD).none_values == layouts.NONE_VALUES
    assert not layouts.from_toml('name = "x"\n' + GOOD).builtin
    assert layouts.from_toml('name = "x"\ndate_order = "dmy"\n' + GOOD).date_order == "dmy"


def test_from_toml_names_its_source_in_layout_problems() -> None:
    with pytest.raises(LayoutError) as info:
        layouts.from_toml('name = "x"\n[constants]\nsource = "s"\n', source="mío.toml")
    assert str(info.value).startswith("mío.toml: layout 'x': map the date")
    with pytest.raises(LayoutError) as bad:
        layouts.from_toml("name = ", source="roto.toml")
    assert str(bad.value) == "roto.toml: not valid TOML (Invalid value (at end of document))"
    with pytest.raises(LayoutError) as default:
        layouts.from_toml("name = ")
    assert str(default.value).startswith("layout: not valid TOML (")


def test_load_file_errors(tmp_path: Path) -> None:
    with pytest.raises(LayoutError) as missing:
        layouts.load_file(tmp_path / "no.toml")
    assert str(missing.value) == f"{tmp_path / 'no.toml'}: no such layout file"
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name = "Boletín"\n'.encode("latin-1"))
    with pytest.raises(LayoutError) as undecodable:
        layouts.load_file(latin)
    assert str(undecodable.value).startswith(f"{latin}: cannot be read ('utf-8' codec")
    good = tmp_path / "good.toml"
    good.write_text('name = "x"\n' + GOOD, encoding="utf-8")
    assert layouts.load_file(str(good)).columns == {"year": ("A",), "dept": ("D",)}


def test_builtin_by_name() -> None:
    found = layouts.builtin(" cnmh-casos ")
    assert found is not None and found.name == "cnmh-casos" and found.builtin
    assert layouts.builtin("nada") is None


def test_detect_prefers_a_saved_layout_for_the_same_header() -> None:
    header = ["fecha hecho", "COD_DEPTO", "COD_MUNI"]
    saved = POLICE.with_header(["FECHA HECHO", "cod_depto", "cod_muni"])
    other = dataclasses.replace(POLICE, name="otro").with_header(["x"])
    assert layouts.detect(header, [other, saved]) is saved
    # same fingerprint but it cannot read the file: not offered
    unfit = dataclasses.replace(saved, columns={**saved.columns, "year": ("AÑO",)})
    assert layouts.detect(header, [unfit]) is None
    assert layouts.detect(header) is None


def test_detect_a_builtin_from_its_match_columns() -> None:
    casos = layouts.builtin("cnmh-casos")
    assert casos is not None
    header = [*_all_columns(casos), *casos.match]
    assert layouts.detect(header).name == "cnmh-casos"
    # one match column missing: not recognised
    assert layouts.detect([c for c in header if c != "NumeroVictimasCaso"]) is None
    # folded names are recognised too
    assert layouts.detect([c.lower() for c in header]).name == "cnmh-casos"


def test_propose_prefers_codes_and_needs_a_month_for_a_day() -> None:
    proposed = layouts.propose(["DIA", "AÑO", "Municipio", "Cod_Muni", "Fuente"], name="p",
                               source="ignored")  # fmt: skip
    assert proposed.columns == {"year": ("AÑO",), "muni": ("Cod_Muni",), "source": ("Fuente",)}
    assert proposed.constants == {}
    assert proposed.name == "p"
    assert proposed.header == ("DIA", "AÑO", "Municipio", "Cod_Muni", "Fuente")
    unnamed = layouts.propose([])
    assert (unnamed.name, unnamed.columns, unnamed.constants) == ("new layout", {}, {})


def test_propose_a_group_alone_becomes_the_actor() -> None:
    proposed = layouts.propose(["Fecha", "Grupo", "Depto"])
    assert proposed.columns == {"event_date": ("Fecha",), "dept": ("Depto",), "actor1": ("Grupo",)}
    # the first of two equally named columns serves the field; the second is free
    twice = layouts.propose(["Fecha", "Fecha evento", "Lugar"])
    assert twice.columns == {"event_date": ("Fecha",), "location": ("Lugar",)}


def test_propose_reads_a_trailing_role_number() -> None:
    proposed = layouts.propose(["FECHA", "RESPONSABLE1", "DPTO", "AÑO1"])
    assert proposed.columns == {
        "event_date": ("FECHA",), "dept": ("DPTO",), "actor1": ("RESPONSABLE1",),
    }  # fmt: skip
    assert layouts._header_key("PRESUNTO_REPONSABLE1") == "presuntoreponsable"
    assert layouts._header_key("CODIGO11") == "codigo11"  # a number, not a role
    assert layouts._header_key("ADMIN1") == "admin"


def test_to_toml_keeps_accents_and_slashes_as_written() -> None:
    layout = Layout("Boletín", columns={"year": "AÑO", "dept": "Dpto"},
                    constants={"event_type": "Explosions/Remote violence", "source": "Fuente"})  # fmt: skip
    text = layout.to_toml()
    assert 'name = "Boletín"' in text and 'year = "AÑO"' in text
    assert 'event_type = "Explosions/Remote violence"' in text
    assert layouts.from_toml(text) == layout


def test_from_dict_is_not_builtin_unless_said() -> None:
    data = {"name": "x", "columns": {"year": "A", "dept": "D"},
            "constants": {"event_type": "Battles", "source": "s"}}  # fmt: skip
    assert layouts.from_dict(data, source="d").builtin is False
    assert layouts.from_dict(data, source="d", builtin=True).builtin is True


def test_propose_reads_the_whole_name_before_the_role_number() -> None:
    # ADMIN1 is a department (ACLED's name); without its 1 it is nothing
    assert layouts.propose(["FECHA", "ADMIN1", "ADMIN2"]).columns == {
        "event_date": ("FECHA",), "dept": ("ADMIN1",), "muni": ("ADMIN2",),
    }  # fmt: skip


def test_propose_lists_fields_in_their_own_order() -> None:
    proposed = layouts.propose(["Fuente", "DEPTO", "AÑO", "MES"])
    assert list(proposed.columns) == ["month", "year", "dept", "source"]


def test_propose_gives_a_column_to_one_field_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # a name two fields would take (none in FIELDS today): the better-ranked field gets it
    monkeypatch.setattr(layouts, "_SYNONYMS", {"fecha": [("notes", 1), ("event_date", 0)]})
    assert layouts.propose(["Fecha"]).columns == {"event_date": ("Fecha",)}


def test_a_group_column_needs_an_actor_column_not_a_constant() -> None:
    layout = Layout(
        "g", columns={"year": "AÑO", "dept": "DPTO", "actor1_group": "GRUPO"},
        constants={"event_type": "Battles", "source": "s", "actor1": "Guerrilla"},
    )  # fmt: skip
    assert layout.problems() == ["an actor 1 group column needs the actor 1 (class) column"]
