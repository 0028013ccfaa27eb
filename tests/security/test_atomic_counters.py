"""Counters that concurrency cannot cheat: one-time-code attempts and failed sign-ins.

Issue 17 (Concurrency): on SQLite the attempt limit was a read-then-write, and 40 concurrent
wrong answers got 25 evaluated instead of 5. Each test fires the answers from 40 threads at
once, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from integrita.errors import AuthenticationError, StateTransitionError
from integrita.services.core import auth, users
from integrita.services.core.context import Context
from integrita.services.realtime import challenges, payments
from integrita.store.models import User
from integrita.store.repositories import realtime as repo
from tests.conftest import PASSWORD, LiveServer
from tests.realtime.conftest import seed_bank
from tests.realtime.test_challenges import _challenge

Pay = Callable[..., payments.PaymentRequest]
CONCURRENT = 40


@pytest.fixture
def no_rate_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """All 40 answers arrive in the same instant; the per-second limit would refuse all but
    one for the wrong reason, so it is off here and only the attempt limit is tested."""
    monkeypatch.setattr(challenges, "_min_gap", lambda session, now: 0.0)


def _all_at_once(calls: int, work: Callable[[], Any]) -> list[Any]:
    start = threading.Barrier(calls)

    def one(_: int) -> Any:
        start.wait()
        try:
            return work()
        except (StateTransitionError, AuthenticationError) as exc:
            return exc

    with ThreadPoolExecutor(calls) as pool:
        return list(pool.map(one, range(calls)))


@pytest.mark.usefixtures("no_rate_limit")
def test_forty_concurrent_wrong_codes_are_evaluated_at_most_max_attempts_times(
    bank: Context, payment: Pay
) -> None:
    answer, code = _challenge(bank, payment)
    wrong = "000000" if code != "000000" else "111111"
    challenge_id = answer["challenge"]["id"]
    results = _all_at_once(
        CONCURRENT, lambda: challenges.answer(bank, challenge_id, wrong, actor="channel")
    )
    evaluated = [r for r in results if isinstance(r, challenges.AnswerResult)]
    assert len(evaluated) == answer["challenge"]["max_attempts"] == 5
    assert sorted(r.attempts_left for r in evaluated) == [0, 1, 2, 3, 4]
    assert [r.status for r in evaluated].count("failed") == 1
    with bank.db.transaction() as session:
        row = repo.get_challenge(session, challenge_id)
        assert row is not None and (row.attempts, row.status) == (5, "failed")
    assert payments.get_decision(bank, answer["txn_id"])["status"] == "rejected"


@pytest.mark.usefixtures("no_rate_limit")
def test_the_right_code_after_concurrent_wrong_ones_is_refused_once_attempts_are_spent(
    bank: Context, payment: Pay
) -> None:
    answer, code = _challenge(bank, payment)
    wrong = "000000" if code != "000000" else "111111"
    challenge_id = answer["challenge"]["id"]
    _all_at_once(CONCURRENT, lambda: challenges.answer(bank, challenge_id, wrong, actor="c"))
    with pytest.raises(StateTransitionError, match="already failed"):
        challenges.answer(bank, challenge_id, code, actor="channel")


@pytest.mark.usefixtures("no_rate_limit")
def test_forty_concurrent_wrong_codes_through_the_api_are_evaluated_at_most_five_times(
    ctx: Context, payment: Pay
) -> None:
    seed_bank(ctx)
    users.add_user(ctx, "channel", "Channel", PASSWORD, ["payment_channel"])
    token = users.issue_token(ctx, "channel", "test")
    answer, code = _challenge(ctx, payment)
    wrong = "000000" if code != "000000" else "111111"
    server = LiveServer(ctx)
    try:
        url = f"{server.url}/v1/challenges/{answer['challenge']['id']}/answer"
        headers = {"authorization": f"Bearer {token}"}

        def post() -> int:
            return httpx.post(url, json={"code": wrong}, headers=headers, timeout=30).status_code

        statuses = _all_at_once(CONCURRENT, post)
    finally:
        server.stop()
    assert statuses.count(200) == 5
    assert set(statuses) == {200, 409}


def test_concurrent_wrong_passwords_lock_the_account_after_exactly_max_failures(
    ctx: Context,
) -> None:
    users.add_user(ctx, "rita", "Rita", PASSWORD, ["reviewer"])
    limit = ctx.settings.sign_in_max_failures
    results = _all_at_once(limit, lambda: auth.sign_in(ctx, "rita", "wrong guess!!"))
    assert all(isinstance(r, AuthenticationError) for r in results)
    with ctx.db.transaction() as session:
        user = session.execute(select(User).where(User.username == "rita")).scalar_one()
        assert user.locked_until is not None, "five concurrent failures must lock the account"
    with pytest.raises(AuthenticationError):
        auth.sign_in(ctx, "rita", PASSWORD)


def test_two_dispatchers_running_at_once_send_each_notification_once(ctx: Context) -> None:
    from integrita.services.core import outbox
    from tests.realtime.conftest import RecordingAdapter
    from tests.realtime.test_outbox import _enqueue

    for n in range(20):
        _enqueue(ctx, f"k{n}")
    adapter = RecordingAdapter()
    results = _all_at_once(4, lambda: outbox.dispatch_once(ctx, {"sms": adapter}, limit=100))
    assert sum(r.claimed for r in results) == 20
    assert sorted(m.idempotency_key for m in adapter.sent) == sorted(f"k{n}" for n in range(20))
