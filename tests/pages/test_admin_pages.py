"""管理: the administrator's console — decision tables (edit, check and dry-run, save, activate,
roll back) and the working calendar (missing years, year files refused by line)."""

from __future__ import annotations

import html
import io
import json
import re
from datetime import datetime

from engine.rules import tables
from engine.time.clock import BEIJING
from tests.e2e.test_rules_admin import EXAMPLES, ROUTING, landscaping_takes_garbage, suggestion
from tests.factories import act, report

TABLE = "/admin/tables/dispatch_routing"


def textarea(page: str, name: str) -> str:
    found = re.search(rf'<textarea[^>]* name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, f"no textarea {name}"
    return html.unescape(found.group(1))


def active_version(deps) -> int:
    return next(v["version"] for v in tables.list_versions(deps, "dispatch_routing") if v["status"] == "active")


def test_only_administrators_may_open_the_console(pages):
    assert pages.get("/admin/").status_code == 302  # strangers sign in first
    pages.login("shift_leader")
    for path in ("/admin/", TABLE, "/admin/calendar"):
        assert pages.get(path).status_code == 403, path
    res = pages.post(f"{TABLE}/versions/1/activate", {}, token_from="/cases")
    assert res.status_code == 403
    assert ">管理</a>" not in pages.get("/cases").get_data(as_text=True)


def test_the_table_page_draws_the_active_table_with_dmn_js(pages):
    pages.login("admin")
    assert ">管理</a>" in pages.get("/cases").get_data(as_text=True)
    res = pages.get(TABLE)
    page = res.get_data(as_text=True)
    assert res.status_code == 200
    assert textarea(page, "dmn") == ROUTING  # the active version's XML, exactly, for the modeler to open
    assert json.loads(textarea(page, "examples")) == EXAMPLES
    assert "vendor/dmn-js/dmn-modeler.production.min.js" in page and "js/dmn-editor.js" in page
    assert "vendor/dmn-js/assets/dmn-js-decision-table.css" in page
    assert "校验并试运行" in page and "保存为新版本" in page and "派遣路由" in page
    assert 'data-version="1"' in page and "启用中" in page and "操作记录" in page


def test_a_refused_table_is_shown_with_its_rule_number_and_nothing_is_stored(pages, deps):
    pages.login("admin")
    xml, _ = landscaping_takes_garbage()  # the examples still expect sanitation: they fail at rule 24
    res = pages.post(f"{TABLE}/versions", {"dmn": xml, "examples": json.dumps(EXAMPLES), "days": "30"},
                     token_from=TABLE)
    page = res.get_data(as_text=True)
    assert res.status_code == 422
    assert "未通过校验" in page and "规则 24" in page and "示例" in page
    assert textarea(page, "dmn") == xml  # the edit is kept to correct it
    assert [v["version"] for v in tables.list_versions(deps, "dispatch_routing")] == [1]

    overlapping = ROUTING.replace('<inputEntry id="rule_24_in_5"><text>? != "A"</text></inputEntry>',
                                  '<inputEntry id="rule_24_in_5"><text>-</text></inputEntry>')
    res = pages.post(f"{TABLE}/check", {"dmn": overlapping, "examples": "[]"}, token_from=TABLE)
    page = res.get_data(as_text=True)
    assert res.status_code == 422 and "规则 24" in page and "overlap" in page

    res = pages.post(f"{TABLE}/check", {"dmn": ROUTING, "examples": "[{"}, token_from=TABLE)
    assert res.status_code == 422 and "示例不是有效的 JSON" in res.get_data(as_text=True)


def test_an_edited_table_is_dry_run_saved_activated_and_decides_the_next_dispatch(pages, deps):
    running = report(deps).case_no
    act(deps, running, "register", {"decision": "file"})
    pages.login("admin")
    xml, examples = landscaping_takes_garbage()
    form = {"dmn": xml, "examples": json.dumps(examples, ensure_ascii=False), "days": "30", "note": "园林接管暴露垃圾"}

    res = pages.post(f"{TABLE}/check", form, token_from=TABLE)
    page = res.get_data(as_text=True)
    assert res.status_code == 200 and "校验通过" in page
    assert "近 30 天的 1 件案件中有 1 件的判定结果会改变" in page
    assert running in page and "landscaping_650102" in page and "sanitation_650102" in page
    assert [v["version"] for v in tables.list_versions(deps, "dispatch_routing")] == [1]  # a dry run stores nothing

    res = pages.post(f"{TABLE}/versions", form, token_from=TABLE)
    assert res.status_code == 303 and res.headers["Location"].endswith(f"{TABLE}?version=2#versions")
    page = pages.get(f"{TABLE}?version=2").get_data(as_text=True)
    assert "已保存为第 2 版（草稿）" in page and "编辑器中：第 2 版" in page and "园林接管暴露垃圾" in page
    assert textarea(page, "dmn") == xml and active_version(deps) == 1

    res = pages.post(f"{TABLE}/versions/2/activate", {}, token_from=TABLE)
    assert res.status_code == 303
    page = pages.get(TABLE).get_data(as_text=True)
    assert "第 2 版已启用" in page and active_version(deps) == 2

    act(deps, running, "file", {"decision": "file"})
    routed = suggestion(deps, running)
    assert (routed["department_code"], routed["version"], routed["rule"]) == ("landscaping_650102", 2, 24)

    # 回滚: version 1 again, from its row in the versions list
    assert f'action="{TABLE}/versions/1/rollback"' in page
    res = pages.post(f"{TABLE}/versions/1/rollback", {}, token_from=TABLE)
    assert res.status_code == 303 and active_version(deps) == 1
    page = pages.get(TABLE).get_data(as_text=True)
    assert "第 1 版已启用" in page and f'action="{TABLE}/versions/2/rollback"' in page
    actions = [h["action"] for h in tables.history(deps, "dispatch_routing")]
    assert actions[-4:] == ["dry_run", "upload", "activate", "rollback"]
    assert "回滚" in page and "试运行" in page


def test_calendar_warns_about_a_missing_year_refuses_bad_lines_and_loads_a_good_file(pages, clock):
    clock.set(datetime(2026, 12, 1, 10, tzinfo=BEIJING))  # 2027 is near and nobody knows its holidays yet
    pages.login("admin")
    warning = "2027 年节假日安排尚未导入，截止时间仅按周末计算（暂定）"
    page = pages.get("/admin/calendar").get_data(as_text=True)
    assert warning in page and 'value="2027"' in page
    assert warning in pages.get("/admin/").get_data(as_text=True)

    bad = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n2027-02-07,rest,调休\n"
    res = pages.post("/admin/calendar/years", {"year": "2027", "text": bad}, token_from="/admin/calendar")
    page = res.get_data(as_text=True)
    assert res.status_code == 422 and "第 3 行" in page and "第 4 行" in page and "第 2 行" not in page
    assert "2027-02-30,holiday,春节" in page and warning in page

    good = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,holiday,春节\n2027-02-14,workday,春节调休上班\n"
    res = pages.post("/admin/calendar/years", {"year": "2027", "text": good}, token_from="/admin/calendar")
    assert res.status_code == 303
    page = pages.get("/admin/calendar").get_data(as_text=True)
    assert "已导入 2027 年：2 个节假日，1 个调休上班日" in page and warning not in page
    assert "<td data-label=\"年度\">2027</td>" in page

    res = pages.post("/admin/calendar/local-days", {"text": "2027-03-20,holiday,肉孜节\nnot a date,holiday,x\n"},
                     token_from="/admin/calendar")
    assert res.status_code == 422 and "第 2 行" in res.get_data(as_text=True)
    res = pages.post("/admin/calendar/local-days", {"text": "2027-03-20,holiday,肉孜节\n"},
                     token_from="/admin/calendar")
    assert res.status_code == 303
    page = pages.get("/admin/calendar").get_data(as_text=True)
    assert "已保存 1 个本地节假日" in page and "肉孜节" in page


def test_checking_a_limits_table_shows_what_it_would_have_done_to_the_on_time_rates(pages, deps, clock):
    from tests.integration.test_whatif import beijing, candidate, handled_at

    handled_at(deps, clock, beijing(2026, 3, 10, 18, 0))
    clock.set(beijing(2026, 3, 12, 10, 0))
    xml, examples = candidate()
    pages.login("admin")
    url = "/admin/tables/time_limits"
    res = pages.post(f"{url}/check", {"dmn": xml, "examples": json.dumps(examples, ensure_ascii=False), "days": "7"},
                     token_from=url)
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and 'id="what-if"' in html
    assert "100.0% → 75.0%" in html  # 3 of 4 stage tasks stay on time; the handling becomes late
    stage_table = html[html.index("what-if-stage"):html.index("</table>", html.index("what-if-stage"))]
    assert "处置" in stage_table and "0.0%" in stage_table
    chart = json.loads(html[html.index('id="what-if-data">') + len('id="what-if-data">'):].split("</script>")[0])
    assert dict(zip(chart["stages"], chart["after"], strict=True))["处置"] == 0.0  # the chart draws the table's numbers


def test_the_what_if_of_a_limits_table_exports_to_excel(pages, deps, clock):
    from openpyxl import load_workbook

    from tests.integration.test_whatif import beijing, candidate, handled_at

    case_no = handled_at(deps, clock, beijing(2026, 3, 10, 18, 0))
    clock.set(beijing(2026, 3, 12, 10, 0))
    xml, examples = candidate()
    pages.login("admin")
    url = "/admin/tables/time_limits"
    res = pages.post(f"{url}/what-if.xlsx", {"dmn": xml, "examples": json.dumps(examples, ensure_ascii=False),
                                              "days": "7"}, token_from=url)
    assert res.status_code == 200 and res.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(res.data))
    assert book.sheetnames == ["推演概要", "环节", "处置部门", "区县", "结论改变的任务"]
    summary = {row[0]: row[1] for row in book["推演概要"].iter_rows(min_row=2, values_only=True)}
    assert (summary["阶段任务数"], summary["结论改变数"]) == (4, 1)
    assert (summary["原按期率"], summary["对照的启用版本"]) == (1.0, 1)
    stages = {row[0]: row[1:] for row in book["环节"].iter_rows(min_row=2, values_only=True)}
    assert stages["处置"] == (1, 1.0, 0.0)
    changed = list(book["结论改变的任务"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[5], r[6]) for r in changed] == [(case_no, "处置", "是", "否")]
    bad = pages.post(f"{url}/what-if.xlsx", {"dmn": xml, "examples": "[", "days": "7"}, token_from=url)
    assert bad.status_code == 422 and "第 1 行" in bad.get_data(as_text=True)


