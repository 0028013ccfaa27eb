"""Information segregation: four-eyes on the lists, pre-clearance, the daily trade check."""

from __future__ import annotations

from datetime import date

import pytest

from integrita.errors import NotFoundError, PermissionDeniedError, StateTransitionError
from integrita.services.core.context import Context
from integrita.services.governance import imports, registers, trade_check
from tests.governance.support import ANALYST, ANALYST_2, EMPLOYEE, REVIEWER

RESTRICTED = {
    "issuer": "Sinoriver Mining",
    "list": "restricted",
    "reason": "advising on the takeover",
    "listed_from": "2025-03-01",
}


def _list(ctx: Context, issuer: str, which: str = "restricted") -> int:
    rec = registers.file_record(
        ctx, "issuer_list", {**RESTRICTED, "issuer": issuer, "list": which}, actor=ANALYST
    ).record
    registers.act(ctx, "issuer_list", rec.id, "approve", actor=REVIEWER, seen_version=1)
    return rec.id


def test_the_proposer_cannot_approve_an_addition_to_the_restricted_list(ctx: Context) -> None:
    rec = registers.file_record(ctx, "issuer_list", RESTRICTED, actor=ANALYST).record
    # the proposer holds the reviewer role too, and still may not approve their own proposal
    both = type(ANALYST)("alice", frozenset({"analyst", "reviewer"}))
    with pytest.raises(StateTransitionError, match="separation of duties"):
        registers.act(ctx, "issuer_list", rec.id, "approve", actor=both, seen_version=1)
    with pytest.raises(PermissionDeniedError):
        registers.act(ctx, "issuer_list", rec.id, "approve", actor=ANALYST_2, seen_version=1)
    listed = registers.act(ctx, "issuer_list", rec.id, "approve", actor=REVIEWER, seen_version=1)
    assert listed.state == "listed"


def test_a_removal_needs_a_second_person_too(ctx: Context) -> None:
    entry = _list(ctx, "Sinoriver Mining")
    registers.act(ctx, "issuer_list", entry, "propose_removal", actor=REVIEWER, note="deal public")
    with pytest.raises(StateTransitionError, match="separation of duties"):
        registers.act(ctx, "issuer_list", entry, "approve_removal", actor=REVIEWER, seen_version=1)
    both = type(ANALYST)("alice", frozenset({"analyst", "reviewer"}))
    with pytest.raises(StateTransitionError, match="separation of duties"):
        # the original proposer is an author of the entry
        registers.act(ctx, "issuer_list", entry, "approve_removal", actor=both, seen_version=1)
    mlro = type(ANALYST)("mona", frozenset({"mlro"}))
    removed = registers.act(
        ctx, "issuer_list", entry, "approve_removal", actor=mlro, seen_version=1
    )
    assert removed.state == "removed"
    page = registers.get_record(ctx, "issuer_list", entry, actor=mlro)
    assert [(h.actor, h.action) for h in page.history] == [
        ("alice", "propose"),
        ("rita", "approve"),
        ("rita", "propose_removal"),
        ("mona", "approve_removal"),
    ]


def _request(
    ctx: Context, issuer: str, side: str = "buy", on: str = "2025-03-03"
) -> registers.Filed:
    return registers.file_record(
        ctx,
        "dealing_request",
        {
            "employee": EMPLOYEE.username,
            "issuer": issuer,
            "side": side,
            "quantity": "1000",
            "requested_on": on,
        },
        actor=EMPLOYEE,
    )


def test_preclearance_refuses_a_trade_in_a_restricted_issuer(ctx: Context) -> None:
    _list(ctx, "Sinoriver Mining")
    refused = _request(ctx, "Sinoriver Mining").record
    assert refused.state == "refused"
    assert "Sinoriver Mining is on the restricted list" in refused.fields["refusal"]
    assert _request(ctx, "Eastport Logistics").record.state == "cleared"


def test_preclearance_refuses_an_issuer_of_a_project_the_employee_is_wall_crossed_into(
    ctx: Context,
) -> None:
    crossing = registers.file_record(
        ctx,
        "wall_crossing",
        {
            "employee": EMPLOYEE.username,
            "project": "Project Lotus",
            "issuer": "Harbour Steel",
            "crossed_on": "2025-02-20",
            "purpose": "structuring the bond issue",
        },
        actor=ANALYST,
    ).record
    # the insider acknowledges their duties themselves; nobody does it for them
    with pytest.raises(StateTransitionError, match="only ed"):
        registers.act(ctx, "wall_crossing", crossing.id, "acknowledge", actor=ANALYST)
    registers.act(ctx, "wall_crossing", crossing.id, "acknowledge", actor=EMPLOYEE)
    refused = _request(ctx, "harbour steel").record
    assert refused.state == "refused"
    assert "over the wall on project Project Lotus" in refused.fields["refusal"]
    registers.act(ctx, "wall_crossing", crossing.id, "clear", actor=ANALYST, note="deal closed")
    assert _request(ctx, "harbour steel", on="2025-03-04").record.state == "cleared"


