"""The map page in a real browser: the map draws offline, filters and map clicks change it, and a
copied URL reproduces the view. Run: `.venv/bin/pytest tests/e2e -q` (add -s for the transfer
figures)."""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Page, expect

if TYPE_CHECKING:
    from conftest import AppServer, Watch  # tests/e2e/conftest.py

IFRAME = 'iframe[src*="streamlit_folium"]'
MAP_TIMEOUT = 60_000  # first draw: boundaries load + map build + ~0.5 MB map script
RERUN_TIMEOUT = 30_000
N_DEPARTMENTS = 33
N_HUILA_MUNICIPALITIES = 37

# The Leaflet map object (streamlit-folium exposes it as window.map).
_FIND_MAP = """
function findMap() {
  if (!window.L) return null;
  if (window.map instanceof L.Map) return window.map;
  for (const k of Object.keys(window)) {
    try { if (window[k] instanceof L.Map) return window[k]; } catch (e) {}
  }
  return null;
}
"""

# Every SVG path on the map, by what draws it (GeoJSON properties set in conflictmap/mapping.py):
#   department   choropleth of departments (properties carry incidents/fatalities)
#   context      grey department land under a chosen department's municipalities (no figures)
#   municipality choropleth of municipalities
#   territory    armed-group territory areas and contested municipalities
#   outline      non-interactive borders (chosen department / municipality), empty properties
#   point        an incident circle marker not folded into a cluster
#   other        anything else (e.g. a cluster's coverage polygon while hovered)
_LAYERS_JS = "() => {" + _FIND_MAP + """
  const map = findMap();
  if (!map) return null;
  const counts = {department: 0, context: 0, municipality: 0, territory: 0, outline: 0,
                  point: 0, other: 0};
  const interactive = Object.assign({}, counts);
  const seen = new Set();
  let clusterGroup = null;
  map.eachLayer(l => {
    if (L.MarkerClusterGroup && l instanceof L.MarkerClusterGroup) clusterGroup = l;
    if (!l._path || !l._path.isConnected || seen.has(l._path)) return;
    seen.add(l._path);
    const p = (l.feature && l.feature.properties) || null;
    let k;
    if (p && p.level === 'department') k = ('incidents' in p) ? 'department' : 'context';
    else if (p && p.level === 'municipality') k = 'municipality';
    else if (p && 'territory' in p) k = 'territory';
    else if (p && Object.keys(p).length === 0) k = 'outline';
    else if (l instanceof L.CircleMarker) k = 'point';
    else k = 'other';
    counts[k]++;
    if (l._path.classList.contains('leaflet-interactive')) interactive[k]++;
  });
  const paths = Array.from(document.querySelectorAll('.leaflet-overlay-pane path'));
  const icons = Array.from(document.querySelectorAll('.cm-cluster'));
  return {
    counts, interactive,
    domPaths: paths.length,
    unexplained: paths.filter(p => !seen.has(p)).length,
    markers: clusterGroup ? clusterGroup.getLayers().length : 0,
    clusterIcons: icons.length,
    clusterSum: icons.reduce((s, e) => s + parseInt(e.textContent.replace(/,/g, ''), 10), 0),
  };
}"""

