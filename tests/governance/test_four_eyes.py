"""Per register: the person who did the work never approves it, whatever roles they hold, and
every step — refused ones excepted — is one audit event in the record's history."""

from __future__ import annotations

import pytest

from integrita.domain.roles import Role
from integrita.domain.workflow import Actor
from integrita.errors import StateTransitionError
from integrita.services.core.context import Context
from integrita.services.governance import registers

EVERY_ROLE = frozenset(r.value for r in Role)


def _all_roles(username: str) -> Actor:
    return Actor(username, EVERY_ROLE)


#: register -> (fields, steps by the worker before the approval, the approval)
LIVES: dict[str, tuple[dict[str, str], list[str], str]] = {
    "conflict_declaration": (
        {"employee": "wendy", "unit": "IB", "year": "2025", "interests": "board seat",
         "declared_on": "2025-03-03"},
        [],
        "accept",
    ),
    "brand_user": (
        {"licensee": "Partner app", "channel": "online", "scope": "logo",
         "term_from": "2025-03-01", "term_to": "2026-02-28"},
        [],
        "authorise",
    ),
    "brand_exemption": (
        {"holder": "Old sign", "exemption": "legacy logo", "granted_on": "2025-01-06"},
        [],
        "approve",
    ),
    "rectification_action": (
        {"inspection": "INS-7", "action": "fix files", "owner": "wendy", "due_on": "2025-04-30"},
        ["rectify"],
        "verify",
    ),
    "whistleblowing_report": (
        {"intake_ref": "WB-7", "received_on": "2025-03-01", "channel": "letter",
         "allegation": "bribe"},
        ["investigate", "conclude"],
        "close",
    ),
    "supplier": (
        {"code": "S9", "name": "Nine", "country": "CN", "category": "IT", "csr_clauses": "yes"},
        [],
        "qualify",
    ),
    "gift": (
        {"employee": "wendy", "unit": "IB", "direction": "given", "kind": "entertainment",
         "counterparty": "Client", "value": "1500", "occurred_on": "2025-03-01",
         "description": "concert tickets"},
        [],
        "approve",
    ),
    "ip_case": (
        {"reference": "IP-7", "platform": "shop", "item": "fake", "evidence": "photos",
         "identified_on": "2025-03-01"},
        ["validate"],
        "refer",
    ),
}  # fmt: skip


@pytest.mark.parametrize("register", sorted(LIVES))
def test_the_worker_never_approves_their_own_work(ctx: Context, register: str) -> None:
    fields, work, approval = LIVES[register]
    worker, other = _all_roles("wendy"), _all_roles("oscar")
    record = registers.file_record(ctx, register, fields, actor=worker).record
    # the worker files the record and does its work
    for action in work:
        registers.act(ctx, register, record.id, action, actor=worker)
    version = registers.get_record(ctx, register, record.id, actor=other).record.version
    with pytest.raises(StateTransitionError, match="separation of duties"):
        registers.act(ctx, register, record.id, approval, actor=worker, seen_version=version)
    page = registers.get_record(ctx, register, record.id, actor=worker)
    assert approval not in page.actions
    assert len(page.history) == 1 + len(work)  # the refusal wrote nothing
    done = registers.act(ctx, register, record.id, approval, actor=other, seen_version=version)
    assert done.state != record.state
    history = registers.get_record(ctx, register, record.id, actor=other).history
    assert [h.actor for h in history] == ["wendy"] * (1 + len(work)) + ["oscar"]
