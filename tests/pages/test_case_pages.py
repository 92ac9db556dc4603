"""The case page (timeline, photos, map, duplicates) and the case search with its Excel export."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import update

from engine.store.models import Case
from tests.factories import INSIDE_650103, MANHOLE, act, report, straight_through
from tests.pages.conftest import jpeg


def test_case_page_has_summary_timeline_map_and_tasks(pages, deps):
    made = report(deps)
    straight_through(deps, made.case_no)
    pages.login("shift_leader")
    html = pages.get(f"/cases/{made.case_no}").get_data(as_text=True)
    assert "已结案" in html and "办理过程" in html
    for word in ("信息收集", "受理", "立案", "派遣", "处置", "核查", "结案归档", "值班长老李", "派遣员"):
        assert word in html, word
    assert "天山区环卫局" in html  # the dispatch row names the department, not its code
    assert '"own": true' in html and '"point": [43.805, 87.605]' in html


def test_case_page_shows_personal_data_only_to_the_centre(pages, deps):
    made = report(deps, source="citizen")
    pages.login("operator")
    assert "13800000000" in pages.get(f"/cases/{made.case_no}").get_data(as_text=True)
    pages.client.post("/logout", data={"csrf_token": pages.token("/inbox/")})
    pages.login("dispatcher")
    assert "13800000000" not in pages.get(f"/cases/{made.case_no}").get_data(as_text=True)


def test_a_case_outside_the_readers_scope_is_not_allowed(pages, deps):
    made = report(deps)
    pages.login("water")
    assert pages.get(f"/cases/{made.case_no}").status_code == 403
    assert pages.get("/cases/nope").status_code == 404


def test_photos_added_on_the_case_page_are_listed_with_their_camera_position(pages, deps):
    made = report(deps)
    pages.login("operator")
    res = pages.post(f"/cases/{made.case_no}/attachments",
                     {"kind": "evidence", "photos": (io.BytesIO(jpeg(gps=(43.8051, 87.6052))), "p.jpg")},
                     token_from=f"/cases/{made.case_no}", content_type="multipart/form-data")
    assert res.status_code == 302
    html = pages.get(f"/cases/{made.case_no}").get_data(as_text=True)
    assert "已添加 1 张照片" in html and "拍摄位置" in html and "43.80510" in html
    photo_id = html.split("/files/")[1].split("/")[0]
    thumb = pages.get(f"/files/{photo_id}/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert pages.get(f"/files/{photo_id}/original").status_code == 200
    assert pages.get(f"/files/{photo_id}/secret").status_code == 404


def test_duplicates_are_linked_both_ways(pages, deps):
    first, second = report(deps), report(deps)
    with deps.uow(write=True) as uow:
        first_id = uow.session.query(Case.id).filter(Case.case_no == first.case_no).scalar()
        uow.session.execute(update(Case).where(Case.case_no == second.case_no).values(duplicate_of_id=first_id))
        uow.commit()
    pages.login("operator")
    assert f'href="/cases/{first.case_no}"' in pages.get(f"/cases/{second.case_no}").get_data(as_text=True)
    assert f'href="/cases/{second.case_no}"' in pages.get(f"/cases/{first.case_no}").get_data(as_text=True)


def test_search_filters_by_status_district_class_source_and_overdue(pages, deps, clock):
    closed = report(deps)
    straight_through(deps, closed.case_no)
    running = report(deps, category=MANHOLE)
    other = report(deps, source="hotline", where=INSIDE_650103)
    with deps.uow(write=True) as uow:
        uow.session.execute(update(Case).where(Case.case_no == running.case_no)
                            .values(deadline_at=clock.now() - timedelta(hours=1)))
        uow.commit()
    pages.login("leader")

    def found(query):
        html = pages.get(f"/cases?{query}").get_data(as_text=True)
        return {no for no in (closed.case_no, running.case_no, other.case_no) if f">{no}<" in html}

    assert found("") == {closed.case_no, running.case_no, other.case_no}
    assert found("status=closed") == {closed.case_no}
    assert found("status=open") == {running.case_no, other.case_no}
    assert found("stage=register") == {running.case_no, other.case_no}
    assert found("district=650103") == {other.case_no}
    assert found("street=650103001") == {other.case_no}
    assert found(f"category={MANHOLE}") == {running.case_no}
    assert found("source=hotline") == {other.case_no}
    assert found("department=sanitation_650102") == {closed.case_no}
    assert found("overdue=1") == {running.case_no}
    assert found("from=2026-03-10&to=2026-03-10") == {closed.case_no, running.case_no, other.case_no}
    assert found("from=2026-03-11") == set()
    assert pages.get("/cases?from=yesterday").status_code == 400


def test_search_pages_through_results(pages, deps):
    for _ in range(3):
        report(deps)
    deps.settings.raw["page_size"] = 2  # read per request
    pages.login("operator")
    html = pages.get("/cases").get_data(as_text=True)
    assert "第 1 / 2 页" in html and "page=2" in html
    assert "第 2 / 2 页" in pages.get("/cases?page=2").get_data(as_text=True)


def test_excel_export_has_the_filtered_cases_with_chinese_headers(pages, deps):
    made = report(deps, source="citizen")
    report(deps, where=INSIDE_650103)
    with deps.uow(write=True) as uow:
        uow.session.execute(update(Case).where(Case.case_no == made.case_no).values(description="=HYPERLINK(1)"))
        uow.commit()
    pages.login("operator")
    res = pages.get("/cases/export.xlsx?district=650102")
    assert res.status_code == 200 and "spreadsheetml" in res.mimetype
    sheet = load_workbook(io.BytesIO(res.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("案卷号", "流程", "状态", "问题来源", "问题类别")
    assert len(rows) == 2 and rows[1][0] == made.case_no and rows[1][3] == "公众" and rows[1][4] == "暴露垃圾"
    assert rows[1][1] == "城市综合管理案件"  # the process's own display name, from its diagram
    assert sheet.cell(row=2, column=11).data_type == "s"  # a formula-like description stays text


def test_voided_cases_show_as_void(pages, deps):
    made = report(deps)
    act(deps, made.case_no, "register", {"decision": "void", "void_reason": "重复"})
    pages.login("operator")
    assert "已作废" in pages.get(f"/cases/{made.case_no}").get_data(as_text=True)
