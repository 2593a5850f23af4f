"""Issue 15, what a person reads that was written earlier or elsewhere, in the reader's language:
the registry's membership and lineage notes (actors.toml note/note_es), place errors
(conflictmap.divipola: Messages inside reject reasons), placement notes stored in English on
incidents (conflictmap.place_notes) and the numbers of the Trends and Admin tables
(conflictmap.table_format)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from pandas.io.formats.style import Styler
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from conflictmap import i18n

ROOT = Path(__file__).resolve().parents[1]


# ---- membership and lineage notes ----------------------------------------------------------------


def test_every_membership_and_lineage_note_has_a_spanish_version() -> None:
    from conflictmap.actors import default_registry

    with (ROOT / "conflictmap/actors.toml").open("rb") as fh:
        raw = tomllib.load(fh)["actor"]
    entries = [
        e
        for a in raw
        for e in [*a.get("parents", []), *a.get("predecessors", [])]
        if isinstance(e, dict) and e.get("note")
    ]
    assert len(entries) == 47  # 26 memberships and 21 lineages have a note
    assert all(e.get("note_es") for e in entries), [
        e["note"] for e in entries if not e.get("note_es")
    ]
    registry = default_registry()
    notes = [
        (m.note, m.note_es)
        for a in registry.actors()
        for m in (*a.parents, *a.predecessors)
        if m.note
    ]
    assert len(notes) == 47 and all(es and es != en for en, es in notes)


def test_membership_and_lineage_notes_in_the_actor_detail() -> None:
    from conflictmap import actor_detail
    from conflictmap.actors import default_registry

    registry = default_registry()
    with i18n.using("es"):
        gulf = actor_detail.detail("Clan del Golfo", registry)
        epl = actor_detail.detail("EPL", registry)
    assert gulf is not None and epl is not None
    assert (
        "Desciende de ACCU (no incluido en el filtro) — sucesor neoparamilitar de las ACCU/AUC de "
        "los Castaño en Urabá y Córdoba"
    ) in gulf.lines
    assert (
        "Miembro de Coordinadora Guerrillera Simón Bolívar: 27 sep. 1987 – 1 mar. 1991 — Hasta "
        "la desmovilización del EPL, el 1 de marzo de 1991."
    ) in epl.lines
    with i18n.using("en"):
        gulf_en = actor_detail.detail("Clan del Golfo", registry)
        epl_en = actor_detail.detail("EPL", registry)
    assert gulf_en is not None and epl_en is not None
    assert (
        "Descends from ACCU (not included in the filter) — neo-paramilitary successor of the "
        "Castaños' ACCU/AUC in Urabá and Córdoba"
    ) in gulf_en.lines
    assert (
        "Member of Coordinadora Guerrillera Simón Bolívar: 27 Sep 1987 – 1 Mar 1991 — Until the "
        "EPL's demobilisation on 1 March 1991."
    ) in epl_en.lines


def test_a_note_without_spanish_falls_back_to_english_and_a_bad_note_is_refused(
    tmp_path: Path,
) -> None:
    from conflictmap.actors import ActorRegistry

    path = tmp_path / "actors.toml"
    path.write_text(
        '[[actor]]\nname = "A"\nclass = "guerrilla"\n'
        'parents = [{ parent = "B", note = "joined late" }]\n'
        'predecessors = [{ group = "B", note = "split", note_es = "escisión" }]\n'
        '[[actor]]\nname = "B"\nclass = "guerrilla"\n',
        encoding="utf-8",
    )
    a = ActorRegistry.load(path).get("A")
    assert a.parents[0].note_in("es") == "joined late"  # no Spanish: the English note
    assert (a.predecessors[0].note_in("es"), a.predecessors[0].note_in("en")) == (
        "escisión",
        "split",
    )
    path.write_text(
        '[[actor]]\nname = "A"\nclass = "guerrilla"\n'
        'predecessors = [{ group = "B", note = "split", note_es = 3 }]\n'
        '[[actor]]\nname = "B"\nclass = "guerrilla"\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="predecessor 'B': 'note_es' must be a string"):
        ActorRegistry.load(path)


# ---- place errors ----------------------------------------------------------------------------------


def _towns():
    from conflictmap.divipola import Gazetteer

    return Gazetteer(
        pd.DataFrame(
            [
                ("41001", "Neiva", "41", "Huila"),
                ("41298", "Garzón", "41", "Huila"),
                ("52001", "Pasto", "52", "Nariño"),
            ],
            columns=["muni_code", "muni_name", "dept_code", "dept_name"],
        )
    )


def test_place_errors_keep_their_english_text_and_show_in_spanish() -> None:
    from conflictmap.divipola import PlaceError

    gaz = _towns()
    with pytest.raises(PlaceError) as err:
        gaz.department("Narino del Sur")
    reason = err.value.args[0]
    assert reason == (
        "No department is called 'Narino del Sur'. Did you mean: Nariño (department 52)? Check "
        "the spelling, or use the two-digit DANE department code."
    )
    assert reason.text("es") == (
        "Ningún departamento se llama 'Narino del Sur'. ¿Quiso decir: Nariño (departamento 52)? "
        "Revise la ortografía o use el código DANE de dos dígitos del departamento."
    )
    with pytest.raises(PlaceError) as err:
        gaz.municipality("41999")
    with i18n.using("es"):
        assert str(err.value) == (
            "Ningún municipio tiene el código DANE 41999 (de '41999'). La parte del departamento, "
            "41, es Huila, pero ninguno de sus 2 municipios termina en 999; revise los tres "
            "últimos dígitos."
        )
    assert str(err.value) == (
        "No municipality has the DANE code 41999 (from '41999'). The department part 41 is "
        "Huila, but none of its 2 municipalities ends in 999; check the last three digits."
    )
    with pytest.raises(PlaceError) as err:
        gaz.municipality("Pasto", "Huila")
    assert err.value.args[0].text("es") == (
        "Ningún municipio se llama 'Pasto' en Huila; ese nombre está en otro departamento: "
        "Pasto (Nariño, 52001). Revise el departamento o use el código DANE de 5 dígitos."
    )
    with pytest.raises(PlaceError) as err:
        gaz.municipality("Huila")
    assert err.value.args[0].text("es") == (
        "Ningún municipio se llama 'Huila'. Huila es un departamento, no un municipio. Revise la "
        "ortografía, agregue el departamento o use el código DANE de 5 dígitos."
    )


def test_an_unknown_place_reject_reason_is_spanish_inside_and_out() -> None:
    from conflictmap import ingest

    reason = ingest._Names(_towns()).lookup("Garzon", "Atlantis")  # a name import's lookup
    assert isinstance(reason, str)
    assert reason == (
        "unknown place: No department is called 'Atlantis'. Check the spelling, or use the "
        "two-digit DANE department code."
    )
    with i18n.using("es"):
        assert str(reason) == (
            "lugar desconocido: Ningún departamento se llama 'Atlantis'. Revise la ortografía o use "
            "el código DANE de dos dígitos del departamento."
        )


# ---- placement notes ---------------------------------------------------------------------------


SNAPPED = (
    "snapped: the point (11.26000, -74.25000) lies 3.2 km outside Santa Marta (47001), "
    "Magdalena, the nearest municipality"
)


def test_placement_notes_are_shown_in_the_readers_language() -> None:
    from conflictmap import place_notes

    assert place_notes.shown(SNAPPED, "es") == (
        "asignado al municipio más cercano: el punto (11.26000, -74.25000) queda 3,2 km por "
        "fuera de Santa Marta (47001), Magdalena"
    )
    assert place_notes.shown(SNAPPED, "en") == SNAPPED
    by_name = (
        "placed by name: the point (4.50000, -77.45000) lies outside every municipality; the "
        "source names Buenaventura (76109), Valle del Cauca"
    )
    assert place_notes.shown(by_name, "es") == (
        "ubicado por nombre: el punto (4.50000, -77.45000) queda por fuera de todos los "
        "municipios; la fuente nombra Buenaventura (76109), Valle del Cauca"
    )
    near = (
        "placed by name: the point (11.26000, -74.25000) lies outside Ciénaga (47189), "
        "Magdalena, which the source names"
    )
    assert place_notes.shown(near, "es") == (
        "ubicado por nombre: el punto (11.26000, -74.25000) queda por fuera de Ciénaga (47189), "
        "Magdalena, que la fuente nombra"
    )
    unplaced = (
        "unplaced: the point (4.50000, -77.45000) lies outside every municipality and the source "
        "names no place that resolves; kept as an event in Colombia"
    )
    assert place_notes.shown(unplaced, "es") == (
        "sin ubicar: el punto (4.50000, -77.45000) queda por fuera de todos los municipios y la "
        "fuente no nombra ningún lugar identificable; se conserva como evento en Colombia"
    )
    # a note no template wrote (an older version's, one typed by hand) is shown as stored
    for other in ("snapped by hand", "snapped: the point somewhere", ""):
        assert place_notes.shown(other, "es") == other


def test_the_importer_writes_the_notes_it_can_read_back() -> None:
    from conflictmap import place_notes

    point = place_notes.point(11.26, -74.25)
    assert place_notes.snapped(point, 3.2313, "Santa Marta (47001), Magdalena") == SNAPPED
    assert place_notes.placed_by_name(point, "Ciénaga (47189), Magdalena", near=True) == (
        "placed by name: the point (11.26000, -74.25000) lies outside Ciénaga (47189), "
        "Magdalena, which the source names"
    )
    assert place_notes.unplaced(place_notes.point(-4.0, -70.5)).startswith(
        "unplaced: the point (-4.00000, -70.50000) lies outside"
    )


def test_a_snapped_incident_reads_spanish_in_the_detail_and_stays_english_stored(
    tmp_path: Path,
    empty_db: Path,
    boundaries,  # noqa: ARG001, ANN001
) -> None:
    import duckdb

    from conflictmap import ingest, view
    from conflictmap.geography import load_geography

    source = tmp_path / "costa.csv"
    source.write_text(
        "event_date,event_type,source,latitude,longitude,fatalities\n"
        "2022-03-01,Battles,El Tiempo,11.26,-74.25,1\n",  # at sea, 3.2 km off Santa Marta
        encoding="utf-8",
    )
    with i18n.using("es"):
        report = ingest.import_file(source, db=empty_db)
    assert report.inserted == 1
    with duckdb.connect(str(empty_db), read_only=True) as con:
        ((incident_id, stored),) = con.execute(
            "SELECT incident_id, place_note FROM incidents"
        ).fetchall()
    assert stored == SNAPPED  # English, whatever the importer's language
    geo = load_geography()
    with i18n.using("es"):
        detail = view.incident_detail(incident_id, geo, db=empty_db)
    assert detail is not None
    fields = dict(zip(detail.fields["campo"], detail.fields["valor"], strict=True))
    assert fields["ubicación asignada"] == (
        "asignado al municipio más cercano: el punto (11.26000, -74.25000) queda 3,2 km por "
        "fuera de Santa Marta (47001), Magdalena"
    )
    with i18n.using("en"):
        detail_en = view.incident_detail(incident_id, geo, db=empty_db)
    assert detail_en is not None
    assert (
        dict(zip(detail_en.fields["field"], detail_en.fields["value"], strict=True))["placement"]
        == SNAPPED
    )


# ---- numbers of the Trends and Admin tables ---------------------------------------------------


def shown_cells(frame_element) -> pd.DataFrame:  # noqa: ANN001 - an AppTest Dataframe
    """What a person sees in an st.dataframe of a Styler: its display values."""
    return dataframe_util.convert_arrow_bytes_to_pandas_df(
        frame_element.proto.arrow_data.styler.display_values
    )


def test_trends_tables_write_numbers_the_readers_way() -> None:
    from conflictmap import trends_view

    totals = pd.DataFrame(
        {"incidents": [1234, 5], "fatalities": [20500, 0]}, index=["Huila", "Cauca"]
    )
    with i18n.using("es"):
        styled = trends_view.shown(totals)
    assert isinstance(styled, Styler)  # a small table
    html = styled.to_html()
    assert re.findall(r">([^<>]*)</td>", html) == ["1.234", "20.500", "5", "0"]
    assert ">incidentes</th>" in html and ">víctimas fatales</th>" in html
    assert styled.data["incidentes"].tolist() == [1234, 5]  # numbers underneath
    with i18n.using("en"):
        styled_en = trends_view.shown(totals)
    assert isinstance(styled_en, Styler)
    assert re.findall(r">([^<>]*)</td>", styled_en.to_html()) == ["1,234", "20,500", "5", "0"]


def test_a_large_table_is_left_unstyled() -> None:
    from conflictmap import table_format

    big = pd.DataFrame({"n": range(table_format.MAX_STYLED_ROWS + 1)})
    assert table_format.readable(big) is big
    small = big.head(table_format.MAX_STYLED_ROWS)
    styled = table_format.readable(small, "es")
    assert isinstance(styled, Styler) and styled.data is small


def test_trends_page_before_after_in_spanish_is_styled(
    sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLICTMAP_DB", str(sample_db))
    at = AppTest.from_file(str(ROOT / "pages/3_Trends.py"), default_timeout=180)
    at.query_params.update(lang="es", dept="41", **{"from": "2021-01-01", "to": "2023-12-31"})
    at.run()
    assert not at.exception, at.exception
    element = next(d for d in at.dataframe if "periodo" in d.value.columns)
    data, cells = element.value, shown_cells(element)
    assert pd.api.types.is_numeric_dtype(data["incidentes por día"])  # numbers underneath
    for number, text in zip(data["incidentes por día"], cells["incidentes por día"], strict=True):
        assert text == f"{number:.3f}".rstrip("0").rstrip(".").replace(".", ",")
    for number, text in zip(data["días"], cells["días"], strict=True):
        assert text == f"{number:,}".replace(",", ".")


def test_admin_audit_trail_numbers_in_spanish(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    boundaries,  # noqa: ARG001, ANN001
) -> None:
    from conflictmap import audit
    from conflictmap.permissions import Actor, Role

    db = tmp_path / "team.duckdb"
    audit.record_now(Actor("ada", Role.ADMIN), "import", db, dataset="ucdp", rows=12345)
    audit.record_now(Actor("ada", Role.ADMIN), "import", db, dataset="acled")  # no row count
    monkeypatch.setenv("CONFLICTMAP_DB", str(db))
    monkeypatch.delenv("CONFLICTMAP_READ_ONLY", raising=False)
    for lang, want in (("es", ["", "12.345"]), ("en", ["", "12,345"])):
        at = AppTest.from_file(str(ROOT / "pages/4_Admin.py"), default_timeout=180)
        at.query_params["lang"] = lang
        at.run()
        assert not at.exception, at.exception
        trail = next(d for d in at.dataframe if "file_sha256" in d.value.columns)
        assert shown_cells(trail)["rows"].tolist() == want  # newest first
        assert trail.value["rows"].tolist()[1] == 12345  # a number underneath


def test_every_note_template_begins_with_a_counted_prefix() -> None:
    from conflictmap import export_terms, place_notes

    prefixes = {t.split(":", 1)[0] for t in place_notes.TEMPLATES}
    assert prefixes == {"snapped", "placed by name", "unplaced"} == set(
        export_terms.PLACEMENT_CHANGES
    )


# ---- territory claims' reject reasons ------------------------------------------------------------


def test_territory_claim_rejects_are_shown_in_the_readers_language(boundaries) -> None:  # noqa: ARG001
    from conflictmap import territory_claims

    frame = pd.DataFrame(
        [
            {"group": "ELN", "municipality": "41001", "department": "", "valid_from": "2022-01-01",
             "valid_to": "2021-01-01", "level": "recurrent", "source": "SAT"},
            {"group": "ELN", "municipality": "41001", "department": "", "valid_from": "2022-01-01",
             "valid_to": "", "level": "sometimes", "source": "SAT"},
            {"group": "", "municipality": "41001", "department": "", "valid_from": "2022-01-01",
             "valid_to": "", "level": "recurrent", "source": "SAT"},
        ]
    )  # fmt: skip
    _records, rejects, _warnings = territory_claims.validate(frame, dataset="t")
    reasons = [r.reason for r in rejects]
    # the stored value is English (grouping, JSON) ...
    assert reasons == [
        "valid_to 2021-01-01 is before valid_from 2022-01-01",
        "level 'sometimes' is not recurrent, occasional or transit",
        "no group",
    ]
    # ... and a reader sees it in their language
    with i18n.using("es"):
        assert [str(r) for r in reasons] == [
            "valid_to 2021-01-01 es anterior a valid_from 2022-01-01",
            "el nivel 'sometimes' no es recurrente, ocasional ni de tránsito",
            "sin grupo",
        ]
