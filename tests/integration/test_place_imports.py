"""Importing a city's own places, components, classes and filing standard: all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import Polygon, box, mapping
from sqlalchemy import func, select

from engine.errors import Forbidden, ImportRefused, OutsideManagedArea
from engine.places import components, grids, place_import
from engine.places.codes import LEVELS
from engine.standards import catalog, filing
from engine.store.models import Place
from engine.store.places_models import AdminEvent, Component, FilingCondition
from tests.factories import INSIDE, LAT0, STEP, actor

COMMUNITY = "650102001001"


def feature(code: str, geometry: Any, name: str = "网格", **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"code": code, "name": name, **props},
            "geometry": mapping(geometry) if not isinstance(geometry, dict) else geometry}


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def cell(lon0: float, i: int, j: int) -> Polygon:
    return box(lon0 + i * STEP, LAT0 + j * STEP, lon0 + (i + 1) * STEP, LAT0 + (j + 1) * STEP)


def grid_layer(holed: bool = False) -> dict[str, Any]:
    """The test city's eight grids, as a city's GeoJSON would have them (grid 01 optionally holed)."""
    feats = []
    for district, lon0 in (("650102", 87.60), ("650103", 87.58)):
        for seq, (i, j) in enumerate(((0, 0), (1, 0), (0, 1), (1, 1)), start=1):
            geom = cell(lon0, i, j)
            if holed and district == "650102" and seq == 1:
                geom = Polygon(geom.exterior.coords, [geom.buffer(-0.003).exterior.coords])
            feats.append(feature(f"{district}001001{seq:02d}", geom, f"网格{seq:02d}", area_class="B"))
    return collection(*feats)


def snapshot(deps) -> tuple[Any, ...]:
    with deps.uow() as uow:
        s = uow.session
        codes = tuple(s.scalars(select(Place.code).order_by(Place.code)))
        wkb = tuple(s.scalars(select(Place.geometry).order_by(Place.code)))
        return codes, wkb, grids.revision(s), s.scalar(select(func.count(AdminEvent.id)))


def test_a_grid_layer_replaces_the_grids_and_keeps_inspectors_by_code(deps):
    admin = actor(deps, "admin")
    with deps.uow() as uow:
        grids.geocoder(deps, uow.session)  # a cached index, which the import must invalidate
        before = uow.session.scalar(select(Place.inspector_id).where(Place.code == COMMUNITY + "01"))
    result = place_import.import_places(deps, admin, grid_layer(holed=True), "grid", replace=True)
    assert (result.inserted, result.updated, result.deleted) == (0, 8, 0)
    with deps.uow() as uow:
        grid = uow.session.get(Place, COMMUNITY + "01")
        assert grid.inspector_id == before and grid.area_class == "B" and grid.beat_code == "650102_01"
        assert shapely.from_wkb(grid.geometry).interiors
        with pytest.raises(OutsideManagedArea):
            grids.locate(deps, uow.session, 87.605, 43.805)  # the centre of grid 01 is now its hole
        event = uow.session.scalars(select(AdminEvent)).one()
        assert (event.actor, event.action, event.target) == ("admin", "import_places", "grid")


def test_a_grid_missing_from_a_replacing_file_is_deleted(deps):
    layer = grid_layer()
    layer["features"] = layer["features"][:-1]
    result = place_import.import_places(deps, actor(deps, "admin"), layer, "grid", replace=True)
    assert result.deleted == 1
    with deps.uow() as uow:
        assert uow.session.get(Place, "65010300100104") is None


def test_without_replace_new_places_are_added(deps):
    extra = feature("65010200200101", box(87.60, 43.82, 87.61, 43.83), "新网格")
    street = feature("650102002", box(87.60, 43.82, 87.62, 43.84), "第二街道")
    community = feature("650102002001", box(87.60, 43.82, 87.62, 43.84), "第二社区")
    admin = actor(deps, "admin")
    with pytest.raises(ImportRefused, match="lies outside its parent district 650102"):
        place_import.import_places(deps, admin, collection(street), "street")
    with deps.uow(write=True) as uow:  # grow the district first, as a city would import it
        uow.session.get(Place, "650102").geometry = shapely.to_wkb(box(87.60, 43.80, 87.62, 43.84))
        uow.commit()
    place_import.import_places(deps, admin, collection(street), "street")
    place_import.import_places(deps, admin, collection(community), "community")
    place_import.import_places(deps, admin, collection(extra), "grid")
    with deps.uow() as uow:
        assert grids.locate(deps, uow.session, 87.605, 43.825).grid_code == "65010200200101"


BOWTIE = Polygon([(87.600, 43.800), (87.61, 43.81), (87.61, 43.80), (87.600, 43.81)])


@pytest.mark.parametrize(("level", "bad", "reason"), [
    ("grid", feature(COMMUNITY + "05", BOWTIE), "invalid geometry: Self-intersection"),
    ("grid", feature(COMMUNITY + "5", cell(87.60, 0, 0)), "has 13 digits"),
    ("grid", feature(COMMUNITY + "0A", cell(87.60, 0, 0)), "only the digits 0-9"),
    ("grid", feature(COMMUNITY + "05", box(87.615, 43.815, 87.625, 43.825)), "lies outside its parent community"),
    ("grid", feature(COMMUNITY + "01", cell(87.60, 0, 0)), "appears earlier in the file"),
    ("grid", feature("65010200100201", cell(87.60, 0, 0)), "unknown parent: no community 650102001002"),
    ("grid", feature(COMMUNITY + "05", {"type": "Point", "coordinates": [87.6, 43.8]}), "Polygon or MultiPolygon"),
    ("grid", feature(COMMUNITY + "05", cell(87.60, 0, 0), name=""), "property 'name'"),
    ("grid", feature(COMMUNITY + "05", cell(87.60, 0, 0), area_class="D"), "area_class"),
    ("grid", feature(COMMUNITY + "05", cell(87.60, 0, 0), inspector="operator"), "inspector role"),
    ("street", feature("650102001", box(87.60, 43.80, 87.62, 43.82)), "already in the database"),
    ("district", feature("650100", box(87.60, 43.80, 87.62, 43.82)), "not a county-level district"),
])
def test_a_broken_file_is_refused_naming_the_feature_and_changes_nothing(deps, level, bad, reason):
    good = feature("65010200100106", cell(87.60, 0, 0).buffer(-0.004), "好网格") if level == "grid" else \
        feature("650104", box(87.62, 43.80, 87.63, 43.81), "新市区") if level == "district" else \
        feature("650102009", box(87.60, 43.80, 87.61, 43.81), "好街道")
    before = snapshot(deps)
    replace_level = level == "grid" and "appears earlier" in reason
    with pytest.raises(ImportRefused) as refused:
        place_import.import_places(deps, actor(deps, "admin"),
                                   collection(*(grid_layer()["features"][:1] if replace_level else []), good, bad),
                                   level, replace=replace_level, file="city.geojson")
    problem = refused.value.problems[0]
    assert problem["where"] == f"feature {3 if replace_level else 2}", refused.value.problems
    assert reason in problem["reason"]
    assert "city.geojson refused, nothing imported" in refused.value.message
    assert snapshot(deps) == before


def test_replacing_a_level_refuses_to_orphan_the_level_below_unless_told_to_drop_it(deps):
    admin = actor(deps, "admin")
    shrunk = collection(feature("650102", box(87.60, 43.80, 87.61, 43.81), "天山区"),
                        feature("650103", box(87.58, 43.80, 87.60, 43.82), "沙依巴克区"))
    before = snapshot(deps)
    with pytest.raises(ImportRefused) as refused:
        place_import.import_places(deps, admin, shrunk, "district", replace=True)
    assert refused.value.problems[0]["where"] == "street 650102001 (in the database)"
    assert "--drop-lower" in refused.value.problems[-1]["reason"]
    assert snapshot(deps) == before
    result = place_import.import_places(deps, admin, shrunk, "district", replace=True, drop_lower=True)
    assert result.dropped_lower == {"grid": 8, "community": 2, "street": 2}
    with deps.uow() as uow:
        assert set(uow.session.scalars(select(Place.level))) == {"district"}
        with pytest.raises(OutsideManagedArea):
            grids.locate(deps, uow.session, *INSIDE)


def test_districts_that_still_contain_their_streets_replace_in_place(deps):
    grown = collection(feature("650102", box(87.599, 43.799, 87.621, 43.821), "天山区（新）"),
                       feature("650103", box(87.579, 43.799, 87.600, 43.821), "沙依巴克区"))
    result = place_import.import_places(deps, actor(deps, "admin"), grown, "district", replace=True)
    assert (result.updated, result.dropped_lower) == (2, {})
    with deps.uow() as uow:
        assert uow.session.get(Place, "650102").name == "天山区（新）"
        assert uow.session.scalar(select(func.count(Place.code)).where(Place.level == "grid")) == 8


def test_the_export_reads_back_unchanged(deps):
    admin = actor(deps, "admin")
    for level in LEVELS:
        exported = place_import.export_places(deps, level)
        assert all(f["properties"]["level"] == level for f in exported["features"])
        result = place_import.import_places(deps, admin, exported, level, replace=True)
        assert (result.inserted, result.deleted) == (0, 0)
    grids = place_import.export_places(deps, "grid")["features"]
    assert grids[0]["properties"]["inspector"] == "inspector_650102_01"


def test_only_an_administrator_imports(deps):
    with pytest.raises(Forbidden):
        place_import.import_places(deps, actor(deps, "operator"), grid_layer(), "grid", replace=True)


# --- components --------------------------------------------------------------------------

CSV_HEAD = "code,lon,lat,owner_department,state,name\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_components_import_from_csv_and_geojson(deps, tmp_path):
    admin = actor(deps, "admin")
    csv_file = write(tmp_path, "lamps.csv", CSV_HEAD + "6501020118000001,87.6051,43.8051,lighting,good,路灯1\n"
                                                       "6501020101000001,87.6052,43.8052,water,damaged,\n")
    result = components.import_components(deps, admin, components.read_components_file(csv_file))
    assert (result.inserted, result.updated) == (2, 0)
    geojson = write(tmp_path, "more.geojson", '{"type": "FeatureCollection", "features": [{"type": "Feature", '
                    '"properties": {"code": "6501020118000001", "state": "lost"}, '
                    '"geometry": {"type": "Point", "coordinates": [87.6053, 43.8053]}}]}')
    again = components.import_components(deps, admin, components.read_components_file(geojson))
    assert (again.inserted, again.updated) == (0, 1)
    with deps.uow() as uow:
        lamp = uow.session.get(Component, "6501020118000001")
        assert (lamp.state, lamp.category_code, lamp.grid_code) == ("lost", "10118", COMMUNITY + "01")


@pytest.mark.parametrize(("line", "reason"), [
    ("6501020118000001,87.6051,43.8051,lighting,good,x", "appears earlier"),
    ("650102011800001,87.6051,43.8051,,good,", "expected 16"),
    ("6501029918000001,87.6051,43.8051,,good,", "unknown component class 9918"),
    ("6501020118000002,100.0,30.0,,good,", "outside the managed area"),
    ("6501030118000002,87.6051,43.8051,,good,", "lies in district 650102"),
    ("6501020118000002,87.6051,43.8051,nobody,good,", "unknown owner department"),
    ("6501020118000002,87.6051,43.8051,,shiny,", "state must be one of"),
    ("6501020118000002,east,43.8051,,good,", "lon/lat"),
])
def test_a_broken_components_file_changes_nothing(deps, tmp_path, line, reason):
    path = write(tmp_path, "bad.csv", CSV_HEAD + "6501020118000001,87.6051,43.8051,lighting,good,路灯1\n" + line + "\n")
    with pytest.raises(ImportRefused) as refused:
        components.import_components(deps, actor(deps, "admin"), components.read_components_file(path), file="bad.csv")
    assert refused.value.problems[0]["where"] == "line 3" and reason in refused.value.problems[0]["reason"]
    with deps.uow() as uow:
        assert uow.session.scalar(select(func.count(Component.code))) == 0


# --- classes and filing standards --------------------------------------------------------

def test_a_classification_file_with_bad_lines_is_refused_naming_every_line(deps, tmp_path):
    path = write(tmp_path, "classes.csv", "kind,major_code,major_name,minor_code,minor_name\n"
                                          "component,01,公用设施,0199,新井盖\n"
                                          "thing,01,公用设施,0198,怪东西\n"
                                          "component,01,公用设施,0201,错大类\n"
                                          "component,01,公用设施,0199,重复\n")
    with pytest.raises(ImportRefused) as refused:
        catalog.import_categories(deps, actor(deps, "admin"), path)
    assert [p["where"] for p in refused.value.problems] == ["line 3", "line 4", "line 5"]
    ok = write(tmp_path, "ok.csv", "kind,major_code,major_name,minor_code,minor_name\ncomponent,21,扩展部件,2101,防蚊闸\n")
    assert catalog.import_categories(deps, actor(deps, "admin"), ok) == 1
    assert any(c["code"] == "12101" for c in catalog.list_categories(deps))


def test_a_city_filing_standard_replaces_the_defaults_of_its_classes(deps, tmp_path):
    head = "kind,minor_code,minor_name,condition,time_limit,unit,urgency,close_condition,example_responsible,source,confidence\n"
    path = write(tmp_path, "urumqi.csv", head + "incident,0102,暴露垃圾,主干道垃圾,2,工作时,一般,清除,区环卫,乌鲁木齐标准,sourced\n")
    assert filing.import_conditions(deps, actor(deps, "admin"), path) == 1
    with deps.uow() as uow:
        rows = uow.session.scalars(select(FilingCondition).where(FilingCondition.category_code == "20102")).all()
        assert [(r.code, r.time_limit, r.unit, r.reconstructed) for r in rows] == [("20102-1", 2.0, "working_hours",
                                                                                    False)]
        assert uow.session.get(FilingCondition, "10101-1").reconstructed  # other classes keep their defaults
    bad = write(tmp_path, "bad.csv", head + "incident,0199,不存在,x,2,工作时,一般,,,,sourced\n"
                                            "incident,0102,暴露垃圾,x,2,天,一般,,,,sourced\n")
    with pytest.raises(ImportRefused) as refused:
        filing.import_conditions(deps, actor(deps, "admin"), bad)
    assert refused.value.problems == [{"where": "line 3", "code": "0102", "reason": refused.value.problems[0]["reason"]}]
    assert "unit '天'" in refused.value.problems[0]["reason"]
