"""bpmn-js draws our BPMN files: the laid-out sample and an existing workflow render to real PNGs.

The README pictures come from scripts/render_bpmn.py; this proves the generated diagram imports
into bpmn-js without warnings and that the picture is not an empty canvas.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_bpmn_tools import ROOT, SAMPLE, load_script

pytestmark = pytest.mark.browser


def dark_pixel_share(png: Path) -> float:
    """Share of non-white pixels, read with zlib alone (no imaging library in the project)."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert depth == 8 and colour in (2, 6)
    chunks, pos = b"", 8
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        if kind == b"IDAT":
            chunks += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw, bpp = zlib.decompress(chunks), 3 if colour == 2 else 4
    stride, rows, prev = width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(line)
        prev = line
    dark = sum(1 for line in rows[::4] for i in range(0, stride, bpp * 4) if line[i] < 128)
    return dark / (len(rows[::4]) * len(range(0, stride, bpp * 4)))


@pytest.mark.parametrize("name", ["layout_sample", "district_command"])
def test_render_to_png(browser: Any, tmp_path: Path, name: str) -> None:
    render = load_script("render_bpmn")
    if name == "layout_sample":
        source = tmp_path / "layout_sample.bpmn"
        source.write_text(SAMPLE, encoding="utf-8")
        assert load_script("bpmn_layout").main([str(source)]) == 0
    else:
        source = ROOT / "workflows" / f"{name}.bpmn"
    out = render.render(browser, source, tmp_path / f"{name}.png", width=1400)
    assert out.stat().st_size > 5000
    assert 0.002 < dark_pixel_share(out) < 0.5


def test_import_warnings_fail_the_render(browser: Any, tmp_path: Path) -> None:
    render = load_script("render_bpmn")
    broken = tmp_path / "broken.bpmn"
    broken.write_text(SAMPLE.replace('<bpmn:outgoing>f_start</bpmn:outgoing>\n    </bpmn:startEvent>',
                                     '<bpmn:outgoing>f_start</bpmn:outgoing>\n'
                                     '      <bpmn:messageEventDefinition messageRef="nowhere" />\n'
                                     '    </bpmn:startEvent>'), encoding="utf-8")
    assert "nowhere" in broken.read_text(encoding="utf-8")
    assert load_script("bpmn_layout").main([str(broken)]) == 0
    with pytest.raises(render.RenderError, match="unresolved reference <nowhere>"):
        render.render(browser, broken, tmp_path / "broken.png")


def test_a_multi_instance_loop_over_a_task_data_variable_renders(browser: Any, tmp_path: Path) -> None:
    """SpiffWorkflow names the collection by its variable; bpmn-js's unresolved reference to it is expected."""
    render = load_script("render_bpmn")
    source = tmp_path / "loop.bpmn"
    source.write_text(SAMPLE.replace('<bpmn:loopCardinality>3</bpmn:loopCardinality>',
                                     '<bpmn:loopDataInputRef>assisting</bpmn:loopDataInputRef>'), encoding="utf-8")
    assert "assisting" in source.read_text(encoding="utf-8")
    assert load_script("bpmn_layout").main([str(source)]) == 0
    assert render.render(browser, source, tmp_path / "loop.png").stat().st_size > 1000
