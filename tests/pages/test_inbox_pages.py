"""The inbox, the department page and 城管通's task list: lights, filters, counts, pages, no N+1."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, update

from engine.store.models import Task
from tests.conftest import base_settings
from tests.factories import INSIDE_650103, MANHOLE, act, open_task, report


@pytest.fixture
def settings(db_url, tmp_path):
    return base_settings(tmp_path, db_url).replace(page_size=3)


def task_ids(html: str) -> list[str]:
    return re.findall(r'href="/tasks/([0-9a-f-]{36})"', html)


def test_inbox_shows_stage_case_class_place_time_left_and_light(pages, deps, clock):
    made = report(deps, source="citizen")
    task = open_task(deps, made.case_no)
    with deps.uow(write=True) as uow:
        uow.session.execute(update(Task).where(Task.id == task.id).values(
            warn_at=clock.now() + timedelta(hours=1), due_at=clock.now() + timedelta(hours=2)))
        uow.commit()
    pages.login("operator")
    html = pages.get("/inbox/").get_data(as_text=True)
    assert made.case_no in html and "受理" in html and "暴露垃圾" in html and "天山区" in html
    assert "light-green" in html and "剩余2小时0分" in html
    clock.advance(hours=1, minutes=30)
    html = pages.get("/inbox/").get_data(as_text=True)
    assert "light-yellow" in html
    clock.advance(hours=1)
    html = pages.get("/inbox/").get_data(as_text=True)
    assert "light-red" in html and "已超期30分钟" in html


def test_a_task_without_a_time_limit_says_so(pages, deps):
    made = report(deps)
    with deps.uow(write=True) as uow:
        uow.session.execute(update(Task).where(Task.id == open_task(deps, made.case_no).id)
                            .values(warn_at=None, due_at=None))
        uow.commit()
    pages.login("operator")
    assert "无时限" in pages.get("/inbox/").get_data(as_text=True)


def test_filters_and_counts_per_stage(pages, deps):
    first = report(deps)
    report(deps, category=MANHOLE)
    report(deps, source="hotline", where=INSIDE_650103)
    act(deps, first.case_no, "register", {"decision": "file"})
    pages.login("shift_leader")
    assert len(task_ids(pages.get("/inbox/").get_data(as_text=True))) == 1
    pages.client.post("/logout", data={"csrf_token": pages.token("/inbox/")})
    pages.login("operator")
    html = pages.get("/inbox/").get_data(as_text=True)
    assert re.search(r'受理 <span class="count">2</span>', html)
    assert len(task_ids(pages.get("/inbox/?district=650103").get_data(as_text=True))) == 1
    assert len(task_ids(pages.get(f"/inbox/?category={MANHOLE}").get_data(as_text=True))) == 1
    assert len(task_ids(pages.get("/inbox/?stage=verify").get_data(as_text=True))) == 0


def test_keyset_pages_walk_every_task_once(pages, deps, clock):
    for _ in range(7):
        report(deps)
        clock.advance(minutes=1)
    pages.login("operator")
    seen, url = [], "/inbox/"
    while url:
        html = pages.get(url).get_data(as_text=True)
        seen += task_ids(html)
        found = re.search(r'href="(/inbox/\?after=[^"]+)" rel="next"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert len(seen) == 7 and len(set(seen)) == 7


def test_a_broken_page_cursor_is_a_bad_request(pages, deps):
    pages.login("operator")
    assert pages.get("/inbox/?after=!!!").status_code == 400


def count_statements(deps, fn):
    statements = []

    def on_execute(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(deps.engine, "before_cursor_execute", on_execute)
    try:
        fn()
    finally:
        event.remove(deps.engine, "before_cursor_execute", on_execute)
    return len(statements)


@pytest.mark.parametrize(("user", "path", "setup"), [
    ("operator", "/inbox/", "register"),
    ("operator", "/cases", "register"),
    ("sanitation_650102", "/dept/", "handle"),
    ("inspector_650102_01", "/m/", "verify"),
])
def test_list_pages_issue_the_same_number_of_queries_for_1_and_3_rows(pages, deps, user, path, setup):
    def make_case():
        made = report(deps, source="citizen")
        if setup == "verify":
            act(deps, made.case_no, "register", {"decision": "verify"})
        if setup == "handle":
            act(deps, made.case_no, "register", {"decision": "file"})
            act(deps, made.case_no, "verify", {"confirmed": True})
            act(deps, made.case_no, "file", {"decision": "file"})
            act(deps, made.case_no, "dispatch", {"department_code": "sanitation_650102"})

    pages.login(user)
    make_case()
    one = count_statements(deps, lambda: pages.get(path))
    make_case()
    make_case()
    html = pages.get(path).get_data(as_text=True)
    assert html.count("202603100") >= 3  # three rows shown (case numbers start with the day)
    three = count_statements(deps, lambda: pages.get(path))
    assert three == one


def test_department_page_lists_the_departments_cases_with_time_left(pages, deps):
    made = report(deps)
    act(deps, made.case_no, "register", {"decision": "file"})
    act(deps, made.case_no, "file", {"decision": "file"})
    act(deps, made.case_no, "dispatch", {"department_code": "sanitation_650102"})
    pages.login("sanitation_650102")
    html = pages.get("/dept/").get_data(as_text=True)
    assert made.case_no in html and "待处置案卷" in html and "/dept/tasks/" in html
    pages.client.post("/logout", data={"csrf_token": pages.token("/dept/")})
    pages.login("water")
    assert made.case_no not in pages.get("/dept/").get_data(as_text=True)