# A point inside the named feature's polygon where that polygon is the topmost element (not a
# cluster icon or a territory area); the path gets data-e2e-target so a locator can reach it.
_FIND_POINT_JS = "([name, level]) => {" + _FIND_MAP + """
  const map = findMap();
  if (!map) return null;
  let target = null;
  map.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (p && p.name === name && p.level === level && ('incidents' in p) && l._path) target = l;
  });
  if (!target) return null;
  const path = target._path;
  document.querySelectorAll('[data-e2e-target]').forEach(e => e.removeAttribute('data-e2e-target'));
  path.setAttribute('data-e2e-target', name);
  const r = path.getBoundingClientRect();
  const box = map.getContainer().getBoundingClientRect();
  const c = map.latLngToContainerPoint(target.getCenter());
  const candidates = [[box.left + c.x, box.top + c.y]];
  for (let fy = 0.05; fy < 1; fy += 0.05)
    for (let fx = 0.05; fx < 1; fx += 0.05) candidates.push([r.left + fx * r.width, r.top + fy * r.height]);
  // well inside: the path is topmost 2 px around the point too (the browser's and Playwright's
  // boxes of a path at a fractional zoom differ by a fraction of a pixel)
  const around = [[0, 0], [2, 0], [-2, 0], [0, 2], [0, -2]];
  for (const [x, y] of candidates) {
    if (around.every(([dx, dy]) => document.elementFromPoint(x + dx, y + dy) === path))
      return {x: x - r.left, y: y - r.top};
  }
  return null;
}"""


# streamlit-folium reports a click on a map feature through its own `onLayerClick` listener,
# bound (in the same script that creates the map) on the map's top-level layers; a feature's
# click reaches it through the feature's event parents (the GeoJson layer). True once that
# listener is on the named feature's layer or a parent, and the component's state exists.
_CLICK_READY_JS = "([name, level]) => {" + _FIND_MAP + """
  const map = findMap();
  if (!map || !window.__GLOBAL_DATA__) return false;
  let target = null;
  map.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (p && p.name === name && p.level === level && ('incidents' in p) && l._path) target = l;
  });
  if (!target) return false;
  const bound = l => !!(l && l._events && (l._events.click || []).some(
    h => h.fn && h.fn.name === 'onLayerClick'));
  return bound(target) || Object.values(target._eventParents || {}).some(bound);
}"""

# What the component will send to the app after a click: the clicked feature's code and how
# many object clicks it has seen.
_CLICK_STATE_JS = """() => {
  const g = window.__GLOBAL_DATA__;
  if (!g) return null;
  const d = g.last_active_drawing;
  return {code: d && d.properties ? d.properties.code : null,
          clicks: g.last_object_clicked_count};
}"""


# ------------------------------------------------------------------------------------- helpers


def db_count(db: Path, where: str = "TRUE", params: list | None = None) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return int(con.execute(f"SELECT count(*) FROM incidents WHERE {where}", params or []).fetchone()[0])
    finally:
        con.close()


def fmt(n: int) -> str:
    return f"{n:,}"


def metric_value(page: Page, label: str):
    card = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    return card.get_by_test_id("stMetricValue")


def legend(page: Page):
    return page.frame_locator(IFRAME).locator("#cm-legend")


def map_frame(page: Page) -> Frame:
    frame = page.locator(IFRAME).element_handle(timeout=MAP_TIMEOUT).content_frame()
    assert frame is not None
    return frame


def wait_for_map(page: Page, legend_text: str, timeout: float = MAP_TIMEOUT) -> Frame:
    """Wait until the map shows legend_text and Leaflet has drawn its layers; return its frame.

    While Streamlit swaps a changed map there are briefly two component iframes (the old one
    stale) and a frame can detach under us: retry until one map in the wanted state remains.
    """
    deadline = time.monotonic() + timeout / 1000
    while True:
        left = max(deadline - time.monotonic(), 0.5) * 1000
        try:
            expect(page.locator(IFRAME)).to_have_count(1, timeout=left)
            expect(legend(page)).to_contain_text(legend_text, timeout=min(left, 2_000))
            frame = map_frame(page)
            frame.wait_for_function(
                "() => {" + _FIND_MAP + "const m = findMap(); return !!m && "
                "document.querySelectorAll('.leaflet-overlay-pane path').length > 0; }",
                timeout=min(left, 5_000),
            )
            if page.locator(IFRAME).count() == 1 and _settled(frame, deadline):
                return frame
        except (AssertionError, PlaywrightError):
            if time.monotonic() > deadline:
                raise
        page.wait_for_timeout(200)


