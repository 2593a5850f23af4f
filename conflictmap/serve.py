"""``conflictmap serve``: run the Streamlit dashboard from a checkout or an installed package.

The app's scripts stay where the pages' authors and ``streamlit run dashboard.py`` expect them, at
the top of the repository (``dashboard.py``, ``pages/``, ``.streamlit/config.toml``). A wheel
carries copies of them in ``conflictmap/app/``, made by the build step in ``setup.py``: one
source, two ways to run it.

- **Source checkout**: the app runs in place (``<project>/dashboard.py``); the map assets go to
  ``<project>/static/vendor``, as with ``streamlit run dashboard.py``.
- **Installed package**: Streamlit serves the ``static`` folder beside the script it runs, and the
  package's own folder may be read-only, so the packaged app is copied into
  ``Settings.app_dir`` (the user cache folder, or ``$CONFLICTMAP_HOME/app``) on every start, its
  ``static/vendor`` filled with Leaflet from the installed XStatic packages, and run from there.

Streamlit reads ``.streamlit/config.toml`` from the working folder only; its options are passed on
the command line instead (from the same file), so the app behaves the same from any folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from conflictmap import assets, settings

MAIN_SCRIPT = "dashboard.py"
PAGES = "pages"


class ServeError(RuntimeError):
    """The app cannot be found or prepared; the message says why."""


def packaged_app() -> Path | None:
    """The app copied into the installed package by the build (None in a source checkout)."""
    folder = Path(str(resources.files("conflictmap") / "app"))
    return folder if (folder / MAIN_SCRIPT).is_file() else None


def app_source() -> tuple[Path, Path]:
    """(folder holding dashboard.py and pages/, the Streamlit config file for it)."""
    checkout = settings.source_checkout()
    if checkout is not None:
        return checkout, checkout / ".streamlit" / "config.toml"
    packaged = packaged_app()
    if packaged is None:
        raise ServeError(
            "the dashboard scripts are not installed with this copy of conflictmap; reinstall it "
            "with `pip install .` from the project folder, or run `streamlit run dashboard.py` "
            "there"
        )
    return packaged, packaged / "config.toml"


def prepare(current: settings.Settings | None = None) -> Path:
    """Make the app runnable (copy it when installed, install the map assets); return the
    main script to hand to ``streamlit run``."""
    current = current or settings.get()
    source, _config = app_source()
    target = current.app_dir
    if source.resolve() != target.resolve():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / MAIN_SCRIPT, target / MAIN_SCRIPT)
        pages = target / PAGES
        shutil.rmtree(pages, ignore_errors=True)  # a page dropped by an upgrade must go too
        shutil.copytree(source / PAGES, pages, ignore=shutil.ignore_patterns("__pycache__"))
    assets.install_static(current.static_dir)
    return target / MAIN_SCRIPT


def config_options(config: Path) -> list[str]:
    """The Streamlit config file as command-line options: ``--section.key value`` pairs."""
    if not config.is_file():
        return []
    options: list[str] = []
    for section, values in tomllib.loads(config.read_text(encoding="utf-8")).items():
        for key, value in values.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            options += [f"--{section}.{key}", text]
    return options


def command(
    main: Path,
    *,
    port: int | None = None,
    address: str | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """The ``python -m streamlit run`` command line for ``main``."""
    _source, config = app_source()
    cmd = [sys.executable, "-m", "streamlit", "run", str(main), *config_options(config)]
    if port is not None:
        cmd += ["--server.port", str(port)]
    if address:
        cmd += ["--server.address", address]
    return cmd + list(extra)


def run(*, port: int | None = None, address: str | None = None, extra: Sequence[str] = ()) -> int:
    """Prepare and start the dashboard. On POSIX this process becomes Streamlit (same process id,
    signals go straight to it); elsewhere Streamlit runs as a child and its exit code is
    returned."""
    main = prepare()
    cmd = command(main, port=port, address=address, extra=extra)
    print(f"conflictmap serve: {main}", file=sys.stderr, flush=True)
    sys.stdout.flush()
    if os.name == "posix":
        os.execv(sys.executable, cmd)
    return subprocess.call(cmd)
