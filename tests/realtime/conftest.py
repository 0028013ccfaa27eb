"""A small bank for the real-time tests: customers in different segments, their accounts and
contacts, and a helper that builds payment events."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.services.core import outbox, users
from integrita.services.core.context import Context
from integrita.services.core.outbox_adapters import OutgoingMessage
from integrita.services.realtime import decisions, payments
from integrita.store.repositories import customers as customers_repo
from integrita.store.repositories import realtime as realtime_repo

PASSWORD = "a long test password"
#: The parameters of a plain payment notice, for tests that only need some message queued.
NOTICE_PARAMS = {
    "account_tail": "0001",
    "amount": "1.00",
    "currency": "CNY",
    "kind": "transfer",
    "to_name": "X",
    "time": "now",
}
BANK = "B001"


def enqueue_notices(ctx: Context, keys: list[str]) -> list[int]:
    """Payment notices by SMS to one customer, one per idempotency key, due now; their ids."""
    with ctx.db.transaction() as session:
        return [
            outbox.enqueue(
                session,
                "sms",
                "13800000009",
                "payment_notice",
                "en",
                NOTICE_PARAMS,
                key,
                at=ctx.now(),
            )
            for key in keys
        ]


def seed_bank(ctx: Context) -> None:
    customers = [
        ("C1", "individual", "Li Wei", "retail", None),
        ("C2", "individual", "Wang Fang", "elderly", None),
        ("C3", "organisation", "Hua Trading Ltd", "corporate", "Zhang Min"),
        ("C4", "individual", "Chen Jie", "retail", None),
    ]
    accounts = [
        ("A1", "C1", "personal"),
        ("A2", "C2", "personal"),
        ("A3", "C3", "corporate_settlement"),
        ("A4", "C4", "personal"),
    ]
    with ctx.db.transaction() as session:
        customers_repo.upsert_customers(
            session,
            [
                {
                    "customer_id": cid,
                    "customer_type": ctype,
                    "name": name,
                    "id_document_type": "resident_id",
                    "id_number": f"ID{cid}",
                    "segment": segment,
                    "legal_representative": legal,
                }
                for cid, ctype, name, segment, legal in customers
            ],
        )
        customers_repo.upsert_accounts(
            session,
            [
                {
                    "account_id": aid,
                    "bank_id": BANK,
                    "customer_id": cid,
                    "account_type": atype,
                    "status": "active",
                    "currency": "CNY",
                    "opened_on": date(2020, 1, 1),
                }
                for aid, cid, atype in accounts
            ],
        )
    payments.set_contact(ctx, "C1", phone="13800000001", email=None, language="zh")
    payments.set_contact(ctx, "C2", phone="13800000002", email=None, language="zh")
    payments.set_contact(ctx, "C3", phone=None, email="finance@hua.example", language="en")


@pytest.fixture
def bank(ctx: Context) -> Context:
    seed_bank(ctx)
    return ctx


@pytest.fixture
def payment(ctx: Context) -> Callable[..., payments.PaymentRequest]:
    counter = iter(range(1, 1_000_000))

    def factory(**overrides: Any) -> payments.PaymentRequest:
        values: dict[str, Any] = {
            "txn_id": f"T{next(counter):06d}",
            "occurred_at": ctx.now(),
            "channel": "mobile",
            "kind": "transfer",
            "from_bank": BANK,
            "from_account": "A1",
            "to_bank": BANK,
            "to_account": "X1",
            "amount": "100.00",
            "currency": "CNY",
            "counterparty_type": "own_account",
        }
        values.update(overrides)
        return payments.PaymentRequest(**values)

    return factory


def decide(ctx: Context, request: payments.PaymentRequest) -> dict[str, Any]:
    return decisions.evaluate_payment(ctx, request, actor="channel")


def rules_of(answer: dict[str, Any]) -> set[str]:
    return {r["rule"] for r in answer["reasons"]}


@dataclass
class RecordingAdapter:
    """A channel adapter that records what it sends (and can fail the first N sends)."""

    fail_first: int = 0
    sent: list[OutgoingMessage] = field(default_factory=list)
    calls: int = 0

    def send(self, message: OutgoingMessage) -> str:
        from integrita.services.core.outbox_adapters import DeliveryError

        self.calls += 1
        if self.calls <= self.fail_first:
            raise DeliveryError("gateway unavailable")
        self.sent.append(message)
        return f"ref-{message.message_id}"


@pytest.fixture
def client(ctx: Context) -> TestClient:
    return TestClient(create_app(ctx))


@pytest.fixture
def make_user(ctx: Context) -> Callable[..., str]:
    def factory(username: str, *roles: str) -> str:
        users.add_user(ctx, username, username.title(), PASSWORD, roles)
        return users.issue_token(ctx, username, "test")

    return factory


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def api_event(**overrides: Any) -> dict[str, Any]:
    """A payment event as a channel posts it to /v1/payments/evaluate."""
    event: dict[str, Any] = {
        "txn_id": "API-1",
        "occurred_at": "2025-03-03T09:00:00+00:00",
        "channel": "mobile",
        "kind": "transfer",
        "from_bank": BANK,
        "from_account": "A1",
        "to_bank": "B999",
        "to_account": "X9",
        "amount": "50000.01",
        "currency": "CNY",
        "counterparty_type": "third_party_corporate",
        "device_id": "D1",
        "new_device": False,
        "auth_method": "password",
    }
    event.update(overrides)
    return event


@pytest.fixture
def stale_first_read(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Make the first read of a decision batch see no stored answers, as if another process
    committed its decision just after the read; the count of reads made is returned."""
    real = realtime_repo.decision_inputs_steps
    calls = {"n": 0}

    def stale_read(sql: Any, *args: Any) -> Any:
        calls["n"] += 1
        inputs = yield from real(sql, *args)
        return dataclasses.replace(inputs, answered={}) if calls["n"] == 1 else inputs

    monkeypatch.setattr(realtime_repo, "decision_inputs_steps", stale_read)
    return calls
