"""Boundary loading: counts, codes, names, geometry, point-in-polygon (geodata.py); checksum,
cache, download with pooch, hash-once (boundary_source.py)."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import threading
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from conflictmap import boundary_source as source
from conflictmap import geodata
from conflictmap.geography import Geography, load_geography

LAYERS = ("departments", "municipalities", "departments_simplified", "municipalities_simplified")


def _files(folder: Path) -> list[Path]:
    """Every file below ``folder`` (none when it does not exist)."""
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.fixture(scope="module")
def reference_file() -> Path:
    return source.resolve_source(allow_download=False)


@pytest.fixture()
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv(source.ENV_CACHE, str(cache))
    return cache


@pytest.fixture()
def no_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """A download that fails fails at once (pooch waits 1 s, 2 s, ... between attempts)."""
    monkeypatch.setattr(source, "DOWNLOAD_RETRIES", 0)


@pytest.fixture()
def no_geodata_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(source.ENV_GEODATA, raising=False)
    # a local server must never be reached through a proxy
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@contextmanager
def serve(directory: Path, *, fail_first: int = 0, requests: list[str] | None = None):
    """Serve ``directory`` over HTTP on 127.0.0.1 (a random free port) in a thread; the first
    ``fail_first`` requests get a 503 (a server having a bad moment). Request paths go to
    ``requests`` when given."""
    failures = [fail_first]

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep the test output clean
            pass

        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            if requests is not None:
                requests.append(self.path)
            if failures[0] > 0:
                failures[0] -= 1
                self.send_error(503, "try again later")
                return
            super().do_GET()

    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------------------------
# Counts, codes, names


def test_counts(boundaries) -> None:
    assert len(boundaries.departments) == 33
    assert len(boundaries.municipalities) == 1122
    assert boundaries.departments["dept_code"].is_unique
    assert boundaries.municipalities["muni_code"].is_unique


def test_municipalities_per_department(boundaries) -> None:
    counts = boundaries.municipalities.groupby("dept_code").size()
    assert counts["41"] == 37  # Huila
    assert counts["54"] == 40  # Norte de Santander
    assert counts.sum() == 1122
    assert set(counts.index) == set(boundaries.departments["dept_code"])
    assert len(boundaries.department_municipalities("41")) == 37


def test_codes_are_zero_padded_strings(boundaries) -> None:
    depts = boundaries.departments["dept_code"]
    munis = boundaries.municipalities["muni_code"]
    assert all(isinstance(c, str) and len(c) == 2 and c.isdigit() for c in depts)
    assert all(isinstance(c, str) and len(c) == 5 and c.isdigit() for c in munis)
    assert {"05", "08", "11", "41", "54", "88"} <= set(depts)
    assert {"05001", "08573", "41001", "54001", "11001"} <= set(munis)
    # a municipality code starts with its department code
    m = boundaries.municipalities
    assert (m["muni_code"].str[:2] == m["dept_code"]).all()


def test_names_title_case_with_accents(boundaries) -> None:
    munis = boundaries.municipalities.set_index("muni_code")["muni_name"]
    depts = boundaries.departments.set_index("dept_code")["dept_name"]
    assert munis["05001"] == "Medellín"
    assert munis["54001"] == "San José de Cúcuta"
    assert munis["11001"] == "Bogotá, D.C."
    assert munis["41001"] == "Neiva"
    assert munis["08573"] == "Puerto Colombia"
    assert depts["41"] == "Huila"
    assert depts["54"] == "Norte de Santander"
    assert depts["11"] == "Bogotá, D.C."
    assert depts["88"] == "Archipiélago de San Andrés, Providencia y Santa Catalina"
    # no name is left in DANE's upper case, and none has stray spaces
    for name in [*munis, *depts]:
        assert name == name.strip() and "  " not in name
        assert not name.isupper(), name


def test_department_names_agree_between_layers(boundaries) -> None:
    depts = dict(
        zip(boundaries.departments["dept_code"], boundaries.departments["dept_name"], strict=True)
    )
    m = boundaries.municipalities
    assert (m["dept_code"].map(depts) == m["dept_name"]).all()


def test_crs(boundaries) -> None:
    for name in LAYERS:
        assert getattr(boundaries, name).crs.to_epsg() == 4326, name


def test_geometries_valid_and_polygonal(boundaries) -> None:
    for name in LAYERS:
        frame = getattr(boundaries, name)
        geoms = np.asarray(frame.geometry.values)
        assert not shapely.is_missing(geoms).any(), name
        assert not shapely.is_empty(geoms).any(), name
        assert shapely.is_valid(geoms).all(), name
        assert set(frame.geom_type) <= {"Polygon", "MultiPolygon"}, name


def test_simplified_layers_keep_codes(boundaries) -> None:
    assert list(boundaries.departments_simplified["dept_code"]) == list(
        boundaries.departments["dept_code"]
    )
    assert list(boundaries.municipalities_simplified["muni_code"]) == list(
        boundaries.municipalities["muni_code"]
    )
    # simplified really is lighter
    full = shapely.get_num_coordinates(np.asarray(boundaries.municipalities.geometry.values)).sum()
    simple = shapely.get_num_coordinates(
        np.asarray(boundaries.municipalities_simplified.geometry.values)
    ).sum()
    assert simple < full


def test_area_positive(boundaries) -> None:
    area = boundaries.municipalities["area_km2"]
    assert area.notna().all()
    assert (area > 0).all()
    # Bogotá is ~1,600 km²; the whole country ~1.14 million km²
    assert 1000 < float(area[boundaries.municipalities["muni_code"] == "11001"].iloc[0]) < 2500
    assert 1.0e6 < area.sum() < 1.3e6


def test_attribution(boundaries) -> None:
    assert "DANE" in boundaries.attribution
    assert boundaries.source_sha256 == geodata.load_source_spec().sha256


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SAN JOSÉ DE CÚCUTA", "San José de Cúcuta"),
        ("BOGOTÁ, D.C.", "Bogotá, D.C."),
        ("CAMPO DE LA CRUZ", "Campo de la Cruz"),
        ("CASTILLA LA NUEVA", "Castilla La Nueva"),
        ("NEIVA", "Neiva"),
        ("  NEIVA  ", "Neiva"),
        ("VALLE DEL CAUCA", "Valle del Cauca"),
        ("NORTE DE SANTANDER", "Norte de Santander"),
        (
            "ARCHIPIÉLAGO DE SAN ANDRÉS, PROVIDENCIA Y SANTA CATALINA",
            "Archipiélago de San Andrés, Providencia y Santa Catalina",
        ),
        ("EL CARMEN DE VIBORAL", "El Carmen de Viboral"),
        ("LA UNIÓN", "La Unión"),
        ("GÜICÁN", "Güicán"),
        ("EL PEÑÓN", "El Peñón"),
        ("ARMERO-GUAYABAL", "Armero-Guayabal"),
    ],
)
def test_title_es(raw: str, expected: str) -> None:
    assert geodata.title_es(raw) == expected


# --------------------------------------------------------------------------------------------
# Source resolution: checksum, env variable, offline, download


def test_checksum_mismatch_is_rejected_and_nothing_cached(
    reference_file: Path, tmp_path: Path, empty_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "colombia_2018.topojson"
    shutil.copyfile(reference_file, bad)
    data = bytearray(bad.read_bytes())
    data[len(data) // 2] ^= 0x01
    bad.write_bytes(bytes(data))
    monkeypatch.setenv(source.ENV_GEODATA, str(bad))

    with pytest.raises(source.GeodataError, match="Checksum mismatch"):
        source.resolve_source(allow_download=False)
    with pytest.raises(source.GeodataError, match="Checksum mismatch"):
        geodata.load_boundaries(allow_download=False)
    assert _files(empty_cache) == []


def test_missing_env_file_names_the_variable(
    tmp_path: Path, empty_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nope" / "colombia_2018.topojson"
    monkeypatch.setenv(source.ENV_GEODATA, str(missing))
    with pytest.raises(source.GeodataError) as info:
        source.resolve_source()
    assert source.ENV_GEODATA in str(info.value)
    assert str(missing) in str(info.value)
    assert _files(empty_cache) == []


def test_offline_without_cache_names_the_variable(
    empty_cache: Path, no_geodata_env, no_retries
) -> None:
    spec = replace(source.load_source_spec(), url=f"http://127.0.0.1:{_closed_port()}/x")
    with pytest.raises(source.GeodataError) as info:
        source.resolve_source(spec)
    assert source.ENV_GEODATA in str(info.value)
    assert _files(empty_cache) == []


def test_no_download_allowed_and_no_cache(empty_cache: Path, no_geodata_env) -> None:
    with pytest.raises(source.GeodataError) as info:
        source.resolve_source(allow_download=False)
    assert source.ENV_GEODATA in str(info.value)
    assert _files(empty_cache) == []


def test_download_verifies_caches_and_reports_progress(
    reference_file: Path, empty_cache: Path, no_geodata_env
) -> None:
    spec = source.load_source_spec()
    calls: list[tuple[int, int]] = []
    with serve(reference_file.parent) as base:
        url_spec = replace(spec, url=f"{base}/{reference_file.name}")
        path = source.resolve_source(url_spec, progress=lambda d, t: calls.append((d, t)))
    size = reference_file.stat().st_size

    assert path == empty_cache / spec.file
    assert path.is_file()
    assert source.sha256_file(path) == spec.sha256
    assert [p.name for p in _files(empty_cache)] == [spec.file]  # no partial files left
    assert calls, "progress was never reported"
    done = [d for d, _ in calls]
    assert done == sorted(done) and len(set(done)) == len(done)  # strictly increasing
    assert done[-1] == size
    assert {t for _, t in calls} == {size}

    # the server is gone: the verified cache is used, nothing is downloaded
    again: list[tuple[int, int]] = []
    assert source.resolve_source(url_spec, progress=lambda d, t: again.append((d, t))) == path
    assert again == []


def test_download_of_wrong_file_is_not_cached(
    tmp_path: Path, empty_cache: Path, no_geodata_env, no_retries
) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "colombia_2018.topojson").write_text('{"type": "Topology", "objects": {}}')
    spec = source.load_source_spec()
    with serve(served) as base, pytest.raises(source.GeodataError, match="Checksum mismatch"):
        source.resolve_source(replace(spec, url=f"{base}/colombia_2018.topojson"))
    assert _files(empty_cache) == []


def test_download_http_error_is_a_geodata_error(
    tmp_path: Path, empty_cache: Path, no_geodata_env, no_retries
) -> None:
    spec = source.load_source_spec()
    with serve(tmp_path) as base, pytest.raises(source.GeodataError) as info:  # 404
        source.resolve_source(replace(spec, url=f"{base}/missing.topojson"))
    assert source.ENV_GEODATA in str(info.value)
    assert _files(empty_cache) == []


def test_damaged_cache_is_dropped(empty_cache: Path, no_geodata_env) -> None:
    spec = source.load_source_spec()
    damaged = empty_cache / spec.file
    damaged.write_text("not the boundary file")
    with pytest.raises(source.GeodataError):
        source.resolve_source(spec, allow_download=False)
    assert not damaged.exists()


def test_a_failed_download_is_tried_again(
    reference_file: Path, empty_cache: Path, no_geodata_env
) -> None:
    """A server that answers 503 once: pooch waits a second and downloads it on the retry."""
    spec = source.load_source_spec()
    seen: list[str] = []
    with serve(reference_file.parent, fail_first=1, requests=seen) as base:
        path = source.resolve_source(replace(spec, url=f"{base}/{reference_file.name}"))
    assert len(seen) == 2
    assert path == empty_cache / spec.file
    assert source.sha256_file(path) == spec.sha256
    assert [p.name for p in _files(empty_cache)] == [spec.file]


def test_a_wrong_file_is_never_cached_even_after_retries(
    tmp_path: Path, empty_cache: Path, no_geodata_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source, "DOWNLOAD_RETRIES", 1)
    served = tmp_path / "served"
    served.mkdir()
    (served / "colombia_2018.topojson").write_text('{"type": "Topology", "objects": {}}')
    spec = source.load_source_spec()
    seen: list[str] = []
    with (
        serve(served, requests=seen) as base,
        pytest.raises(source.GeodataError, match="Checksum mismatch"),
    ):
        source.resolve_source(replace(spec, url=f"{base}/colombia_2018.topojson"))
    assert len(seen) == 2  # tried again: a file damaged in transit may come right
    assert _files(empty_cache) == []


def test_the_checksum_is_computed_once_per_file(
    reference_file: Path, tmp_path: Path, empty_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """load_boundaries verifies the file on every call, but hashes 1.9 MB only when the file is
    new to the process or has changed (path, size, modification time)."""
    local = tmp_path / reference_file.name
    shutil.copyfile(reference_file, local)
    monkeypatch.setenv(source.ENV_GEODATA, str(local))
    hashed: list[Path] = []
    real = source.sha256_file

    def counting(path: Path) -> str:
        hashed.append(Path(path))
        return real(path)

    monkeypatch.setattr(source, "sha256_file", counting)
    for _ in range(3):
        assert source.resolve_source(allow_download=False) == local
    geodata.load_boundaries(allow_download=False)
    geodata.load_boundaries(allow_download=False)
    assert hashed == [local]

    stat = local.stat()
    os.utime(local, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # touched
    source.resolve_source(allow_download=False)
    assert hashed == [local, local]

    data = bytearray(local.read_bytes())
    data[100] ^= 0x01  # same size, changed content, new mtime: hashed again and refused
    local.write_bytes(bytes(data))
    with pytest.raises(source.GeodataError, match="Checksum mismatch"):
        source.resolve_source(allow_download=False)
    assert len(hashed) == 3


def test_source_argument_takes_the_place_of_the_variable(
    reference_file: Path, tmp_path: Path, empty_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`conflictmap geodata --source FILE`: the file given wins over CONFLICTMAP_GEODATA."""
    monkeypatch.setenv(source.ENV_GEODATA, str(tmp_path / "missing.topojson"))
    assert source.resolve_source(source=reference_file) == reference_file
    with pytest.raises(source.GeodataError, match="--source"):
        source.resolve_source(source=tmp_path / "also-missing.topojson")
    assert _files(empty_cache) == []


