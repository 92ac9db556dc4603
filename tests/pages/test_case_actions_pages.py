"""The case page's actions: 督办 (urge) by shift leaders and leaders, 转派 (reassign) by the
supervisors of a task's role; the summary's channel, flags, suspension and counts; the
suspended list; notifications with the bell's unread count."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from engine.cases import tasks
from engine.people import notify
from engine.store.models import Case, User
from tests.factories import INSPECTOR, act, actor, open_task, report, straight_through


def to_handle(deps, case_no: str) -> None:
    act(deps, case_no, "register", {"decision": "file"})
    act(deps, case_no, "file", {"decision": "file"})
    act(deps, case_no, "dispatch", {"department_code": "sanitation_650102"})


def flashes(page: str) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+" role="status">(.*?)</p>', page)


def test_a_leader_urges_and_the_department_answers_it_first(pages, deps):
    case_no = report(deps).case_no
    to_handle(deps, case_no)
    pages.login("leader")
    page = pages.get(f"/cases/{case_no}").get_data(as_text=True)
    assert 'id="urge"' in page and 'name="instruction"' in page and "天山区环卫局" in page

    res = pages.post(f"/cases/{case_no}/urge", {"instruction": ""}, token_from=f"/cases/{case_no}")
    assert res.status_code == 303
    assert flashes(pages.get(f"/cases/{case_no}").get_data(as_text=True)) == ["请填写督办意见。"]

    res = pages.post(f"/cases/{case_no}/urge", {"instruction": "请今日内处置完毕"}, token_from=f"/cases/{case_no}")
    assert res.status_code == 303 and res.headers["Location"].endswith(f"/cases/{case_no}#urge")
    page = pages.get(f"/cases/{case_no}").get_data(as_text=True)
    assert flashes(page) == ["已督办：责任部门须优先答复。"]
    assert "请今日内处置完毕" in page  # the timeline shows the instruction
    assert re.search(r"督办 <b>1</b>", page)

    handler = actor(deps, "sanitation_650102")
    assert [t.stage for t in tasks.list_tasks(deps, handler)] == ["answer_urge", "handle"]
    other = report(deps).case_no  # another case of the department, dispatched later
    to_handle(deps, other)
    pages.client.post("/logout", data={"csrf_token": pages.token("/cases")})
    pages.login("sanitation_650102")
    dept = pages.get("/dept/").get_data(as_text=True)
    first = re.search(r'href="/dept/tasks/([^"]+)"', dept).group(1)
    assert tasks.get_task(deps, handler, first)["stage"] == "answer_urge"


def test_urging_a_case_that_is_not_being_handled_is_explained(pages, deps):
    closed = report(deps).case_no
    straight_through(deps, closed)
    waiting = report(deps).case_no
    pages.login("shift_leader")
    assert 'id="urge"' not in pages.get(f"/cases/{closed}").get_data(as_text=True)
    page = pages.get(f"/cases/{waiting}").get_data(as_text=True)
    assert "案件派遣到责任部门后才能督办" in page and 'name="instruction"' not in page
    res = pages.post(f"/cases/{closed}/urge", {"instruction": "再催"}, token_from=f"/cases/{closed}")
    assert res.status_code == 303
    assert flashes(pages.get(f"/cases/{closed}").get_data(as_text=True)) == [
        "该案件当前无法督办：案件不在处置中（尚未派遣，或已办结）。"]


def test_an_operator_gets_no_urge_form_and_may_not_urge(pages, deps):
    case_no = report(deps).case_no
    to_handle(deps, case_no)
    pages.login("operator")
    page = pages.get(f"/cases/{case_no}").get_data(as_text=True)
    assert 'id="urge"' not in page and 'action="/cases/' + case_no + '/urge"' not in page
    assert "reassign-form" not in page  # operators supervise nobody's tasks
    res = pages.post(f"/cases/{case_no}/urge", {"instruction": "快"}, token_from=f"/cases/{case_no}")
    assert res.status_code == 403


def test_a_shift_leader_reassigns_a_verify_task_from_the_case_page(pages, deps):
    case_no = report(deps, source="citizen").case_no
    act(deps, case_no, "register", {"decision": "verify"})
    task = open_task(deps, case_no)
    pages.login("dispatcher")
    assert "reassign-form" not in pages.get(f"/cases/{case_no}").get_data(as_text=True)
    pages.client.post("/logout", data={"csrf_token": pages.token("/cases")})

    pages.login("shift_leader")
    page = pages.get(f"/cases/{case_no}").get_data(as_text=True)
    form = page[page.index('class="reassign-form"'):]
    form = form[:form.index("</form>")]
    assert f'value="{task.id}"' in form and 'value="inspector_650103_01"' in form
    assert f'value="{INSPECTOR}"' not in form  # the inspector who has it now is not offered
    assert 'value="operator"' not in form  # only holders of the task's role

    res = pages.post(f"/cases/{case_no}/reassign", {"task_id": task.id, "username": "inspector_650103_01",
                                                    "reason": "原监督员休假"}, token_from=f"/cases/{case_no}")
    assert res.status_code == 303 and res.headers["Location"].endswith(f"/cases/{case_no}#tasks")
    page = pages.get(f"/cases/{case_no}").get_data(as_text=True)
    assert flashes(page) == ["任务已转派给 inspector_650103_01。"]
    assert "转派给 inspector_650103_01" in page and "原监督员休假" in page  # the timeline
    assert [t.id for t in tasks.list_tasks(deps, actor(deps, "inspector_650103_01"))] == [task.id]

    res = pages.post(f"/cases/{case_no}/reassign", {"task_id": task.id, "username": "operator"},
                     token_from=f"/cases/{case_no}")
    assert "operator 在该区域没有办理此任务的角色" in flashes(pages.get(f"/cases/{case_no}").get_data(as_text=True))[0]


def test_the_summary_shows_channel_flags_suspension_and_counts(pages, deps, clock):
    case_no = report(deps).case_no
    to_handle(deps, case_no)
    with deps.uow(write=True) as uow:
        uow.session.execute(update(Case).where(Case.case_no == case_no).values(
            return_count=2, extension_count=1, overdue_count=3, status="suspended", suspended_at=clock.now()))
        uow.commit()
    pages.login("shift_leader")
    page = pages.get(f"/cases/{case_no}").get_data(as_text=True)
    assert "重复回退（推诿）" in page and "派遣渠道" in page and "区级" in page
    assert "暂停计时" in page
    for text in ("延期 <b>1</b>", "挂账 <b>0</b>", "督办 <b>0</b>", "超期 <b>3</b>", "回退 <b>2</b>"):
        assert text in page, text

    home = pages.get("/cases").get_data(as_text=True)
    assert 'href="/cases?status=suspended"' in home and "挂账清单" in home
    listed = pages.get("/cases?status=suspended").get_data(as_text=True)
    assert "<h1>挂账清单" in listed and case_no in listed
    assert 'aria-current="page">挂账清单' in listed


def test_notifications_are_listed_counted_on_the_bell_and_marked_read(pages, deps, clock):
    case_no = report(deps).case_no
    with deps.uow(write=True) as uow:
        case = uow.session.scalar(select(Case).where(Case.case_no == case_no))
        operator = uow.session.scalar(select(User.id).where(User.username == "operator"))
        for text in ("案件即将到期", "案件已超期"):
            notify.notify(uow.session, [operator], case=case, task=None, kind="warning", message=text,
                          now=clock.now())
        uow.commit()
    pages.login("operator")
    page = pages.get("/inbox/").get_data(as_text=True)
    assert re.search(r'class="bell"[^>]*>.*?<span class="badge">2</span>', page, re.S)
    page = pages.get("/notifications/").get_data(as_text=True)
    assert "案件即将到期" in page and "案件已超期" in page and "2 条未读" in page and case_no in page
    first = notify.list_notifications(deps, actor(deps, "operator"))[0]["id"]
    res = pages.post(f"/notifications/{first}/read", {"next": f"/cases/{case_no}"}, token_from="/notifications/")
    assert res.status_code == 303 and res.headers["Location"].endswith(f"/cases/{case_no}")
    assert '<span class="badge">1</span>' in pages.get("/notifications/").get_data(as_text=True)
    res = pages.post("/notifications/read", {}, token_from="/notifications/")
    page = pages.get("/notifications/").get_data(as_text=True)
    assert "已将 1 条通知标为已读" in page and 'class="badge"' not in page
    assert "暂无通知" in pages.get("/notifications/?unread=1").get_data(as_text=True)
    pages.client.post("/logout", data={"csrf_token": pages.token("/notifications/")})
    pages.login("dispatcher")
    assert "案件即将到期" not in pages.get("/notifications/").get_data(as_text=True)
