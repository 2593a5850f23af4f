"""Settings: the one place ConflictMap reads its environment.

Every tunable value and every writable folder comes from :meth:`Settings.from_env`; the rest of
the package asks it instead of reading ``os.environ``. Variables (all optional):

==============================  ===========================================================
``CONFLICTMAP_DB``              the database: a DuckDB file, or ``postgresql://…`` for a team's
                               PostgreSQL (``--db`` on the command line wins)
``CONFLICTMAP_DB_MEMORY``       DuckDB's memory limit, e.g. ``1GB`` (default), ``512MB``
``CONFLICTMAP_GEODATA``         a local copy of the boundary file (no download)
``CONFLICTMAP_CACHE``           the boundary cache folder (download + GeoParquet layers)
``CONFLICTMAP_HOME``            one folder for everything writable (``data/``, ``geodata/cache``)
``CONFLICTMAP_POINT_BUDGET``    a map view with at most this many incidents shows each as a
                                point, more are clusters (default 3000); exports draw at most
                                this many points
``CONFLICTMAP_TABLE_LIMIT``     rows in the incident table (default 5000)
``CONFLICTMAP_MAX_ROWS``        rows one imported file may have (default 5000000); a larger
                                file is refused, naming the file and the limit
``CONFLICTMAP_IDLE_RELEASE``    seconds without a view before the dashboard lets go of the
                                database file (default 10)
``CONFLICTMAP_READ_ONLY``       ``1``: a public, read-only deployment — no import, edit or
                                delete for anyone (``conflictmap serve --read-only``)
``CONFLICTMAP_PUBLIC_VIEW``     ``1``: a public view — incidents shown at their municipality,
                                never their own coordinates; notes hidden (do no harm)
``CONFLICTMAP_LANG``            the interface language when neither the link (``lang=``) nor
                                the user chose one: ``es`` or ``en``; unset, the browser's
                                language when it is one of these, else ``es``
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
ENV_MAX_ROWS = "CONFLICTMAP_MAX_ROWS"
ENV_READ_ONLY = "CONFLICTMAP_READ_ONLY"
ENV_PUBLIC_VIEW = "CONFLICTMAP_PUBLIC_VIEW"
ENV_LANG = "CONFLICTMAP_LANG"
LANGUAGES = ("es", "en")  # conflictmap.i18n
# Spanish: every page a user sees is translated (issue 15)
DEFAULT_LANG = "es"

# DuckDB would take up to 80 % of RAM for its buffers; a bound keeps the app and large imports
# within a laptop's means (DuckDB spills to disk beyond it).
DEFAULT_DB_MEMORY = "1GB"
DEFAULT_POINT_BUDGET = 3000
DEFAULT_TABLE_LIMIT = 5000
DEFAULT_IDLE_RELEASE = 10.0
# An import reads whole workbooks into memory and a check keeps every record's outcome: a bound
# on rows keeps an upload (already bounded in bytes by Streamlit's server.maxUploadSize) from
# taking the server's memory. ACLED's whole Colombia export is well under a million rows.
DEFAULT_MAX_ROWS = 5_000_000
DB_FILE = "conflictmap.duckdb"
DB_URL_SCHEMES = ("postgresql://", "postgres://")  # a team's PostgreSQL (conflictmap.postgres)


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
    db: Path | str  # the default database: a DuckDB file, or a postgresql:// URL (--db wins)
    db_memory: str  # DuckDB memory_limit
    geodata: Path | None  # a local boundary file, or None: cache, else download
    cache_dir: Path  # boundary cache: the verified download and its GeoParquet layers
    app_dir: Path  # the folder `streamlit run` serves from; its static/vendor holds Leaflet
    point_budget: int  # a view with at most this many incidents shows each as a point
    table_limit: int  # rows in the incident table
    idle_release: float  # seconds without a view before the shared reader closes the file
    layout: str  # where writable folders are: "checkout", "home" or "platform"
    read_only: bool = False  # no writes through the package, for anyone (permissions.py)
    max_rows: int = DEFAULT_MAX_ROWS  # rows one imported file may have
    public_view: bool = False  # points at their municipality, notes hidden (public_view.py)
    lang: str = DEFAULT_LANG  # the default interface language (conflictmap.i18n)
    lang_set: bool = False  # CONFLICTMAP_LANG was given: it wins over the browser's language
    data_dir: Path = Path("data")  # where the embedded database and rejected rows go

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
            db=(db if db.startswith(DB_URL_SCHEMES) else Path(db).expanduser())
            if db
            else data_dir / DB_FILE,
            data_dir=data_dir,
            db_memory=text(ENV_DB_MEMORY) or DEFAULT_DB_MEMORY,
            geodata=Path(geodata).expanduser() if geodata else None,
            cache_dir=Path(cache_dir).expanduser() if cache_dir else cache_root,
            app_dir=app_dir,
            point_budget=_number(env, ENV_POINT_BUDGET, DEFAULT_POINT_BUDGET, int, minimum=1),
            table_limit=_number(env, ENV_TABLE_LIMIT, DEFAULT_TABLE_LIMIT, int, minimum=1),
            idle_release=_number(env, ENV_IDLE_RELEASE, DEFAULT_IDLE_RELEASE, float, minimum=0),
            layout=layout,
            read_only=_flag(env, ENV_READ_ONLY),
            max_rows=_number(env, ENV_MAX_ROWS, DEFAULT_MAX_ROWS, int, minimum=1),
            public_view=_flag(env, ENV_PUBLIC_VIEW),
            lang=_language(env),
            lang_set=bool(env.get(ENV_LANG, "").strip()),
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


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name}={raw!r} is not a yes/no value; unset it or give 1 or 0")


def _language(env: Mapping[str, str]) -> str:
    raw = env.get(ENV_LANG, "").strip().lower()
    if not raw:
        return DEFAULT_LANG
    if raw not in LANGUAGES:
        raise SettingsError(f"{ENV_LANG}={raw!r} is not a language; unset it or give es or en")
    return raw


def set_read_only() -> None:
    """Make this process and the programs it starts read-only (``conflictmap serve
    --read-only``: the Streamlit server it becomes inherits the variable)."""
    os.environ[ENV_READ_ONLY] = "1"


def get() -> Settings:
    """The current settings (the environment is read again on each call, so a changed variable
    applies to the next database connection or boundary load)."""
    return Settings.from_env()