def test_the_pinned_source_list_ships_in_the_package() -> None:
    import conflictmap

    listed = source.sources_file()
    assert listed.is_file()
    assert Path(conflictmap.__file__).parent in listed.parents
    spec = source.load_source_spec()
    assert spec.url.startswith("https://") and len(spec.sha256) == 64
    assert spec.file == "colombia_2018.topojson"


# --------------------------------------------------------------------------------------------
# Processed (GeoParquet) cache


def test_processed_cache_has_four_layers(boundaries) -> None:
    folder = geodata._processed_dir(boundaries.source_sha256)
    assert folder.is_dir()
    assert sorted(p.name for p in folder.glob("*.parquet")) == sorted(
        f"{n}.parquet" for n in LAYERS
    )


def test_warm_load_returns_identical_frames(boundaries) -> None:
    geodata._load_processed.cache_clear()
    try:
        warm = geodata.load_boundaries(allow_download=False)
    finally:
        geodata._load_processed.cache_clear()
    assert warm is not boundaries
    for name in LAYERS:
        a, b = getattr(boundaries, name), getattr(warm, name)
        assert list(a.columns) == list(b.columns), name
        assert a.drop(columns="geometry").equals(b.drop(columns="geometry")), name
        assert a.geometry.geom_equals_exact(b.geometry, tolerance=0).all(), name
        assert a.crs == b.crs
    assert warm.source_sha256 == boundaries.source_sha256


