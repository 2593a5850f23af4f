"""Build step (all metadata is in pyproject.toml): ship the Streamlit app inside the wheel.

The app's scripts stay at the top of the repository, where `streamlit run dashboard.py`, the page
tests and their authors expect them; a wheel gets copies under ``conflictmap/app/`` so that
``conflictmap serve`` runs an installed package from any folder (see conflictmap/serve.py).
Editable installs run the scripts in place and need no copies.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
APP_FILES = {  # source in the repository -> path under conflictmap/app/
    "dashboard.py": "dashboard.py",
    ".streamlit/config.toml": "config.toml",
}


class BuildPyWithApp(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "conflictmap" / "app"
        for source, name in APP_FILES.items():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / source, target / name)
        (target / "pages").mkdir(parents=True, exist_ok=True)
        for page in sorted((ROOT / "pages").glob("*.py")):
            shutil.copyfile(page, target / "pages" / page.name)


setup(cmdclass={"build_py": BuildPyWithApp})
