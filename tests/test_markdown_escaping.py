"""Issue 14, hardening: no value from a URL, a file, a form or the database is shown as Markdown.

Streamlit renders Markdown in st.markdown / st.write / st.caption, in alerts and toasts, and in
every label, help text, tab and expander title; an image in any of them makes every viewer's
browser fetch it. Three layers of tests:

- ``md_escape`` itself, on a corpus of everything Markdown and Streamlit interpret;
- a static walk (ast) of the UI files: each Markdown-rendering argument is a constant, an
  interface text of conflictmap.text, a number formatted with a format spec, or wrapped in
  ``text.md_escape`` — anything else is listed in ``CONSTANT_TEXTS`` below with why it is safe;
- AppTest runs of every page with hostile URL parameters and a database of hostile imported
  text, reading every Markdown-rendered string of the element tree.

The browser side (no request leaves the machine, nothing injected in the DOM) is in
tests/e2e/test_hostile.py.
"""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conflictmap import text

ROOT = Path(__file__).resolve().parents[1]
# the Streamlit scripts: every script at the top (dashboard.py, filters_ui.py, ...) and the pages
UI_FILES = sorted(
    [*(p for p in ROOT.glob("*.py") if p.name != "setup.py"), *(ROOT / "pages").glob("*.py")]
)

IMAGE = "![x](http://example.invalid/t.png)"
HTML = "<img src=x onerror=alert(1)>"
LINK = "[a](javascript:alert(1))"
HOSTILE = [
    IMAGE,
    HTML,
    LINK,
    ":red[red] :blue-background[b] :material/home: :streamlit: :+1: :small[s] :help[h]",
    "$x^2$ and $$y$$",
    "http://example.invalid/a www.example.invalid me@example.invalid <http://example.invalid>",
    "**b** _i_ ~~s~~ `c` # h\n- l\n1. o\n> q\nfoo\n===\n| a | b |\n|---|---|",
    "<- -> <-> -- >= <= ~= &lt;img&gt; &amp; [r]: http://example.invalid/ref",
    "a\\b\\\\c \\![x](http://example.invalid/t.png)",
]

# Markdown that renders (from the data): an image or link, raw HTML, a bare link.
UNSAFE = re.compile(
    r"(?<!\\)!\[|(?<!\\)\]\(|(?<!\\)<\s*(?:img|a|script|iframe)\b|https?://|www\.|javascript:",
    re.IGNORECASE,
)


def shown(markdown: str) -> str:
    """What the reader sees of escaped Markdown: backslash escapes and word joiners removed."""
    return re.sub(r"\\(.)", r"\1", markdown, flags=re.DOTALL).replace(text.WORD_JOINER, "")


# ---- md_escape ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_md_escape_leaves_nothing_markdown_would_interpret(value: str) -> None:
    escaped = text.md_escape(value)
    assert not UNSAFE.search(escaped), escaped
    # every character Markdown gives a meaning is escaped: no emphasis, code, heading, list,
    # table, HTML, entity, LaTeX, directive or shortcode can start
    special = r"[\\`*_~\[\]()!<>&#+\-.=|$:{}]"
    assert re.fullmatch(rf"(?:\\{special}|(?!{special}).)*", escaped, re.DOTALL), escaped
    # what the bare-link, icon and typography rules match after escapes is broken up
    loose = escaped.replace("\\", "")
    for pattern in ("http:/", "www.", "@e", ":material", ":streamlit", "->", "<-", "--"):
        assert pattern not in loose, (pattern, escaped)
    # and the reader sees exactly the value
    assert shown(escaped) == value


def test_md_escape_keeps_ordinary_text_readable() -> None:
    assert text.md_escape("Clan del Golfo") == "Clan del Golfo"
    assert shown(text.md_escape("FARC-EP: Frente 33 (14:30) 2024-01-02 -75.28")) == (
        "FARC-EP: Frente 33 (14:30) 2024-01-02 -75.28"
    )
    # no word joiner where no pattern needs one
    assert text.WORD_JOINER not in text.md_escape("14:30 Note: 2024-01-02 -75.28 a @ b")
    assert text.md_escape(None) == "None" and text.md_escape(3) == "3"