def test_cold_build_in_empty_cache(boundaries, empty_cache: Path) -> None:
    geodata._load_processed.cache_clear()
    try:
        cold = geodata.load_boundaries(allow_download=False)
    finally:
        geodata._load_processed.cache_clear()
    folder = geodata._processed_dir(cold.source_sha256)
    assert folder.parent == empty_cache
    assert sorted(p.name for p in folder.glob("*.parquet")) == sorted(
        f"{n}.parquet" for n in LAYERS
    )
    assert not list(empty_cache.glob(".processing-*"))  # no half-written folder left
    for name in LAYERS:
        assert list(getattr(cold, name).iloc[:, 0]) == list(getattr(boundaries, name).iloc[:, 0])


# --------------------------------------------------------------------------------------------
# Point-in-polygon (through the Geography, which owns the spatial index)


@pytest.fixture(scope="module")
def geo(boundaries) -> Geography:
    return load_geography(allow_download=False)


def test_assign_admin_neiva(geo: Geography) -> None:
    dept, muni = geo.assign_admin(np.array([-75.28]), np.array([2.93]))
    assert (dept[0], muni[0]) == ("41", "41001")


def test_assign_admin_with_an_index_directly(boundaries) -> None:
    index = geodata.SpatialIndex(boundaries.municipalities)
    dept, muni = geodata.assign_admin([-75.28, -74.08], [2.93, 4.6], index)
    assert list(dept) == ["41", "11"]
    assert list(muni) == ["41001", "11001"]


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (10.49, -66.88),  # Caracas, Venezuela
        (-0.18, -78.47),  # Quito, Ecuador
        (0.0, 0.0),  # Gulf of Guinea
        (float("nan"), -75.28),
        (2.93, float("nan")),
    ],
)
def test_assign_admin_outside_or_missing(geo: Geography, lat: float, lon: float) -> None:
    dept, muni = geo.assign_admin(np.array([lon]), np.array([lat]))
    assert dept[0] is None
    assert muni[0] is None


