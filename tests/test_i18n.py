"""Issue 15: the Spanish/English interface (conflictmap/i18n.py, the gettext catalogues).

- catalogue completeness: every msgid the code marks (Babel's extraction over babel.cfg) has a
  non-empty Spanish msgstr, and the committed .mo is the compiled .po;
- every user-visible literal of the converted UI files is marked (a static walk), with the files
  not converted yet listed in PENDING;
- the language per call (contextvar), Colombian number/date formats, the URL parameter;
- the map page in each language (AppTest), a Spanish PNG export.
"""

from __future__ import annotations

import ast
import gettext
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from conflictmap import i18n, url_params
from conflictmap.filters import Filters

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "conflictmap/locale/es/LC_MESSAGES/conflictmap.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}

# UI files whose every user-visible literal is marked for translation (walked below) ...
CONVERTED = [
    "dashboard.py", "filters_ui.py", "auth_ui.py", "pages/1_Data.py", "pages/2_Territories.py",
    "pages/3_Trends.py", "pages/4_Admin.py", "pages/5_Watchlist.py",
]  # fmt: skip
# ... and those not converted yet (English only)
PENDING: list[str] = []


def extracted() -> dict[str | tuple[str, ...], list[str]]:
    """msgid -> where, from Babel's extraction with the project's babel.cfg."""
    method_map = [
        ("conflictmap/**.py", "python"),
        ("*.py", "python"),
        ("pages/*.py", "python"),
    ]
    found: dict[str | tuple[str, ...], list[str]] = {}
    for filename, lineno, message, _comments, _ctx in extract_from_dir(
        str(ROOT), method_map, keywords=KEYWORDS
    ):
        found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


def catalogue():
    with PO.open("rb") as f:
        return read_po(f, locale="es")


def test_every_marked_string_has_a_spanish_translation() -> None:
    messages = {m.id: m for m in catalogue() if m.id}
    missing = []
    for msgid, where in extracted().items():
        entry = messages.get(msgid)
        strings = (
            [] if entry is None else entry.string if isinstance(msgid, tuple) else [entry.string]
        )
        if entry is None or not strings or not all(strings) or entry.fuzzy:
            missing.append(f"{msgid!r} ({where[0]})")
    assert missing == [], "run `make i18n` and translate these in " + str(PO)
    assert len(messages) > 50


def test_the_compiled_catalogue_is_the_po() -> None:
    """The committed .mo holds exactly the .po's translations (`make i18n` compiles it)."""
    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    mo = compiled._catalog  # type: ignore[attr-defined] - gettext's parsed table
    for m in catalogue():
        if not m.id or m.fuzzy:
            continue
        if isinstance(m.id, tuple):
            for i, form in enumerate(m.string):
                assert mo.get((m.id[0], i)) == form, m.id
        else:
            assert mo.get(m.id) == m.string, m.id


def test_the_language_is_per_context_and_numbers_and_dates_are_colombian() -> None:
    with i18n.using("es"):
        assert i18n._("Incidents") == "Incidentes"
        assert i18n.ngettext("{n} incident", "{n} incidents", 2) == "{n} incidentes"
        assert i18n.number(4632) == "4.632" and i18n.number(1234.5) == "1.234,5"
        assert i18n.day(date(2022, 9, 2)) == "2 sep. 2022"
        assert i18n.day(date(2022, 9, 2), short=True) == "02/09/2022"
        with i18n.using("en"):
            assert i18n._("Incidents") == "Incidents" and i18n.number(4632) == "4,632"
        assert i18n.current() == "es"
    assert i18n.normalize("es_CO") == "es" and i18n.normalize("fr") is None


def test_the_default_language_comes_from_the_settings() -> None:
    from conflictmap.settings import Settings, SettingsError

    assert Settings.from_env({}).lang == "es"  # every page is translated: Spanish first
    assert Settings.from_env({"CONFLICTMAP_LANG": "ES"}).lang == "es"
    with pytest.raises(SettingsError, match="CONFLICTMAP_LANG"):
        Settings.from_env({"CONFLICTMAP_LANG": "fr"})


