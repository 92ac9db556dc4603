"""`szcg bench` end to end with tiny volumes: every section runs and reports, on every database.

No timing is asserted (speed is what the benchmark reports, not what the suite checks); this
keeps the benchmark's code paths — throw-away databases, the floor, HTTP, bulk history,
reads, scheduler, geocoding, the report — working as the engine changes under them.
"""

from __future__ import annotations

import json

from bench import Sizes, run
from bench.common import Progress
from bench.report import READS, render
from tests.conftest import PG_URL

TINY = Sizes(lifecycle=2, http=1, finished=200, open=40, read_samples=2, geo_batch=1_000, geo_single=50,
             geo_size="demo", timers=50, due=2, web_memory=False, city=(87.60, 43.80, 87.63, 43.83))


def test_every_section_runs_on_every_database(tmp_path):
    result = run(sizes=TINY, database=PG_URL, progress=Progress(quiet=True), workdir=tmp_path)

    assert result["errors"] == []
    assert set(result["backends"]) == {"sqlite"} | ({"postgresql"} if PG_URL else set())
    for data in result["backends"].values():
        assert data["lifecycle"]["engine"]["cases"] == 2
        assert data["lifecycle"]["engine"]["steps"] >= 2 * 7  # report and at least seven tasks a case
        assert data["lifecycle"]["floor"]["cases"] == 2
        assert data["http"]["cases"] == 1
        assert data["history"]["finished_cases"] == 200 and data["history"]["bytes_per_case"] > 0
        assert set(data["reads"]) == {key for key, _ in READS}
        assert data["scheduler"]["fired"] == 2
        assert data["what_if"]["tasks"] > 0 and len(data["what_if"]["runs_s"]) == 3  # a month of the history
        assert data["evaluation"]["all_scorecards"]["p50_ms"] > 0 and len(data["evaluation"]["months"]) == 3
        assert data["command"]["track"]["points"] == 2880 and data["command"]["video"]["folded"] > 0
    assert result["geocoding"]["grids"] > 0
    assert "TARGETS" in render(result)
    json.dumps(result)  # what --json prints


def test_generated_history_reads_like_the_engines(tmp_path):
    """Bulk rows must look like engine rows: the use cases read them without a special case."""
    from sqlalchemy import func, select

    from bench.bulk import Volume, generate
    from bench.env import load_cast, open_database
    from bench.lifecycle import EngineChannel, run_cases
    from engine.cases import queries, tasks
    from engine.store.models import Case, CaseEvent, Task

    with open_database("sqlite", tmp_path / "db", Progress(quiet=True), city=TINY.city) as db:
        cast = load_cast(db.deps)
        run_cases(db.deps, EngineChannel(db.deps), cast, 1, Progress(quiet=True), "template")
        generate(db, Volume(100, 30), Progress(quiet=True))
        leader = cast.centre["leader"]
        with db.deps.uow() as uow:
            s = uow.session
            assert s.scalar(select(func.count()).select_from(Case)) == 1 + 130
            closed_no = s.scalar(select(Case.case_no).where(Case.status == "closed").order_by(Case.id.desc()))
            open_ids = s.scalars(select(Task.case_id).where(Task.state == "open")).all()
            assert s.scalar(select(func.count()).select_from(CaseEvent)) > 130 * 3
        assert len(open_ids) == 30  # one ready task per open case
        page = queries.get_case(db.deps, leader, closed_no)
        assert page["timeline"][0]["action"] == "report"
        assert page["timeline"][-1]["action"] == "closed"
        inbox = [t for actor in cast.by_user_id.values() for t in tasks.list_tasks(db.deps, actor, limit=200)]
        assert len({t.id for t in inbox}) == 30  # every open task is in someone's inbox


def test_the_floor_takes_the_engines_path(tmp_path):
    """The floor is only a floor if it runs what the engine ran: same user tasks, same order
    (in a district with a command sub-centre, through the district's call activity)."""
    from sqlalchemy import select

    from bench.env import load_cast, open_database
    from bench.floor import Floor
    from bench.lifecycle import EngineChannel, drive_case
    from engine.store.models import Case, Task

    with open_database("sqlite", tmp_path / "db", Progress(quiet=True), city=TINY.city) as db:
        cast = load_cast(db.deps)
        centres = db.deps.settings.raw["district_centers"]
        n = next(i for i, point in enumerate(cast.points) if point[2] in centres)
        district = cast.points[n][2]
        drive_case(db.deps, EngineChannel(db.deps), cast, n)
        with db.deps.uow() as uow:
            engine_path = uow.session.scalars(
                select(Task.bpmn_id).join(Case, Case.id == Task.case_id).where(Task.state == "completed")
                .order_by(Task.created_at, Task.id)).all()
        floor = Floor(db.deps)
        floor.run_case(cast.department_of[district], district)

    assert "district_dispatch" in engine_path
    assert floor.path == list(engine_path)
