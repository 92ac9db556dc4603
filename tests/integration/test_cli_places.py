"""The shell side of issue 3: import/export places, departments, roles and inspectors."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from engine.store.models import Place, User
from engine.store.places_models import AdminEvent
from web.cli import main


def szcg(deps, *args: str):
    return CliRunner().invoke(main, list(args), obj={"deps": deps}, catch_exceptions=False)


def test_export_then_import_places_round_trips_and_is_audited(deps, tmp_path):
    out = tmp_path / "grids.geojson"
    assert szcg(deps, "export", "places", "--level", "grid", "-o", str(out)).exit_code == 0
    assert len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 8
    result = szcg(deps, "import", "places", str(out), "--level", "grid", "--replace")
    assert result.exit_code == 0, result.output
    assert "grid: 0 added, 8 updated, 0 deleted" in result.output
    with deps.uow() as uow:
        event = uow.session.scalars(select(AdminEvent)).one()
        assert event.actor.startswith("cli:") and event.action == "import_places"


def test_a_refused_file_prints_every_problem_and_exits_1(deps, tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "6501020010010", "name": "x"},
         "geometry": {"type": "Polygon", "coordinates": [[[87.6, 43.8], [87.61, 43.8], [87.61, 43.81], [87.6, 43.8]]]}},
        {"type": "Feature", "properties": {"code": "65010200100101", "name": "y"}, "geometry": None}]}),
        encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "places", str(bad), "--level", "grid"], obj={"deps": deps})
    assert result.exit_code == 1
    assert "feature 1 [6501020010010]: place code '6501020010010' has 13 digits" in result.output
    assert "feature 2 [65010200100101]: geometry is missing" in result.output
    broken_json = tmp_path / "broken.geojson"
    broken_json.write_text('{"type": "FeatureCollection",\n "features": [}', encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "places", str(broken_json), "--level", "grid"], obj={"deps": deps})
    assert result.exit_code == 1 and "line 2: not valid JSON" in result.output


def test_departments_users_and_inspectors_from_the_shell(deps):
    added = szcg(deps, "departments", "add", "heating", "市供热办", "--level", "city", "--category", "10110")
    assert added.exit_code == 0, added.output
    listed = szcg(deps, "departments", "list").output
    assert "heating" in listed and "classes: 10110" in listed
    assert szcg(deps, "departments", "add", "bad", "X", "--level", "district").exit_code == 1
    assert szcg(deps, "users", "add", "li", "--password", "secret", "--role", "inspector").exit_code == 0
    assert szcg(deps, "users", "grant", "li", "operator@district:650103").exit_code == 0
    assert szcg(deps, "users", "revoke", "li", "operator@district:650103").exit_code == 0
    assigned = szcg(deps, "users", "assign", "li", "--beat", "650103_01")
    assert "li is the inspector of 4 grid(s)" in assigned.output
    with deps.uow() as uow:
        li = uow.session.scalar(select(User.id).where(User.username == "li"))
        assert set(uow.session.scalars(select(Place.inspector_id).where(Place.beat_code == "650103_01"))) == {li}
        actions = list(uow.session.scalars(select(AdminEvent.action).order_by(AdminEvent.id)))
    assert actions == ["create_department", "create_user", "grant_role", "revoke_role", "assign_inspector"]
