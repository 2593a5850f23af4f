"""Settings and packaging (issue 13, item 6).

- ``Settings.from_env`` is the one place the environment is read; writable folders are the
  project's in a source checkout, the platform's per-user folders for an installed package.
- ``pip install .`` (not editable) gives a package that works from any folder:
  ``conflictmap geodata``, ``conflictmap sample`` and ``conflictmap serve`` (the dashboard,
  with its self-hosted map assets), with the data files it needs inside it.

The install is offline: the wheel is built from a copy of the working tree with the build tools
of the test environment (``--no-build-isolation``, setuptools from the ``test`` extra), without
dependencies (the test environment's are used through PYTHONPATH).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from conflictmap import assets, sample, serve, settings, store
from conflictmap.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[1]
UCDP_SHA256 = "f1b6bd30e7b904363c54da2876e3e95b67cfb0c490197422e7a7be44da5c8b83"
REAL_SAMPLE_INCIDENTS = 4634  # 4,632 UCDP GED events + 2 seed incidents
# what a fresh clone would not have, or the wheel does not need
NOT_COPIED = {
    ".git", ".venv", "build", "dist", "tests", "bench", "data", "geodata", "static",
    ".pytest_cache", ".ruff_cache", ".mypy_cache",
}  # fmt: skip
ENV_VARS = [name for name in vars(settings) if name.startswith("ENV_")]


# --------------------------------------------------------------------------------------------
# Settings


def test_checkout_defaults_are_the_documented_project_paths() -> None:
    s = Settings.from_env({})
    assert settings.source_checkout() == ROOT
    assert s.layout == "checkout"
    assert s.db == ROOT / "data" / "conflictmap.duckdb"
    assert s.cache_dir == ROOT / "geodata" / "cache"
    assert s.app_dir == ROOT
    assert s.static_dir == ROOT / "static" / "vendor"
    assert s.geodata is None
    assert (s.db_memory, s.point_budget, s.table_limit, s.idle_release) == ("1GB", 3000, 5000, 10)


def test_every_variable_is_read(tmp_path: Path) -> None:
    s = Settings.from_env(
        {
            "CONFLICTMAP_DB": str(tmp_path / "x.duckdb"),
            "CONFLICTMAP_DB_MEMORY": "512MB",
            "CONFLICTMAP_GEODATA": str(tmp_path / "b.topojson"),
            "CONFLICTMAP_CACHE": str(tmp_path / "cache"),
            "CONFLICTMAP_POINT_BUDGET": "1500",
            "CONFLICTMAP_TABLE_LIMIT": "200",
            "CONFLICTMAP_IDLE_RELEASE": "2.5",
        }
    )
    assert s.db == tmp_path / "x.duckdb"
    assert s.db_memory == "512MB"
    assert s.geodata == tmp_path / "b.topojson"
    assert s.cache_dir == tmp_path / "cache"
    assert (s.point_budget, s.table_limit, s.idle_release) == (1500, 200, 2.5)
    # empty values count as unset
    assert Settings.from_env({"CONFLICTMAP_DB": "", "CONFLICTMAP_GEODATA": " "}) == Settings.from_env(
        {}
    )


def test_home_holds_every_writable_folder(tmp_path: Path) -> None:
    s = Settings.from_env({"CONFLICTMAP_HOME": str(tmp_path)})
    assert s.layout == "home"
    assert s.db == tmp_path / "data" / "conflictmap.duckdb"
    assert s.cache_dir == tmp_path / "geodata" / "cache"
    assert s.app_dir == ROOT  # a checkout's app runs in place: Streamlit serves ROOT/static


def test_installed_package_uses_the_platform_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "source_checkout", lambda: None)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    s = Settings.from_env({})
    assert s.layout == "platform"
    for path in (s.db, s.cache_dir, s.app_dir):
        assert ROOT not in path.parents
    if sys.platform.startswith("linux"):  # platformdirs follows the XDG variables there
        assert s.db == tmp_path / "share" / "conflictmap" / "conflictmap.duckdb"
        assert s.cache_dir == tmp_path / "cache" / "conflictmap" / "geodata"
        assert s.app_dir == tmp_path / "cache" / "conflictmap" / "app"
    home = Settings.from_env({"CONFLICTMAP_HOME": str(tmp_path / "home")})
    assert home.app_dir == tmp_path / "home" / "app"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CONFLICTMAP_POINT_BUDGET", "many"),
        ("CONFLICTMAP_POINT_BUDGET", "0"),
        ("CONFLICTMAP_TABLE_LIMIT", "1e3"),
        ("CONFLICTMAP_IDLE_RELEASE", "-1"),
    ],
)
def test_a_bad_number_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_callers_take_their_values_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "env.duckdb"
    monkeypatch.setenv("CONFLICTMAP_DB", str(db))
    monkeypatch.setenv("CONFLICTMAP_DB_MEMORY", "321MB")
    assert store.resolve_db_path() == db
    assert store.resolve_db_path(tmp_path / "explicit.duckdb") == tmp_path / "explicit.duckdb"
    with store.connect() as con:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limit == "306.1 MiB", limit  # 321 MB as DuckDB shows it (not the default 1GB)
    assert assets.static_dir() == settings.get().static_dir


def test_the_environment_is_read_in_one_place() -> None:
    """Only settings.py reads os.environ / getenv in the package."""
    readers = []
    for path in sorted((ROOT / "conflictmap").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"os\.environ|getenv\(", text) and path.name != "settings.py":
            readers.append(path.relative_to(ROOT).as_posix())
    assert readers == []


def test_every_variable_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ENV_VARS:
        assert getattr(settings, name) in readme, name


def test_streamlit_options_come_from_the_one_config_file() -> None:
    options = serve.config_options(ROOT / ".streamlit" / "config.toml")
    pairs = dict(zip(options[::2], options[1::2], strict=True))
    assert pairs["--server.enableStaticServing"] == "true"
    assert pairs["--browser.gatherUsageStats"] == "false"
    main = serve.prepare()  # a checkout: the app runs in place, assets beside it
    assert main == ROOT / "dashboard.py"
    assert (ROOT / "static" / "vendor" / "leaflet" / "leaflet.js").is_file()


# --------------------------------------------------------------------------------------------
# A non-editable install, used from another folder


@dataclass
class Installed:
    site: Path  # pip --target folder: the package, filters_ui, bin/conflictmap
    work: Path  # the working folder of every command (not the repository)
    env: dict[str, str]
    data_home: Path
    cache_home: Path

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.site / "bin" / "conflictmap"), *args],
            cwd=self.work, env=self.env, capture_output=True, text=True, encoding="utf-8",
            timeout=timeout, check=False,
        )  # fmt: skip

    def python(self, code: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=self.work, env=self.env, capture_output=True, text=True, encoding="utf-8",
            timeout=timeout, check=False,
        )  # fmt: skip


def _copy_tree(target: Path) -> None:
    def skip(folder: str, names: list[str]) -> list[str]:
        top = Path(folder).resolve() == ROOT
        return [
            n
            for n in names
            if n == "__pycache__" or (top and (n in NOT_COPIED or n.endswith(".egg-info")))
        ]

    shutil.copytree(ROOT, target, ignore=skip)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    geodata_file = os.environ.get("CONFLICTMAP_GEODATA")
    if not geodata_file:
        pytest.fail("CONFLICTMAP_GEODATA is not set (tests/conftest.py sets it from ../shared)")
    base = tmp_path_factory.mktemp("installed")
    src, site, work = base / "src", base / "site", base / "work"
    _copy_tree(src)
    work.mkdir()
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--no-build-isolation", "--no-compile", "--target", str(site), str(src)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout + build.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFLICTMAP_")}
    env.update(
        PYTHONPATH=str(site),
        CONFLICTMAP_GEODATA=os.path.abspath(geodata_file),
        XDG_DATA_HOME=str(base / "share"),
        XDG_CACHE_HOME=str(base / "cache"),
        PYTHONIOENCODING="utf-8",
        PYTHONUNBUFFERED="1",
        no_proxy="127.0.0.1,localhost",
        NO_PROXY="127.0.0.1,localhost",
    )
    return Installed(site, work, env, base / "share", base / "cache")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_wheel_carries_the_data_and_the_app(installed: Installed) -> None:
    package = installed.site / "conflictmap"
    assert (package / "actors.toml").is_file()
    assert (package / "data" / "sources.toml").read_bytes() == (
        ROOT / "conflictmap" / "data" / "sources.toml"
    ).read_bytes()
    shipped = package / "data" / "sample"
    for name in ("seed-events.csv", "territories-synthetic.csv", "README.md"):
        assert (shipped / name).read_bytes() == (sample.SAMPLE_DIR / name).read_bytes(), name
    assert _sha(shipped / "ucdp_ged_colombia_1989_2018_hdx.csv") == UCDP_SHA256  # byte for byte
    # the app: copies of the repository's scripts, one source
    app = package / "app"
    assert (app / "dashboard.py").read_bytes() == (ROOT / "dashboard.py").read_bytes()
    assert (app / "config.toml").read_bytes() == (ROOT / ".streamlit" / "config.toml").read_bytes()
    pages = sorted(p.name for p in (ROOT / "pages").glob("*.py"))
    assert pages and sorted(p.name for p in (app / "pages").glob("*.py")) == pages
    assert (installed.site / "filters_ui.py").is_file()
    assert (installed.site / "auth_ui.py").is_file()  # the sign-in gate (issue 14)
    assert (installed.site / "bin" / "conflictmap").is_file()
    assert not (installed.site / "tests").exists()


def test_the_installed_package_is_the_one_imported(installed: Installed) -> None:
    out = installed.python(
        "import json, conflictmap, filters_ui; from conflictmap import settings; "
        "s = settings.get(); print(json.dumps({'package': conflictmap.__file__, "
        "'ui': filters_ui.__file__, 'layout': s.layout, 'db': str(s.db), "
        "'cache': str(s.cache_dir), 'app': str(s.app_dir)}))"
    )
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert Path(info["package"]).parent == installed.site / "conflictmap"
    assert Path(info["ui"]) == installed.site / "filters_ui.py"
    assert info["layout"] == "platform"
    if sys.platform.startswith("linux"):
        assert Path(info["db"]) == installed.data_home / "conflictmap" / "conflictmap.duckdb"
        assert Path(info["cache"]) == installed.cache_home / "conflictmap" / "geodata"
        assert Path(info["app"]) == installed.cache_home / "conflictmap" / "app"


def test_geodata_and_sample_from_another_folder(installed: Installed) -> None:
    out = installed.run("geodata")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert (result["departments"], result["municipalities"]) == (33, 1122)
    assert Path(result["cache"]) == Path(installed.python(
        "from conflictmap import settings; print(settings.get().cache_dir)"
    ).stdout.strip())  # fmt: skip
    assert list(Path(result["cache"]).glob("processed-*/municipalities.parquet"))

    out = installed.run("sample")
    assert out.returncode == 0, out.stderr
    loaded = json.loads(out.stdout)
    assert loaded["loaded"] is True
    assert sum(r["inserted"] for r in loaded["imports"]) == REAL_SAMPLE_INCIDENTS

    out = installed.run("summary")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["incidents"] == REAL_SAMPLE_INCIDENTS
    # nothing was written into the working folder or the installed package
    assert list(installed.work.iterdir()) == []
    assert not (installed.site / "data").exists()
    if sys.platform.startswith("linux"):
        assert (installed.data_home / "conflictmap" / "conflictmap.duckdb").is_file()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_serve_runs_the_dashboard_from_another_folder(installed: Installed) -> None:
    if not (installed.data_home / "conflictmap" / "conflictmap.duckdb").exists():
        assert installed.run("sample").returncode == 0
    port = _free_port()
    log = installed.work.parent / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(installed.site / "bin" / "conflictmap"), "serve", "--port", str(port),
             "--address", "127.0.0.1", "--", "--server.fileWatcherType", "none"],
            cwd=installed.work, env=installed.env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, ended below by its id
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                if _get(f"{url}/_stcore/health") == (200, b"ok"):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.25)
        # the map's Leaflet is served by the app itself, from the copy beside the served script
        import xstatic.pkg.leaflet as leaflet

        status, body = _get(f"{url}/app/static/vendor/leaflet/leaflet.js")
        assert status == 200
        assert body == (Path(leaflet.BASE_DIR) / "leaflet.js").read_bytes()
        status, page = _get(url)
        assert status == 200 and b"<html" in page.lower()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    text = log.read_text()
    served = installed.cache_home / "conflictmap" / "app" / "dashboard.py"
    if sys.platform.startswith("linux"):
        assert f"conflictmap serve: {served}" in text
    assert list(installed.work.iterdir()) == []

    # the served copy of the dashboard renders the real sample with the installed package
    script = re.search(r"conflictmap serve: (.+)", text).group(1).strip()
    out = installed.python(
        "import json\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({script!r}, default_timeout=180)\n"
        "at.query_params['lang'] = 'en'\n"  # whatever the default language
        "at.run()\n"
        "import conflictmap\n"
        "print(json.dumps({'exceptions': [e.value for e in at.exception], "
        "'metrics': {m.label: m.value for m in at.metric}, 'package': conflictmap.__file__}))\n"
    )
    assert out.returncode == 0, out.stderr[-3000:]
    info = json.loads(out.stdout.strip().splitlines()[-1])
    assert info["exceptions"] == []
    assert info["metrics"]["Incidents"] == f"{REAL_SAMPLE_INCIDENTS:,}"
    assert Path(info["package"]).parent == installed.site / "conflictmap"
