"""The case state machine as the services enforce it, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from integrita.domain.casework import CaseAction, CaseState, Decision
from integrita.errors import PermissionDeniedError, StateTransitionError
from integrita.services.casework import cases
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.store.repositories import audit as audit_repo
from tests.casework.conftest import alert_for, seed_customer


def _case_events(ctx: Context, case_id: int) -> int:
    with ctx.db.transaction() as session:
        return len(audit_repo.events_for(session, "case", str(case_id)))


def _all_events(ctx: Context) -> int:
    with ctx.db.transaction() as session:
        return audit_repo.count_events(session)


def test_new_alerts_join_the_customers_open_case(ctx: Context) -> None:
    alert_for(ctx, "C1", "structuring", 0.4)
    first = cases.open_cases_from_alerts(ctx)
    alert_for(ctx, "C1", "rapid_movement", 0.85)
    alert_for(ctx, "C2", "structuring", 0.3)
    second = cases.open_cases_from_alerts(ctx)
    assert (first.cases_opened, first.alerts_attached) == (1, 1)
    assert (second.cases_opened, second.cases_updated, second.alerts_attached) == (1, 1, 2)
    ana = UserView(0, "ana", "Ana", frozenset({"analyst"}), True)
    queue = cases.case_queue(ctx, ana, customer_id="C1")
    assert queue.total == 1
    case = queue.rows[0]
    assert case.alert_count == 2
    assert case.typologies == ["rapid_movement", "structuring"]
    assert case.priority == "high"  # from the higher model score


def test_every_state_change_writes_exactly_one_audit_event(
    goaml_ctx: Context, person: Callable[..., UserView]
) -> None:
    ctx = goaml_ctx
    seed_customer(ctx)
    alert_for(ctx)
    cases.open_cases_from_alerts(ctx)
    ana, rita, rob = person("ana", "analyst"), person("rita", "reviewer"), person("rob", "reviewer")
    case_id = cases.case_queue(ctx, ana).rows[0].id
    steps = [
        (CaseAction.START, ana, {}),
        (CaseAction.PROPOSE, ana, {"decision": Decision.REPORT, "reason": "structuring"}),
        (CaseAction.TAKE_REVIEW, rita, {}),
        (CaseAction.RETURN, rita, {"comment": "add the counterparties"}),
        (CaseAction.RESUME, ana, {}),
        (
            CaseAction.PROPOSE,
            ana,
            {"decision": Decision.REPORT, "reason": "structuring, 3 parties"},
        ),
        (CaseAction.APPROVE, rob, {}),
    ]
    for action, user, kwargs in steps:
        before_case, before_all = _case_events(ctx, case_id), _all_events(ctx)
        case = cases.transition(ctx, case_id, action, user, **kwargs)
        assert _case_events(ctx, case_id) == before_case + 1, action
        # Approving a report also drafts the STR and records the customer's risk event
        # (the customer is to be re-rated): two more records, each with its own event.
        extra = 2 if action is CaseAction.APPROVE else 0
        assert _all_events(ctx) == before_all + 1 + extra, action
    assert case.state == CaseState.APPROVED
    file = cases.case_file(ctx, case_id, ana)
    assert len(file.reports) == 1 and file.reports[0].status == "draft"
    assert file.case.review_comment is None  # the approval carries no comment
    assert audit.verify(ctx).intact


def test_an_approved_report_marks_the_customer_for_risk_re_rating(
    goaml_ctx: Context, person: Callable[..., UserView]
) -> None:
    from integrita.store.repositories import risk as risk_repo

    ctx = goaml_ctx
    customer_id = "C1"
    seed_customer(ctx, customer_id)
    alert_for(ctx)
    cases.open_cases_from_alerts(ctx)
    ana, rob = person("ana", "analyst"), person("rob", "reviewer")
    case_id = cases.case_queue(ctx, ana).rows[0].id
    cases.transition(ctx, case_id, CaseAction.START, ana)
    cases.transition(
        ctx, case_id, CaseAction.PROPOSE, ana, decision=Decision.REPORT, reason="structuring"
    )
    cases.transition(ctx, case_id, CaseAction.TAKE_REVIEW, rob)
    cases.transition(ctx, case_id, CaseAction.APPROVE, rob)
    report_id = cases.case_file(ctx, case_id, ana).reports[0].id
    with ctx.db.transaction() as session:
        event = risk_repo.find_event(session, customer_id, "str", f"STR-{report_id}")
        assert event is not None
        assert risk_repo.pending_event_count(session) >= 1


def test_an_analyst_cannot_approve_their_own_proposal(
    ctx: Context, person: Callable[..., UserView]
) -> None:
    alert_for(ctx)
    cases.open_cases_from_alerts(ctx)
    both = person("mia", "analyst", "reviewer")
    case_id = cases.case_queue(ctx, both).rows[0].id
    cases.transition(
        ctx, case_id, CaseAction.PROPOSE, both, decision=Decision.NOT_SUSPICIOUS, reason="salary"
    )
    events = _all_events(ctx)
    with pytest.raises(StateTransitionError, match="separation of duties"):
        cases.transition(ctx, case_id, CaseAction.APPROVE, both)
    assert _all_events(ctx) == events  # a refused transition writes nothing
    other = person("rob", "reviewer")
    assert cases.transition(ctx, case_id, CaseAction.APPROVE, other).state == CaseState.APPROVED
    closed = cases.transition(ctx, case_id, CaseAction.CLOSE, other)
    assert closed.state == CaseState.CLOSED


def test_an_analyst_cannot_approve_and_an_auditor_cannot_propose(
    ctx: Context, person: Callable[..., UserView]
) -> None:
    alert_for(ctx)
    cases.open_cases_from_alerts(ctx)
    ana, audrey = person("ana", "analyst"), person("audrey", "auditor")
    case_id = cases.case_queue(ctx, audrey).rows[0].id
    with pytest.raises(PermissionDeniedError):
        cases.transition(
            ctx, case_id, CaseAction.PROPOSE, audrey, decision=Decision.REPORT, reason="x"
        )
    cases.transition(ctx, case_id, CaseAction.PROPOSE, ana, decision=Decision.REPORT, reason="x")
    with pytest.raises(PermissionDeniedError):
        cases.transition(ctx, case_id, CaseAction.APPROVE, ana)


def test_a_returned_proposal_needs_the_reviewers_comment(
    ctx: Context, person: Callable[..., UserView]
) -> None:
    alert_for(ctx)
    cases.open_cases_from_alerts(ctx)
    ana, rita = person("ana", "analyst"), person("rita", "reviewer")
    case_id = cases.case_queue(ctx, ana).rows[0].id
    cases.transition(ctx, case_id, CaseAction.PROPOSE, ana, decision=Decision.REPORT, reason="x")
    with pytest.raises(StateTransitionError, match="comment"):
        cases.transition(ctx, case_id, CaseAction.RETURN, rita, comment="  ")
    returned = cases.transition(ctx, case_id, CaseAction.RETURN, rita, comment="more evidence")
    assert (returned.state, returned.review_comment) == (CaseState.RETURNED, "more evidence")


def test_editing_any_audit_row_makes_verify_name_that_event(
    ctx: Context, person: Callable[..., UserView]
) -> None:
    from sqlalchemy import text

    alert_for(ctx)
    cases.open_cases_from_alerts(ctx)
    ana = person("ana", "analyst")
    case_id = cases.case_queue(ctx, ana).rows[0].id
    note = cases.add_note(ctx, case_id, "called the branch", ana)
    assert audit.verify(ctx).intact
    with ctx.db.transaction() as session:
        seq = session.execute(
            text("SELECT seq FROM audit_events WHERE action = 'case.note_added'")
        ).scalar_one()
        session.execute(
            text("UPDATE audit_events SET after = :a WHERE seq = :s"),
            {"a": '{"body":"nothing to see"}', "s": seq},
        )
    result = audit.verify(ctx)
    assert note.id >= 1
    assert result.broken_at == seq
