"""公众上报 and 进度查询: no login, a tracking code, no personal data, limits per address."""

from __future__ import annotations

import io
import re

import pytest

from tests.conftest import base_settings
from tests.factories import act, straight_through
from tests.pages.conftest import jpeg


@pytest.fixture
def settings(db_url, tmp_path):
    return base_settings(tmp_path, db_url).replace(public_reports_per_hour=3, public_lookups_per_hour=6)


def citizen_form(key="c-1", **extra):
    return {"lon": "87.605", "lat": "43.805", "category_code": "20102", "description": "小区门口垃圾没人清",
            "reporter_name": "王女士", "reporter_phone": "13912345678", "idempotency_key": key,
            "photos": (io.BytesIO(jpeg(gps=(43.805, 87.605))), "photo.jpg"), **extra}


def send(pages, **kw):
    return pages.post("/report", citizen_form(**kw), content_type="multipart/form-data")


def test_a_citizen_reports_without_login_and_gets_a_tracking_code(pages):
    res = send(pages)
    assert res.status_code == 303
    code = re.search(r"/track/([A-Z2-9]+)\?new=1", res.headers["Location"]).group(1)
    html = pages.get(res.headers["Location"]).get_data(as_text=True)
    assert code in html and "请保存您的查询码" in html and "受理" in html and "暴露垃圾" in html


def test_the_tracking_page_shows_no_personal_data(pages, deps):
    res = send(pages)
    code = res.headers["Location"].split("/track/")[1].split("?")[0]
    from sqlalchemy import select

    from engine.store.models import Case

    with deps.uow() as uow:
        case_no = uow.session.scalar(select(Case.case_no).where(Case.tracking_code == code))
    act(deps, case_no, "register", {"decision": "file", "comment": "已联系王女士"})
    act(deps, case_no, "verify", {"confirmed": True})
    straight_through(deps, case_no, after_register=True)
    html = pages.get(f"/track/{code}").get_data(as_text=True)
    assert "已结案" in html and "结案归档" in html
    for secret in ("王女士", "13912345678", "值班长老李", "operator", "43.805", "87.605"):
        assert secret not in html, secret
    photo = re.search(r'/track/[A-Z2-9]+/photos/(\d+)/thumb', html).group(1)
    assert pages.get(f"/track/{code}/photos/{photo}/thumb").status_code == 200
    assert pages.get(f"/track/{code}/photos/{photo}/view").data[:2] == b"\xff\xd8"
    assert b"Exif" not in pages.get(f"/track/{code}/photos/{photo}/view").data[:200]
    assert pages.get(f"/track/{code}/photos/{photo}/original").status_code == 404
    assert pages.get(f"/track/WRONGCODE2/photos/{photo}/thumb").status_code == 404


def test_the_same_report_sent_twice_is_one_case(pages):
    first, second = send(pages, key="same"), send(pages, key="same")
    assert first.headers["Location"] == second.headers["Location"]


def test_reports_are_limited_per_address(pages):
    for i in range(3):
        assert send(pages, key=f"k{i}").status_code == 303
    res = send(pages, key="k4")
    assert res.status_code == 429 and "请求过多" in res.get_data(as_text=True) and res.headers["Retry-After"]


def test_input_limits_and_upload_checks(pages):
    res = send(pages, description="长" * 2001)
    assert res.status_code == 422 and "内容过长" in res.get_data(as_text=True)
    res = send(pages, key="c-2", photos=(io.BytesIO(b"<?php echo 1; ?>"), "photo.jpg"))
    assert res.status_code == 422 and "无法识别该文件" in res.get_data(as_text=True)
    res = send(pages, key="c-3", reporter_phone="call me maybe")
    assert res.status_code == 422 and "有效的电话号码" in res.get_data(as_text=True)


def test_tracking_lookups_are_limited_and_unknown_codes_say_so(pages):
    res = pages.get("/track?code=abcd2345ef")
    assert res.headers["Location"] == "/track/ABCD2345EF"
    res = pages.get("/track/ABCD2345EF")
    assert res.status_code == 404 and "未找到查询码" in res.get_data(as_text=True)
    for _ in range(5):
        pages.get("/track/ABCD2345EF")
    assert pages.get("/track/ABCD2345EF").status_code == 429


def test_grid_outlines_for_the_map_need_a_small_box(pages):
    res = pages.get("/map/grids.json?bbox=87.59,43.79,87.63,43.83")
    assert res.status_code == 200 and len(res.get_json()["features"]) == 8
    assert pages.get("/map/grids.json?bbox=80,40,90,50").status_code == 400
    assert pages.get("/map/grids.json").status_code == 400
