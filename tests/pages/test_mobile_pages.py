"""城管通: the inspector reports with GPS and a photo, and verifies on site; retries never duplicate."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from engine.cases import attachments
from engine.store.models import Case
from tests.factories import INSPECTOR, OUTSIDE, act, actor, open_task, report
from tests.pages.conftest import jpeg


def report_form(lon=87.605, lat=43.805, photo=True, key="k-1", **extra):
    data = {"lon": str(lon), "lat": str(lat), "category_code": "20102", "description": "人行道上有垃圾堆",
            "idempotency_key": key, **extra}
    if photo:
        data["photos"] = (io.BytesIO(jpeg(gps=(43.805, 87.605))), "IMG_0001.jpg")
    return data


def case_count(deps):
    with deps.uow() as uow:
        return uow.session.scalar(select(func.count(Case.id)))


def test_home_lists_my_tasks_and_offers_reporting(pages, deps):
    made = report(deps, source="citizen")
    act(deps, made.case_no, "register", {"decision": "verify"})
    pages.login(INSPECTOR)
    html = pages.get("/m/").get_data(as_text=True)
    assert "我要上报" in html and "核实" in html and made.case_no in html


def test_report_form_has_gps_map_camera_and_class_search(pages):
    pages.login(INSPECTOR)
    html = pages.get("/m/report").get_data(as_text=True)
    assert 'capture="environment"' in html and '"locate": true' in html and '"editable": true' in html
    assert 'class="picker-search"' in html and "上水井盖" in html and 'name="idempotency_key"' in html


def test_inspector_reports_with_a_photo_and_a_retry_makes_no_second_case(pages, deps):
    pages.login(INSPECTOR)
    before = case_count(deps)
    token = pages.token("/m/report")
    first = pages.client.post("/m/report", data={**report_form(), "csrf_token": token},
                              content_type="multipart/form-data", headers={"X-Requested-With": "fetch"})
    assert first.status_code == 200 and first.get_json() == {"redirect": "/m/"}
    again = pages.client.post("/m/report", data={**report_form(), "csrf_token": token},
                              content_type="multipart/form-data")
    assert again.status_code == 303
    assert case_count(deps) == before + 1
    with deps.uow() as uow:
        case_no = uow.session.scalar(select(Case.case_no).order_by(Case.id.desc()))
        assert uow.session.scalar(select(Case.source).where(Case.case_no == case_no)) == "inspector"
    photos = attachments.list_attachments(deps, actor(deps, "admin"), case_no)
    assert len(photos) == 1 and photos[0].kind == "before" and photos[0].exif_lat is not None
    assert "已上报" in pages.get("/m/").get_data(as_text=True)


def test_a_report_without_photo_or_outside_the_city_is_refused_in_chinese(pages, deps):
    pages.login(INSPECTOR)
    before = case_count(deps)
    res = pages.post("/m/report", report_form(photo=False), content_type="multipart/form-data")
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and "请至少拍摄一张现场照片" in html and "人行道上有垃圾堆</textarea>" in html
    res = pages.post("/m/report", report_form(lon=OUTSIDE[0], lat=OUTSIDE[1], key="k-2"),
                     content_type="multipart/form-data")
    assert res.status_code == 422 and "不在城市管理范围内" in res.get_data(as_text=True)
    res = pages.post("/m/report", report_form(category_code="", key="k-3"), content_type="multipart/form-data")
    assert res.status_code == 422 and "请选择问题类别" in res.get_data(as_text=True)
    assert case_count(deps) == before


def test_inspector_verifies_on_site_with_a_photo(pages, deps):
    made = report(deps, source="citizen")
    act(deps, made.case_no, "register", {"decision": "verify"})
    task_id = open_task(deps, made.case_no).id
    pages.login(INSPECTOR)
    html = pages.get(f"/m/tasks/{task_id}").get_data(as_text=True)
    assert "问题是否属实" in html and 'capture="environment"' in html
    res = pages.post(f"/m/tasks/{task_id}", {"confirmed": "true", "photos": (io.BytesIO(jpeg("blue")), "v.jpg")},
                     content_type="multipart/form-data")
    assert res.status_code == 303 and res.headers["Location"] == "/m/"
    assert open_task(deps, made.case_no).stage == "file"
    assert [p.stage for p in attachments.list_attachments(deps, actor(deps, "admin"), made.case_no)] == ["verify"]
