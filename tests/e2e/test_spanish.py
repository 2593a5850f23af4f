"""The Spanish interface in a real browser (issue 15): `/?lang=es&dept=41` shows the map page in
Spanish with Colombian number formats (4.632, not 4,632: key figures and the map's cluster
icons), and the language goes along to another page through the navigation."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect
from test_browser import (
    MAP_TIMEOUT,
    RERUN_TIMEOUT,
    db_count,
    metric_value,
    wait_for_map,
)

if TYPE_CHECKING:
    from conftest import AppServer  # tests/e2e/conftest.py

PAGE_TIMEOUT = 60_000


def es(n: int) -> str:
    """A count as the Spanish interface writes it: 4.632."""
    return f"{n:,}".replace(",", ".")


def test_huila_in_spanish_and_the_language_follows_the_navigation(
    page: Page, app_server: AppServer
) -> None:
    page.goto(app_server.url + "/?lang=es&dept=41")
    wait_for_map(page, "por municipio")
    huila = db_count(app_server.db, "dept_code = ?", ["41"])
    expect(metric_value(page, "Incidentes")).to_have_text(es(huila), timeout=RERUN_TIMEOUT)
    expect(metric_value(page, "Víctimas fatales")).to_be_visible()
    expect(page.get_by_role("combobox", name="Departamento")).to_have_value("Huila")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Tipos de evento", exact=True)).to_be_visible()
    expect(sidebar.get_by_role("button", name="Preparar exportación")).to_be_visible()
    expect(page).to_have_title(re.compile("ConflictMap"))

    # another page through the navigation (titles in Spanish): the link keeps lang=es
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Tendencias").click()
    expect(page.get_by_role("heading", name="Tendencias", exact=True)).to_be_visible(
        timeout=PAGE_TIMEOUT
    )
    expect(page.get_by_role("heading", name="Comparar lugares")).to_be_visible(
        timeout=PAGE_TIMEOUT
    )
    expect(page).to_have_url(re.compile(r"[?&]lang=es(&|$)"), timeout=RERUN_TIMEOUT)
    expect(page).to_have_url(re.compile(r"[?&]dept=41(&|$)"))


def test_national_counts_have_a_dot_as_thousands_separator(
    page: Page, app_server: AppServer
) -> None:
    page.goto(app_server.url + "/?lang=es")
    frame = wait_for_map(page, "por departamento")
    total = db_count(app_server.db)
    assert total >= 1000  # the sample: seed incidents + about 5,000 synthetic ones
    expect(metric_value(page, "Incidentes")).to_have_text(es(total), timeout=RERUN_TIMEOUT)
    assert "." in es(total)
    # the map's cluster icons count the Colombian way too (their JavaScript, not Python)
    icons = frame.locator(".cm-cluster span")
    expect(icons.first).to_be_visible(timeout=MAP_TIMEOUT)
    counts = icons.all_inner_texts()
    assert counts and not any("," in c for c in counts), counts
    assert all(re.fullmatch(r"\d{1,3}(\.\d{3})*", c) for c in counts), counts
    assert sum(int(c.replace(".", "")) for c in counts) <= total
