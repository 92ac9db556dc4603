"""The README documents every process a report can start, with a picture of its diagram."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}


def startable_processes() -> set[str]:
    keys = set()
    for path in (ROOT / "workflows").glob("*.bpmn"):
        root = etree.parse(str(path)).getroot()
        for process in root.iterfind("bpmn:process", NS):
            own = process.find("bpmn:extensionElements/spiffworkflow:properties", NS)
            names = {p.get("name") for p in own.iterfind("spiffworkflow:property", NS)} if own is not None else set()
            if "startRoles" in names:
                keys.add(process.get("id"))
    return keys


def test_every_startable_process_has_its_picture_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pictured = set(re.findall(r"!\[[^\]]*\]\(docs/processes/([a-z_]+)\.png\)", readme))
    keys = startable_processes()
    assert len(keys) >= 3
    assert keys <= pictured
    for key in keys:
        picture = ROOT / "docs" / "processes" / f"{key}.png"
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", key
        assert picture.stat().st_size > 10_000, key
