"""Account-opening checks: an account opened on someone's behalf stays inactive until the
verification task is completed with a recorded outcome."""

from __future__ import annotations

import pytest

from integrita.domain.workflow import Actor
from integrita.errors import StateTransitionError
from integrita.services.core.context import Context
from integrita.services.realtime import account_opening
from integrita.store.repositories import customers as customers_repo

CLERK = Actor("clerk", frozenset({"analyst"}))


def _status(ctx: Context, account_id: str) -> str:
    with ctx.db.transaction() as session:
        account = customers_repo.get_account(session, account_id)
        assert account is not None
        return account.status


def test_representative_opening_a_personal_account_needs_phone_verification_before_activation(
    bank: Context,
) -> None:
    tasks = account_opening.record_opening(bank, "A1", "representative", "Zhao Lei", user=CLERK)
    assert [(t.kind, t.status) for t in tasks] == [("representative_phone_verification", "open")]
    assert "Zhao Lei" in tasks[0].subject
    assert _status(bank, "A1") == "pending_verification"
    with pytest.raises(StateTransitionError, match="is open"):
        account_opening.activate(bank, "A1", user=CLERK)
    done = account_opening.complete_task(
        bank, tasks[0].id, "confirmed", "called 138... and verified ID", user=CLERK
    )
    assert (done.status, done.outcome, done.completed_by) == ("completed", "confirmed", "clerk")
    assert _status(bank, "A1") == "active"


def test_non_legal_representative_opening_a_corporate_settlement_account_needs_legal_rep_verification(
    bank: Context,
) -> None:
    tasks = account_opening.record_opening(bank, "A3", "authorised_agent", "Sun Li", user=CLERK)
    assert tasks[0].kind == "legal_representative_verification"
    assert "Zhang Min" in tasks[0].subject
    account_opening.complete_task(bank, tasks[0].id, "refused", "legal rep denied", user=CLERK)
    assert _status(bank, "A3") == "pending_verification"
    with pytest.raises(StateTransitionError, match="refused"):
        account_opening.activate(bank, "A3", user=CLERK)


def test_legal_representative_or_holder_opening_needs_no_task(bank: Context) -> None:
    assert (
        account_opening.record_opening(bank, "A3", "legal_representative", "Zhang Min", user=CLERK)
        == []
    )
    assert account_opening.record_opening(bank, "A1", "holder", "Li Wei", user=CLERK) == []
    assert _status(bank, "A3") == "active"


def test_a_completed_task_cannot_be_completed_again(bank: Context) -> None:
    tasks = account_opening.record_opening(bank, "A1", "representative", "Zhao Lei", user=CLERK)
    account_opening.complete_task(bank, tasks[0].id, "confirmed", "ok", user=CLERK)
    with pytest.raises(StateTransitionError):
        account_opening.complete_task(bank, tasks[0].id, "refused", "changed mind", user=CLERK)


def test_each_status_change_of_the_account_is_in_the_audit_trail(bank: Context) -> None:
    import json

    from integrita.store.repositories import audit as audit_repo

    def status(snapshot: str | None) -> object:
        return json.loads(snapshot)["status"] if snapshot else None

    tasks = account_opening.record_opening(bank, "A1", "representative", "Zhao Lei", user=CLERK)
    account_opening.complete_task(bank, tasks[0].id, "confirmed", "called back", user=CLERK)
    with bank.db.transaction() as session:
        changes = [
            (e.action, e.actor, status(e.before), status(e.after))
            for e in audit_repo.events_for(session, "account", "A1")
        ]
    assert changes == [
        ("account_opening.task_created", "clerk", "active", "pending_verification"),
        ("account.activated", "clerk", "pending_verification", "active"),
    ]