@pytest.mark.parametrize(
    ("env", "link", "browser", "expected"),
    [
        ({}, None, None, "es"),  # nothing says: Spanish
        ({}, None, "en-US", "en"),  # the browser's language, when it is one of ours
        ({}, None, "es-CO", "es"),
        ({}, None, "fr-FR", "es"),  # not one of ours: Spanish
        ({}, "en", "es-CO", "en"),  # the link wins over everything
        ({"CONFLICTMAP_LANG": "en"}, None, "es-CO", "en"),  # the deployment over the browser
        ({"CONFLICTMAP_LANG": "es"}, None, "en-GB", "es"),
        ({"CONFLICTMAP_LANG": "en"}, "es", None, "es"),
        ({}, "xx", "en", "en"),  # a bad link value is ignored
    ],
)
def test_a_sessions_first_language(
    monkeypatch: pytest.MonkeyPatch, env: dict, link: str | None, browser: str | None, expected: str
) -> None:
    monkeypatch.delenv("CONFLICTMAP_LANG", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert i18n.initial_language(link, browser) == expected


def test_the_lang_url_parameter_is_read_and_written() -> None:
    assert url_params.read({"lang": ["es"]}).lang == "es"
    assert url_params.read({"lang": ["xx"]}).lang is None
    default = i18n.default_language()
    other = "en" if default == "es" else "es"
    assert url_params.write(Filters(), lang=other)["lang"] == other
    assert "lang" not in url_params.write(Filters(), lang=default)


# ---- every user-visible literal of the converted UI files is marked -----------------------------

# Streamlit calls whose first argument or label/help/placeholder a person reads
VISIBLE_CALLS = {
    "markdown", "write", "caption", "title", "header", "subheader", "info", "warning", "error",
    "success", "toast", "expander", "popover", "metric", "button", "download_button",
    "form_submit_button", "checkbox", "toggle", "radio", "selectbox", "multiselect", "slider",
    "text_input", "text_area", "date_input", "spinner", "tabs", "Page", "DateColumn",
    "LinkColumn", "TextColumn", "NumberColumn", "image", "set_page_config",
}  # fmt: skip
VISIBLE_KEYWORDS = {"label", "help", "placeholder", "caption", "page_title", "title"}
# Literals that are the same in every language (names, symbols) or not yet ours to change
NOT_WORDS = {
    "ConflictMap", "Idioma · Language", "⚠️", "id",
    "acled:COL30001", "ucdp:470001",  # example incident ids (placeholders on the Data page)
}  # fmt: skip


def _unmarked(node: ast.AST) -> list[str]:
    """English literals in ``node`` that are not inside a translation call."""
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("_", "ngettext", "md_escape"):
            return []
        if name == "not_allowed":  # (actor, permission key): auth_ui's translated sentence
            return []
        return [s for a in [*node.args, *(k.value for k in node.keywords)] for s in _unmarked(a)]
    if isinstance(node, ast.FormattedValue):  # {day:%Y-%m-%d}: a format spec is not words
        return _unmarked(node.value)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        words = node.value.strip(" ›—·:")
        if any(c.isalpha() for c in words) and words not in NOT_WORDS:
            return [node.value]
        return []
    return [s for child in ast.iter_child_nodes(node) for s in _unmarked(child)]


def unmarked_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in VISIBLE_CALLS:
            continue
        args = [*node.args[:1], *(k.value for k in node.keywords if k.arg in VISIBLE_KEYWORDS)]
        if name == "tabs":
            args = list(node.args)
        elif name == "Page":  # the first argument is the page's script or function
            args = [k.value for k in node.keywords if k.arg == "title"]
        for arg in args:
            out += [f"{path.name}:{node.lineno}: {s!r}" for s in _unmarked(arg)]
    return out


# lines of converted files still English (none left)
PENDING_LINES: tuple[str, ...] = ()


def test_every_user_visible_literal_of_the_converted_files_is_marked() -> None:
    found = [
        site
        for name in CONVERTED
        for site in unmarked_literals(ROOT / name)
        if not any(p in site for p in PENDING_LINES)
    ]
    assert found == [], "mark these with _() (and translate them: make i18n)"
    assert all((ROOT / name).is_file() for name in CONVERTED + PENDING)


def test_the_literal_walk_flags_an_unmarked_label(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text(
        "st.metric('Incidents', n)\nst.metric(_('Actors'), n)\n"
        "st.selectbox(_('x'), xs, placeholder='All types')\n",
        encoding="utf-8",
    )
    assert [s.split(": ", 1)[1] for s in unmarked_literals(page)] == [
        "'Incidents'",
        "'All types'",
    ]


# ---- the map page and an export in each language -------------------------------------------------


def run_map(lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.query_params["lang"] = lang
    at.query_params["dept"] = "41"
    at.run()
    assert not at.exception, at.exception
    return at


def test_map_page_in_spanish_and_english(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFLICTMAP_DB", str(sample_db))
    es = run_map("es")
    figures = {m.label: m.value for m in es.metric}
    assert "Incidentes" in figures and "Víctimas fatales" in figures, figures
    assert "Municipios afectados" in figures
    assert es.title[0].value == "ConflictMap — Colombia"
    assert {r.label for r in es.radio} >= {"Nivel", "Colorear por", "Mostrar"}
    assert es.selectbox(key="f_dept").label == "Departamento"
    assert es.selectbox(key="ui_lang").value == "es"
    # the map itself: its legend and layer names (conflictmap/mapping.py)
    script = next(
        json.loads(e.proto.json_args)["script"]
        for e in es.main
        if getattr(e, "type", None) == "component_instance"
        and e.proto.component_name.endswith("st_folium")
    )
    assert "Leyenda" in script and "Municipios: incidentes" in script
    en = run_map("en")
    figures_en = {m.label: m.value for m in en.metric}
    assert "Incidents" in figures_en and "Fatalities" in figures_en
    # the same counts, in each language's number format
    n = int(figures_en["Incidents"].replace(",", ""))
    assert figures["Incidentes"] == i18n.number(n, "es")
    # choosing English in the sidebar switches the page and the link keeps it
    # (AppTest formats widget values in the test's thread: give it the page's language)
    with i18n.using("es"):
        es.selectbox(key="ui_lang").set_value("en").run()
    assert "Incidents" in {m.label for m in es.metric}
    assert es.query_params.get("lang") in (["en"], None)  # omitted when it is the default


def test_trends_page_in_spanish(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFLICTMAP_DB", str(sample_db))
    at = AppTest.from_file(str(ROOT / "pages/3_Trends.py"), default_timeout=180)
    at.query_params.update(lang="es", dept="41", **{"from": "2021-01-01", "to": "2023-12-31"})
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Tendencias"
    assert at.radio(key="tr_grain").label == "Periodo"
    assert at.radio(key="tr_metric").label == "Medida"
    assert {s.value for s in at.subheader} >= {"Comparar lugares", "Antes y después de una fecha"}
    assert any(s.value.startswith("Incidentes por mes, por tipo de evento") for s in at.subheader)
    spec = json.loads(next(e for e in at.main if getattr(e, "type", None) == "vega_lite_chart")
                      .proto.spec)  # fmt: skip
    assert spec["title"]["text"] == "Incidentes por mes — Colombia › Huila"
    assert spec["config"]["locale"]["time"]["shortMonths"][0] == "ene"
    element = next(d for d in at.dataframe if "periodo" in d.value.columns)
    assert set(element.value["periodo"]) == {"Antes", "Después"}
    # fractions with a decimal comma (0,169), as the rest of the Spanish interface writes them:
    # the display values of the table's Styler (conflictmap.table_format), numbers underneath
    shown = dataframe_util.convert_arrow_bytes_to_pandas_df(
        element.proto.arrow_data.styler.display_values
    )
    rates = list(shown["incidentes por día"])
    assert rates and all(re.fullmatch(r"\d+(,\d+)?", r) for r in rates), rates
    assert any("," in r for r in rates), rates


def test_data_page_in_spanish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boundaries) -> None:  # noqa: ARG001, ANN001
    monkeypatch.setenv("CONFLICTMAP_DB", str(tmp_path / "data.duckdb"))
    at = AppTest.from_file(str(ROOT / "pages/1_Data.py"), default_timeout=180)
    at.query_params["lang"] = "es"
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Datos"
    assert [t.label for t in at.tabs] == [
        "Importar un archivo", "Agregar un incidente", "Conjuntos de datos y actores",
    ]  # fmt: skip
    assert at.text_input(key="add_source").label == "Fuente (obligatoria)"
    assert "Guardar incidente" in {b.label for b in at.button}
    assert "La base de datos está vacía." in {m.value for m in at.markdown}


def test_map_texts_in_spanish() -> None:
    from conflictmap import mapping

    with i18n.using("es"):
        assert mapping.area_text(1234, 1, "Huila") == (
            "1.234 más ubicados solo en Huila (1 víctima fatal)"
        )
        assert "| Incidentes: UCDP GED" in mapping.attribution_text("Límites: DANE", ["UCDP GED"])
        words = mapping.count_words()
        assert words["locale"] == "es-CO" and words["incidents"] == ["{n} incidente", "{n} incidentes"]
        from conflictmap import view

        assert view.fatalities_text(None, None, None) == "desconocido"
        assert view.fatalities_text(12, 10, 15) == (
            "12 (mínimo 10 – mejor estimación 12 – máximo 15)"
        )
    assert mapping.area_text(1234, 1, "Huila") == "1,234 more placed only to Huila (1 fatality)"


def test_a_large_count_is_shown_the_colombian_way() -> None:
    assert i18n.number(4632, "es") == "4.632" and i18n.number(4632, "en") == "4,632"


def test_spanish_png_export_has_spanish_title_and_legend(sample_db: Path) -> None:
    from PIL import Image

    from conflictmap import export
    from conflictmap.filters import ViewOptions
    from conflictmap.view import TerritoryOptions

    request = export.SnapshotRequest(
        Filters(dept="41"), ViewOptions(level="municipality"), TerritoryOptions(True, False, 3)
    )
    with i18n.using("es"):
        snap = export.snapshot(request, "png", db=sample_db)
    meta = snap.metadata
    assert meta["title"].startswith("Incidentes — "), meta["title"]
    image = Image.open(io.BytesIO(snap.content))
    assert image.info["Title"] == meta["title"]
    blob = json.loads(image.info["conflictmap"])
    assert blob["title"] == meta["title"]
    # JSON keys stay English
    assert "title" in blob and "subtitle" in blob
    with i18n.using("en"):
        assert export.snapshot(request, "png", db=sample_db).metadata["title"].startswith(
            "Incidents — "
        )


def test_territories_page_in_spanish(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFLICTMAP_DB", str(sample_db))
    at = AppTest.from_file(str(ROOT / "pages/2_Territories.py"), default_timeout=180)
    at.query_params["lang"] = "es"
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Territorios de grupos armados"
    assert [t.label for t in at.tabs] == ["Registros de presencia", "Importar", "Exportar"]
    assert at.button(key="claims_save").label == "Guardar cambios"
    assert at.multiselect(key="export_groups").label == "Grupos (vacío: todos)"
    assert at.date_input(key="export_from").label == "Vigente desde"
    assert any(c.value.endswith(" elementos") for c in at.caption), [c.value for c in at.caption]
    # the demo claims' warning, and a count in the Colombian format ("1.234 registros.")
    assert any("SINTÉTICOS" in w.value for w in at.warning)
    claims = next(c.value for c in at.caption if " registros. " in c.value)
    n = int(claims.split(" registros. ")[0].replace(".", ""))
    assert claims.startswith(f"{n:,}".replace(",", ".") + " registros. Edite celdas")


def test_admin_page_and_sign_in_in_spanish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boundaries  # noqa: ARG001, ANN001
) -> None:
    from conflictmap import users
    from conflictmap.permissions import Actor, Role

    db = tmp_path / "team.duckdb"
    monkeypatch.setenv("CONFLICTMAP_DB", str(db))
    monkeypatch.delenv("CONFLICTMAP_READ_ONLY", raising=False)
    # single-user mode: the Admin page, its tabs and the sidebar note
    at = AppTest.from_file(str(ROOT / "pages/4_Admin.py"), default_timeout=180)
    at.query_params["lang"] = "es"
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Administración"
    assert [t.label for t in at.tabs] == [
        "Registro de auditoría", "Conjuntos de datos eliminados", "Usuarios",
    ]  # fmt: skip
    assert at.multiselect(key="adm_actions").placeholder == "Todas las acciones"
    assert "No hay conjuntos de datos eliminados." in {m.value for m in at.markdown}
    assert any(c.value.startswith("Modo de un solo usuario") for c in at.sidebar.caption)
    assert at.selectbox(key="adm_new_role").options == ["lector", "editor", "administrador"]
    # with users: the sign-in form, and a viewer's refusal, in Spanish
    users.add("ada", "admin", "correct horse battery", db=db)
    users.add("vi", "viewer", "correct horse battery", actor=Actor("ada", Role.ADMIN), db=db)
    form = AppTest.from_file(str(ROOT / "pages/4_Admin.py"), default_timeout=180)
    form.query_params["lang"] = "es"
    form.run()
    assert [e.value for e in form.info] == ["Inicie sesión para usar ConflictMap."]
    assert form.text_input(key="auth_password").label == "Contraseña"
    form.text_input(key="auth_name").set_value("vi")
    form.text_input(key="auth_password").set_value("correct horse battery")
    next(b for b in form.button if b.label == "Iniciar sesión").click().run()
    assert not form.exception, form.exception
    assert [e.value for e in form.error] == [
        "Su rol (lector) no permite leer el registro de auditoría; pídalo a un administrador."
    ]
    assert "Sesión iniciada como **vi** (lector)" in " ".join(m.value for m in form.sidebar.markdown)
    assert form.button(key="auth_sign_out").label == "Cerrar sesión"


def test_map_page_export_section_in_spanish(
    sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLICTMAP_DB", str(sample_db))
    es = run_map("es")
    fmt = es.selectbox(key="x_format")
    assert fmt.value == "PNG image (1600 px)"  # the stored choice stays English ...
    with i18n.using("es"):  # ... and is shown in Spanish
        assert "Imagen PNG (1600 px)" in fmt.options and "HTML interactivo" in fmt.options
    assert es.text_input(key="x_title").placeholder == "Medida — lugar"
    assert es.button(key="x_prepare").label == "Preparar exportación"
    assert "Exportar" in {s.value for s in es.sidebar.subheader}
    assert "Citar esta vista" in {e.label for e in es.expander}


def test_the_readme_glossary_agrees_with_the_catalogue() -> None:
    """README's "Glosario / Glossary": each English term is translated as the table says."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Glosario / Glossary", 1)[1].split("\n## ", 1)[0]
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| ") and "---" not in line and "English" not in line
    ]
    assert len(rows) >= 20
    assert ["Battles", "Batallas / enfrentamientos"] in rows
    assert ["Fatalities", "Víctimas fatales"] in rows
    assert ["recurrent", "presencia recurrente"] in rows and ["contested", "en disputa"] in rows
    with i18n.using("es"):
        assert [[en, i18n._(en)] for en, _es in rows] == rows


def test_without_a_language_the_map_page_is_spanish(
    sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No CONFLICTMAP_LANG and no lang in the link: Spanish (the tests set English otherwise)."""
    monkeypatch.setenv("CONFLICTMAP_DB", str(sample_db))
    monkeypatch.delenv("CONFLICTMAP_LANG")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    figures = {m.label: m.value for m in at.metric}
    assert "Incidentes" in figures and "Víctimas fatales" in figures, figures
    assert at.selectbox(key="ui_lang").value == "es"
    assert at.selectbox(key="f_dept").label == "Departamento"
    assert at.button(key="x_prepare").label == "Preparar exportación"
    total = int(figures["Incidentes"].replace(".", ""))
    assert total >= 1000 and figures["Incidentes"] == f"{total:,}".replace(",", ".")
    assert "lang" not in at.query_params  # the default needs no parameter


def test_package_messages_in_spanish() -> None:
    """Texts the package makes for people: the import report, citations, the column-mapping
    form, source terms, the map's JavaScript numbers, playback frame names."""
    import pandas as pd

    from conflictmap import export_terms, import_report, layout_form, mapping, source_terms
    from conflictmap import trends as trends_mod
    from conflictmap.trends_view import Playback

    lines = [
        import_report.ReportLine("stored", "all", 1234, 5),
        import_report.ReportLine("stored", import_report.PRECISION_DETAIL[1], 1234, 5),
        import_report.ReportLine("read", import_report.READ_DETAIL, 1234, 5),
    ]
    with i18n.using("es"):
        table = import_report.as_text(lines)
        assert table.splitlines()[0].split() == ["resultado", "detalle", "incidentes", "víctimas", "fatales"]
        assert "guardados" in table and "en un punto" in table and "1.234" in table
        assert "todos los registros del archivo" in table
        assert import_report.warning_lines({"repeated_rows": 1500})[0].startswith(
            "advertencia: filas repetidas: 1.500 (idénticas a una fila anterior"
        )
        assert layout_form.choice_label(layout_form.BY_HAND, None) == "Asignar las columnas yo mismo"  # type: ignore[arg-type]
        assert source_terms.redistribution_label("aggregates") == (
            "solo agregados: conteos por lugar y mes, nunca las filas"
        )
        assert export_terms.citation_text(
            export_terms.ExportPolicy(), "todas las fechas", [], date(2024, 1, 2)
        ) == (
            "Vista de ConflictMap, exportada el 2024-01-02.\n\nFuentes:\n"
            "- no hay incidentes en la vista\n\nFiltros: todas las fechas\n\n"
            "Cambios hechos por ConflictMap:"
        )
        assert export_terms.change_lines({"snapped": 1200}, None)[0] == (
            "1.200 incidentes ubicados en el municipio más cercano (el punto de la fuente estaba "
            "justo afuera)."
        )
        assert mapping.count_words()["group"] == "."
        assert "replace(/,/g, \".\")" in mapping.cluster_icon_js()
        month = trends_mod.Frame(date(2022, 8, 1), date(2022, 8, 31), pd.DataFrame(), "month")
        quarter = trends_mod.Frame(date(2022, 7, 1), date(2022, 9, 30), pd.DataFrame(), "quarter")
        play = Playback(Filters(), "department", "incidents", "month", "month", None,
                        (month, quarter), None)  # type: ignore[arg-type]  # fmt: skip
        assert play.labels == ["Aug 2022", "Q3 2022"]  # the frames' keys stay English
        assert [play.frame_label(x) for x in play.labels] == ["ago 2022", "T3 2022"]
    with i18n.using("en"):
        assert mapping.count_words()["group"] == ","
        assert play.frame_label("Aug 2022") == "Aug 2022"
        assert import_report.as_text(lines).splitlines()[0].split()[:2] == ["outcome", "detail"]


def test_the_column_mapping_form_in_spanish() -> None:
    from conflictmap import layout_form
    from conflictmap.importers.layout import Layout

    with i18n.using("es"):
        form = layout_form.rows(Layout("x"), ["fecha"]).set_index("field")
    assert list(form.columns) == ["Field", "Column", "Constant", "What it takes"]  # keys
    assert form.loc["latitude", "Field"] == "Latitud"
    assert form.loc["latitude", "What it takes"] == "grados decimales (sin constante)"
    assert form.loc["fatalities", "Field"] == "Víctimas fatales"
    assert form.loc["year", "What it takes"].startswith("año (0 o vacío")
    form_en = layout_form.rows(Layout("x"), ["fecha"]).set_index("field")
    assert form_en.loc["latitude", "What it takes"] == "decimal degrees (no constant)"


def test_actor_filter_options_and_detail_in_spanish() -> None:
    from conflictmap import actor_detail, page_state
    from conflictmap.actors import class_label, default_registry

    with i18n.using("es"):
        assert class_label("paramilitary") == "Todos los paramilitares"
        assert class_label("state") == "Toda la fuerza pública"
        assert page_state.actor_label("class:paramilitary", {"class:paramilitary": 1234}) == (
            "Todos los paramilitares (clase) (1.234)"
        )
        eln = actor_detail.detail("ELN", default_registry())
        assert eln is not None and eln.heading == "ELN · guerrillas"
        assert (
            "Miembro de Coordinadora Guerrillera Simón Bolívar: 27 sep. 1987 – 1 ene. 1995 — Las "
            "FARC-EP y el ELN permanecieron en la Coordinadora hasta 1994 (solo se conoce el año: "
            "límite en el 1995-01-01)."
        ) in eln.lines
        assert any(line.startswith("También escrito: Ejército de Liberación Nacional") for line in eln.lines)
    assert page_state.actor_label("class:paramilitary", {"class:paramilitary": 1234}) == (
        "All paramilitaries (class) (1,234)"
    )


def test_cli_import_speaks_spanish_and_keeps_english_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], boundaries  # noqa: ARG001, ANN001
) -> None:
    from conflictmap import cli

    source = tmp_path / "huila.csv"
    source.write_text(
        "event_date,event_type,source,latitude,longitude,fatalities,actor1\n"
        "2022-03-01,Battles,El Tiempo,2.93,-75.28,1,ELN\n"
        "2022-04-02,Battles,El Tiempo,2.93,-75.28,2,Los Desconocidos del Sur\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CONFLICTMAP_LANG", "es")
    assert cli.main(["import", str(source), "--db", str(tmp_path / "cli.duckdb")]) == 0
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert (result["read"], result["inserted"]) == (2, 2)  # keys and values stay English
    assert result["lines"][0]["outcome"] == "stored" and result["lines"][0]["detail"] == "all"
    head = next(line for line in err.splitlines() if line.startswith("resultado"))
    assert head.split()[:3] == ["resultado", "detalle", "incidentes"]
    assert "guardados" in err and "todos los registros del archivo" in err
    assert "sin identificar: Los Desconocidos del Sur (1 incidente)" in err


def test_refusals_are_in_the_page_language(monkeypatch: pytest.MonkeyPatch) -> None:
    from conflictmap import permissions, users

    monkeypatch.setenv("CONFLICTMAP_READ_ONLY", "1")
    with i18n.using("es"), pytest.raises(PermissionError) as refused:
        permissions.require(None, "import")
    assert str(refused.value) == (
        "este ConflictMap es de solo lectura (CONFLICTMAP_READ_ONLY): nadie puede importar archivos"
    )
    with i18n.using("es"), pytest.raises(users.UserError) as short:
        users.check_password("abc")
    assert str(short.value).startswith("la contraseña debe tener al menos ")
    with pytest.raises(users.UserError, match="the password must have at least"):
        users.check_password("abc")


# ---- importer messages: kept as Message objects, shown in the reader's language ---------------


def _importer_file(tmp_path: Path) -> Path:
    source = tmp_path / "mixto.csv"
    source.write_text(
        "event_date,event_type,source,latitude,longitude,fatalities\n"
        "2022-03-01,Battles,El Tiempo,2.93,-75.28,1\n"  # row 2: stored
        "2022-03-02,Battles,El Tiempo,2.93,-75.28,muchos\n"  # row 3
        "2022-03-03,Picnic,El Tiempo,2.93,-75.28,0\n"  # row 4
        "2022-03-04,Battles,El Tiempo,10.49,-66.88,2\n"  # row 5: Caracas
        "2022-03-05,Battles,El Tiempo,2.93,-75.28,varios\n",  # row 6
        encoding="utf-8",
    )
    return source


def test_reject_reasons_are_shown_in_the_readers_language(
    tmp_path: Path, empty_db: Path, boundaries  # noqa: ARG001, ANN001
) -> None:
    import csv
    import pickle

    from conflictmap import import_report, ingest, messages

    with i18n.using("es"):  # imported by a Spanish reader ...
        report = ingest.import_file(
            _importer_file(tmp_path), db=empty_db, rejects_dir=tmp_path / "rechazos"
        )
    reasons = {r.row: r.reason for r in report.rejects}
    # ... the stored reason is the English text, whatever the language of the import
    assert reasons == {
        3: "fatalities 'muchos' is not a number",
        4: "unknown event_type 'Picnic' (expected one of: Battles, Explosions/Remote violence, "
        "Violence against civilians, Protests, Riots, Strategic developments)",
        5: "point (10.49000, -66.88000) is outside Colombia",
        6: "fatalities 'varios' is not a number",
    }
    with i18n.using("es"):
        assert str(reasons[3]) == "fatalities 'muchos' no es un número"
        assert f"{reasons[5]}" == "el punto (10.49000, -66.88000) está fuera de Colombia"
        assert messages.text(reasons[4]).startswith("event_type desconocido 'Picnic' (se esperaba")
        # the report groups the two fatality rejects, shown without the rows' values
        table = report.table()
        rejected = table[table["outcome"] == "rechazados"].set_index("detail")["incidents"]
        assert rejected.to_dict() == {
            "fatalities '…' no es un número": 2,
            "event_type desconocido '…' (se esperaba uno de: Battles, Explosions/Remote "
            "violence, Violence against civilians, Protests, Riots, Strategic developments)": 1,
            "el punto (…) está fuera de Colombia": 1,
        }
        # the Data page's table of rejects
        from conflictmap import data_admin

        assert data_admin.reject_table(report)["reason"].tolist()[0] == (
            "fatalities 'muchos' no es un número"
        )
    with i18n.using("en"):
        assert str(reasons[3]) == "fatalities 'muchos' is not a number"
        assert "fatalities '…' is not a number" in import_report.as_text(report.lines)
    # the rejects file was written in the importer's language, with the same header
    assert report.rejects_file is not None
    with open(report.rejects_file, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["row", "reason", "event_date", "event_type", "source", "latitude",
                       "longitude", "fatalities"]  # fmt: skip
    assert rows[1][:2] == ["3", "fatalities 'muchos' no es un número"]
    # the JSON report keeps the English text
    lines = json.loads(json.dumps(report.as_json()))["lines"]
    assert {"outcome": "rejected", "detail": "fatalities '…' is not a number", "incidents": 2,
            "fatalities": 0} in lines  # fmt: skip
    # a reason survives a pickle (st.cache_data) and is still shown in either language
    again = pickle.loads(pickle.dumps(reasons[5]))
    assert again.text("es") == "el punto (10.49000, -66.88000) está fuera de Colombia"


def test_file_errors_are_shown_in_the_readers_language(tmp_path: Path) -> None:
    from conflictmap.importers import csvfile, tabular

    empty = tmp_path / "vacío.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(csvfile.FileError) as caught:
        tabular.read_table(empty)
    with i18n.using("es"):
        assert str(caught.value) == f"{empty}: el archivo está vacío"
    with i18n.using("en"):
        assert str(caught.value) == f"{empty}: the file is empty"
    big = tmp_path / "grande.csv"
    big.write_text("a;b\n1;2\n", encoding="utf-8")
    info = tabular.read_table(big).info
    with i18n.using("es"):
        assert str(info.describe()) == (
            "CSV, UTF-8 (todo el archivo es UTF-8 válido), separado por punto y coma"
        )
    with i18n.using("en"):
        assert str(info.describe()) == (
            "CSV, UTF-8 (the whole file is valid UTF-8), semicolon-separated"
        )


def test_a_numeric_parameter_is_written_the_readers_way() -> None:
    from conflictmap.messages import Message

    limit = Message(
        "{file}: more than {rows} rows, the most ConflictMap imports from one file; split the "
        "file, or raise the limit with the environment variable {env} (e.g. {env}={example})",
        file="casos.csv", rows=1500000, env="CONFLICTMAP_MAX_ROWS", example="3000000",
    )  # fmt: skip
    assert limit.text("es") == (
        "casos.csv: más de 1.500.000 filas, el máximo que ConflictMap importa de un archivo; "
        "divida el archivo o suba el límite con la variable de entorno CONFLICTMAP_MAX_ROWS "
        "(p. ej. CONFLICTMAP_MAX_ROWS=3000000)"
    )
    assert limit.text("en").startswith("casos.csv: more than 1,500,000 rows")


def test_a_layout_problem_and_a_date_error_in_spanish() -> None:
    from conflictmap import dates
    from conflictmap.importers.layout import Layout

    problems = Layout("x", columns={"event_date": ("FECHA",)}).problems()
    with i18n.using("es"):
        assert [str(p) for p in problems] == [
            "indique el tipo de evento: una columna o una constante",
            "indique el lugar: una columna de departamento o de municipio, o coordenadas",
            "indique la fuente: una columna o una constante (todo incidente necesita una)",
        ]
        with pytest.raises(dates.DateError) as caught:
            dates.from_parts("31", "4", "2010")
        assert str(caught.value) == "el día 31 no existe en 2010-04"


def test_the_event_type_help_lists_the_stored_event_types() -> None:
    from conflictmap import schema
    from conflictmap.importers.layout import FIELDS

    assert FIELDS["event_type"].help.startswith("one of " + ", ".join(schema.EVENT_TYPES) + " (")


def test_sample_message_in_spanish(tmp_path: Path) -> None:
    from unittest import mock

    from conflictmap import sample, store

    with mock.patch.object(store, "count_incidents", return_value=1234):  # a full database
        result = sample.load_sample(tmp_path / "lleno.duckdb")
    assert result.message == "database already holds 1,234 incidents; sample not loaded"
    with i18n.using("es"):
        assert str(result.message) == (
            "la base de datos ya contiene 1.234 incidentes; no se cargó la muestra"
        )


def test_actor_notes_in_the_readers_language() -> None:
    from conflictmap import actor_detail
    from conflictmap.actors import default_registry

    registry = default_registry()
    actors = registry.actors()
    assert len(actors) >= 125
    assert all(a.note_es for a in actors if a.note), [a.name for a in actors if not a.note_es]
    with i18n.using("es"):
        eln = actor_detail.detail("ELN", registry)
    assert eln is not None and eln.lines[0].startswith(
        "Guerrilla fundada el 4 de julio de 1964 (entrenamiento en San Vicente de Chucurí)"
    )
    with i18n.using("en"):
        eln_en = actor_detail.detail("ELN", registry)
    assert eln_en is not None and eln_en.lines[0].startswith("Guerrilla founded on 4 July 1964")


def test_table_numbers_are_written_the_readers_way() -> None:
    import pandas as pd

    from conflictmap import table_format

    frame = pd.DataFrame({"detail": ["a", "b"], "incidents": [1234, 5], "rate": [1234.5, None]})
    cells = re.findall(r">([^<>]*)</td>", table_format.localized(frame, "es").to_html())
    assert cells == ["a", "1.234", "1.234,5", "b", "5", ""]
    cells_en = re.findall(r">([^<>]*)</td>", table_format.localized(frame, "en").to_html())
    assert cells_en == ["a", "1,234", "1,234.5", "b", "5", ""]
    assert table_format.localized(frame, "es").data["incidents"].tolist() == [1234, 5]  # numbers
