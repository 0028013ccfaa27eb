"""One-time-code challenges hold a payment until the customer answers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from integrita.errors import StateTransitionError
from integrita.services.core.context import Context
from integrita.services.realtime import challenges, payments
from integrita.store.repositories import outbox as outbox_repo
from integrita.store.repositories import realtime as repo
from tests.conftest import FixedClock
from tests.realtime.conftest import decide

Pay = Callable[..., payments.PaymentRequest]


def _challenge(bank: Context, payment: Pay) -> tuple[dict[str, Any], str]:
    answer = decide(bank, payment(counterparty_type="third_party_personal", new_device=True))
    assert answer["decision"] == "verify"
    with bank.db.transaction() as session:
        message = outbox_repo.by_key(session, f"payment:{answer['txn_id']}:payment_otp")
        assert message is not None
        code = str(message.params["secret_code"])
    return answer, code


def test_the_right_code_releases_the_payment(bank: Context, payment: Pay) -> None:
    answer, code = _challenge(bank, payment)
    result = challenges.answer(bank, answer["challenge"]["id"], code, actor="channel")
    assert (result.status, result.payment_status) == ("passed", "released")
    executed = payments.record_outcome(bank, answer["txn_id"], "executed", actor="channel")
    assert executed["status"] == "executed"


def test_a_challenged_payment_cannot_be_executed_before_the_answer(
    bank: Context, payment: Pay
) -> None:
    answer, _ = _challenge(bank, payment)
    with pytest.raises(StateTransitionError):
        payments.record_outcome(bank, answer["txn_id"], "executed", actor="channel")


def test_the_code_is_stored_only_hashed(bank: Context, payment: Pay) -> None:
    answer, code = _challenge(bank, payment)
    with bank.db.transaction() as session:
        row = repo.get_challenge(session, answer["challenge"]["id"])
        assert row is not None
        assert code not in row.code_hash
        assert row.code_hash == hashlib.sha256(f"{row.salt}:{code}".encode()).hexdigest()


def test_the_fifth_wrong_code_rejects_the_payment(
    bank: Context, payment: Pay, clock: FixedClock
) -> None:
    answer, code = _challenge(bank, payment)
    wrong = "000000" if code != "000000" else "111111"
    results = []
    for _ in range(5):
        clock.advance(seconds=2)
        results.append(challenges.answer(bank, answer["challenge"]["id"], wrong, actor="channel"))
    assert [r.attempts_left for r in results] == [4, 3, 2, 1, 0]
    assert results[-1].status == "failed"
    assert payments.get_decision(bank, answer["txn_id"])["status"] == "rejected"
    clock.advance(seconds=2)
    with pytest.raises(StateTransitionError):
        challenges.answer(bank, answer["challenge"]["id"], code, actor="channel")


def test_answers_are_rate_limited(bank: Context, payment: Pay, clock: FixedClock) -> None:
    answer, code = _challenge(bank, payment)
    challenges.answer(
        bank, answer["challenge"]["id"], "999999" if code != "999999" else "1", actor="c"
    )
    with pytest.raises(StateTransitionError, match="one per"):
        challenges.answer(bank, answer["challenge"]["id"], code, actor="channel")


def test_an_expired_challenge_rejects_the_payment(
    bank: Context, payment: Pay, clock: FixedClock
) -> None:
    answer, code = _challenge(bank, payment)
    clock.advance(seconds=301)
    result = challenges.answer(bank, answer["challenge"]["id"], code, actor="channel")
    assert (result.status, result.payment_status) == ("expired", "rejected")


def test_unanswered_challenges_expire_in_the_sweep(
    bank: Context, payment: Pay, clock: FixedClock
) -> None:
    answer, _ = _challenge(bank, payment)
    assert challenges.expire_due(bank) == 0
    clock.advance(minutes=6)
    assert challenges.expire_due(bank) == 1
    assert payments.get_decision(bank, answer["txn_id"])["status"] == "rejected"
