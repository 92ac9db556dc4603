"""Grids kept in the browser: a grid's area class, beat and inspector changed from the console (audited, its
open on-site tasks following the inspector), and a place layer imported from an uploaded GeoJSON file — a
preview that changes nothing, a refusal naming feature and line, then the import itself."""

from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from engine.people import audit
from engine.places import grids
from engine.store.models import Place
from tests.factories import actor, open_task, report
from tests.integration.test_place_imports import COMMUNITY, grid_layer

URL = "/admin/grids"
GRID = COMMUNITY + "01"


def _places(deps) -> list[tuple[str, str | None]]:
    with deps.uow() as uow:
        return list(uow.session.execute(select(Place.code, Place.name).where(Place.level == "grid")
                                        .order_by(Place.code)).all())


def test_a_grid_is_kept_from_the_console_and_a_refusal_changes_nothing(pages, deps):
    case_no = report(deps).case_no  # at register; verify would go to the grid's inspector
    pages.login("admin")
    html = pages.get(f"{URL}?code={GRID}").get_data(as_text=True)
    assert GRID in html and 'id="grid-map"' in html and "inspector_650102_01" in html
    res = pages.post(f"{URL}/{GRID}", {"area_class": "A", "beat_code": "650102_02", "inspector": "inspector_650103_01"},
                     token_from=URL)
    assert res.status_code == 303
    view = grids.grid_view(deps, GRID)
    assert (view["area_class"], view["beat_code"], view["inspector"]) == ("A", "650102_02", "inspector_650103_01")
    bad = pages.post(f"{URL}/{GRID}", {"area_class": "Z", "beat_code": "650102_01"}, token_from=URL)
    assert bad.status_code == 303
    assert "area_class: invalid" in pages.get(f"{URL}?code={GRID}").get_data(as_text=True)
    assert grids.grid_view(deps, GRID)["beat_code"] == "650102_02"  # nothing of the refused change was stored
    events = audit.list_events(deps, actor(deps, "admin"), target_type="grid", target=GRID, limit=10)
    assert [e["action"] for e in events][:2] in (["assign_inspector", "update_grid"], ["update_grid", "assign_inspector"])
    assert pages.get(f"{URL}?code=00000000000000").status_code == 404
    assert open_task(deps, case_no).stage == "register"


def _upload(pages, layer: object, action: str, *, name: str = "grids.geojson", replace: bool = True):
    text = layer if isinstance(layer, str) else json.dumps(layer, ensure_ascii=False, indent=2)
    data = {"level": "grid", "action": action, "file": (io.BytesIO(text.encode("utf-8")), name)}
    if replace:
        data["replace"] = "on"
    return pages.post("/admin/places/import", data, token_from=URL, content_type="multipart/form-data")


def test_a_place_layer_is_previewed_refused_with_lines_then_imported(pages, deps):
    pages.login("admin")
    before = _places(deps)
    layer = grid_layer()
    layer["features"][0]["properties"]["name"] = "改名的网格"
    preview = _upload(pages, layer, "preview")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'class="preview-updated">8<' in html and 'class="preview-inserted">0<' in html
    assert _places(deps) == before  # the preview changed nothing
    with deps.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Place).where(Place.name == "改名的网格")) == 0

    broken = grid_layer()
    broken["features"][2]["properties"]["code"] = "6501020010010X"
    refused = _upload(pages, broken, "import")
    html = refused.get_data(as_text=True)
    text = json.dumps(broken, ensure_ascii=False, indent=2)
    third = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "{"][3]  # collection, 1, 2, 3
    assert refused.status_code == 422 and "feature 3" in html and f"第 {third} 行" in html
    assert _places(deps) == before
    not_json = _upload(pages, '{"type": "FeatureCollection",\n "features": [\n}', "import")
    assert not_json.status_code == 422 and "第 3 行" in not_json.get_data(as_text=True)

    done = _upload(pages, layer, "import")
    assert done.status_code == 303
    assert dict(_places(deps))[GRID] == "改名的网格"
    events = audit.list_events(deps, actor(deps, "admin"), target_type="places", limit=10)
    assert [e["action"] for e in events] == ["import_places"]  # the preview wrote no audit line


def test_only_administrators_keep_grids(pages, deps):
    pages.login("dispatcher")
    assert pages.get(URL).status_code in (302, 403)
    assert _upload(pages, grid_layer(), "import").status_code in (302, 400, 403)
