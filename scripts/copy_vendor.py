"""Copy the prebuilt browser bundles of the npm packages into web/static/vendor/.

No bundler and no CDN: city networks are often closed, so pages load these files from szcg
itself. Run by `make` after `npm ci`; the target folder is not committed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "web" / "static" / "vendor"

# package → files or folders inside node_modules/<package>/ to copy (keeping relative paths)
BUNDLES = {
    "leaflet": ["dist/leaflet.js", "dist/leaflet.css", "dist/images"],
    "dmn-js": ["dist/dmn-modeler.production.min.js", "dist/dmn-viewer.production.min.js", "dist/assets"],
    "bpmn-js": ["dist/bpmn-viewer.production.min.js", "dist/bpmn-modeler.production.min.js", "dist/assets"],
    "swagger-ui-dist": ["swagger-ui-bundle.js", "swagger-ui.css"],  # the API docs page (/api/v1/docs)
    "echarts": ["dist/echarts.min.js"],
    "leaflet.markercluster": ["dist/leaflet.markercluster.js", "dist/MarkerCluster.css", "dist/MarkerCluster.Default.css"],
}


def main() -> None:
    for package, entries in BUNDLES.items():
        for entry in entries:
            source = NODE / package / entry
            if not source.exists():
                raise SystemExit(f"missing {source}: run `npm ci` first")
            relative = Path(entry)
            target = VENDOR / package / (relative.relative_to("dist") if relative.parts[0] == "dist" else relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True)
            else:
                shutil.copy2(source, target)
    print(f"vendor bundles copied to {VENDOR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