def test_assign_admin_mixed_vector_keeps_order(geo: Geography) -> None:
    lon = np.array([-66.88, -75.28, np.nan, -72.50, -75.57])
    lat = np.array([10.49, 2.93, 4.0, 7.89, 6.25])
    dept, muni = geo.assign_admin(lon, lat)
    assert list(dept) == [None, "41", None, "54", "05"]
    assert list(muni) == [None, "41001", None, "54001", "05001"]


def test_assign_admin_vector_of_10000(geo: Geography) -> None:
    rng = np.random.default_rng(7)
    lon = rng.uniform(-79.5, -66.5, 10_000)
    lat = rng.uniform(-4.5, 13.0, 10_000)
    dept, muni = geo.assign_admin(lon, lat)
    assert dept.shape == (10_000,) and muni.shape == (10_000,)
    inside = np.array([m is not None for m in muni])
    assert 0 < inside.sum() < 10_000
    # every assigned municipality belongs to the assigned department
    assert all(m.startswith(d) for d, m in zip(dept[inside], muni[inside], strict=True))
    assert all(d is None for d in dept[~inside])


def test_representative_points_fall_in_their_municipality(geo: Geography) -> None:
    reps = {code: xy for code, xy in geo.representative_points.items() if len(code) == 5}
    assert len(reps) == 1122
    codes = list(reps)
    lon, lat = (np.array(v) for v in zip(*reps.values(), strict=True))
    _dept, muni = geo.assign_admin(lon, lat)
    assert (muni == np.array(codes, dtype=object)).mean() > 0.99