def test_an_administrator_sees_versions_and_migrates_running_cases_from_the_console(pages, deps, tmp_path):
    from tests.integration.test_migration import RENAME_HANDLE, deploy_edited, to_handle, version_of

    case_no = report(deps).case_no
    to_handle(deps, case_no)
    deploy_edited(deps, tmp_path, RENAME_HANDLE)
    pages.login("admin")
    url = "/admin/processes/case_lifecycle"
    html = pages.get(url).get_data(as_text=True)
    assert "v2" in html and "v1" in html and 'id="migrate"' in html
    assert f'href="{url}"' in pages.get("/admin/").get_data(as_text=True)  # a tab per process
    dry = pages.post(f"{url}/migrations", {"to_version": "2", "action": "dry_run"}, token_from=url)
    text = dry.get_data(as_text=True)
    assert dry.status_code == 200 and case_no in text and "可迁移" in text and version_of(deps, case_no) == 1
    done = pages.post(f"{url}/migrations", {"to_version": "2", "action": "migrate"}, token_from=url)
    assert "已迁移" in done.get_data(as_text=True) and version_of(deps, case_no) == 2
    assert pages.get("/admin/processes/no_such_process").status_code == 404
    pages.login("shift_leader")
    assert pages.get(url).status_code in (302, 403)
