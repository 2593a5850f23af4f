"""Every incident on the map at every zoom, in a real browser: clusters nationally whose counts
add up to the key figure, every incident its own marker once zoomed in to Neiva, department-only
incidents as a count on their department, and the map staying where the user put it.

The database: tests/dense_incidents.py (a few thousand incidents, dense around Neiva). Expected
figures come from plain SQL here. Run: `.venv/bin/python -m pytest tests/e2e -q`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import Frame, Page, expect
from test_browser import (
    _FIND_MAP,
    RERUN_TIMEOUT,
    choose,
    db_count,
    fmt,
    map_frame,
    metric_value,
    wait_for_map,
)

if TYPE_CHECKING:
    from conftest import AppServer  # tests/e2e/conftest.py

MAPPABLE = "geo_precision <= 2 AND latitude IS NOT NULL AND longitude IS NOT NULL"
NEIVA_TOWN = (2.9273, -75.2819)

# What the viewport layer drew: server clusters (class cm-cell) and area badges (cm-area) carry
# their count; single incidents are circle markers inside the marker cluster group.
_DRAWN_JS = "() => {" + _FIND_MAP + """
  const map = findMap();
  if (!map || !map._loaded) return null;
  const cells = [], areas = [];
  let group = null;
  map.eachLayer(l => {
    if (L.MarkerClusterGroup && l instanceof L.MarkerClusterGroup) group = l;
    const cls = l.options && l.options.icon && l.options.icon.options.className || '';
    if (cls.includes('cm-cell')) cells.push(l.cmCount);
    if (cls.includes('cm-area')) areas.push(l.cmCount);
  });
  const b = map.getBounds();
  const markers = group ? group.getLayers() : [];
  const inView = markers.filter(m => b.contains(m.getLatLng())).length;
  const status = document.getElementById('cm-status');
  const c = map.getCenter();
  return {
    cells: cells.length, cellSum: cells.reduce((s, n) => s + n, 0),
    areas: areas.length, areaSum: areas.reduce((s, n) => s + n, 0),
    markers: markers.length, inView: inView,
    bounds: [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()],
    zoom: map.getZoom(), center: [c.lat, c.lng],
    status: status ? status.textContent : '',
  };
}"""


def drawn(frame: Frame) -> dict:
    info = frame.evaluate(_DRAWN_JS)
    assert info is not None, "no Leaflet map in the component frame"
    return info


def wait_status(page: Page, pattern: str) -> Frame:
    """Until the map's status line matches (the viewport's layer arrived) and the app is idle."""
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=RERUN_TIMEOUT)
    frame = map_frame(page)
    frame.wait_for_function(
        "(p) => { const s = document.getElementById('cm-status'); "
        "return !!s && new RegExp(p).test(s.textContent); }",
        arg=pattern, timeout=RERUN_TIMEOUT,
    )
    return frame


def set_view(frame: Frame, lat: float, lng: float, zoom: float) -> None:
    frame.evaluate(
        "([lat, lng, z]) => {" + _FIND_MAP + "findMap().setView([lat, lng], z, {animate: false});}",
        [lat, lng, zoom],
    )


def test_national_clusters_add_up_to_the_key_figure(page: Page,
                                                    dense_app_server: AppServer) -> None:
    db = dense_app_server.db
    page.goto(dense_app_server.url + "/")
    wait_for_map(page, "per department")
    total, mappable = db_count(db), db_count(db, MAPPABLE)
    expect(metric_value(page, "Incidents")).to_have_text(fmt(total))
    frame = wait_status(page, f"^{fmt(mappable)} incidents with a place on the map, in")
    info = drawn(frame)
    print(f"\nnational: {info['cells']} clusters holding {info['cellSum']:,}; "
          f"{info['areas']} area badges holding {info['areaSum']:,}; status: {info['status']}")
    assert info["cells"] > 5 and info["markers"] == 0
    assert info["cellSum"] == mappable  # every mappable incident is in some cluster
    # the others are counted on their department (and Colombia, in the status line)
    dept_only = db_count(db, f"NOT ({MAPPABLE}) AND dept_code IS NOT NULL")
    country = db_count(db, f"NOT ({MAPPABLE}) AND dept_code IS NULL")
    assert info["areaSum"] == dept_only > 0
    assert mappable + dept_only + country == total
    assert f"{fmt(country)} only to Colombia or a region" in info["status"]
    badge = frame.locator(".cm-area", has_text=fmt(db_count(db, "dept_code = '41' AND "
                                                          f"NOT ({MAPPABLE})")))
    expect(badge.first).to_be_attached()
    # the first view frames the mainland (Leticia to La Guajira) and fills the map's height
    # with it (a quarter zoom step at most: the mainland spans 16.7 degrees of latitude)
    south, west, north, east = info["bounds"]
    assert south < -4.2 and north > 12.4 and north - south < 16.7 * 2**0.25
    expect(frame.locator(".cm-islands")).to_contain_text("San Andrés y Providencia")


def test_zoomed_into_neiva_every_incident_is_its_own_marker(page: Page,
                                                           dense_app_server: AppServer) -> None:
    db = dense_app_server.db
    page.goto(dense_app_server.url + "/")
    frame = wait_for_map(page, "per department")
    wait_status(page, "clusters")
    set_view(frame, *NEIVA_TOWN, 13)
    frame = wait_status(page, r"^Each of the [\d,]+ incidents in and around this view is its own")
    info = drawn(frame)
    south, west, north, east = info["bounds"]
    want = db_count(db, f"{MAPPABLE} AND latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?",
                    [south, north, west, east])
    in_neiva = db_count(db, "muni_code = '41001' AND latitude BETWEEN ? AND ? "
                            "AND longitude BETWEEN ? AND ?", [south, north, west, east])
    print(f"\nNeiva at zoom 13: {info['inView']} markers in view (database: {want}, of which "
          f"{in_neiva} in Neiva), {info['markers']} loaded; status: {info['status']}")
    assert in_neiva > 100
    assert info["inView"] == want  # each incident in the map's bounds is a marker
    assert info["cells"] == 0
    loaded = int(re.search(r"Each of the ([\d,]+)", info["status"]).group(1).replace(",", ""))
    assert info["markers"] == loaded >= want
    # the map stayed where it was put: no jump back to the national view after the rerun
    assert info["zoom"] == 13
    assert abs(info["center"][0] - NEIVA_TOWN[0]) < 1e-3
    assert abs(info["center"][1] - NEIVA_TOWN[1]) < 1e-3


def test_clicking_a_cluster_zooms_to_it(page: Page, dense_app_server: AppServer) -> None:
    page.goto(dense_app_server.url + "/")
    frame = wait_for_map(page, "per department")
    frame = wait_status(page, "clusters")
    before = drawn(frame)
    # the biggest cluster: Neiva's
    handle = frame.evaluate_handle("() => {" + _FIND_MAP + """
      let best = null;
      findMap().eachLayer(l => { if (l.cmCount && l.getElement && l.getElement()
        && l.getElement().classList.contains('cm-cell') && (!best || l.cmCount > best.cmCount))
        best = l; });
      best.getElement().setAttribute('data-e2e-cluster', '1');
      return best.cmCount;
    }""")
    biggest = handle.json_value()
    frame.locator("[data-e2e-cluster]").click()
    frame = wait_status(page, r"in and around this view")
    after = drawn(frame)
    print(f"\nclicked a cluster of {biggest:,}: zoom {before['zoom']} -> {after['zoom']}; "
          f"{after['status']}")
    assert after["zoom"] > before["zoom"]
    # what is shown now adds up: clusters or markers, never fewer than the clicked cluster held
    shown = after["cellSum"] if after["cells"] else after["markers"]
    assert shown >= biggest


def test_a_filter_change_keeps_the_map_where_it_was(page: Page,
                                                   dense_app_server: AppServer) -> None:
    db = dense_app_server.db
    page.goto(dense_app_server.url + "/")
    frame = wait_for_map(page, "per department")
    wait_status(page, "clusters")
    set_view(frame, *NEIVA_TOWN, 12)
    wait_status(page, "Each of the")
    choose(page, "Event types", "Battles")
    page.keyboard.press("Escape")
    want = db_count(db, "event_type = 'Battles'")
    expect(metric_value(page, "Incidents")).to_have_text(fmt(want), timeout=RERUN_TIMEOUT)
    frame = wait_status(page, "Each of the")
    info = drawn(frame)
    south, west, north, east = info["bounds"]
    battles = db_count(db, f"{MAPPABLE} AND event_type = 'Battles' AND latitude BETWEEN ? AND ? "
                           "AND longitude BETWEEN ? AND ?", [south, north, west, east])
    assert info["zoom"] == 12
    assert abs(info["center"][0] - NEIVA_TOWN[0]) < 0.01
    assert info["inView"] == battles > 0


# The map's state as a pan changes it: the status line and the feature group the component got.
_PAN_STATE = ("() => { const s = document.getElementById('cm-status'); return (s ? s.textContent "
              ": '') + '|' + ((window.__GLOBAL_DATA__ || {}).last_feature_group || '').length; }")
_FILLED_JS = "() => {" + _FIND_MAP + """
  const codes = new Set();
  findMap().eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && p.fill && p.level === 'department' && l._path && l._path.isConnected
        && l._path.getAttribute('fill') === p.fill) codes.add(p.code); });
  return codes.size;
}"""


def test_boundaries_are_fetched_once_and_pans_do_not_resend_them(
    page: Page, watch, dense_app_server: AppServer  # noqa: ANN001 - conftest's Watch
) -> None:
    page.goto(dense_app_server.url + "/")
    frame = wait_for_map(page, "per department")
    wait_status(page, "clusters")
    # the choropleth is drawn from the fetched geometry: each department filled with its class
    frame.wait_for_function(_FILLED_JS.replace("return codes.size;", "return codes.size === 33;"),
                            timeout=RERUN_TIMEOUT)
    for lat, lng, zoom in ((2.93, -75.28, 10), (6.25, -75.57, 9), (4.61, -74.08, 10)):
        before = frame.evaluate(_PAN_STATE)
        set_view(frame, lat, lng, zoom)
        frame.wait_for_function(f"(b) => ({_PAN_STATE})() !== b", arg=before,
                                timeout=RERUN_TIMEOUT)
    frame = wait_status(page, "in and around this view")
    assert frame.evaluate(_FILLED_JS) == 33
    geo = [r.url for r in watch.requests if "/app/static/geo/" in r.url]
    print(f"\nboundary files fetched: {geo}")
    # the departments and the municipality lines, each once, whatever the number of pans
    assert len(geo) == len(set(geo)) == 2
