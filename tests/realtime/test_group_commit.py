"""Decisions in batches (group commit): payments of one account see each other inside a batch,
one bad payment does not spoil the others, and a race with another process replays the stored
answer. How the server gathers batches on its event loop: ``test_loop_decisions``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from integrita.errors import ConflictError, InputError
from integrita.services.core.context import Context
from integrita.services.realtime import decisions, payments
from integrita.store.repositories import realtime as repo

Factory = Callable[..., payments.PaymentRequest]


def test_three_purchases_in_one_batch_verify_the_third(bank: Context, payment: Factory) -> None:
    at = bank.now()
    batch = [
        payment(kind="purchase", occurred_at=at + timedelta(minutes=i), to_account=f"M{i}")
        for i in range(3)
    ]
    answers = decisions.decide_many(bank, batch)
    assert [a["decision"] for a in answers if isinstance(a, dict)] == ["allow", "allow", "verify"]
    assert answers[2]["challenge"] is not None  # type: ignore[index]


def test_a_bad_payment_gets_its_error_and_the_others_are_decided(
    bank: Context, payment: Factory
) -> None:
    good, unknown, also_good = payment(), payment(from_account="NOPE"), payment(amount="-1")
    answers = decisions.decide_many(bank, [good, unknown, also_good, payment()])
    assert isinstance(answers[0], dict) and answers[0]["decision"] == "allow"
    assert isinstance(answers[1], InputError) and answers[1].field == "from_account"
    assert isinstance(answers[2], InputError) and answers[2].field == "amount"
    assert isinstance(answers[3], dict)
    with bank.db.transaction() as session:
        assert repo.count_decisions(session) == 2


def test_the_same_txn_id_twice_in_a_batch_is_decided_once(bank: Context, payment: Factory) -> None:
    first = payment(txn_id="DUP-1", to_bank="B999", amount="60000")
    changed = payment(txn_id="DUP-1", to_bank="B999", amount="60001")
    answers = decisions.decide_many(bank, [first, first, changed])
    assert answers[0] == answers[1]
    assert isinstance(answers[2], ConflictError)
    with bank.db.transaction() as session:
        assert repo.count_decisions(session) == 1
        assert len([n for n in repo.decision_ids(session) if n == "DUP-1"]) == 1


def test_a_decision_stored_by_another_process_meanwhile_is_replayed(
    bank: Context, payment: Factory, request: pytest.FixtureRequest
) -> None:
    raced = payment(txn_id="RACE-1", to_bank="B999", amount="70000")
    other = payment(txn_id="RACE-2")
    theirs = decisions.evaluate_payment(bank, raced, actor="other process")
    calls = request.getfixturevalue("stale_first_read")  # from here on, as in the race
    answers = decisions.decide_many(bank, [other, raced])
    assert answers[1] == theirs  # the unique key refused the second decision; the retry replays
    assert isinstance(answers[0], dict) and answers[0]["txn_id"] == "RACE-2"
    assert calls["n"] == 2
    with bank.db.transaction() as session:
        assert sorted(repo.decision_ids(session)) == ["RACE-1", "RACE-2"]