def test_assign_admin_shared_border_takes_lowest_code(boundaries, geo: Geography) -> None:
    munis = boundaries.municipalities
    neiva = munis.loc[munis["muni_code"] == "41001"].geometry.iloc[0]
    tree = shapely.STRtree(np.asarray(munis.geometry.values))
    for x, y in shapely.get_coordinates(neiva)[::25]:
        hits = tree.query(shapely.Point(x, y), predicate="intersects")
        if len(hits) >= 2:
            break
    else:
        pytest.fail("no vertex of Neiva shared with a neighbour")
    codes = sorted(munis["muni_code"].iloc[hits])
    dept, muni = geo.assign_admin([x], [y])
    assert muni[0] == codes[0]
    assert dept[0] == codes[0][:2]


def test_point_off_the_coast_is_outside_but_near(boundaries, geo: Geography) -> None:
    """Point-in-polygon is exact (a point at sea is in no municipality); the nearest one, with
    its distance, is what ingest uses to snap with a warning."""
    munis = boundaries.municipalities
    puerto = munis.loc[munis["muni_code"] == "08573"].geometry.iloc[0]
    coords = shapely.get_coordinates(puerto)
    x, y = coords[coords[:, 1].argmax()]  # the northernmost point of Puerto Colombia, on the sea
    land = shapely.union_all(np.asarray(munis.geometry.values))
    near, far = y + 0.01, y + 0.5  # about 1.1 km and 55 km north of the coast
    assert not land.contains(shapely.Point(x, near))
    dept, muni = geo.assign_admin([x, x], [near, far])
    assert list(dept) == [None, None] and list(muni) == [None, None]
    dept, muni, km = geo.nearest_municipalities([x, x], [near, far], 5.0)
    assert dept[0] == "08" and muni[0] in {"08573", "08001"}  # Puerto Colombia or Barranquilla
    # the distance, measured independently in a metric projection (MAGNA-SIRGAS / Colombia Bogotá)
    target = munis.loc[munis["muni_code"] == muni[0]].to_crs(3116).geometry.iloc[0]
    metric = gpd.GeoSeries([shapely.Point(x, near)], crs=4326).to_crs(3116).iloc[0]
    assert abs(km[0] - target.distance(metric) / 1000) < 0.02
    assert km[0] <= 1.114  # no farther than the vertex 0.01 degrees (1.113 km) south
    assert (dept[1], muni[1]) == (None, None) and np.isnan(km[1])  # out at sea


