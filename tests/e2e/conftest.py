"""Browser tests: a real `streamlit run dashboard.py` per module, driven by Debian's Chromium.

Nothing here touches the network: every request the page makes to a host other than the local
server is aborted and recorded, and a test fails if there was any (the map must work offline).
Console errors and uncaught page errors fail the test too. Every test leaves a screenshot in
tests/e2e/screenshots/ (gitignored), named after the test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Tall enough that the whole map and the key figures are on screen without scrolling: Streamlit
# scrolls an inner container, so a click that makes Playwright scroll can land on a moved target.
VIEWPORT = {"width": 1400, "height": 1800}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
HEALTH_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _is_local(url: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    parts = urlsplit(url)
    return parts.scheme in {"http", "https", "ws", "wss"} and (parts.hostname or "") in {
        h.strip("[]") for h in LOCAL_HOSTS
    }


# ---------------------------------------------------------------------------------------- server


@dataclass
class AppServer:
    url: str
    db: Path
    log: Path


@pytest.fixture(scope="module")
def app_server(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """`streamlit run dashboard.py` on a free port with the sample database; one per module."""
    yield from _serve(sample_db, tmp_path_factory)


@pytest.fixture(scope="module")
def real_app_server(
    real_sample_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppServer]:
    """The dashboard on the real default sample (seed incidents + UCDP GED Colombia)."""
    yield from _serve(real_sample_db, tmp_path_factory)


@pytest.fixture(scope="module")
def dense_app_server(
    dense_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppServer]:
    """The dashboard on a few thousand incidents dense in Neiva (tests/dense_incidents.py)."""
    yield from _serve(dense_db, tmp_path_factory)


def _serve(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    geodata = os.environ.get("CONFLICTMAP_GEODATA")
    if not geodata:
        pytest.fail("CONFLICTMAP_GEODATA is not set (tests/conftest.py sets it from ../shared)")
    port = _free_port()
    env = {
        **os.environ,
        "CONFLICTMAP_DB": str(sample_db),
        "CONFLICTMAP_GEODATA": os.path.abspath(geodata),
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    cmd = [
        sys.executable, "-m", "streamlit", "run", "dashboard.py",
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        # only this machine can reach the test server
        "--server.address", "127.0.0.1",
        # other people edit the source while tests run: no "file changed" reruns mid-test
        "--server.fileWatcherType", "none",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: teardown ends it and its children
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + HEALTH_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200 and resp.read().strip() == b"ok":
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit not healthy after {HEALTH_TIMEOUT:.0f} s:\n"
                            f"{log.read_text()[-3000:]}")
            time.sleep(0.25)
        yield AppServer(url=url, db=sample_db, log=log)
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)


# --------------------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium); never `playwright install`")
    with sync_playwright() as p:
        br = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield br
        finally:
            br.close()


@dataclass
class Watch:
    """What one page did on the network and in its console."""

    blocked: list[str] = field(default_factory=list)  # aborted non-local requests
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    websockets: list[str] = field(default_factory=list)
    requests: list = field(default_factory=list)  # finished requests (for sizes)
    ws_received: int = 0  # bytes of websocket frames received (Streamlit's protocol)

    def http_body_sizes(self) -> dict[str, int]:
        """Response body size as transferred (encoded) per URL, from the finished requests."""
        sizes: dict[str, int] = {}
        for req in self.requests:
            try:
                size = req.sizes()["responseBodySize"]
            except Exception:  # noqa: BLE001 - a request of a closed page has no sizes any more
                continue
            sizes[req.url] = sizes.get(req.url, 0) + max(size, 0)
        return sizes

    def http_body_bytes(self) -> int:
        return sum(self.http_body_sizes().values())


def _guard(page, watch: Watch) -> None:
    def route(r) -> None:
        url = r.request.url
        if _is_local(url):
            r.continue_()
        else:
            watch.blocked.append(url)
            r.abort()

    page.route("**/*", route)

    def on_console(msg) -> None:
        # Only errors count. Chromium's "Unrecognized feature: '...'" permission-policy notes and
        # the "allow-scripts and allow-same-origin" sandbox note about Streamlit's component
        # iframe are console *warnings*, so they never get here; nothing is ignored.
        if msg.type == "error":
            loc = msg.location or {}
            watch.errors.append(f"console.error: {msg.text} ({loc.get('url', '')})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: watch.errors.append(f"pageerror: {exc}"))
    page.on("requestfinished", lambda req: watch.requests.append(req))

    def on_ws(ws) -> None:
        watch.websockets.append(ws.url)

        def received(payload) -> None:
            watch.ws_received += len(payload)

        ws.on("framereceived", received)

    page.on("websocket", on_ws)


def _screenshot(page, path: Path) -> None:
    """A full-page picture: Streamlit scrolls an inner container, so grow the viewport to it."""
    try:
        height = page.evaluate(
            """() => { const m = document.querySelector('[data-testid="stMain"]')
                  || document.scrollingElement; return Math.ceil(m.scrollHeight); }"""
        )
        if height and height > VIEWPORT["height"]:
            page.set_viewport_size({"width": VIEWPORT["width"], "height": min(int(height), 6000)})
            page.wait_for_timeout(300)
        page.screenshot(path=str(path), full_page=True)
    except Exception as exc:  # noqa: BLE001 - a picture is a by-product; never hide the result
        print(f"screenshot {path.name} failed: {exc}")


@pytest.fixture()
def new_page(browser, request) -> Iterator[Callable[[], tuple[object, Watch]]]:
    """Factory of guarded pages, each in a fresh browser context (no shared session state).

    After the test: a screenshot of each page, then no blocked request, no remote websocket and
    no console/page error on any of them.
    """
    made: list[tuple[object, object, Watch]] = []

    def make() -> tuple[object, Watch]:
        context = browser.new_context(viewport=VIEWPORT, service_workers="block")
        context.set_default_timeout(30_000)
        page = context.new_page()
        watch = Watch()
        _guard(page, watch)
        made.append((context, page, watch))
        return page, watch

    yield make

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = request.node.name.replace("/", "_").replace("[", "_").replace("]", "")
    for i, (_, page, _) in enumerate(made):
        _screenshot(page, SCREENSHOTS / (f"{name}.png" if i == 0 else f"{name}-{i + 1}.png"))
    problems: list[str] = []
    for i, (context, _, watch) in enumerate(made):
        context.close()
        problems += [f"page {i + 1}: tried a remote host: {u}" for u in watch.blocked]
        problems += [f"page {i + 1}: remote websocket: {u}" for u in watch.websockets
                     if not _is_local(u)]
        problems += [f"page {i + 1}: {e}" for e in watch.errors]
    assert not problems, "\n".join(problems)


@pytest.fixture()
def watched(new_page) -> tuple[object, Watch]:
    return new_page()


@pytest.fixture()
def page(watched):
    return watched[0]


@pytest.fixture()
def watch(watched) -> Watch:
    return watched[1]
