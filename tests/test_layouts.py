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