def test_markdown_built_in_the_package_escapes_its_values() -> None:
    """The package functions whose Markdown the pages show as it is (CONSTANT_TEXTS)."""
    from conflictmap import data_admin, ingest

    about = text.about("DANE", HOSTILE)
    assert not UNSAFE.search(about)
    report = ingest.ImportReport(
        read=1,
        inserted=1,
        duplicates=0,
        rejected=0,
        rejects_file=None,
        dataset=IMAGE,
        format="native",
        warnings={},
        rejects=[],
        lines=[],
        actors=None,
        detected={},
    )
    summary = data_admin.import_summary(report)
    assert not UNSAFE.search(summary) and IMAGE in shown(summary)


# ---- static walk of the UI files ---------------------------------------------------------------

# Streamlit calls whose text arguments are rendered as Markdown (labels, bodies, help, titles).
MARKDOWN_CALLS = {
    "markdown", "write", "caption", "title", "header", "subheader", "info", "warning", "error",
    "success", "toast", "expander", "popover", "tabs", "metric", "button", "download_button",
    "form_submit_button", "link_button", "page_link", "checkbox", "toggle", "radio", "selectbox",
    "multiselect", "select_slider", "slider", "text_input", "text_area", "number_input",
    "date_input", "time_input", "file_uploader", "color_picker", "progress", "spinner", "status",
    "feedback", "pills", "segmented_control", "chat_message",
}  # fmt: skip
MARKDOWN_KEYWORDS = {"body", "label", "help", "text"}

# Calls the walk cannot see into whose text is safe, with why: package texts made only of
# constants, numbers and names from constant lists, or Markdown the package builds with its
# values escaped (tested above).
CONSTANT_CALLS: dict[str, str] = {
    "text.about": "escapes the sources (tested above)",
    "data_admin.import_summary": "escapes the dataset name (tested above)",
    "editor.import_summary": "text.CLAIMS_IMPORTED with counts",
    "ingest.limits_note": "text.UPLOAD_LIMITS with numbers",
    "auth_ui.not_allowed": "a role and an action of conflictmap.permissions (constants)",
    "i18n.number": "a number in the interface language's format (digits, '.' and ',')",
    "number": "i18n.number imported by name",
}
# The translation functions (conflictmap.i18n): safe when their msgids are (see _safe)
TRANSLATE_CALLS = {"_", "ngettext"}
# Expressions the walk cannot see are safe, by file, with why.
CONSTANT_TEXTS: dict[str, dict[str, str]] = {
    "auth_ui.py": {
        "role": "a permissions.Role value in the interface language (role_label)",
        "locked.message()": "users.SignInLocked.message: a constant sentence with a number",
    },
    "4_Admin.py": {"message": "stored in session_state already passed through text.md_escape"},
    "dashboard.py": {
        "choice_label": "a key of export.UI_CHOICES (the Format selectbox's options), translated",
    },
    "1_Data.py": {
        "warning": "data_admin.report_warnings: text.WARNINGS with counts",
        "caption": "data_admin.report_caption: text.REPORT_CAPTION with counts",
        "found.preview_caption(check.read if check else None)": "counts and text.HXL_NOTE",
        "found.detected": "a key of ingest.FORMATS",
        "point.lat": "a float from the map click",
        "point.lon": "a float from the map click",
    },
    "2_Territories.py": {
        "saved.message": "text.CLAIMS_SAVED / CLAIMS_NOT_SAVED with counts",
        "note": "territory_editor.unknown_group_note: text.CLAIMS_UNKNOWN_GROUP with a count",
    },
    "5_Watchlist.py": {
        "view.window": "alerts.load_view: the period's name and dates (i18n.day)",
        "item.link(i18n.current())": "watchlists.Watchlist.link: the page path and the name "
        "URL-encoded by urllib.parse.urlencode (no brackets, parentheses or spaces left)",
        "kept.link(i18n.current())": "watchlists.Watchlist.link, as above",
    },
    "3_Trends.py": {
        "view.series_heading": "the measure and period (constant radio options)",
        "view.grain_note": "trends_view.coarser_note: dates, periods and counts",
        "ba.summary": "text.RATE_CHANGE with percentages in bold",
        "playback.note": "trends_view.coarser_note: dates, periods and counts",
        "playback.caption": "text.PLAYBACK_CAPTION: counts and class ranges",
        "f.label": "trends_view.ChartFile labels (constants)",
        "brushed[0]": "a date (charts.brushed_range)",
        "brushed[1]": "a date (charts.brushed_range)",
    },
}