_VIEW_JS = "() => {" + _FIND_MAP + """
  const m = findMap();
  if (!m || !m._loaded) return null;
  const c = m.getCenter();
  const busy = m._animatingZoom || (m._panAnim && m._panAnim._inProgress);
  return busy ? null : [m.getZoom(), c.lat.toFixed(5), c.lng.toFixed(5)];
}"""


def _settled(frame: Frame, deadline: float) -> bool:
    """The map's fitBounds zoom animation is over: the same view twice, 300 ms apart.

    (A screenshot taken during Leaflet's zoom animation shows strokes scaled ~8x and the
    clusters of the previous zoom.)
    """
    last = None
    while time.monotonic() < deadline:
        view = frame.evaluate(_VIEW_JS)
        if view is not None and view == last:
            return True
        last = view
        frame.wait_for_timeout(300)
    return False


def layers(page: Page) -> dict:
    info = map_frame(page).evaluate(_LAYERS_JS)
    assert info is not None, "no Leaflet map in the component frame"
    return info


def points_sentence(page: Page) -> str:
    text = legend(page).inner_text()
    found = re.search(r"(Points: [^\n]+|No incidents match the filters\.)", text)
    assert found, text
    return found.group(1)


def points_shown(sentence: str) -> int:
    """'the 3,000 most recent of 5,002 ...' -> 3000; 'all 436 incidents ...' -> 436."""
    if sentence.startswith("No incidents"):
        return 0
    m = re.search(r"(?:the|all) ([\d,]+)", sentence)
    assert m, sentence
    return int(m.group(1).replace(",", ""))


def choose(page: Page, combobox: str, option: str) -> None:
    box = page.get_by_role("combobox", name=combobox)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()


