"""Decisions awaited on an event loop (the API's path): payments in flight together share a
batch, each answer is committed before it is given, and on PostgreSQL the loop's own
connections recover from a lost connection, a race with another process and a database
that has no rule set yet."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import psycopg
import pytest

from integrita.errors import InputError
from integrita.services.core.context import Context
from integrita.services.realtime import payments
from integrita.services.realtime.group_commit import DecisionWriter
from integrita.store.repositories import realtime as repo

Factory = Callable[..., payments.PaymentRequest]
T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` on a new event loop in a thread of its own, as a server's loop runs:
    the test's thread may already have a loop (Playwright's, from a browser test)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def _decide_on_loop(
    ctx: Context, requests: list[payments.PaymentRequest], *, together: bool = True
) -> tuple[list[Any], DecisionWriter]:
    """Decide ``requests`` on a fresh event loop, all in flight at once (each answer or
    error) or one after another."""
    writer = DecisionWriter(ctx)

    async def main() -> list[Any]:
        try:
            if together:
                decided = (writer.decide(r) for r in requests)
                return list(await asyncio.gather(*decided, return_exceptions=True))
            return [await writer.decide(r) for r in requests]
        finally:
            await writer.aclose()

    return _run(main()), writer


def test_payments_in_flight_together_share_batches_and_are_stored_before_the_answer(
    bank: Context, payment: Factory
) -> None:
    requests = [payment(txn_id=f"L{i:03d}", to_bank="B999", amount="60000") for i in range(60)]
    answers, writer = _decide_on_loop(bank, requests)
    assert [a["txn_id"] for a in answers] == [r.txn_id for r in requests]
    assert all(a["decision"] == "notify" for a in answers)  # external transfer over 50,000
    assert writer.decided == 60
    assert writer.batches < 60  # they waited for each other and shared commits
    with bank.db.transaction() as session:
        stored = {txn: repo.decision_answer(session, txn) for txn in repo.decision_ids(session)}
    assert sorted(stored) == sorted(r.txn_id for r in requests)


def test_a_bad_payment_gets_its_own_error_and_the_batch_is_decided(
    bank: Context, payment: Factory
) -> None:
    (bad, good), writer = _decide_on_loop(bank, [payment(from_account="NOPE"), payment()])
    assert isinstance(bad, InputError) and "not known" in str(bad)
    assert good["decision"] == "allow"
    assert writer.batches == 1  # in one batch, and the other payment was still decided


def test_the_same_payment_on_the_loop_twice_gets_the_first_answer(
    bank: Context, payment: Factory
) -> None:
    request = payment(txn_id="L-RETRY", to_bank="B999", amount="60000")
    (first, second), _ = _decide_on_loop(bank, [request, request], together=False)
    assert first == second
    with bank.db.transaction() as session:
        assert repo.decision_ids(session) == ["L-RETRY"]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_lost_database_connection_is_replaced_and_the_payment_decided(
    bank: Context, payment: Factory
) -> None:
    writer = DecisionWriter(bank)

    def end_other_sessions() -> None:
        # what a database restart or an administrator's pg_terminate_backend does
        url = bank.db.engine.url.set(drivername="postgresql").render_as_string(False)
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )

    async def main() -> tuple[dict[str, Any], dict[str, Any]]:
        try:
            before = await writer.decide(payment(txn_id="L-BEFORE"))
            await asyncio.to_thread(end_other_sessions)
            after = await writer.decide(payment(txn_id="L-AFTER"))
            return before, after
        finally:
            await writer.aclose()

    before, after = _run(main())
    assert before["decision"] == after["decision"] == "allow"
    with bank.db.transaction() as session:
        assert sorted(repo.decision_ids(session)) == ["L-AFTER", "L-BEFORE"]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_decision_stored_by_another_process_meanwhile_is_replayed_on_the_loop(
    bank: Context, payment: Factory, request: pytest.FixtureRequest
) -> None:
    raced = payment(txn_id="L-RACE-1", to_bank="B999", amount="70000")
    (theirs,), _ = _decide_on_loop(bank, [raced])  # "the other process"
    calls = request.getfixturevalue("stale_first_read")  # from here on, as in the race
    (other, again), _ = _decide_on_loop(bank, [payment(txn_id="L-RACE-2"), raced])
    assert calls["n"] == 2  # the unique key refused the first attempt; the retry read again
    assert again == theirs
    assert other["txn_id"] == "L-RACE-2"
    with bank.db.transaction() as session:
        assert sorted(repo.decision_ids(session)) == ["L-RACE-1", "L-RACE-2"]


def test_the_first_payment_of_a_new_database_creates_the_default_rule_set(
    bank: Context, payment: Factory
) -> None:
    with bank.db.transaction() as session:
        assert repo.active_version_number(session) is None
    (answer,), _ = _decide_on_loop(bank, [payment(txn_id="L-FIRST")])
    assert answer["decision"] == "allow"
    with bank.db.transaction() as session:
        assert repo.active_version_number(session) == 1
