"""Build small DMN 1.3 tables for the tests, in the shape dmn-js writes."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
Row = tuple[Sequence[str], Sequence[str]]  # (input cells, output cells); "-" means any


def make_dmn(rules: Sequence[Row], *, inputs: Sequence[str] = ("kind", "minor_code", "district_code"),
             outputs: Sequence[str] = ("department_code",), hit_policy: str = "UNIQUE",
             namespace: str = NS, decision_id: str = "route") -> str:
    """A one-decision table; rule n's cells get ids r<n>_i<k> / r<n>_o<k>."""
    lines = [f'<definitions xmlns="{namespace}" id="defs" name="test" namespace="urn:test">',
             f'  <decision id="{decision_id}" name="Route">',
             "    <description>test table</description>",
             f'    <decisionTable id="table" hitPolicy="{hit_policy}">']
    for name in inputs:
        lines.append(f'      <input id="in_{name}" label="{name}"><inputExpression id="ie_{name}" '
                     f'typeRef="string"><text>{escape(name)}</text></inputExpression></input>')
    lines += [f'      <output id="out_{name}" label="{name}" name="{name}" typeRef="string"/>' for name in outputs]
    for number, (cells_in, cells_out) in enumerate(rules, 1):
        lines.append(f'      <rule id="r{number}"><description>rule {number}</description>')
        lines += [f'        <inputEntry id="r{number}_i{k}"><text>{escape(c)}</text></inputEntry>'
                  for k, c in enumerate(cells_in)]
        lines += [f'        <outputEntry id="r{number}_o{k}"><text>{escape(c)}</text></outputEntry>'
                  for k, c in enumerate(cells_out)]
        lines.append("      </rule>")
    lines += ["    </decisionTable>", "  </decision>", "</definitions>"]
    return "\n".join(lines)


ROUTING: list[Row] = [
    (['"component"', '"0101"', "-"], ['"water"']),
    (['"component"', '?.startswith("02")', "-"], ['"roads"']),
    (['"incident"', '? in ("0102", "0103")', '? != "650107"'], ['"sanitation_" + district_code']),
    (["-", "-", "-"], ['"municipal"']),
]
