"""Self-hosted map assets: the map never loads JavaScript or CSS from a CDN.

Folium points its classes at public CDNs; on an offline laptop that leaves a blank map, and every
request tells a third party what an analyst is looking at. Here the files come from packages the
project installs (XStatic packages on PyPI), are copied into ``static/vendor`` beside the app's
main script (Streamlit serves the ``static`` folder next to the script it runs at
``/app/static/...`` with ``server.enableStaticServing``; see ``Settings.app_dir``), and each map
the app builds points its elements at those URLs (:func:`localize`; folium's classes are left
alone). For standalone HTML files the same files can be
inlined instead (see :func:`inline_assets`).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TypeVar

import folium
from branca.element import Element
from folium.plugins import MarkerCluster

from conflictmap import settings

STATIC_URL = "/app/static/vendor"
_E = TypeVar("_E", bound=Element)  # a map, or a layer added to one later


@dataclass(frozen=True)
class Asset:
    name: str  # folium's key for the link
    package: str  # XStatic module that ships the file
    file: str  # path inside the package's data folder
    kind: str  # "js" | "css"
    cdn: str = ""  # the same file and version on a public CDN (standalone HTML exports only)

    @property
    def target(self) -> str:
        return f"{self.package.rsplit('.', 1)[-1]}/{self.file}"

    def source_path(self) -> Path:
        module = import_module(self.package)
        return Path(module.BASE_DIR) / self.file

    def version(self) -> str:
        return str(import_module(self.package).VERSION)


LEAFLET = "xstatic.pkg.leaflet"
MARKERCLUSTER = "xstatic.pkg.leaflet_markercluster"

# What the map uses, per folium class. jQuery, Bootstrap and the awesome-markers/Font Awesome
# files folium adds by default are not used by our maps and are dropped.
CLASS_ASSETS: dict[type, list[Asset]] = {
    folium.Map: [
        Asset(
            "leaflet",
            LEAFLET,
            "leaflet.js",
            "js",
            "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
        ),
        Asset(
            "leaflet_css",
            LEAFLET,
            "leaflet.css",
            "css",
            "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css",
        ),
    ],
    MarkerCluster: [
        Asset(
            "markerclusterjs",
            MARKERCLUSTER,
            "leaflet.markercluster.js",
            "js",
            "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.4.1/dist/leaflet.markercluster.js",
        ),
        Asset(
            "markerclustercss",
            MARKERCLUSTER,
            "MarkerCluster.css",
            "css",
            "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.4.1/dist/MarkerCluster.css",
        ),
        Asset(
            "markerclusterdefaultcss",
            MARKERCLUSTER,
            "MarkerCluster.Default.css",
            "css",
            "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.4.1/dist/"
            "MarkerCluster.Default.css",
        ),
    ],
}
# Files referenced from the CSS (relative URLs), copied beside it.
EXTRA_FILES = [
    Asset("leaflet_images", LEAFLET, "images", "dir"),
]


def all_assets() -> list[Asset]:
    return [a for assets in CLASS_ASSETS.values() for a in assets] + EXTRA_FILES


def static_dir() -> Path:
    return settings.get().static_dir


def install_static(target: Path | None = None) -> list[Path]:
    """Copy the asset files into the served static folder (idempotent); return what is there."""
    target = target or static_dir()
    written: list[Path] = []
    for asset in all_assets():
        src = asset.source_path()
        dest = target / asset.target
        dest.parent.mkdir(parents=True, exist_ok=True)
        if asset.kind == "dir":
            shutil.copytree(src, dest, dirs_exist_ok=True)
        elif not dest.exists() or dest.stat().st_size != src.stat().st_size:
            shutil.copyfile(src, dest)
        written.append(dest)
    return written


def localize(fmap: _E, base_url: str = STATIC_URL) -> _E:
    """Point the asset links of this map and of its elements (the marker cluster) at the
    self-hosted files. The links are set on each element (new lists: folium mutates them in
    place), never on folium's classes, so other maps in the process are left as they are."""
    from folium.elements import JSCSSMixin

    def walk(element: object) -> None:
        if isinstance(element, JSCSSMixin):
            for cls, assets in CLASS_ASSETS.items():
                if isinstance(element, cls):
                    element.default_js = [
                        (a.name, f"{base_url}/{a.target}") for a in assets if a.kind == "js"
                    ]
                    element.default_css = [
                        (a.name, f"{base_url}/{a.target}") for a in assets if a.kind == "css"
                    ]
                    break
        for child in getattr(element, "_children", {}).values():
            walk(child)

    walk(fmap)
    return fmap


def asset_urls(fmap: folium.Map) -> list[str]:
    """Every JS/CSS link the rendered map will request (for checks and reports)."""
    from folium.elements import JSCSSMixin

    urls: list[str] = []

    def walk(element: object) -> None:
        if isinstance(element, JSCSSMixin):
            urls.extend(u for _, u in getattr(element, "default_js", []))
            urls.extend(u for _, u in getattr(element, "default_css", []))
        for child in getattr(element, "_children", {}).values():
            walk(child)

    walk(fmap)
    return list(dict.fromkeys(urls))


def inline_assets(html: str, base_url: str = STATIC_URL) -> str:
    """Replace <script src>/<link href> to the self-hosted files by the files' contents.

    Leaflet's CSS refers to a few images (layer-control icons): they become data: URLs.
    """
    for asset in all_assets():
        if asset.kind == "dir":
            continue
        url = f"{base_url}/{asset.target}"
        content = asset.source_path().read_text(encoding="utf-8")
        if asset.kind == "js":
            tag = f'<script src="{url}"></script>'
            body = content.replace("</script", "<\\/script")
            html = html.replace(tag, f"<script>{body}</script>")
        else:
            tag = f'<link rel="stylesheet" href="{url}"/>'
            body = _inline_images(content, asset).replace("</style", "<\\/style")
            html = html.replace(tag, f"<style>{body}</style>")
    return html


def _inline_images(css: str, asset: Asset) -> str:
    import base64
    import re

    folder = asset.source_path().parent

    def repl(match: re.Match[str]) -> str:
        rel = match.group(1)
        path = folder / rel
        if not path.is_file() or path.suffix.lower() not in (".png", ".svg"):
            return match.group(0)
        mime = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:{mime};base64,{data})"

    return re.sub(r"url\(\s*['\"]?(images/[^'\")]+)['\"]?\s*\)", repl, css)


def cdn_assets(html: str, base_url: str = STATIC_URL) -> str:
    """Point a standalone page's self-hosted URLs at the same versions on a public CDN."""
    for asset in all_assets():
        if asset.cdn:
            html = html.replace(f"{base_url}/{asset.target}", asset.cdn)
    return html
