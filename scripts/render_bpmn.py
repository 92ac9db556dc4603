"""Render a BPMN file to PNG with bpmn-js's viewer in headless Chromium.

The README's process pictures must be what designers see in bpmn.io, so we draw them with the
same bpmn-js bundle the app ships (node_modules, installed by `make assets`) rather than with a
renderer of our own. Import warnings fail the run: a warning means the picture is incomplete —
with one exception: SpiffWorkflow reads a multi-instance ``loopDataInputRef`` as the name of a
task-data variable (``assisting``), where BPMN expects an element id, so bpmn-js reports that name
as an unresolved reference. Such a warning is ignored for exactly the names the file uses that way.

    python scripts/render_bpmn.py FILE.bpmn OUT.png [--width 1800]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BPMN_JS = ROOT / "node_modules" / "bpmn-js" / "dist"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MARGIN = 40

PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
{css}
<style>
  html, body {{ margin: 0; background: #fff; }}
  #canvas {{ width: 100vw; height: 100vh; }}
  .djs-container {{ font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif; }}
  .djs-container text {{ font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif !important; }}
</style>
<script src="{viewer}"></script>
</head><body><div id="canvas"></div>
<script>
  window.renderBpmn = async function (xml) {{
    const viewer = new BpmnJS({{ container: '#canvas' }});
    window.viewer = viewer;
    try {{
      const result = await viewer.importXML(xml);
      const inner = viewer.get('canvas').viewbox().inner;
      return {{ warnings: result.warnings.map(w => w.message), width: inner.width, height: inner.height }};
    }} catch (err) {{
      return {{ error: String(err.message || err), warnings: (err.warnings || []).map(w => w.message) }};
    }}
  }};
  // fit-viewport first (it also updates the cached size), then the same fit with a margin
  window.fit = function (margin) {{
    const canvas = window.viewer.get('canvas');
    canvas.resized();
    canvas.zoom('fit-viewport', 'auto');
    const inner = canvas.viewbox().inner, W = window.innerWidth, H = window.innerHeight;
    const scale = Math.min(1, (W - 2 * margin) / inner.width, (H - 2 * margin) / inner.height);
    canvas.viewbox({{ x: inner.x - (W / scale - inner.width) / 2, y: inner.y - (H / scale - inner.height) / 2,
                      width: W / scale, height: H / scale }});
  }};
</script></body></html>
"""


class RenderError(RuntimeError):
    """bpmn-js could not import the file cleanly."""


def page_html() -> str:
    viewer = BPMN_JS / "bpmn-viewer.production.min.js"
    if not viewer.exists():
        raise RenderError(f"missing {viewer}: run `make assets` first")
    css = "\n".join(f'<link rel="stylesheet" href="{p.as_uri()}">'
                    for p in sorted((BPMN_JS / "assets").glob("*.css")))
    return PAGE.format(css=css, viewer=viewer.as_uri())


def render(browser: Any, source: Path, out: Path, width: int = 1800) -> Path:
    """Draw ``source`` into ``out`` with a page already-launched ``browser`` opens; raise on warnings."""
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "render.html"
        html.write_text(page_html(), encoding="utf-8")
        page = browser.new_page(viewport={"width": width, "height": 800})
        try:
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(html.as_uri())
            result = page.evaluate("xml => window.renderBpmn(xml)", source.read_text(encoding="utf-8"))
            check(source, result, errors)
            # fit-viewport never zooms in past 1:1, so the picture is as tall as the scaled diagram
            scale = min(1.0, (width - 2 * MARGIN) / max(result["width"], 1))
            height = int(result["height"] * scale) + 2 * MARGIN
            tight = min(width, int(result["width"] * scale) + 2 * MARGIN)
            page.set_viewport_size({"width": tight, "height": max(height, 120)})
            page.evaluate("m => window.fit(m)", MARGIN)
            page.evaluate("() => document.fonts.ready.then(() => new Promise(requestAnimationFrame))")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
        finally:
            page.close()
    return out


def loop_variables(xml: str) -> set[str]:
    """The task-data names a file's multi-instance loops read or write (SpiffWorkflow's convention)."""
    from lxml import etree

    root = etree.fromstring(xml.encode("utf-8"))
    refs = root.iterfind(".//{*}multiInstanceLoopCharacteristics/{*}loopDataInputRef")
    outs = root.iterfind(".//{*}multiInstanceLoopCharacteristics/{*}loopDataOutputRef")
    return {(ref.text or "").strip() for ref in (*refs, *outs)} - {""}


def check(source: Path, result: dict[str, Any], errors: list[str]) -> None:
    allowed = {f"unresolved reference <{name}>" for name in loop_variables(source.read_text(encoding="utf-8"))}
    warnings = [w for w in result.get("warnings", []) if w not in allowed]
    problems = ([result["error"]] if result.get("error") else []) + warnings + errors
    if problems:
        raise RenderError(f"{source}: bpmn-js import failed:\n  " + "\n  ".join(problems))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--width", type=int, default=1800)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            render(browser, args.file, args.out, args.width)
        except RenderError as exc:
            print(exc, file=sys.stderr)
            return 1
        finally:
            browser.close()
    print(json.dumps({"png": str(args.out)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
