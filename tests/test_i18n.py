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
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
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
    "pages/3_Trends.py", "pages/4_Admin.py",
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

    assert Settings.from_env({}).lang == "en"  # Spanish once every page is translated
    assert Settings.from_env({"CONFLICTMAP_LANG": "ES"}).lang == "es"
    with pytest.raises(SettingsError, match="CONFLICTMAP_LANG"):
        Settings.from_env({"CONFLICTMAP_LANG": "fr"})


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
NOT_WORDS = {"ConflictMap", "Idioma · Language", "⚠️", "id"}


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
    table = next(d.value for d in at.dataframe if "periodo" in d.value.columns)
    assert set(table["periodo"]) == {"Antes", "Después"}


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
