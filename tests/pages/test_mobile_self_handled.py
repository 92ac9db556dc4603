"""城管通 自处理: an inspector reports a problem fixed on the spot with a photo before and after;
the operator confirms it on the task page, seeing both photos, and the case closes."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from engine.cases import attachments
from engine.store.models import Case
from tests.factories import INSPECTOR, actor, open_task
from tests.pages.conftest import jpeg


def form(key: str, *, after: bool = True, self_handled: bool = True) -> dict:
    data = {"lon": "87.605", "lat": "43.805", "category_code": "20102", "description": "路边垃圾已当场清理",
            "idempotency_key": key, "photos": (io.BytesIO(jpeg("red")), "before.jpg")}
    if self_handled:
        data["self_handled"] = "true"
    if after:
        data["after_photos"] = (io.BytesIO(jpeg("green")), "after.jpg")
    return data


def cases(deps) -> int:
    with deps.uow() as uow:
        return uow.session.scalar(select(func.count(Case.id)))


def test_the_report_form_offers_self_handling_with_an_after_photo(pages):
    pages.login(INSPECTOR)
    page = pages.get("/m/report").get_data(as_text=True)
    assert "已自行处置（自处理）" in page and 'name="self_handled"' in page
    assert 'name="after_photos"' in page and "处置后照片" in page and "js/self-handled.js" in page


def test_a_self_handled_report_needs_an_after_photo(pages, deps):
    pages.login(INSPECTOR)
    before = cases(deps)
    res = pages.post("/m/report", form("sh-1", after=False), content_type="multipart/form-data")
    page = res.get_data(as_text=True)
    assert res.status_code == 422 and "自处理上报还需要一张处置后的照片" in page
    assert 'name="self_handled" value="true" id="self-handled" checked' in page  # kept as ticked
    assert cases(deps) == before


def test_a_self_handled_report_is_confirmed_by_the_operator_with_both_photos(pages, deps):
    pages.login(INSPECTOR)
    res = pages.post("/m/report", form("sh-2"), content_type="multipart/form-data")
    assert res.status_code == 303
    with deps.uow() as uow:
        case_no = uow.session.scalar(select(Case.case_no).order_by(Case.id.desc()))
    photos = attachments.list_attachments(deps, actor(deps, "admin"), case_no)
    assert sorted(p.kind for p in photos) == ["after", "before"]
    task = open_task(deps, case_no)
    assert task.stage == "confirm_self_handled"

    pages.client.post("/logout", data={"csrf_token": pages.token("/m/")})
    pages.login("operator")
    page = pages.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "自处理确认" in page
    assert 'class="photo photo-before"' in page and 'class="photo photo-after"' in page
    assert "处置前" in page and "处置后" in page

    res = pages.post(f"/tasks/{task.id}", {"confirmed": "true"}, content_type="multipart/form-data")
    assert res.status_code == 303
    with deps.uow() as uow:
        assert uow.session.scalar(select(Case.status).where(Case.case_no == case_no)) == "closed"


def test_an_after_photo_without_self_handling_is_ignored(pages, deps):
    pages.login(INSPECTOR)
    res = pages.post("/m/report", form("sh-3", self_handled=False), content_type="multipart/form-data")
    assert res.status_code == 303
    with deps.uow() as uow:
        case_no = uow.session.scalar(select(Case.case_no).order_by(Case.id.desc()))
    assert [p.kind for p in attachments.list_attachments(deps, actor(deps, "admin"), case_no)] == ["before"]
    assert open_task(deps, case_no).stage == "register"