def test_a_sale_within_the_holding_period_is_refused(ctx: Context) -> None:
    bought = _request(ctx, "Eastport Logistics", "buy", "2025-03-03").record
    registers.act(ctx, "dealing_request", bought.id, "report_execution", actor=EMPLOYEE)
    early = _request(ctx, "Eastport Logistics", "sell", "2025-03-20").record
    assert early.state == "refused" and "holding period" in early.fields["refusal"]
    assert _request(ctx, "Eastport Logistics", "sell", "2025-04-02").record.state == "cleared"


def test_an_employee_files_only_their_own_request(ctx: Context) -> None:
    with pytest.raises(StateTransitionError, match="only ed"):
        registers.file_record(
            ctx,
            "dealing_request",
            {
                "employee": "ed",
                "issuer": "X",
                "side": "buy",
                "quantity": "1",
                "requested_on": "2025-03-03",
            },
            actor=ANALYST,
        )


TRADES = """ref,staff,name,direction,qty,date
BRK-1,ed,Eastport Logistics,buy,100,2025-03-03
BRK-2,ed,Sinoriver Mining,buy,50,2025-03-03
BRK-3,ed,Eastport Logistics,hold,50,2025-03-03
BRK-1,ed,Eastport Logistics,buy,100,2025-03-03
BRK-4,ed,Other Co,sell,10,03/03/2025
"""
MAPPING = {
    "broker_ref": "ref",
    "employee": "staff",
    "issuer": "name",
    "side": "direction",
    "quantity": "qty",
    "traded_on": "date",
}


def test_the_daily_check_flags_trades_and_raises_alerts_into_case_work(ctx: Context) -> None:
    _list(ctx, "Sinoriver Mining")
    _request(ctx, "Eastport Logistics")
    result = imports.import_csv(ctx, "employee_trade", TRADES, actor=ANALYST, mapping=MAPPING)
    assert (result.read, result.stored, result.duplicates, result.quarantined) == (5, 2, 1, 2)
    assert result.reconciles
    assert [q.line for q in result.rows] == [4, 6]
    assert "side" in result.rows[0].reason and "traded_on" in result.rows[1].reason

    checked = trade_check.check_trades(ctx, date(2025, 3, 3), actor=ANALYST)
    assert (checked.checked, checked.flagged, len(checked.alert_ids)) == (2, 1, 1)
    flagged = registers.list_records(ctx, "employee_trade", actor=ANALYST, state="flagged")
    assert [r.fields["broker_ref"] for r in flagged] == ["BRK-2"]
    assert "restricted list" in flagged[0].fields["finding"]
    assert "no pre-clearance" in flagged[0].fields["finding"]
    # a second run finds nothing new to check and raises nothing twice
    again = trade_check.check_trades(ctx, date(2025, 3, 3), actor=ANALYST)
    assert (again.checked, again.alert_ids) == (0, [])


def test_an_employee_reads_their_own_dealing_requests_and_nobody_elses(ctx: Context) -> None:
    mine = _request(ctx, "Eastport Logistics").record
    other = type(EMPLOYEE)("eva", frozenset({"complaints_officer"}))
    theirs = registers.file_record(
        ctx,
        "dealing_request",
        {
            "employee": "eva",
            "issuer": "Eastport Logistics",
            "side": "buy",
            "quantity": "5",
            "requested_on": "2025-03-03",
        },
        actor=other,
    ).record
    assert [r.id for r in registers.list_records(ctx, "dealing_request", actor=EMPLOYEE)] == [
        mine.id
    ]
    assert (
        registers.get_record(ctx, "dealing_request", mine.id, actor=EMPLOYEE).record.id == mine.id
    )
    with pytest.raises(NotFoundError):
        registers.get_record(ctx, "dealing_request", theirs.id, actor=EMPLOYEE)
    with pytest.raises(PermissionDeniedError):
        registers.list_records(ctx, "issuer_list", actor=EMPLOYEE)
    assert len(registers.list_records(ctx, "dealing_request", actor=REVIEWER)) == 2
