"""Settings: the one place ConflictMap reads its environment.

Every tunable value and every writable folder comes from :meth:`Settings.from_env`; the rest of
the package asks it instead of reading ``os.environ``. Variables (all optional):

==============================  ===========================================================
``CONFLICTMAP_DB``              the database file (``--db`` on the command line wins)
``CONFLICTMAP_DB_MEMORY``       DuckDB's memory limit, e.g. ``1GB`` (default), ``512MB``
``CONFLICTMAP_GEODATA``         a local copy of the boundary file (no download)
``CONFLICTMAP_CACHE``           the boundary cache folder (download + GeoParquet layers)
``CONFLICTMAP_HOME``            one folder for everything writable (``data/``, ``geodata/cache``)
``CONFLICTMAP_POINT_BUDGET``    incidents drawn as points at most (default 3000)
``CONFLICTMAP_TABLE_LIMIT``     rows in the incident table (default 5000)
``CONFLICTMAP_IDLE_RELEASE``    seconds without a view before the dashboard lets go of the
                                database file (default 10)
==============================  ===========================================================

Writable folders, when no variable says otherwise:

- **source checkout** (the package sits beside ``pyproject.toml`` and ``dashboard.py``, as with
  ``make run`` or ``pip install -e .``): the project folder, as documented in the README —
  ``data/conflictmap.duckdb``, ``geodata/cache/``, and ``static/vendor/`` beside ``dashboard.py``;
- **installed package** (``pip install .``): the platform's per-user folders (``platformdirs``):
  the database in the user data folder (``~/.local/share/conflictmap`` on Linux), the boundary
  cache and the served copy of the app in the user cache folder (``~/.cache/conflictmap``);
- ``CONFLICTMAP_HOME`` set: the checkout layout under that folder (installed package: the app
  copy goes to ``$CONFLICTMAP_HOME/app``).

Read-only inputs (the boundary source list, ``actors.toml``, the sample data) ship inside the
package and are read with :mod:`importlib.resources`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

APP_NAME = "conflictmap"

ENV_DB = "CONFLICTMAP_DB"
ENV_DB_MEMORY = "CONFLICTMAP_DB_MEMORY"
ENV_GEODATA = "CONFLICTMAP_GEODATA"
ENV_CACHE = "CONFLICTMAP_CACHE"
ENV_HOME = "CONFLICTMAP_HOME"
ENV_POINT_BUDGET = "CONFLICTMAP_POINT_BUDGET"
ENV_TABLE_LIMIT = "CONFLICTMAP_TABLE_LIMIT"
ENV_IDLE_RELEASE = "CONFLICTMAP_IDLE_RELEASE"

# DuckDB would take up to 80 % of RAM for its buffers; a bound keeps the app and large imports
# within a laptop's means (DuckDB spills to disk beyond it).
DEFAULT_DB_MEMORY = "1GB"
DEFAULT_POINT_BUDGET = 3000
DEFAULT_TABLE_LIMIT = 5000
DEFAULT_IDLE_RELEASE = 10.0
DB_FILE = "conflictmap.duckdb"


class SettingsError(ValueError):
    """An environment variable holds a value ConflictMap cannot use; the message names it."""


@lru_cache(maxsize=1)
def source_checkout() -> Path | None:
    """The project folder when running from a source checkout (editable install, ``make``),
    else None (an installed package: there is no project folder to write into)."""
    root = Path(__file__).resolve().parents[1]
    if (root / "pyproject.toml").is_file() and (root / "dashboard.py").is_file():
        return root
    return None


@dataclass(frozen=True)
class Settings:
    db: Path  # the default database file (``--db`` overrides it per command)
    db_memory: str  # DuckDB memory_limit
    geodata: Path | None  # a local boundary file, or None: cache, else download
    cache_dir: Path  # boundary cache: the verified download and its GeoParquet layers
    app_dir: Path  # the folder `streamlit run` serves from; its static/vendor holds Leaflet
    point_budget: int  # incidents drawn as points at most
    table_limit: int  # rows in the incident table
    idle_release: float  # seconds without a view before the shared reader closes the file
    layout: str  # where writable folders are: "checkout", "home" or "platform"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``environ`` (default: the process environment)."""
        env = os.environ if environ is None else environ

        def text(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        checkout = source_checkout()
        home = text(ENV_HOME)
        if home:
            root = Path(home).expanduser()
            layout = "home"
            data_dir, cache_root = root / "data", root / "geodata" / "cache"
            app_dir = checkout or root / "app"
        elif checkout:
            layout = "checkout"
            data_dir, cache_root, app_dir = (
                checkout / "data",
                checkout / "geodata" / "cache",
                checkout,
            )
        else:
            import platformdirs

            layout = "platform"
            data_dir = platformdirs.user_data_path(APP_NAME, appauthor=False)
            cache = platformdirs.user_cache_path(APP_NAME, appauthor=False)
            cache_root, app_dir = cache / "geodata", cache / "app"

        db = text(ENV_DB)
        geodata = text(ENV_GEODATA)
        cache_dir = text(ENV_CACHE)
        return cls(
            db=Path(db).expanduser() if db else data_dir / DB_FILE,
            db_memory=text(ENV_DB_MEMORY) or DEFAULT_DB_MEMORY,
            geodata=Path(geodata).expanduser() if geodata else None,
            cache_dir=Path(cache_dir).expanduser() if cache_dir else cache_root,
            app_dir=app_dir,
            point_budget=_number(env, ENV_POINT_BUDGET, DEFAULT_POINT_BUDGET, int, minimum=1),
            table_limit=_number(env, ENV_TABLE_LIMIT, DEFAULT_TABLE_LIMIT, int, minimum=1),
            idle_release=_number(env, ENV_IDLE_RELEASE, DEFAULT_IDLE_RELEASE, float, minimum=0),
            layout=layout,
        )

    @property
    def static_dir(self) -> Path:
        """Where the self-hosted map assets are copied: Streamlit serves the ``static`` folder
        beside the app's main script at ``/app/static/``."""
        return self.app_dir / "static" / "vendor"


T = TypeVar("T", int, float)


def _number(env: Mapping[str, str], name: str, default: T, kind: type[T], *, minimum: T) -> T:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(
            f"{name}={raw!r} is not a number; unset it or give e.g. {default}"
        ) from None
    if value < minimum:
        raise SettingsError(f"{name}={raw!r} must be at least {minimum}")
    return value


def get() -> Settings:
    """The current settings (the environment is read again on each call, so a changed variable
    applies to the next database connection or boundary load)."""
    return Settings.from_env()
