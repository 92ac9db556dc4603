"""The big screen over HTTP: the JSON API with a bearer token and the page with its session."""

from __future__ import annotations

import json
import re

from tests.factories import report
from tests.pages.conftest import Pages


def test_the_api_gives_the_snapshot_and_the_delta(api, deps):
    made = report(deps)
    snap = api.get("/api/v1/screen", as_user="dispatcher").get_json()
    assert [p[4] for p in snap["points"]] == [made.case_no]
    panels_only = api.get("/api/v1/screen?points=0", as_user="dispatcher").get_json()
    assert "points" not in panels_only and "overdue" in panels_only["panels"]
    delta = api.get(f"/api/v1/screen/delta?after={snap['cursor']}", as_user="dispatcher")
    assert delta.status_code == 200 and delta.get_json()["changed"] is False


def test_bad_screen_arguments_name_the_field(api):
    res = api.get("/api/v1/screen/delta?after=abc", as_user="dispatcher")
    assert res.status_code == 422 and "after" in json.dumps(res.get_json())
    res = api.get("/api/v1/screen?district=x", as_user="dispatcher")
    assert res.status_code == 422 and "district" in json.dumps(res.get_json())
    assert api.get("/api/v1/screen", as_user="sanitation_650102").status_code == 403


def test_the_page_carries_the_configured_layout(client, deps):
    pages = Pages(client)
    pages.login("dispatcher_650102")
    html = pages.get("/screen/").get_data(as_text=True)
    for title in ("城市管理监督指挥中心", "超期案件", "部门按时处置率"):
        assert title in html
    assert "<script>" not in html and 'style="' not in html
    config = json.loads(re.search(r'data-screen="([^"]+)"', html).group(1).replace("&#34;", '"').replace("&amp;", "&"))
    assert config["snapshotUrl"].endswith("district=650102")
    assert pages.get("/screen/data.json").get_json()["district_code"] == "650102"
