"""Issue 14, hardening, in a real browser: a crafted link or hostile imported text never makes the
page fetch anything from another host, and nothing injected (image, link, HTML, script) reaches
the DOM. The server runs on a database built here through ``conflictmap.ingest.import_file``
from a native CSV whose actor, notes, source and dataset name are hostile.

Every request of the page (and of the map's frame) is recorded with ``page.on("request")``; the
shared guard (conftest.py) also aborts and reports any non-local one, and console errors fail.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Page, expect
from test_browser import _FIND_MAP, choose, wait_for_map

if TYPE_CHECKING:
    from conftest import AppServer  # tests/e2e/conftest.py

IMAGE = "![x](http://example.invalid/t.png)"
HTML = "<img src=x onerror=alert(1)>"
LINK = "[a](javascript:alert(1))"
EXTRA = (
    ":red[red] :material/home: :streamlit: $x^2$ http://example.invalid/bare www.example.invalid"
)
LOCAL = {"127.0.0.1", "localhost", "::1"}
PAGE_TIMEOUT = 60_000


def _cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def hostile_csv() -> str:
    header = (
        "event_date,date_precision,event_type,sub_event_type,actor1,actor2,fatalities,latitude,"
        "longitude,geo_precision,municipality,department,location,source,source_url,notes\n"
    )
    rows = [
        ["2022-03-01", "day", "Battles", EXTRA, IMAGE, HTML, "2", "2.93", "-75.28", "1",
         "41001", "Huila", HTML, IMAGE, "https://example.org/report", f"{IMAGE} {HTML} {LINK}"],
        ["2022-04-01", "day", "Riots", HTML, LINK, EXTRA, "0", "2.95", "-75.30", "1",
         "41001", "Huila", LINK, HTML, "https://example.org/other", EXTRA],
    ]  # fmt: skip
    return header + "".join(",".join(_cell(c) for c in row) + "\n" for row in rows)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:  # noqa: ARG001
    """This module's server database (overrides the shared sample): hostile imported text.
    (A hostile territory group name is in test_hostile_territories.py.)"""
    from conflictmap import annotations, ingest, store

    folder = tmp_path_factory.mktemp("hostile-e2e")
    path = folder / "hostile.csv"
    path.write_text(hostile_csv(), encoding="utf-8")
    db = folder / "hostile.duckdb"
    report = ingest.import_file(path, db=db, dataset=IMAGE, rejects_dir=folder)
    assert (report.inserted, report.rejected) == (2, 0), report.rejects
    with store.connect(db) as con:
        annotations.add(con, date(2022, 3, 15), IMAGE)
    return db


# What the DOM must not hold, in the page and in every frame (the map's): an element with a
# URL-bearing attribute pointing at the hostile host or at javascript:, an inline event
# handler, or an element made from the hostile HTML.
_INJECTED_JS = """() => {
  const found = [];
  const urlAttrs = ['src', 'href', 'srcset', 'action', 'formaction', 'poster', 'data',
                    'xlink:href', 'background', 'style'];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.getAttributeNames()) {
      const value = el.getAttribute(attr) || '';
      const lower = value.toLowerCase();
      if (attr.startsWith('on')) found.push(`${el.tagName} ${attr}=${value}`);
      else if (urlAttrs.includes(attr) &&
               (lower.includes('example.invalid') || lower.trim().startsWith('javascript:')))
        found.push(`${el.tagName} ${attr}=${value}`);
    }
  }
  for (const img of document.querySelectorAll('img')) {
    const src = img.getAttribute('src') || '';
    if (src === 'x' || src.endsWith('t.png')) found.push(`IMG src=${src}`);
  }
  return found;
}"""

# The text a reader sees (the word joiners md_escape puts in bare links are invisible).
_TEXT_JS = "() => document.body.innerText.replaceAll('\\u2060', '')"


class Recorder:
    """Every request and dialog of a page (alert() from injected script would open one)."""

    def __init__(self, page: Page, server: AppServer) -> None:
        self.page = page
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.origin = server.url
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:  # noqa: ANN001 - a Playwright Dialog
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def outside(self) -> list[str]:
        def local(url: str) -> bool:
            if url.startswith(("data:", "blob:", "about:")):
                return True
            return (urlsplit(url).hostname or "") in LOCAL

        return [u for u in self.requests if not local(u)]

    def settle(self) -> None:
        """Until the page has made no new request for a second (reruns, the map, images)."""
        self.page.wait_for_load_state("networkidle")
        deadline = time.monotonic() + 20
        seen = -1
        while seen != len(self.requests) and time.monotonic() < deadline:
            seen = len(self.requests)
            self.page.wait_for_timeout(1000)

    def check(self) -> str:
        """Nothing went out, nothing injected in any frame, no dialog; returns the page text."""
        self.settle()
        assert self.requests, "no request recorded: is the recorder wired?"
        assert self.outside() == []
        assert self.dialogs == []
        injected = {
            frame.url: found
            for frame in self.page.frames
            if (found := frame.evaluate(_INJECTED_JS))
        }
        assert injected == {}
        return self.page.evaluate(_TEXT_JS)


def open_map(page: Page, server: AppServer, query: str) -> Recorder:
    recorder = Recorder(page, server)
    page.goto(f"{server.url}/?{query}")
    wait_for_map(page, "")
    return recorder


@pytest.mark.parametrize(
    "query",
    [f"type={quote(IMAGE)}", f"actor={quote(HTML)}", f"dept={quote(LINK)}",
     f"muni={quote(HTML)}&from={quote(IMAGE)}&type={quote(EXTRA)}"],
    ids=["type-image", "actor-html", "dept-link", "muni-from-type"],
)  # fmt: skip
def test_a_hostile_link_makes_no_outside_request(
    page: Page, app_server: AppServer, query: str
) -> None:
    recorder = open_map(page, app_server, query)
    shown = recorder.check()
    if query.startswith("actor="):  # the filter holds the hostile name, as text
        assert HTML in shown
    else:
        assert "Link: ignored" in shown
    if query.startswith("type="):  # the link's value is echoed, as text
        assert f"ignored unknown event type(s): {IMAGE}" in shown
    if query.startswith("dept="):
        assert f"ignored 'dept={LINK}'" in shown
    assert IMAGE in shown  # the hostile dataset name, in the sidebar's data in view


def test_hostile_imported_text_on_the_map_and_its_popups(page: Page, app_server: AppServer) -> None:
    """The hostile actor filtered by the link; the map's points, their popups and tooltips,
    the About tab and the incident table, all on hostile text."""
    recorder = open_map(page, app_server, f"actor={quote(IMAGE)}&dept=41")
    expect(page.get_by_test_id("stMetric").first).to_be_visible()
    frame = next(f for f in page.frames if "streamlit_folium" in f.url)
    opened = frame.evaluate(
        "() => {"
        + _FIND_MAP
        + """
      const map = findMap(); const texts = [];
      map.eachLayer(l => {
        if (l.getPopup && l.getPopup()) { l.openPopup(); const p = l.getPopup().getElement();
          if (p) texts.push(p.innerText); l.closePopup(); }
        if (l.getTooltip && l.getTooltip()) { l.openTooltip();
          const t = l.getTooltip().getElement(); if (t) texts.push(t.innerText); }
      });
      return texts.join('\\n');
    }"""
    )
    assert HTML in opened or IMAGE in opened  # a point's popup names the hostile actors
    page.get_by_role("tab", name="Sources and attribution").click()
    shown = recorder.check()
    assert IMAGE in shown


def open_page(page: Page, title: str) -> None:
    """Another page through the navigation (a deep link to /Trends makes Streamlit's client
    probe /Trends/_stcore/health, a 404 in the console); the filters go along."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=PAGE_TIMEOUT)