def wait_stable(page: Page, selector: str, timeout: float = 10.0) -> None:
    """Until the element's box stops moving (layout settled after a rerun)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        box = page.locator(selector).bounding_box()
        if box is not None and box == last:
            return
        last = box
        page.wait_for_timeout(200)
    raise AssertionError(f"{selector} kept moving for {timeout} s")


def open_national(page: Page, server: AppServer) -> Frame:
    page.goto(server.url + "/")
    frame = wait_for_map(page, "per department")
    expect(metric_value(page, "Incidents")).to_have_text(fmt(db_count(server.db)))
    return frame


# --------------------------------------------------------------------------------------- tests


def test_map_draws_offline(page: Page, watch: Watch, app_server: AppServer) -> None:
    started = time.monotonic()
    frame = open_national(page, app_server)
    expect(frame.locator(".cm-cluster").first).to_be_visible(timeout=RERUN_TIMEOUT)
    page.wait_for_load_state("networkidle")
    drawn = time.monotonic() - started

    expect(legend(page)).to_contain_text("Incidents per department")
    expect(frame.locator(".leaflet-control-attribution")).to_contain_text("DANE")
    info = layers(page)
    c = info["counts"]
    print(f"\nnational map paths: {c}, {info['domPaths']} in the DOM; "
          f"{info['clusterIcons']} clusters ({info['markers']} markers)")
    # exactly the 33 departments as the choropleth, nothing hidden under it: the grey context
    # layer is drawn only when a department is chosen (mapping.build_map)
    assert c["department"] == N_DEPARTMENTS
    assert info["interactive"]["department"] == N_DEPARTMENTS
    assert c["context"] == 0 and c["municipality"] == 0 and c["outline"] == 0
    assert c["other"] == 0 and info["unexplained"] == 0
    # every path in the overlay pane is one of the layers above
    assert info["domPaths"] == sum(c.values())

    # every incident with a place on the map is in a cluster showing its count (server-side
    # clusters at the national zoom: conflictmap/clusters.py), or on its own
    assert info["clusterIcons"] > 0
    sentence = points_sentence(page)
    drawable = db_count(app_server.db, "geo_precision <= 2 AND latitude IS NOT NULL")
    assert points_shown(sentence) == drawable
    assert info["clusterSum"] + c["point"] == drawable

    # the page load, as the browser received it
    sizes = watch.http_body_sizes()
    http = sum(sizes.values())
    biggest = sorted(sizes.items(), key=lambda kv: -kv[1])[:6]
    print("largest responses: " + ", ".join(
        f"{url.split('/')[-1] or url} {size / 1024:,.0f} KiB" for url, size in biggest))
    print(
        f"page load: {len(watch.requests)} HTTP responses, {http / 1024:,.0f} KiB of bodies "
        f"(as transferred) + {watch.ws_received / 1024:,.0f} KiB over the websocket "
        f"(map script and app data) = {(http + watch.ws_received) / 1024:,.0f} KiB; "
        f"map drawn {drawn:.1f} s after navigation"
    )
    assert watch.websockets and all("127.0.0.1" in u for u in watch.websockets)


def test_choosing_huila_shows_its_municipalities(page: Page, app_server: AppServer) -> None:
    open_national(page, app_server)
    national = metric_value(page, "Incidents").inner_text()

    choose(page, "Department", "Huila")

    huila = fmt(db_count(app_server.db, "dept_code = ?", ["41"]))
    assert huila != national
    expect(metric_value(page, "Incidents")).to_have_text(huila, timeout=RERUN_TIMEOUT)
    expect(page.get_by_role("combobox", name="Department")).to_have_value("Huila")
    expect(page).to_have_url(re.compile(r"[?&]dept=41(&|$)"))
    wait_for_map(page, "Incidents per municipality")

    info = layers(page)
    c = info["counts"]
    print(f"\nHuila map paths: {c}, {info['domPaths']} in the DOM")
    assert c["municipality"] == N_HUILA_MUNICIPALITIES
    assert info["interactive"]["municipality"] == N_HUILA_MUNICIPALITIES
    # under them the 33 departments as grey context (hover shows the neighbour's name) ...
    assert c["context"] == N_DEPARTMENTS
    # ... over them Huila's black outline, which does not take the mouse
    assert c["outline"] >= 1 and info["interactive"]["outline"] == 0
    assert c["department"] == 0 and c["other"] == 0 and info["unexplained"] == 0
    assert info["domPaths"] == sum(c.values())
    # the municipality list offers Huila's 37 (tested via AppTest too); here: it is enabled
    expect(page.get_by_role("combobox", name="Municipality")).to_be_enabled()


def test_url_date_range_narrows_the_map(page: Page, app_server: AppServer) -> None:
    open_national(page, app_server)
    wide_sentence = points_sentence(page)
    wide = layers(page)

    page.goto(app_server.url + "/?from=2022-01-01&to=2022-01-31")
    want = db_count(app_server.db, "event_date BETWEEN ? AND ?",
                    [date(2022, 1, 1), date(2022, 1, 31)])
    assert 0 < want < 3000
    expect(metric_value(page, "Incidents")).to_have_text(fmt(want), timeout=MAP_TIMEOUT)
    wait_for_map(page, f"Points: all {fmt(want)} incidents with a place on the map")
    expect(legend(page)).to_contain_text("per department")
    expect(page).to_have_url(re.compile(r"from=2022-01-01&to=2022-01-31"))

    narrow_sentence = points_sentence(page)
    narrow = layers(page)

    def on_screen(info: dict) -> int:  # markers counted in cluster icons + single markers
        return info["clusterSum"] + info["counts"]["point"]

    print(f"\nall dates: {wide_sentence} markers={wide['markers']} on screen={on_screen(wide)}"
          f"\nJan 2022:  {narrow_sentence} markers={narrow['markers']} "
          f"on screen={on_screen(narrow)}")
    assert narrow_sentence != wide_sentence
    # few enough: each incident is its own marker (clustered in the browser only for display)
    assert narrow["markers"] == want
    assert on_screen(narrow) == want
    # all dates: server-side clusters whose counts add up to every incident with a place
    assert on_screen(wide) == points_shown(wide_sentence) > want


def test_clicking_a_department_on_the_map_selects_it(page: Page, app_server: AppServer) -> None:
    frame = open_national(page, app_server)
    expect(frame.locator(".cm-cluster").first).to_be_visible(timeout=RERUN_TIMEOUT)
    wait_stable(page, IFRAME)

    # One click, no retry. Readiness first: the app is not running (a rerun can swap the map's
    # iframe under the pointer), one map iframe, and in it the component's click listener is on
    # Huila's layer. A click that is still lost fails below, saying where it was lost.
    expect(page.get_by_test_id("stApp"), "the app never finished its run").to_have_attribute(
        "data-test-script-state", "notRunning", timeout=RERUN_TIMEOUT)
    expect(page.locator(IFRAME), "more than one map iframe").to_have_count(1)
    frame = map_frame(page)
    try:
        frame.wait_for_function(_CLICK_READY_JS, arg=["Huila", "department"],
                                timeout=RERUN_TIMEOUT)
    except PlaywrightError as exc:
        raise AssertionError(
            "streamlit-folium's click listener (onLayerClick) never reached Huila's layer: "
            "the map component is not wired to report clicks") from exc
    before = frame.evaluate(_CLICK_STATE_JS)
    pos = frame.evaluate(_FIND_POINT_JS, ["Huila", "department"])
    assert pos, "no point of Huila's polygon is free of markers and overlays"
    target = frame.locator("[data-e2e-target]")
    target.hover(position=pos)
    tooltip = frame.locator(".leaflet-tooltip", has_text="Huila")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("Incidents")
    target.click(position=pos)
    # the component registered the click on Huila (else: the click never reached it) ...
    try:
        frame.wait_for_function(
            "([code, n]) => { const g = window.__GLOBAL_DATA__; const d = g && "
            "g.last_active_drawing; return !!d && d.properties && d.properties.code === code "
            "&& g.last_object_clicked_count > n; }",
            arg=["41", before["clicks"]], timeout=RERUN_TIMEOUT)
    except PlaywrightError as exc:
        raise AssertionError(
            f"the map component did not register the click on Huila at {pos}: its state went "
            f"from {before} to {frame.evaluate(_CLICK_STATE_JS)}") from exc
    # ... and the app acted on it (else: the component's value never reached the app)
    expect(page, "the map component registered the click on Huila, but the app did not select "
           "it").to_have_url(re.compile(r"[?&]dept=41(&|$)"), timeout=RERUN_TIMEOUT)
    expect(page.get_by_role("combobox", name="Department")).to_have_value("Huila")
    expect(metric_value(page, "Incidents")).to_have_text(
        fmt(db_count(app_server.db, "dept_code = ?", ["41"])))
    wait_for_map(page, "Incidents per municipality")
    assert layers(page)["counts"]["municipality"] == N_HUILA_MUNICIPALITIES
    page.mouse.move(5, 5)  # no neighbour's tooltip under the resting pointer in the screenshot


def test_filtered_url_reproduces_the_view(new_page, app_server: AppServer) -> None:
    page, _ = new_page()
    open_national(page, app_server)
    choose(page, "Department", "Huila")
    expect(page).to_have_url(re.compile(r"[?&]dept=41(&|$)"), timeout=RERUN_TIMEOUT)
    wait_for_map(page, "per municipality")
    choose(page, "Event types", "Battles")
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(r"[?&]type=Battles(&|$)"), timeout=RERUN_TIMEOUT)
    want = fmt(db_count(app_server.db, "dept_code = ? AND event_type = ?", ["41", "Battles"]))
    expect(metric_value(page, "Incidents")).to_have_text(want, timeout=RERUN_TIMEOUT)
    wait_for_map(page, f"Points: all {want} incidents")
    url = page.url
    figures = {k: metric_value(page, k).inner_text()
               for k in ("Incidents", "Fatalities", "Actors", "Municipalities affected")}
    sentence = points_sentence(page)

    fresh, _ = new_page()  # a new browser context: a new Streamlit session, no shared state
    fresh.goto(url)
    expect(metric_value(fresh, "Incidents")).to_have_text(want, timeout=MAP_TIMEOUT)
    wait_for_map(fresh, "per municipality")
    assert {k: metric_value(fresh, k).inner_text() for k in figures} == figures
    expect(fresh.get_by_role("combobox", name="Department")).to_have_value("Huila")
    expect(fresh.get_by_test_id("stMultiSelect").filter(has_text="Event types")).to_contain_text(
        "Battles")
    assert points_sentence(fresh) == sentence
    assert fresh.url == url


def test_no_console_errors_or_remote_requests(page: Page, watch: Watch,
                                              app_server: AppServer) -> None:
    frame = open_national(page, app_server)
    expect(frame.locator(".cm-cluster").first).to_be_visible(timeout=RERUN_TIMEOUT)
    page.wait_for_load_state("networkidle")
    assert watch.requests, "no requests seen: is the watch wired?"
    assert watch.blocked == []
    assert watch.errors == []
    assert watch.websockets and [u for u in watch.websockets if "127.0.0.1" not in u] == []

    # the watch is not blind to the map's own frame: provoke each kind of problem there
    frame.evaluate("""() => {
        console.error('e2e-probe console');
        setTimeout(() => { throw new Error('e2e-probe throw'); }, 0);
        fetch('https://tiles.example.invalid/e2e-probe.png').catch(() => {});
    }""")
    probe = "https://tiles.example.invalid/e2e-probe.png"
    expected = {  # what each probe leaves in the watch (the aborted fetch logs a console error)
        "console": lambda e: "e2e-probe console" in e,
        "throw": lambda e: e.startswith("pageerror:") and "e2e-probe throw" in e,
        "aborted fetch": lambda e: "ERR_FAILED" in e and probe in e,
    }

    def missing() -> list[str]:
        seen = [k for k, match in expected.items() if any(match(e) for e in watch.errors)]
        return [k for k in expected if k not in seen] + ([] if watch.blocked else ["blocked"])

    deadline = time.monotonic() + 10
    while missing():  # until every probe has reported, no fixed wait
        if time.monotonic() > deadline:
            raise AssertionError(f"probes not seen after 10 s: {missing()}; "
                                 f"errors={watch.errors}, blocked={watch.blocked}")
        page.wait_for_timeout(100)  # (the sync API delivers events while it waits)
    assert watch.blocked == [probe]
    assert len(watch.errors) == len(expected), watch.errors  # nothing but the probes
    watch.blocked.clear()  # provoked on purpose: not a failure of the app
    watch.errors.clear()


def test_export_panel_png_download_arrives(page: Page, app_server: AppServer,
                                           tmp_path: Path) -> None:
    """The Export panel's PNG download reaches the browser as a valid 1600-px PNG."""
    page.goto(app_server.url + "/?dept=41&from=2022-01-01&to=2022-12-31&level=municipality")
    wait_for_map(page, "per municipality")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("button", name="Prepare export").click()
    download_button = sidebar.get_by_role("button", name=re.compile(r"^Download PNG image"))
    expect(download_button).to_be_visible(timeout=RERUN_TIMEOUT)
    with page.expect_download(timeout=RERUN_TIMEOUT) as info:
        download_button.click()
    download = info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    data = target.read_bytes()
    assert download.suggested_filename.startswith("conflictmap-41-2022-01-01_2022-12-31")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert width >= 1600 and height >= 900
    assert b"conflictmap" in data  # the metadata text chunk travels with the image
