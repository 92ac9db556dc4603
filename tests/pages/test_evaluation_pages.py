"""Leaders' evaluation pages: the ranking table, the cases behind a figure, the Excel export whose
numbers equal the page (and the API), and publishing a month."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import Api
from tests.evaluation_data import case_no, load_month


@pytest.fixture
def month(deps, clock):  # type: ignore[no-untyped-def]
    return load_month(deps, clock)


def test_the_district_ranking_shows_the_table_and_links_each_figure(pages, month):
    pages.login("leader")
    html = pages.get("/evaluation/district?period=2026-03").get_data(as_text=True)
    assert "综合评价" in html and "按期结案率" in html and "echarts.min.js" in html
    assert re.search(r'data-code="650102">\s*<td[^>]*>1</td>\s*<td[^>]*>天山区</td>', html)
    assert "71.50" in html and "35.50" in html
    assert "/evaluation/district/drill?" in html and "figure=on_time_close_rate" in html
    assert "60.00%" in html and "3/5" in html


def test_the_cases_behind_a_figure_with_their_reasons(pages, month):
    pages.login("leader")
    html = pages.get("/evaluation/district/drill?period=2026-03&code=650102&figure=on_time_close_rate") \
        .get_data(as_text=True)
    assert "5 件中 3 件计入" in html
    for name in ("c1", "c2", "c3", "c4", "c9"):
        assert case_no(name) in html
    assert "超期（处置晚于处置时限）" in html and "期末未结且已超期" in html


def test_the_excel_export_equals_the_page_and_the_api(pages, client, month):
    api = Api(client)
    pages.login("leader")
    res = pages.get("/evaluation/department/export.xlsx?period=2026-03")
    assert res.status_code == 200 and res.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(res.data)).worksheets[0]
    header = [c.value for c in sheet[1]]
    by_code = {row[1]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    body = api.get("/api/v1/evaluation/department?period=2026-03", "leader").get_json()
    for row in body["rows"]:
        line = by_code[row["code"]]
        assert (line["排名"], line["综合指标值"], line["等级"]) == (row["rank"], row["composite"], row["grade"])
        assert line["按期处置率"] == row["indicators"]["on_time_handle_rate"]["value"]
    html = pages.get("/evaluation/department?period=2026-03").get_data(as_text=True)
    assert f"{by_code['water']['综合指标值']:.2f}" in html  # 55.00 on both


def test_a_leader_publishes_march_and_the_recomputation_agrees(pages, month):
    pages.login("leader")
    res = pages.post("/evaluation/publish", {"period": "2026-03", "plan": "standard"},
                     token_from="/evaluation/district?period=2026-03", follow_redirects=True)
    html = res.get_data(as_text=True)
    assert "2026-03 已发布" in html and "重新计算：与发布的数字相同" in html


def test_the_pages_are_for_the_centre(pages, month):
    pages.login("inspector_650102_01")
    assert pages.get("/evaluation/district?period=2026-03").status_code == 403


def test_the_trend_of_the_leading_districts(pages, month):
    pages.login("leader")
    trend = pages.get("/evaluation/district/trend.json?period=2026-03").get_json()
    assert trend["periods"] == ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    series = {s["code"]: s["values"] for s in trend["series"]}
    assert series["650102"][-1] == 71.5 and series["650103"][-1] == 35.5
    assert series["650102"][:5] == [None] * 5  # 天山区 had nothing to close before March


def test_decision_support_and_integrity_pages(pages, month):
    pages.login("leader")
    html = pages.get("/evaluation/decisions?period=2026-03").get_data(as_text=True)
    assert "热点" in html and "反复发生" in html and "EV0001" in html and "网格01" in html
    html = pages.get("/evaluation/integrity?period=2026-03").get_data(as_text=True)
    assert "多个案件重复使用的照片" in html and "处置后几分钟即核查" in html


def test_the_district_map_has_each_outline_and_its_value(pages, month):
    pages.login("leader")
    m = pages.get("/evaluation/district/map.json?period=2026-03&figure=on_time_close_rate").get_json()
    assert {f["properties"]["code"] for f in m["geojson"]["features"]} == {"650102", "650103"}
    assert {v["code"]: v["value"] for v in m["values"]} == {"650102": 60.0, "650103": 0.0}
    assert pages.get("/evaluation/grid/map.json?period=2026-03").status_code == 404


def test_the_integrity_page_shows_a_signal_with_its_evidence(pages, month, deps):
    from datetime import datetime

    from engine.time.clock import BEIJING
    from tests.evaluation_data import add_case

    for n in range(10):  # ten reports on the last day of March
        add_case(deps, f"LATE-{n}", grid="65010200100101", source="inspector", by="inspector_650102_01",
                 status="register", reported=datetime(2026, 3, 31, 9, n, tzinfo=BEIJING))
    pages.login("leader")
    html = pages.get("/evaluation/integrity?period=2026-03").get_data(as_text=True)
    # with c1 c3 c5 c9 earlier in March: 10 of 14 in the last two of 31 days
    assert "inspector_650102_01" in html and "14 件上报中 10 件在最后 2 天（71.43%，按天数应为 6.45%）" in html
