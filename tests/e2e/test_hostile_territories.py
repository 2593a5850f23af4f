"""Issue 14, hardening, in a real browser: a hostile armed-group name in an imported territory
claim (its source and dataset too).

The map names each territory overlay after its group, and Leaflet's layers control puts overlay
names into the page as HTML: conflictmap/mapping.py escapes them (a hostile group name such as
``<img src=x onerror=alert(1)>`` once ran script in every viewer's map).

These tests use their own browser context (not the shared guarded page): on the map the injected
image is a local 404 that the shared guard would report at teardown, outside the xfail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from test_browser import wait_for_map
from test_hostile import HTML, IMAGE, LINK, LOCAL, PAGE_TIMEOUT, Recorder, _cell

if TYPE_CHECKING:
    from conftest import AppServer  # tests/e2e/conftest.py

VIEWPORT = {"width": 1400, "height": 1800}


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:  # noqa: ARG001
    """This module's server database: one plain incident and one hostile territory claim."""
    from conflictmap import ingest, territory_store

    folder = tmp_path_factory.mktemp("hostile-territories")
    incidents = folder / "incidents.csv"
    incidents.write_text(
        "event_date,event_type,actor1,fatalities,municipality,source,source_url\n"
        "2022-03-01,Battles,ELN,1,41001,test,https://example.org/a\n",
        encoding="utf-8",
    )
    db = folder / "territories.duckdb"
    assert ingest.import_file(incidents, db=db, rejects_dir=folder).inserted == 1
    claims = folder / "claims.csv"
    claims.write_text(
        "group,municipality,department,valid_from,valid_to,level,source\n"
        f"{_cell(HTML)},41001,Huila,2022-01-01,,recurrent,{_cell(IMAGE)}\n",
        encoding="utf-8",
    )
    report = territory_store.import_claims(claims, dataset=LINK, db=db)
    assert report.inserted == 1
    return db


@pytest.fixture()
def raw_page(browser) -> Iterator[Page]:  # noqa: ANN001 - the shared Chromium
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    context.set_default_timeout(30_000)
    page = context.new_page()

    def route(r) -> None:  # noqa: ANN001 - nothing leaves the machine (Recorder still sees it)
        url = r.request.url
        if url.startswith(("data:", "blob:")) or (urlsplit(url).hostname or "") in LOCAL:
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    try:
        yield page
    finally:
        context.close()


def test_territories_page_shows_a_hostile_claim_as_text(
    raw_page: Page, app_server: AppServer
) -> None:
    recorder = Recorder(raw_page, app_server)
    raw_page.goto(f"{app_server.url}/Territories")
    expect(raw_page.get_by_role("heading", name="Armed-group territories")).to_be_visible(
        timeout=PAGE_TIMEOUT
    )
    raw_page.get_by_role("tab", name="Export").click()
    raw_page.get_by_role("combobox", name="Groups (empty: all)").click()
    expect(raw_page.get_by_role("option", name=HTML)).to_be_visible()  # plain text option
    recorder.check()


def test_the_map_names_a_hostile_territory_group_as_text(
    raw_page: Page, app_server: AppServer
) -> None:
    recorder = Recorder(raw_page, app_server)
    raw_page.goto(app_server.url + "/")
    wait_for_map(raw_page, "")
    recorder.check()
