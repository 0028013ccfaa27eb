"""Decisions are durable and idempotent; rolling state survives a restart; executed payments
reach the ledger once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import update

from integrita.domain.workflow import Actor
from integrita.errors import ConflictError, StateTransitionError
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.realtime import payments
from integrita.services.realtime.ledger_flush import flush_to_ledger
from integrita.store import Database
from integrita.store.models import ExecutedPayment
from integrita.store.repositories import outbox as outbox_repo
from integrita.store.repositories import realtime as repo
from tests.conftest import FixedClock
from tests.realtime.conftest import decide

ANALYST = Actor("analyst", frozenset({"analyst"}))
REVIEWER = Actor("reviewer1", frozenset({"reviewer"}))

Pay = Callable[..., payments.PaymentRequest]


def test_decision_is_stored_and_a_retry_returns_it_without_sending_twice(
    bank: Context, payment: Pay
) -> None:
    request = payment(to_bank="B999", amount="60000.00")
    first = decide(bank, request)
    with bank.db.transaction() as session:
        stored = repo.get_decision(session, request.txn_id)
        assert stored is not None and stored.decision == "notify"
        messages_before = len(outbox_repo.all_messages(session))
    again = decide(bank, request)
    assert again == first
    with bank.db.transaction() as session:
        assert len(outbox_repo.all_messages(session)) == messages_before == 1
        assert repo.count_decisions(session) == 1


def test_same_txn_id_with_a_different_event_is_a_conflict(bank: Context, payment: Pay) -> None:
    decide(bank, payment(txn_id="DUP1", amount="10.00"))
    with pytest.raises(ConflictError):
        decide(bank, payment(txn_id="DUP1", amount="11.00"))


def test_rolling_state_survives_a_restart(bank: Context, payment: Pay, clock: FixedClock) -> None:
    decide(bank, payment(kind="purchase", occurred_at=clock.now))
    decide(bank, payment(kind="purchase", occurred_at=clock.now))
    bank.db.dispose()
    restarted = Context(settings=bank.settings, db=Database(bank.db.url), clock=clock)
    try:
        third = decide(restarted, payment(kind="purchase", occurred_at=clock.now))
        assert third["decision"] == "verify"
    finally:
        restarted.db.dispose()


def test_executed_payments_reach_the_ledger_in_batches_exactly_once(
    bank: Context, payment: Pay
) -> None:
    ids = []
    for amount in ("10.00", "20.00", "30.00"):
        answer = decide(bank, payment(amount=amount))
        payments.record_outcome(bank, answer["txn_id"], "executed", actor="channel")
        ids.append(answer["txn_id"])
    cancelled = decide(bank, payment(amount="40.00"))
    payments.record_outcome(bank, cancelled["txn_id"], "cancelled", actor="channel")
    # the same outcome twice is harmless
    payments.record_outcome(bank, ids[0], "executed", actor="channel")
    first = flush_to_ledger(bank, batch_size=2)
    assert (first.offered, first.stored, first.pending) == (3, 3, 0)
    # a crash before marking would re-offer the rows: the ledger de-duplicates them
    with bank.db.transaction() as session:
        session.execute(update(ExecutedPayment).values(flushed_at=None))
    second = flush_to_ledger(bank)
    assert (second.offered, second.stored) == (3, 0)
    table = open_ledger(bank).read()
    assert sorted(table.column("txn_id").to_pylist()) == sorted(ids)
    assert table.column("amount_paid_minor").to_pylist() == [1000, 2000, 3000]


def test_a_held_payment_cannot_be_executed_until_released(bank: Context, payment: Pay) -> None:
    payments.block_counterparty(bank, "B777", "MULE1", "mule", user=ANALYST)
    held = decide(bank, payment(to_bank="B777", to_account="MULE1"))
    with pytest.raises(StateTransitionError):
        payments.record_outcome(bank, held["txn_id"], "executed", actor="channel")
    assert payments.review_hold(bank, held["txn_id"], True, user=REVIEWER) == "released"
    assert (
        payments.record_outcome(bank, held["txn_id"], "executed", actor="channel")["status"]
        == "executed"
    )
    assert payments.hold_queue(bank) == []


def test_a_rejected_hold_cannot_be_executed(bank: Context, payment: Pay) -> None:
    payments.block_counterparty(bank, "B777", "MULE1", "mule", user=ANALYST)
    held = decide(bank, payment(to_bank="B777", to_account="MULE1"))
    assert payments.review_hold(bank, held["txn_id"], False, user=REVIEWER) == "rejected"
    with pytest.raises(StateTransitionError):
        payments.record_outcome(bank, held["txn_id"], "executed", actor="channel")
    with pytest.raises(StateTransitionError):
        payments.review_hold(bank, held["txn_id"], True, user=REVIEWER)


def test_a_concurrent_retry_that_loses_the_race_replays_the_stored_decision(
    bank: Context, payment: Pay, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = payment(to_bank="B999", amount="60000.00")
    first = decide(bank, request)
    real = repo.decision_answer
    calls = {"n": 0}

    def not_yet_visible(session: object, txn_id: str) -> object:
        # the first look happens "before" the other transaction committed
        calls["n"] += 1
        return None if calls["n"] == 1 else real(session, txn_id)  # type: ignore[arg-type]

    monkeypatch.setattr(repo, "decision_answer", not_yet_visible)
    assert decide(bank, request) == first
    with bank.db.transaction() as session:
        assert repo.count_decisions(session) == 1
        assert len(outbox_repo.all_messages(session)) == 1  # the loser's rows were rolled back
    with pytest.raises(ConflictError):
        calls["n"] = 0
        decide(bank, payment(txn_id=request.txn_id, amount="1.00"))
