"""The tamper-evident timeline: every line hash-chained per case, days sealed, edits made in SQL caught."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select, text

from engine.audit import chain, digests
from engine.audit.verify import verify
from engine.store import migrate
from engine.store.audit_models import TimelineDigest
from engine.store.models import Case, CaseEvent
from engine.time.scheduler import tick
from tests.factories import act, report, straight_through
from web.cli import main


def _lines(deps, case_no):
    with deps.uow() as uow:
        return uow.session.execute(select(CaseEvent.id, CaseEvent.seq, CaseEvent.hash).join(
            Case, Case.id == CaseEvent.case_id).where(Case.case_no == case_no).order_by(CaseEvent.seq)).all()


def _cli(deps, *args):
    return CliRunner().invoke(main, list(args), obj={"deps": deps})


def test_every_line_is_numbered_and_chained_and_the_case_keeps_the_head(deps):
    made = report(deps)
    straight_through(deps, made.case_no)
    lines = _lines(deps, made.case_no)
    assert [seq for _, seq, _ in lines] == list(range(1, len(lines) + 1)) and len(lines) > 7
    with deps.uow() as uow:
        case = uow.session.scalar(select(Case).where(Case.case_no == made.case_no))
        assert (case.timeline_seq, case.timeline_head) == (len(lines), lines[-1].hash)
    result = verify(deps, case_no=made.case_no)
    assert result.ok and result.lines == len(lines)
    out = _cli(deps, "audit", "verify")
    assert out.exit_code == 0 and out.output.startswith("ok: ")


def test_a_row_edited_in_sql_is_named_by_verify(deps):
    made = report(deps)
    straight_through(deps, made.case_no)
    event_id, seq, _ = _lines(deps, made.case_no)[3]
    with deps.engine.begin() as conn:
        conn.execute(text("UPDATE case_events SET comment = 'nothing happened' WHERE id = :id"), {"id": event_id})
    first = verify(deps, case_no=made.case_no).first
    assert first is not None and (first.case_no, first.seq, first.event_id) == (made.case_no, seq, event_id)
    out = _cli(deps, "audit", "verify", "--case", made.case_no)
    assert out.exit_code == 1
    assert f"MISMATCH case {made.case_no}, line {seq} (case_events.id {event_id})" in out.output
    assert verify(deps).first == first  # the whole check finds the same line first


def test_a_line_whose_hash_was_recomputed_breaks_the_next_link(deps):
    made = report(deps)
    straight_through(deps, made.case_no)
    lines = _lines(deps, made.case_no)
    with deps.uow(write=True) as uow:
        row = uow.session.get(CaseEvent, lines[2].id)
        row.actor = "someone_else"
        row.hash = chain.line_hash({k: getattr(row, k) for k in chain.FIELDS}, row.seq, lines[1].hash)
        uow.commit()
    first = verify(deps, case_no=made.case_no).first
    assert first is not None and first.seq == lines[3].seq


def test_a_deleted_line_is_found_in_the_middle_and_at_the_end(deps):
    made = report(deps)
    straight_through(deps, made.case_no)
    lines = _lines(deps, made.case_no)
    with deps.engine.begin() as conn:
        conn.execute(text("DELETE FROM case_events WHERE id = :id"), {"id": lines[-1].id})
    first = verify(deps, case_no=made.case_no).first
    assert first is not None and "chain head" in first.reason
    with deps.engine.begin() as conn:
        conn.execute(text("DELETE FROM case_events WHERE id = :id"), {"id": lines[2].id})
    first = verify(deps, case_no=made.case_no).first
    assert first is not None and first.seq == lines[3].seq and "line 3 is missing" in first.reason


def test_a_duplicate_extends_the_original_cases_chain(deps, clock):
    first = report(deps)
    clock.advance(minutes=30)
    second = report(deps, source="citizen")
    act(deps, second.case_no, "register", {"decision": "void", "void_reason": "重复上报", "duplicate_of": first.case_no})
    assert verify(deps, case_no=first.case_no).ok and verify(deps, case_no=second.case_no).ok


def test_days_are_sealed_in_order_and_a_recomputed_chain_contradicts_the_seal(deps, clock):
    made = report(deps)
    day_one = clock.now().astimezone(digests.BEIJING).date()
    clock.advance(days=1)
    straight_through(deps, made.case_no)
    clock.advance(days=1)
    tick(deps)  # the scheduler seals the two finished days
    sealed = digests.listing(deps)
    assert [d.day for d in sealed][:2] == [day_one.isoformat(), (day_one.replace(day=day_one.day + 1)).isoformat()]
    assert sealed[1].prev_digest == sealed[0].digest and sealed[0].cases == 1
    assert verify(deps, day=day_one).ok and verify(deps).ok
    assert digests.seal_due(deps) == []  # each day once
    with deps.uow() as uow:  # what an evaluation records it was computed over
        assert digests.latest(uow.session).digest == digests.listing(deps)[-1].digest

    # An administrator edits the report's line and recomputes the whole chain and the case's head.
    with deps.uow(write=True) as uow:
        s = uow.session
        case = s.scalar(select(Case).where(Case.case_no == made.case_no))
        rows = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))
        rows[0].comment = "a different report"
        case.timeline_head, case.timeline_seq = None, 0
        lines = [{k: getattr(r, k) for k in chain.FIELDS} for r in rows]
        chain.extend(case, lines)
        for row, line in zip(rows, lines, strict=True):
            row.hash = line["hash"]
        uow.commit()
    assert verify(deps, case_no=made.case_no).findings[0].day == day_one.isoformat()
    out = _cli(deps, "audit", "verify", "--day", day_one.isoformat())
    assert out.exit_code == 1 and f"day {day_one.isoformat()}: the timeline no longer matches" in out.output
    printed = _cli(deps, "audit", "digests", "--json")
    assert printed.exit_code == 0 and sealed[0].digest in printed.output


def test_an_unsealed_day_and_a_bad_date_are_said_plainly(deps):
    out = _cli(deps, "audit", "verify", "--day", "2026-03-09")
    assert out.exit_code == 1 and "has not been sealed" in out.output
    out = _cli(deps, "audit", "verify", "--day", "yesterday")
    assert out.exit_code == 1 and "--day must be a date" in out.output
    out = _cli(deps, "audit", "verify", "--case", "nope")
    assert out.exit_code == 1 and "no case 'nope'" in out.output


def test_the_migration_chains_the_lines_stored_before_it(deps):
    made = report(deps)
    straight_through(deps, made.case_no)
    before = _lines(deps, made.case_no)
    migrate.downgrade(deps.engine, "0009")
    migrate.upgrade(deps.engine)
    assert _lines(deps, made.case_no) == before and verify(deps).ok
    with deps.uow() as uow:
        assert uow.session.scalar(select(TimelineDigest)) is None


def test_photos_are_chained_by_their_sha256_and_a_swapped_row_or_file_is_caught(deps):
    from engine.cases import attachments
    from tests.factories import actor
    from tests.pages.conftest import jpeg

    made = report(deps)
    view = attachments.add_attachments(deps, actor(deps, "operator"), made.case_no,
                                       [attachments.Upload(jpeg(color="green"))], "before")[0]
    assert verify(deps, case_no=made.case_no).ok
    original = attachments.file_path(deps.settings, view.sha256, "original")
    original.write_bytes(jpeg(color="black"))  # the evidence file replaced on disk
    first = verify(deps, case_no=made.case_no).first
    assert first is not None and "does not match its SHA-256" in first.reason
    with deps.engine.begin() as conn:  # the row pointed at another file
        conn.execute(text("UPDATE attachments SET sha256 = :s WHERE id = :id"), {"s": "a" * 64, "id": view.id})
    first = verify(deps, case_no=made.case_no).first
    assert first is not None and "is on no timeline line" in first.reason
