"""The first screen a new user sees, in a real browser: the real default sample (UCDP GED
Colombia + the seed incidents), nationally and in Huila, saying what it counts but cannot draw.

Expected figures are read from the shipped CSV files here, not from the code under test.
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect
from test_browser import legend, metric_value, wait_for_map

from conflictmap import sample

if TYPE_CHECKING:
    from conftest import AppServer  # tests/e2e/conftest.py

SAMPLE = sample.SAMPLE_DIR  # shipped in the package: conflictmap/data/sample/


def _csv(name: str) -> list[dict[str, str]]:
    with (SAMPLE / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


UCDP = [r for r in _csv("ucdp_ged_colombia_1989_2018_hdx.csv") if r["id"].strip().isdigit()]
SEEDS = _csv("seed-events.csv")


def test_national_first_screen_is_real_and_says_what_is_not_drawn(
    page: Page, real_app_server: AppServer
) -> None:
    vague = [r for r in UCDP if r["where_prec"] in {"5", "6"}]
    deaths = sum(int(r["best"]) for r in vague)
    page.goto(real_app_server.url)
    wait_for_map(page, "Points:")
    expect(metric_value(page, "Incidents")).to_have_text(f"{len(UCDP) + len(SEEDS):,}")
    expect(legend(page)).to_contain_text(
        f"{len(vague):,} incidents ({deaths:,} fatalities) have no place finer than Colombia or "
        "a region"
    )
    expect(legend(page)).to_contain_text("not drawn on the map")
    # the same note outside the map, and the UCDP citation its licence asks for
    expect(page.get_by_text("no place finer than Colombia or a region").first).to_be_visible()
    expect(page.frame_locator('iframe[src*="streamlit_folium"]').get_by_text("UCDP GED").first)\
        .to_be_attached()
    assert "synthetic" not in page.locator("section[data-testid='stSidebar']").inner_text().lower()


def test_huila_says_how_many_are_placed_only_to_the_department(
    page: Page, real_app_server: AppServer
) -> None:
    huila_dept_only = [r for r in UCDP if r["adm_1"].startswith("Huila") and r["where_prec"] == "4"]
    deaths = sum(int(r["best"]) for r in huila_dept_only)
    page.goto(f"{real_app_server.url}/?dept=41")
    wait_for_map(page, "Points:")
    expect(legend(page)).to_contain_text(
        f"{len(huila_dept_only):,} incidents ({deaths:,} fatalities) have no place finer than a "
        "department"
    )
