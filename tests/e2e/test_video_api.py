"""The video subsystem: cameras imported all or nothing, video-AI events becoming video reports."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from engine.command import video
from engine.errors import ImportRefused
from engine.store.command_models import Camera, VideoEvent
from engine.store.models import Case
from tests.factories import GARBAGE, INSIDE, actor
from tests.pages.conftest import jpeg

CSV = f"""code,name,lon,lat,owner,stream_url,state
CAM-001,红山路口,{INSIDE[0]},{INSIDE[1]},公安,rtsp://10.0.0.1/1,active
CAM-002,南门,{INSIDE[0] + 0.001},{INSIDE[1]},城管,,active
"""


@pytest.fixture
def key(api, deps):
    res = api.call("PUT", "/api/v1/admin/cameras", "admin", data=CSV, content_type="text/csv")
    assert res.status_code == 200 and res.get_json() == {"imported": 2}
    return video.add_key(deps, actor(deps, "admin"), "海康AI平台")


def send(api, key, event_id="e1", camera="CAM-001", confidence="0.9", snapshot=True, **extra):
    data = {"event_id": event_id, "camera_code": camera, "class": extra.pop("class", GARBAGE), "confidence": confidence}
    if snapshot is True:
        data["snapshot"] = (io.BytesIO(jpeg()), "snap.jpg")
    elif snapshot:
        data["snapshot"] = (io.BytesIO(snapshot), "snap.jpg")
    return api.client.post("/api/v1/video/events", data=data, headers={"X-Api-Key": key},
                           content_type="multipart/form-data")


def test_an_event_becomes_a_video_report_at_the_cameras_grid_and_repeats_fold_into_it(api, deps, key):
    first = send(api, key)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["outcome"] == "reported" and body["case_no"]
    with deps.uow() as uow:
        case = uow.session.scalar(select(Case).where(Case.case_no == body["case_no"]))
        camera = uow.session.get(Camera, "CAM-001")
        assert case.source == "video" and case.grid_code == camera.grid_code
    again = send(api, key)  # the platform retried
    assert again.status_code == 200 and again.get_json()["case_no"] == body["case_no"]
    repeat = send(api, key, event_id="e2").get_json()
    assert repeat["outcome"] == "folded" and repeat["case_no"] == body["case_no"] and repeat["repeats"] == 1
    other_camera = send(api, key, event_id="e3", camera="CAM-002").get_json()
    assert other_camera["outcome"] == "reported" and other_camera["case_no"] != body["case_no"]
    low = send(api, key, event_id="e4", confidence="0.2").get_json()
    assert low["outcome"] == "dropped" and low["case_no"] is None
    assert video.event_counts(deps) == {"reported": 2, "folded": 1, "dropped": 1}
    cams = api.get("/api/v1/screen", as_user="dispatcher").get_json()["cameras"]
    assert sorted(c[2] for c in cams) == ["CAM-001", "CAM-002"]
    files = api.get(f"/api/v1/cases/{body['case_no']}/attachments", as_user="operator")
    assert files.status_code == 200 and len(files.get_json()["items"]) == 1


@pytest.mark.parametrize("change, field", [
    ({"camera": "CAM-404"}, "camera_code"),
    ({"snapshot": None}, "snapshot"),
    ({"snapshot": b"not an image at all"}, "snapshot"),
    ({"confidence": "1.5"}, "confidence"),
    ({"confidence": "high"}, "confidence"),
    ({"class": "99999"}, "class"),
])
def test_bad_events_name_the_field_and_store_nothing(api, deps, key, change, field):
    res = send(api, key, **change)
    assert res.status_code == 422 and field in res.get_json()["fields"], res.get_json()
    with deps.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(VideoEvent)) == 0
        assert uow.session.scalar(select(func.count()).select_from(Case)) == 0


def test_the_key_opens_the_intake_only_and_a_token_does_not_open_the_intake(api, key):
    assert send(api, "wrong").status_code == 401
    res = api.client.get("/api/v1/cases", headers={"Authorization": f"Bearer {key}"})
    assert res.status_code == 401
    token = api.token("operator")
    res = api.client.post("/api/v1/video/events", headers={"Authorization": f"Bearer {token}"}, data={})
    assert res.status_code == 401


def test_a_camera_file_with_bad_lines_is_refused_whole(deps):
    rows = [("line 2", {"code": "C1", "name": "A", "lon": INSIDE[0], "lat": INSIDE[1]}),
            ("line 3", {"code": "C2", "name": "B", "lon": 10.0, "lat": 10.0}),
            ("line 4", {"code": "C1", "name": "C", "lon": INSIDE[0], "lat": INSIDE[1], "stream_url": "ftp://x"})]
    from engine.command.cameras import import_cameras

    with pytest.raises(ImportRefused) as err:
        import_cameras(deps, actor(deps, "admin"), rows, file="cams.csv")
    wheres = [p["where"] for p in err.value.details["problems"]]
    assert sorted(wheres) == ["line 3", "line 4"]
    with deps.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Camera)) == 0


def test_the_case_page_map_carries_the_cameras_near_the_case(api, client, deps, key):
    from tests.factories import report
    from tests.pages.conftest import Pages

    made = report(deps)
    pages = Pages(client)
    pages.login("operator")
    html = pages.get(f"/cases/{made.case_no}").get_data(as_text=True)
    assert "CAM-001" in html and "rtsp://10.0.0.1/1" in html


PARKING = "20505"  # incident 0505 机动车乱停放


def test_the_video_intake_table_sends_a_sure_event_straight_to_filing(api, deps, key):
    sure = send(api, key, event_id="p1", confidence="0.93", **{"class": PARKING}).get_json()
    assert sure["intake"] == "file" and sure["intake_by"]["table"] == "video_intake" and sure["status"] == "file"
    unsure = send(api, key, event_id="p2", camera="CAM-002", confidence="0.8", **{"class": PARKING}).get_json()
    assert unsure["intake"] == "register" and unsure["status"] == "register"
    with deps.uow() as uow:
        filed = uow.session.scalar(select(Case).where(Case.case_no == sure["case_no"]))
        assert filed.registered_at is None and filed.status == "file"
    # The shift leader files it like any other case: it goes on to dispatch.
    from tests.factories import act

    assert act(deps, sure["case_no"], "file", {"decision": "file"}) == "dispatch"


def test_changing_the_video_intake_table_changes_the_path_with_no_python_change(api, deps, key):
    before = send(api, key, event_id="g1", confidence="0.9").get_json()  # exposed garbage at 0.90
    assert before["intake"] == "register" and before["status"] == "register"
    stored = api.get("/api/v1/admin/tables/video_intake", "admin").get_json()
    xml = stored["dmn_xml"].replace("<text>? &gt;= 0.95</text>", "<text>? &gt;= 0.85</text>")
    assert xml != stored["dmn_xml"]
    examples = [e for e in stored["examples_list"] if e["inputs"]["minor_code"] != "0102"]
    examples.append({"note": "exposed garbage at 0.90 is filed at once now", "expected": {"intake": "file"},
                     "inputs": {"kind": "incident", "minor_code": "0102", "confidence": 0.9}})
    uploaded = api.post("/api/v1/admin/tables/video_intake/versions", "admin",
                        json={"dmn": xml, "examples": examples, "note": "暴露垃圾 0.85 起直接立案"})
    assert uploaded.status_code == 201, uploaded.get_json()
    version = uploaded.get_json()["version"]
    assert api.post(f"/api/v1/admin/tables/video_intake/versions/{version}/activate", "admin").status_code == 200
    after = send(api, key, event_id="g2", camera="CAM-002", confidence="0.9").get_json()
    assert after["intake"] == "file" and after["status"] == "file"
    assert after["intake_by"] == {"table": "video_intake", "version": version, "rule": 2}


def test_a_video_intake_table_that_breaks_its_examples_is_refused(api, deps, key):
    stored = api.get("/api/v1/admin/tables/video_intake", "admin").get_json()
    xml = stored["dmn_xml"].replace("<text>? &gt;= 0.9</text>", "<text>? &gt;= 0.99</text>")
    res = api.post("/api/v1/admin/tables/video_intake/versions", "admin",
                   json={"dmn": xml, "examples": stored["examples_list"]})
    assert res.status_code == 422 and "dmn" in res.get_json()["fields"]
    assert send(api, key, event_id="r1", confidence="0.93", **{"class": PARKING}).get_json()["intake"] == "file"