def test_trends_page_with_hostile_link_and_data(page: Page, app_server: AppServer) -> None:
    recorder = open_map(page, app_server, f"actor={quote(IMAGE)}&type={quote(HTML)}")
    open_page(page, "Trends")
    expect(page.get_by_role("heading", name="Annotations")).to_be_visible(timeout=PAGE_TIMEOUT)
    shown = recorder.check()
    assert f"actors: {IMAGE}" in shown  # the subtitle names the hostile actor, as text
    assert f"— {IMAGE}" in shown  # the hostile annotation


def test_data_page_names_a_hostile_dataset_as_text(page: Page, app_server: AppServer) -> None:
    recorder = open_map(page, app_server, "")
    open_page(page, "Data")
    page.get_by_role("tab", name="Datasets and actors").click()
    choose(page, "Dataset to delete", IMAGE)
    expect(page.get_by_text("to confirm deleting its 2 incidents")).to_be_visible()
    shown = recorder.check()
    assert f"Type “{IMAGE}” to confirm" in shown


def test_the_checks_are_not_blind(page: Page, app_server: AppServer, watch) -> None:  # noqa: ANN001
    """An injected image in the page is seen by both the request recorder and the DOM check."""
    recorder = open_map(page, app_server, "")
    page.evaluate(
        "() => { const i = document.createElement('img');"
        " i.src = 'http://example.invalid/t.png'; document.body.appendChild(i); }"
    )
    recorder.settle()
    assert recorder.outside() == ["http://example.invalid/t.png"]
    assert page.evaluate(_INJECTED_JS) == [
        "IMG src=http://example.invalid/t.png",
        "IMG src=http://example.invalid/t.png",
    ]
    # provoked on purpose: not a failure of the app (the shared guard aborted and recorded it)
    deadline = time.monotonic() + 10
    while not watch.blocked and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    watch.blocked.clear()
    watch.errors.clear()
