"""POST /api/v1/cases/<case_no>/attachments: images only, by content; stored by hash; EXIF kept."""

from __future__ import annotations

import io

from PIL import Image

from engine.cases.attachments import file_path
from tests.factories import report
from tests.pages.conftest import jpeg


def upload(api, case_no, data, *, user="operator", kind="before", name="photo.jpg"):
    return api.post(f"/api/v1/cases/{case_no}/attachments", user,
                    data={"kind": kind, "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_an_image_is_stored_by_its_hash_with_thumbnails_and_its_camera_position(api, deps):
    made = report(deps)
    res = upload(api, made.case_no, jpeg(size=(2000, 1500), gps=(43.8051, 87.6052)), name="../../etc/passwd.jpg")
    assert res.status_code == 201, res.get_json()
    item = res.get_json()["items"][0]
    assert item["kind"] == "before" and item["width"] == 2000 and item["content_type"] == "image/jpeg"
    assert abs(item["exif_lat"] - 43.8051) < 1e-4 and abs(item["exif_lon"] - 87.6052) < 1e-4
    original = file_path(deps.settings, item["sha256"], "original")
    assert original.exists() and original.name == f"{item['sha256']}.jpg"
    with Image.open(file_path(deps.settings, item["sha256"], "thumb")) as thumb:
        assert max(thumb.size) == 320 and not thumb.getexif()
    with Image.open(file_path(deps.settings, item["sha256"], "view")) as view:
        assert max(view.size) == 1600
    listed = api.get(f"/api/v1/cases/{made.case_no}/attachments", "operator").get_json()["items"]
    assert [i["id"] for i in listed] == [item["id"]]


def test_the_same_photo_twice_is_one_attachment(api, deps):
    made = report(deps)
    photo = jpeg()
    first = upload(api, made.case_no, photo).get_json()["items"][0]
    second = upload(api, made.case_no, photo).get_json()["items"][0]
    assert first["id"] == second["id"]


def test_png_and_webp_are_accepted(api, deps):
    made = report(deps)
    for fmt in ("PNG", "WEBP"):
        out = io.BytesIO()
        Image.new("RGBA", (40, 30), (0, 128, 0, 128)).save(out, fmt)
        assert upload(api, made.case_no, out.getvalue(), name="x.bin").status_code == 201


def test_files_that_are_not_images_are_refused_whatever_their_name(api, deps):
    made = report(deps)
    for data in (b"GIF89a not really", b"<html></html>", b"", jpeg()[:200]):
        res = upload(api, made.case_no, data)
        assert res.status_code == 422 and "photos" in res.get_json()["fields"], data[:10]
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    assert upload(api, made.case_no, out.getvalue(), name="a.gif").get_json()["codes"]["photos"] == \
        "unsupported_type"


def test_size_limit_kind_and_access_are_checked(api, deps):
    made = report(deps)
    deps.settings.raw["upload_max_bytes"] = 2048
    big = upload(api, made.case_no, jpeg(size=(400, 400)) + b"\0" * 4096)
    assert big.status_code == 422 and big.get_json()["codes"]["photos"] == "too_large"
    assert upload(api, made.case_no, jpeg(), kind="selfie").status_code == 422
    assert upload(api, made.case_no, jpeg(), user="water").status_code == 403
    assert upload(api, "nope", jpeg()).status_code == 404
    res = api.post(f"/api/v1/cases/{made.case_no}/attachments", "operator", data={"kind": "before"},
                   content_type="multipart/form-data")
    assert res.status_code == 422
    assert api.post(f"/api/v1/cases/{made.case_no}/attachments").status_code == 401
