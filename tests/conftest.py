"""Shared fixtures. Boundaries come from CONFLICTMAP_GEODATA (CI points it at ../shared/geodata)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    # the tests written before the Spanish interface read English labels; tests/test_i18n.py
    # asks for each language explicitly (lang= in the URL, i18n.using)
    os.environ.setdefault("CONFLICTMAP_LANG", "en")
    if not os.environ.get("CONFLICTMAP_GEODATA"):
        shared = ROOT.parent / "shared" / "geodata" / "colombia_2018.topojson"
        if shared.is_file():
            os.environ["CONFLICTMAP_GEODATA"] = str(shared)


@pytest.fixture(scope="session")
def boundaries():
    from conflictmap import geodata

    if not os.environ.get("CONFLICTMAP_GEODATA") and not (geodata.cache_dir() / "colombia_2018.topojson").exists():
        pytest.fail("CONFLICTMAP_GEODATA is not set and no cached boundary file exists")
    return geodata.load_boundaries(allow_download=False)


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:
    """The synthetic sample (seed events + synthetic demo incidents and territory claims + the
    annotation, as `conflictmap sample --synthetic`); treat as read-only."""
    from conflictmap import sample

    db = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    result = sample.load_sample(db, synthetic=True)
    assert result.loaded
    return db


@pytest.fixture(scope="session")
def real_sample_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:
    """The default sample (seed events + UCDP GED Colombia + the annotation, as `conflictmap
    sample` and `make run`); treat as read-only."""
    from conflictmap import sample

    db = tmp_path_factory.mktemp("real-sample") / "sample.duckdb"
    result = sample.load_sample(db)
    assert result.loaded
    return db


@pytest.fixture(scope="session")
def dense_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:
    """A few thousand incidents, dense in Neiva, some placed only to a department or to
    Colombia (tests/dense_incidents.py); treat as read-only."""
    from dense_incidents import build

    return build(tmp_path_factory.mktemp("dense"), boundaries)


@pytest.fixture()
def empty_db(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"