_NUMBER_SPEC = re.compile(r"[+,._\d]*[bcdeEfFgGnoxX%]?|.*%[a-zA-Z].*")  # {n:,} {d:%Y-%m-%d}


def _package_names(tree: ast.Module) -> set[str]:
    """Names bound to conflictmap modules or the shared filters_ui (not Streamlit elements)."""
    names = {"ui"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("conflictmap"):
            names |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            names |= {a.asname or a.name for a in node.names if a.name.startswith("conflictmap")}
    return names


def _safe(node: ast.expr, allowed: dict[str, str]) -> bool:  # noqa: PLR0911 - one case a kind
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name) and node.id.isupper():  # a module's constant
        return True
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if node.attr.isupper():  # an interface string: text.NO_DATA, auth_ui.SIGN_IN_NOTE
            return True
    if isinstance(node, ast.JoinedStr):
        return all(_safe(v, allowed) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        spec = node.format_spec
        parts = spec.values if isinstance(spec, ast.JoinedStr) else []
        if parts and all(isinstance(v, ast.Constant) for v in parts):
            if _NUMBER_SPEC.fullmatch("".join(str(getattr(v, "value", "")) for v in parts)):
                return True
        return _safe(node.value, allowed)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _safe(node.left, allowed) and _safe(node.right, allowed)
    if isinstance(node, ast.IfExp):
        return _safe(node.body, allowed) and _safe(node.orelse, allowed)
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(_safe(e, allowed) for e in node.elts)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "md_escape" or ast.unparse(func) in CONSTANT_CALLS:
            return True
        # a translation (conflictmap.i18n) of a safe text is as safe as the text: _("…"),
        # _(text.NAME), ngettext("…", "…", n); the msgstr is ours (the catalogue), not outside
        if name in TRANSLATE_CALLS:
            return all(_safe(a, allowed) for a in node.args[:2])
        # "…{name}…".format(name=…) of a safe template with safe values
        if name == "format" and isinstance(func, ast.Attribute) and _safe(func.value, allowed):
            return all(_safe(a, allowed) for a in node.args) and all(
                _safe(k.value, allowed) for k in node.keywords
            )
        if (
            name == "join"
            and isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Constant)
        ):
            (arg,) = node.args
            if isinstance(arg, (ast.GeneratorExp, ast.ListComp)):
                return _safe(arg.elt, allowed)
            return _safe(arg, allowed)
    return ast.unparse(node) in allowed


def _markdown_arguments(call: ast.Call) -> Iterator[ast.expr]:
    name = call.func.attr if isinstance(call.func, ast.Attribute) else ""
    if name in MARKDOWN_CALLS:
        if name == "write":
            yield from call.args
        elif name == "progress":
            yield from call.args[1:2]
        elif call.args:
            yield call.args[0]
        yield from (k.value for k in call.keywords if k.arg in MARKDOWN_KEYWORDS)
    else:  # any call's help= is a Markdown tooltip (column configs too)
        yield from (k.value for k in call.keywords if k.arg == "help")


def markdown_call_sites(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(line, argument source, safe) of every Markdown-rendering argument in a UI file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _package_names(tree)
    allowed = CONSTANT_TEXTS.get(path.name, {})
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.value.id in package:  # url_params.write, editor.import_upload...
                continue
        for arg in _markdown_arguments(node):
            yield node.lineno, ast.unparse(arg), _safe(arg, allowed)


def test_every_markdown_argument_in_the_ui_is_constant_or_escaped() -> None:
    unescaped = [
        f"{path.name}:{line}: {source}"
        for path in UI_FILES
        for line, source, safe in markdown_call_sites(path)
        if not safe
    ]
    assert unescaped == [], "wrap these in text.md_escape (or explain them in CONSTANT_TEXTS)"


def test_the_walk_sees_the_call_sites_and_the_allowlist_is_current() -> None:
    """The walk is not vacuous, and every CONSTANT_TEXTS entry still names a call site."""
    sites = {path.name: list(markdown_call_sites(path)) for path in UI_FILES}
    assert sum(len(s) for s in sites.values()) > 100
    assert any("md_escape(problem)" in src for _, src, _ in sites["filters_ui.py"])
    stale = [
        f"{name}: {source}"
        for name, entries in CONSTANT_TEXTS.items()
        for source in entries
        # the value as the whole argument, in an f-string, or as a .format(name=value) keyword
        if not any(
            source == src or f"{{{source}}}" in src or f"={source}" in src
            for _, src, _ in sites.get(name, [])
        )
    ]
    stale += [
        call
        for call in CONSTANT_CALLS
        if not any(f"{call}(" in src for found in sites.values() for _, src, _ in found)
    ]
    assert stale == []


def test_no_raw_html_in_the_ui_files() -> None:
    found = [
        f"{path.name}:{n}"
        for path in UI_FILES
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"unsafe_allow_html\s*=\s*True|\bst\.html\(|components\.html\(", line)
    ]
    assert found == []


