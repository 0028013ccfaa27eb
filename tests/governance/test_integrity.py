"""Anti-corruption: gift threshold and approval, inspections, whistle-blowing identity."""

from __future__ import annotations

import pytest

from integrita.errors import PermissionDeniedError, StateTransitionError
from integrita.services.core.context import Context
from integrita.services.governance import figures, registers
from tests.governance.support import ANALYST, AUDITOR, EMPLOYEE, MLRO, REVIEWER

GIFT = {
    "employee": "ed",
    "unit": "Retail",
    "direction": "received",
    "kind": "gift",
    "counterparty": "Golden Bridge Trading",
    "occurred_on": "2025-02-28",
    "description": "tea set",
}


def test_a_gift_over_the_threshold_waits_for_a_reviewer(ctx: Context) -> None:
    small = registers.file_record(ctx, "gift", {**GIFT, "value": "200.00"}, actor=EMPLOYEE)
    assert small.record.state == "registered"
    big = registers.file_record(
        ctx, "gift", {**GIFT, "value": "2800", "kind": "hospitality"}, actor=EMPLOYEE
    ).record
    assert big.state == "pending_approval"
    with pytest.raises(PermissionDeniedError):
        registers.act(ctx, "gift", big.id, "approve", actor=EMPLOYEE, seen_version=1)
    declined = registers.act(
        ctx, "gift", big.id, "decline", actor=REVIEWER, seen_version=1, note="return it"
    )
    assert declined.state == "declined"


def test_an_inspection_closes_only_when_its_actions_are_verified(ctx: Context) -> None:
    insp = registers.file_record(
        ctx,
        "inspection",
        {
            "reference": "INS-2025-01",
            "unit": "Henan Branch",
            "scope": "credit approvals",
            "started_on": "2025-03-03",
        },
        actor=ANALYST,
    ).record
    registers.act(
        ctx,
        "inspection",
        insp.id,
        "amend",
        actor=ANALYST,
        changes={"findings": "two files lacked sign-off"},
    )
    registers.act(ctx, "inspection", insp.id, "report", actor=ANALYST)
    registers.act(ctx, "inspection", insp.id, "follow_up", actor=ANALYST)
    action = registers.file_record(
        ctx,
        "rectification_action",
        {
            "inspection": "INS-2025-01",
            "action": "obtain sign-offs",
            "owner": "ed",
            "due_on": "2025-03-31",
        },
        actor=ANALYST,
    ).record
    with pytest.raises(StateTransitionError, match="not verified yet"):
        registers.act(ctx, "inspection", insp.id, "close", actor=REVIEWER, seen_version=2)
    registers.act(ctx, "rectification_action", action.id, "rectify", actor=EMPLOYEE)
    registers.act(ctx, "rectification_action", action.id, "verify", actor=ANALYST)
    with pytest.raises(StateTransitionError, match="separation of duties"):
        both = type(ANALYST)("alice", frozenset({"analyst", "reviewer"}))
        registers.act(ctx, "inspection", insp.id, "close", actor=both, seen_version=2)
    assert (
        registers.act(ctx, "inspection", insp.id, "close", actor=REVIEWER, seen_version=2).state
        == "closed"
    )


def test_overdue_rectification_actions_are_listed(ctx: Context) -> None:
    registers.file_record(
        ctx,
        "rectification_action",
        {"inspection": "INS-1", "action": "fix", "owner": "ed", "due_on": "2025-02-28"},
        actor=ANALYST,
    )
    assert [i.due_on.isoformat() for i in figures.overdue_rectifications(ctx, actor=ANALYST)] == [
        "2025-02-28"
    ]


def test_only_the_mlro_sees_a_whistleblower_and_every_view_is_audited(ctx: Context) -> None:
    report = registers.file_record(
        ctx,
        "whistleblowing_report",
        {
            "intake_ref": "WB-2025-001",
            "received_on": "2025-03-01",
            "channel": "hotline",
            "allegation": "kickbacks on a supplier contract",
            "reporter_identity": "Zhang Wei, procurement",
        },
        actor=REVIEWER,
    ).record
    assert report.fields["reporter_identity"] == "(withheld)"
    with pytest.raises(PermissionDeniedError):
        registers.list_records(ctx, "whistleblowing_report", actor=AUDITOR)
    with pytest.raises(PermissionDeniedError):
        registers.reveal_protected(
            ctx, "whistleblowing_report", report.id, "reporter_identity", actor=REVIEWER
        )
    assert (
        registers.reveal_protected(
            ctx, "whistleblowing_report", report.id, "reporter_identity", actor=MLRO
        )
        == "Zhang Wei, procurement"
    )
    page = registers.get_record(ctx, "whistleblowing_report", report.id, actor=MLRO)
    assert [(h.actor, h.action) for h in page.history] == [
        ("rita", "receive"),
        ("mona", "viewed_reporter_identity"),
    ]
    assert "Zhang" not in registers.export_csv(ctx, "whistleblowing_report", actor=MLRO)


def test_staff_without_this_years_declaration_are_listed(ctx: Context) -> None:
    from integrita.services.core import users

    for name, role in (
        ("ed", "product_owner"),
        ("eva", "complaints_officer"),
        ("api", "payment_channel"),
    ):
        users.add_user(ctx, name, name, None, [role])
    registers.file_record(
        ctx,
        "conflict_declaration",
        {
            "employee": "ed",
            "unit": "Retail",
            "year": "2025",
            "interests": "none",
            "declared_on": "2025-03-03",
        },
        actor=EMPLOYEE,
    )
    # the payment channel is a system, not staff; ed has declared for 2025, not for 2026
    assert figures.declarations_missing(ctx, 2025, actor=REVIEWER) == ["eva"]
    assert figures.declarations_missing(ctx, 2026, actor=REVIEWER) == ["ed", "eva"]
