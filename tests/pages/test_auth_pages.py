"""Signing in and out, CSRF, throttling and the language switch."""

from __future__ import annotations

from tests.pages.conftest import csrf_of


def test_login_sends_each_role_to_its_start_page(pages):
    assert pages.login("operator").headers["Location"] == "/inbox/"
    pages.client.post("/logout", data={"csrf_token": pages.token("/inbox/")})
    assert pages.login("inspector_650102_01").headers["Location"] == "/m/"
    pages.client.post("/logout", data={"csrf_token": pages.token("/m/")})
    assert pages.login("sanitation_650102").headers["Location"] == "/dept/"


def test_pages_are_chinese_by_default(pages):
    html = pages.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "工作人员登录" in html and "用户名" in html


def test_wrong_password_is_said_plainly_and_repeated_failures_lock_the_account(pages):
    res = pages.post("/login", {"username": "operator", "password": "nope"})
    assert res.status_code == 401 and "用户名或密码错误" in res.get_data(as_text=True)
    for _ in range(5):
        pages.post("/login", {"username": "operator", "password": "nope"})
    res = pages.post("/login", {"username": "operator", "password": "demo"})
    assert res.status_code == 401 and "登录失败次数过多" in res.get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused(pages):
    res = pages.client.post("/login", data={"username": "operator", "password": "demo"})
    assert res.status_code == 400 and "页面已过期" in res.get_data(as_text=True)


def test_the_json_api_needs_no_csrf_token(client):
    res = client.post("/api/v1/auth/token", json={"username": "operator", "password": "demo"})
    assert res.status_code == 200


def test_pages_need_a_session_and_logout_revokes_it(pages):
    assert pages.get("/inbox/").headers["Location"].startswith("/login?next=/inbox/")
    pages.login("operator")
    cookie = pages.client.get_cookie("session").value
    assert pages.get("/inbox/").status_code == 200
    pages.client.post("/logout", data={"csrf_token": pages.token("/inbox/")})
    pages.client.set_cookie("session", cookie)  # an old copy of the cookie is worthless now
    assert pages.get("/inbox/").status_code == 302


def test_login_follows_only_local_next_addresses(pages):
    token = csrf_of(pages.get("/login").get_data(as_text=True))
    res = pages.client.post("/login?next=//evil.example/x", data={"username": "operator", "password": "demo",
                                                                   "csrf_token": token})
    assert res.headers["Location"] == "/inbox/"


def test_roles_keep_to_their_pages(pages):
    pages.login("sanitation_650102")
    assert pages.get("/m/").status_code == 403
    assert "无权操作" in pages.get("/m/").get_data(as_text=True)


def test_language_switch_to_english_and_back(pages):
    pages.login("operator")
    res = pages.post("/lang", {"lang": "en", "next": "/inbox/"}, token_from="/inbox/")
    assert res.headers["Location"] == "/inbox/"
    html = pages.get("/inbox/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Inbox" in html and "任务列表" not in html
    pages.post("/lang", {"lang": "zh_CN", "next": "/inbox/"}, token_from="/inbox/")
    assert "任务列表" in pages.get("/inbox/").get_data(as_text=True)


def test_unknown_pages_get_a_chinese_404(pages):
    res = pages.get("/no/such/page")
    assert res.status_code == 404 and "未找到" in res.get_data(as_text=True)


def test_the_front_door_offers_reporting_and_tracking(pages):
    html = pages.get("/").get_data(as_text=True)
    assert "我要上报" in html and "进度查询" in html
