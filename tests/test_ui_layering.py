"""Issue 13: the UI files only read widgets and draw. No database connection, SQL, spatial
work or URL parsing of their own: those live in the conflictmap package."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI_FILES = sorted(
    [ROOT / "dashboard.py", ROOT / "filters_ui.py", ROOT / "auth_ui.py", *(ROOT / "pages").glob("*.py")]
)


def test_there_are_ui_files() -> None:
    names = {p.name for p in UI_FILES}
    assert {"dashboard.py", "filters_ui.py", "1_Data.py", "2_Territories.py", "3_Trends.py"} <= names
    assert {"auth_ui.py", "4_Admin.py"} <= names


def test_no_database_or_sql_in_the_ui_files() -> None:
    """The acceptance check: grep -nE "duckdb|store\\.|SELECT|connect\\(" finds nothing."""
    pattern = re.compile(r"duckdb|store\.|SELECT|connect\(")
    found = [
        f"{path.name}:{n}: {line.strip()}"
        for path in UI_FILES
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []


def test_no_spatial_work_parsing_or_hand_built_map_in_the_ui_files() -> None:
    pattern = re.compile(
        r"assign_admin|MapSpec\(|from_params|\.get_all\(|read_text_table|decode_bytes"
        r"|import_frame|check_frame|diff_edits|tempfile|conflictmap import .*\bstore\b"
    )
    found = [
        f"{path.name}: {line.strip()}"
        for path in UI_FILES
        for line in path.read_text(encoding="utf-8").splitlines()
        if pattern.search(line)
    ]
    # the address bar is read in one place: filters_ui.read_url hands it to url_params.read
    assert found == [
        "filters_ui.py: params = {k: st.query_params.get_all(k) for k in st.query_params}"
    ]


def test_the_package_never_imports_streamlit() -> None:
    """All logic lives in plain functions that run without Streamlit (CLI, exports, tests)."""
    pattern = re.compile(r"^\s*(import streamlit|from streamlit\b)")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "conflictmap").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []
