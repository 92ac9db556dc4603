"""The task page: the form drawn from its JSON form, Chinese messages, moving on, conflicts."""

from __future__ import annotations

import io
import re

from engine.cases import attachments
from engine.people.accounts import Grant, add_user
from tests.factories import act, actor, open_task, report, taker
from tests.pages.conftest import jpeg


def test_the_form_is_drawn_from_the_json_form(pages, deps):
    made = report(deps)
    pages.login("operator")
    html = pages.get(f"/tasks/{open_task(deps, made.case_no).id}").get_data(as_text=True)
    assert 'type="radio" name="decision" value="verify"' in html and "派核实" in html
    assert '<textarea id="f-void_reason" name="void_reason"' in html and 'maxlength="500"' in html
    assert "暴露垃圾" in html and made.case_no in html and "data-map=" in html


def test_the_department_picker_lists_departments_by_district(pages, deps):
    made = report(deps)
    act(deps, made.case_no, "register", {"decision": "file"})
    act(deps, made.case_no, "file", {"decision": "file"})
    task = open_task(deps, made.case_no)
    pages.login(taker(deps, task))
    html = pages.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'class="department-picker"' in html and '<optgroup label="天山区">' in html
    assert '<option value="sanitation_650102"' in html and '<optgroup label="市级部门">' in html


def test_an_invalid_submission_says_what_is_wrong_in_chinese_and_keeps_the_text(pages, deps):
    made = report(deps)
    task_id = open_task(deps, made.case_no).id
    pages.login("operator")
    res = pages.post(f"/tasks/{task_id}", {"decision": "void", "comment": "现场照片不清楚"})
    html = res.get_data(as_text=True)
    assert res.status_code == 422
    assert "此项为必填项" in html and 'id="err-void_reason"' in html
    assert "现场照片不清楚</textarea>" in html and 'value="void" checked' in html
    assert open_task(deps, made.case_no).id == task_id  # nothing changed


def test_too_long_text_gets_its_limit_in_the_message(pages, deps):
    made = report(deps)
    task_id = open_task(deps, made.case_no).id
    pages.login("operator")
    res = pages.post(f"/tasks/{task_id}", {"decision": "file", "comment": "长" * 2001})
    assert res.status_code == 422 and "最多 2000 个字" in res.get_data(as_text=True)


def test_a_valid_submission_moves_the_case_and_opens_the_next_task(pages, deps):
    first, second = report(deps), report(deps)
    pages.login("operator")
    task_id = open_task(deps, first.case_no).id
    res = pages.post(f"/tasks/{task_id}", {"decision": "file"})
    assert res.status_code == 303 and res.headers["Location"] == "/inbox/next"
    nxt = pages.get("/inbox/next")
    assert nxt.headers["Location"].startswith(f"/tasks/{open_task(deps, second.case_no).id}")
    html = pages.get(nxt.headers["Location"]).get_data(as_text=True)
    assert "办理完成" in html and first.case_no in html and "立案" in html
    assert open_task(deps, first.case_no).stage == "file"


def test_the_script_gets_the_next_address_as_json(pages, deps):
    made = report(deps)
    pages.login("operator")
    res = pages.post(f"/tasks/{open_task(deps, made.case_no).id}", {"decision": "file"},
                     headers={"X-Requested-With": "fetch"})
    assert res.status_code == 200 and res.get_json() == {"redirect": "/inbox/next"}


def test_when_the_inbox_is_empty_next_goes_back_to_it(pages, deps):
    pages.login("operator")
    assert pages.get("/inbox/next").headers["Location"] == "/inbox/?done=1"


def test_a_task_completed_meanwhile_by_someone_else_is_said_plainly(pages, deps):
    made = report(deps)
    task_id = open_task(deps, made.case_no).id
    pages.login("operator")
    token = pages.token(f"/tasks/{task_id}")
    with deps.uow(write=True) as uow:
        add_user(uow.session, "operator2", "demo", "受理员小李", [Grant("operator")], now_ts=deps.clock.now())
        uow.commit()
    act(deps, made.case_no, "register", {"decision": "file"}, username="operator2")  # a moment earlier
    res = pages.client.post(f"/tasks/{task_id}", data={"decision": "void", "void_reason": "重复",
                                                       "csrf_token": token})
    assert res.status_code == 409
    assert "此任务刚刚已由他人办理完毕" in res.get_data(as_text=True)


def test_sending_the_same_completion_twice_is_answered_as_done(pages, deps):
    made = report(deps)
    task_id = open_task(deps, made.case_no).id
    pages.login("operator")
    token = pages.token(f"/tasks/{task_id}")
    first = pages.client.post(f"/tasks/{task_id}", data={"decision": "file", "csrf_token": token})
    again = pages.client.post(f"/tasks/{task_id}", data={"decision": "file", "csrf_token": token})
    assert first.status_code == again.status_code == 303
    assert open_task(deps, made.case_no).stage == "file"


def test_another_roles_task_is_not_allowed_and_an_unknown_one_not_found(pages, deps):
    made = report(deps)
    pages.login("dispatcher")
    assert pages.get(f"/tasks/{open_task(deps, made.case_no).id}").status_code == 403
    assert pages.get("/tasks/00000000-0000-0000-0000-000000000000").status_code == 404


def test_handling_with_after_photos_attaches_them_as_after(pages, deps):
    made = report(deps)
    act(deps, made.case_no, "register", {"decision": "file"})
    act(deps, made.case_no, "file", {"decision": "file"})
    act(deps, made.case_no, "dispatch", {"department_code": "sanitation_650102"})
    task_id = open_task(deps, made.case_no).id
    pages.login("sanitation_650102")
    assert "处置后照片" in pages.get(f"/dept/tasks/{task_id}").get_data(as_text=True)
    res = pages.post(f"/dept/tasks/{task_id}", {"outcome": "done", "comment": "已清运",
                                                "photos": (io.BytesIO(jpeg("green")), "after.jpg")},
                     token_from=f"/dept/tasks/{task_id}", content_type="multipart/form-data")
    assert res.status_code == 303 and res.headers["Location"] == "/dept/"
    photos = attachments.list_attachments(deps, actor(deps, "admin"), made.case_no)
    assert [(p.kind, p.stage) for p in photos] == [("after", "handle")]
    assert open_task(deps, made.case_no).stage == "check"


def test_a_bad_photo_refuses_the_submission_and_changes_nothing(pages, deps):
    made = report(deps)
    task_id = open_task(deps, made.case_no).id
    pages.login("operator")
    res = pages.post(f"/tasks/{task_id}", {"decision": "file", "photos": (io.BytesIO(b"%PDF-1.4 not a photo"),
                                                                          "x.jpg")},
                     content_type="multipart/form-data")
    assert res.status_code == 422 and "无法识别该文件" in res.get_data(as_text=True)
    assert open_task(deps, made.case_no).id == task_id


def test_a_completed_task_page_is_read_only(pages, deps):
    made = report(deps)
    task_id = open_task(deps, made.case_no).id
    act(deps, made.case_no, "register", {"decision": "file"})
    pages.login("operator")
    html = pages.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "此任务已办结" in html and not re.search(r'<form method="post" action="/tasks/', html)


def test_the_dispatch_task_preselects_the_routing_suggestion_with_its_rule(pages, deps):
    made = report(deps, category="10101")  # 上水井盖 → water, dispatched by the city command centre
    act(deps, made.case_no, "register", {"decision": "file"})
    act(deps, made.case_no, "file", {"decision": "file"})
    task = open_task(deps, made.case_no)
    pages.login("dispatcher")
    html = pages.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "派遣建议" in html and "第 1 版" in html
    department_select = html.split('name="department_code"')[1].split("</select>")[0]
    assert re.findall(r'value="(\w+)" selected', department_select) == ["water"]