def test_nearest_municipality_distance_is_in_kilometres(boundaries, geo: Geography) -> None:
    """A point 0.05 degrees east of Colombia's easternmost vertex (lon -66.85, lat ~1.2): at
    that latitude 0.05 degrees of longitude is 5.56 km, so it is within 6 km, not within 5."""
    munis = boundaries.municipalities
    coords = shapely.get_coordinates(np.asarray(munis.geometry.values))
    x, y = coords[coords[:, 0].argmax()]
    expected = 0.05 * 111.32 * np.cos(np.radians(y))
    _, muni6, km = geo.nearest_municipalities([x + 0.05], [y], 6.0)
    assert muni6[0] is not None
    assert abs(km[0] - expected) < 0.05
    _, muni5, _ = geo.nearest_municipalities([x + 0.05], [y], 5.0)
    assert muni5[0] is None


def test_damaged_processed_cache_is_rebuilt(boundaries, empty_cache: Path) -> None:
    geodata._load_processed.cache_clear()
    try:
        first = geodata.load_boundaries(allow_download=False)
        folder = geodata._processed_dir(first.source_sha256)
        (folder / "departments.parquet").write_bytes(b"garbage")
        geodata._load_processed.cache_clear()
        again = geodata.load_boundaries(allow_download=False)
    finally:
        geodata._load_processed.cache_clear()
    assert len(again.departments) == 33
    assert len(again.municipalities) == 1122
    assert (folder / "departments.parquet").stat().st_size > 1000  # rewritten, not left damaged