def test_the_walk_flags_an_unescaped_value(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text(
        "import streamlit as st\n"
        "from conflictmap import text, url_params\n"
        "st.warning(f'Link: {problem}')\n"
        "st.caption(view.subtitle)\n"
        "st.expander('About ' + name)\n"
        "st.metric('x', 1, help=f'{n:,} rows')\n"
        "st.markdown(text.md_escape(name))\n"
        "url_params.write(filters)\n",
        encoding="utf-8",
    )
    flagged = [source for _, source, safe in markdown_call_sites(page) if not safe]
    assert flagged == ["f'Link: {problem}'", "view.subtitle", "'About ' + name"]


# ---- every page, with hostile URLs and hostile data --------------------------------------------

HOSTILE_URL = {"type": [IMAGE], "actor": [HTML, IMAGE], "dept": LINK, "muni": HTML, "from": IMAGE}
HOSTILE_CSV_HEADER = (
    "event_date,date_precision,event_type,sub_event_type,actor1,actor2,fatalities,latitude,"
    "longitude,geo_precision,municipality,department,location,source,source_url,notes\n"
)


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def hostile_rows() -> str:
    """Native rows in Neiva whose every text field is hostile (two rows: actors differ)."""
    rows = []
    for i, (actor, other) in enumerate([(IMAGE, HTML), (LINK, HOSTILE[3])]):
        fields = [
            f"2022-0{i + 1}-15", "day", "Battles", HOSTILE[4], actor, other, "2", "2.93",
            "-75.28", "1", "41001", "Huila", HOSTILE[5], IMAGE, "https://example.org/report",
            "\n".join(HOSTILE),
        ]  # fmt: skip
        rows.append(",".join(_csv_cell(f) for f in fields))
    return HOSTILE_CSV_HEADER + "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:  # noqa: ARG001
    """A database of hostile imported text: actors, notes, source, dataset name, a territory
    claim, an annotation, a hand mapping of a hostile name."""
    from conflictmap import annotations, ingest, store, territory_store

    folder = tmp_path_factory.mktemp("hostile")
    db = folder / "hostile.duckdb"
    path = folder / "incidents.csv"
    path.write_text(hostile_rows(), encoding="utf-8")
    report = ingest.import_file(path, db=db, dataset=IMAGE, rejects_dir=folder)
    assert report.inserted == 2, report.rejects
    claims = folder / "claims.csv"
    claims.write_text(
        "group,municipality,department,valid_from,valid_to,level,source\n"
        f"{_csv_cell(IMAGE)},41001,Huila,2022-01-01,,recurrent,{_csv_cell(HTML)}\n",
        encoding="utf-8",
    )
    territory_store.import_claims(claims, dataset=LINK, db=db)
    with store.connect(db) as con:
        annotations.add(con, date(2022, 1, 20), IMAGE)
    return db


# Elements whose ``body`` is not Markdown: JSON, code and plain text are shown as they are.
PLAIN_ELEMENTS = {"json", "code", "text", "latex"}


def markdown_texts(at: AppTest) -> list[str]:
    """Every string of the element tree that Streamlit renders as Markdown."""
    found: list[str] = []

    def proto_texts(message: object) -> None:
        for field, value in message.ListFields():  # type: ignore[attr-defined] - a protobuf
            if field.message_type is not None:
                items = value if not hasattr(value, "ListFields") else [value]
                for item in items:
                    if hasattr(item, "ListFields"):
                        proto_texts(item)
            elif field.name in MARKDOWN_KEYWORDS:
                found.extend([value] if isinstance(value, str) else [str(v) for v in value])

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if getattr(node, "type", "") in PLAIN_ELEMENTS:
            pass
        elif proto is not None and hasattr(proto, "ListFields"):
            proto_texts(proto)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def assert_nothing_injected(at: AppTest) -> list[str]:
    assert not at.exception, at.exception
    texts = markdown_texts(at)
    assert texts, "no Markdown found: the walk is broken"
    injected = [t for t in texts if UNSAFE.search(t)]
    assert injected == []
    return texts


def run(page: str, url: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=180)
    for key, value in (url or {}).items():
        at.query_params[key] = value
    at.run()
    return at


@pytest.fixture()
def hostile(hostile_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the hostile database for one test (the Data page test imports into it)."""
    copy = tmp_path / hostile_db.name
    shutil.copy(hostile_db, copy)
    monkeypatch.setenv("CONFLICTMAP_DB", str(copy))
    return copy


def test_map_page_with_hostile_url_and_data(hostile: Path) -> None:
    at = run("dashboard.py", HOSTILE_URL)
    texts = assert_nothing_injected(at)
    shown_texts = " ".join(shown(t) for t in texts)
    # the hostile values are still shown, as text: the link problems and the dataset name
    assert IMAGE in shown_texts and LINK in shown_texts and HTML in shown_texts
    # the hostile actor filter in the URL is in force, and the other actor of its incidents
    at = run("dashboard.py", {"actor": [IMAGE]})
    assert_nothing_injected(at)
    assert {m.label: m.value for m in at.metric}["Incidents"] == "1"
    at.dataframe(key="incident_table")  # the table is there
    # the incident's detail panel (id, fields, original record)
    at.session_state["incident_table"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert_nothing_injected(at)


def test_trends_page_with_hostile_url_and_data(hostile: Path) -> None:
    at = run("pages/3_Trends.py", {**HOSTILE_URL, "type": [IMAGE, "Battles"]})
    texts = assert_nothing_injected(at)
    assert any(HTML in shown(t) for t in at.caption.values), texts  # the subtitle names it
    at = run("pages/3_Trends.py", {"from": "2022-01-01", "to": "2022-12-31"})
    assert_nothing_injected(at)
    assert any(IMAGE in shown(m.value) for m in at.markdown)  # the annotation, as text


def test_data_page_with_hostile_data_upload_and_form(hostile: Path) -> None:
    at = run("pages/1_Data.py", HOSTILE_URL)
    assert_nothing_injected(at)
    # the delete confirmation names the hostile dataset; the mapping form lists hostile names
    at.selectbox(key="delete_dataset").set_value(IMAGE).run()
    assert_nothing_injected(at)
    # an upload with a hostile name and hostile cells: preview, validation, report, import
    name = f"{HTML} {LINK}.csv"
    at.file_uploader(key="upload").set_value((name, hostile_rows().encode(), "text/csv")).run()
    assert_nothing_injected(at)
    # a hostile row is rejected with a reason that quotes it
    bad = hostile_rows().replace('"Battles"', f'"{IMAGE}"', 1).replace("2022-", "2021-")
    at.file_uploader(key="upload").set_value((name, bad.encode(), "text/csv")).run()
    assert_nothing_injected(at)
    at.button(key="import_go").click().run()
    texts = assert_nothing_injected(at)
    assert any("Rejected rows saved to" in t for t in texts)
    # the add-incident form: a rejected save echoes the form's values
    at.text_input(key="add_source").input(IMAGE)
    at.text_input(key="add_url").input(f"javascript:{LINK}")
    at.text_area(key="add_notes").input(HTML)
    at.button(key="FormSubmitter:add_incident-Save incident").click().run()
    assert at.error or at.success or at.warning
    assert_nothing_injected(at)


def test_territories_page_with_hostile_data(hostile: Path) -> None:
    at = run("pages/2_Territories.py", HOSTILE_URL)
    assert_nothing_injected(at)
    at.multiselect(key="export_groups").set_value([IMAGE]).run()
    assert_nothing_injected(at)
