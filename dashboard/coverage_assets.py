"""Offline map assets: Leaflet from the npm registry, unpacked under dashboard/static/.

The map (folium through streamlit-folium) needs Leaflet's script, stylesheet and marker
images in the browser. Nothing is loaded from a CDN: ``python -m dashboard.coverage_assets``
(a Makefile install step) runs ``npm pack leaflet@<version>`` — the ordinary npm client,
which checks the registry's integrity hash — and copies ``dist/`` to
``dashboard/static/vendor/leaflet/``, served by Streamlit at ``/app/static/vendor/leaflet/``.
The files are third-party code fetched at install time and are not committed.

No streamlit import: the map builders and the install step use this module.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_URL = "/app/static"
LEAFLET_VERSION = "1.9.4"
LEAFLET_INTEGRITY = ("sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3X"
                     "nWyZAxwQixURb+FA74PA==")
LEAFLET_DIR = STATIC_DIR / "vendor" / "leaflet"
#: files of the npm package copied (package path → path under LEAFLET_DIR)
LEAFLET_FILES = {
    "package/dist/leaflet.js": "leaflet.js",
    "package/dist/leaflet.css": "leaflet.css",
    "package/dist/images/layers.png": "images/layers.png",
    "package/dist/images/layers-2x.png": "images/layers-2x.png",
    "package/dist/images/marker-icon.png": "images/marker-icon.png",
    "package/dist/images/marker-icon-2x.png": "images/marker-icon-2x.png",
    "package/dist/images/marker-shadow.png": "images/marker-shadow.png",
    "package/LICENSE": "LICENSE",
}
#: the app's own stylesheet for the map (committed, written by us)
COVERAGE_CSS = STATIC_DIR / "coverage" / "coverage_map.css"

LEAFLET_JS_URL = f"{STATIC_URL}/vendor/leaflet/leaflet.js"
LEAFLET_CSS_URL = f"{STATIC_URL}/vendor/leaflet/leaflet.css"
COVERAGE_CSS_URL = f"{STATIC_URL}/coverage/coverage_map.css"


def missing_assets() -> list[str]:
    """Asset files the map needs that are not on disk (empty when all are there)."""
    wanted = [LEAFLET_DIR / name for name in LEAFLET_FILES.values()] + [COVERAGE_CSS]
    return [str(path.relative_to(STATIC_DIR)) for path in wanted if not path.exists()]


def install_leaflet(force: bool = False) -> bool:
    """Unpack Leaflet from the npm registry into LEAFLET_DIR; False when already there."""
    if not force and all((LEAFLET_DIR / name).exists() for name in LEAFLET_FILES.values()):
        return False
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is missing (apt-get install npm): it fetches Leaflet for the "
                           "offline map")
    with tempfile.TemporaryDirectory() as work:
        result = subprocess.run(
            [npm, "pack", f"leaflet@{LEAFLET_VERSION}", "--json", "--pack-destination", work],
            cwd=work, check=True, capture_output=True, text=True)
        info = json.loads(result.stdout)[0]
        if info.get("integrity") != LEAFLET_INTEGRITY:
            raise RuntimeError(f"leaflet {LEAFLET_VERSION}: unexpected integrity "
                               f"{info.get('integrity')}")
        archive = Path(work) / info["filename"]
        with tarfile.open(archive, "r:gz") as tar:
            for member_name, target in LEAFLET_FILES.items():
                member = tar.extractfile(member_name)
                if member is None:
                    raise RuntimeError(f"{member_name} missing from the leaflet package")
                path = LEAFLET_DIR / target
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(io.BytesIO(member.read()).getvalue())
    return True


def main(argv: list[str] | None = None) -> int:
    force = "--force" in (argv if argv is not None else sys.argv[1:])
    installed = install_leaflet(force=force)
    print(f"leaflet {LEAFLET_VERSION}: "
          + ("installed" if installed else "already there") + f" in {LEAFLET_DIR}")
    missing = missing_assets()
    if missing:
        print("still missing: " + ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
