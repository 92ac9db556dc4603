"""Base data in the browser: departments, users and roles, beats and inspectors kept from the console, every
change audited and listed in the history; a refusal names the field and changes nothing."""

from __future__ import annotations

from engine.people import organisation
from engine.people.accounts import list_users
from tests.factories import actor

URL = "/admin/organisation"


def test_departments_users_roles_and_beats_are_kept_from_the_console(pages, deps):
    pages.login("admin")
    html = pages.get(URL).get_data(as_text=True)
    assert "sanitation_650102" in html and "inspector_650102_01" in html and "650102_01" in html
    res = pages.post(f"{URL}/departments", {"code": "heating", "name": "市供热公司", "level": "city",
                                            "category_codes": "20405"}, token_from=URL)
    assert res.status_code == 303 and "热" in pages.get(URL).get_data(as_text=True)
    assert any(d["code"] == "heating" for d in organisation.list_departments(deps, actor(deps, "admin")))
    bad = pages.post(f"{URL}/departments", {"code": "bad code!", "name": "x", "level": "city"}, token_from=URL)
    assert bad.status_code == 303
    page = pages.get(URL).get_data(as_text=True)
    assert "code: invalid" in page
    assert not any(d["code"] == "bad code!" for d in organisation.list_departments(deps, actor(deps, "admin")))
    pages.post(f"{URL}/users", {"username": "heating_1", "display_name": "供热值班", "password": "s3cret-pass",
                                "roles": "handler@department:heating"}, token_from=URL)
    pages.post(f"{URL}/users/heating_1/roles", {"role": "operator", "action": "grant"}, token_from=URL)
    roles = {u["username"]: u["roles"] for u in list_users(deps)}
    assert roles["heating_1"] == ["handler", "operator"]
    pages.post(f"{URL}/users/heating_1/roles", {"role": "operator", "action": "revoke"}, token_from=URL)
    assert {u["username"]: u["roles"] for u in list_users(deps)}["heating_1"] == ["handler"]
    res = pages.post(f"{URL}/beats/650102_01", {"username": "inspector_650103_01"}, token_from=URL)
    beats = {b["beat_code"]: b["inspector"] for b in organisation.list_beats(deps, actor(deps, "admin"))}
    assert res.status_code == 303 and beats["650102_01"] == "inspector_650103_01"
    history = pages.get("/admin/history?type=department&target=heating").get_data(as_text=True)
    assert "create_department" in history and "create_user" not in history
    assert "create_user" in pages.get("/admin/history").get_data(as_text=True)


def test_only_administrators_reach_the_base_data(pages, deps):
    pages.login("shift_leader")
    assert pages.get(URL).status_code in (302, 403)
    assert pages.get("/admin/history").status_code in (302, 403)
