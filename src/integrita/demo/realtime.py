"""A stream of synthetic payments through the decision engine, for the demo.

Payments are drawn from the active accounts in the operational store (a handful of demo
customers is created when the store has none). ``send`` posts one event and returns the
answer; by default the events go straight to the service, and ``integrita payments demo``
passes a function that posts them to the HTTP API on a loopback port.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

from integrita.services.core import users
from integrita.services.core.context import Context
from integrita.services.realtime import decisions, payments
from integrita.store.repositories import customers as customers_repo
from integrita.store.repositories import realtime as repo

Send = Callable[[dict[str, Any]], dict[str, Any]]


def _ensure_accounts(ctx: Context, limit: int) -> list[tuple[str, str, str]]:
    with ctx.db.transaction() as session:
        accounts = repo.sample_accounts(session, limit)
        if accounts:
            return accounts
        segments = ("retail", "elderly", "retail", "private_banking", "student")
        customers_repo.upsert_customers(
            session,
            [
                {
                    "customer_id": f"DEMO-C{i}",
                    "customer_type": "individual",
                    "name": f"Demo customer {i}",
                    "id_document_type": "resident_id",
                    "id_number": f"DEMO{i:06d}",
                    "segment": segments[i % len(segments)],
                }
                for i in range(20)
            ],
        )
        customers_repo.upsert_accounts(
            session,
            [
                {
                    "account_id": f"DEMO-A{i}",
                    "bank_id": "DEMOBANK",
                    "customer_id": f"DEMO-C{i}",
                    "account_type": "personal",
                    "status": "active",
                    "currency": "CNY",
                    "opened_on": date(2020, 1, 1),
                }
                for i in range(20)
            ],
        )
        return repo.sample_accounts(session, limit)


def _ensure_contacts(ctx: Context, accounts: list[tuple[str, str, str]]) -> None:
    """Demo customers get a synthetic phone number so notifications have somewhere to go."""
    with ctx.db.transaction() as session:
        for index, (account_id, _, _) in enumerate(accounts):
            found = repo.account_context(session, account_id)
            if found and not found["phone"] and not found["email"]:
                language = "en" if index % 4 == 0 else "zh"
                repo.upsert_contact(
                    session, str(found["customer_id"]), f"1390000{index:04d}", None, language
                )


def synthetic_event(
    rng: random.Random, index: int, account: tuple[str, str, str], ctx: Context, run: str = ""
) -> dict[str, Any]:
    account_id, bank_id, _ = account
    external = rng.random() < 0.35
    kind = rng.choices(
        ["transfer", "purchase", "redemption", "cancellation", "bill_payment"],
        weights=[60, 20, 8, 4, 8],
    )[0]
    amount = round(rng.lognormvariate(7.5, 1.6), 2)
    currency = "USD" if rng.random() < 0.05 else "CNY"
    return {
        "txn_id": f"DEMO{run}-{ctx.now():%Y%m%d%H%M%S}-{index:06d}",
        # a payment happens when it is sent: the API refuses times outside its window around now
        # (5 minutes ahead), so a stream of hundreds cannot be spread into the future
        "occurred_at": ctx.now().isoformat(),
        "channel": rng.choice(["online", "mobile", "mobile", "smart_counter"]),
        "kind": kind,
        "from_bank": bank_id,
        "from_account": account_id,
        "to_bank": "OTHERBANK" if external else bank_id,
        "to_account": f"CP{rng.randrange(500):04d}",
        "amount": f"{min(amount, 9_000_000):.2f}",
        "currency": currency,
        "counterparty_type": rng.choice(
            ["own_account", "third_party_personal", "third_party_personal", "third_party_corporate"]
        ),
        "device_id": f"DEV{rng.randrange(50)}",
        "new_device": rng.random() < 0.04,
        "auth_method": rng.choices(["password", "face", "certificate"], weights=[70, 20, 10])[0],
    }


def demo_channel_token(ctx: Context) -> str:
    """An API token for the demo's payment channel (the system user is created once)."""
    if all(u.username != "demo-channel" for u in users.list_users(ctx)):
        users.add_user(ctx, "demo-channel", "Demo payment channel", None, ["payment_channel"])
    return users.issue_token(ctx, "demo-channel", "demo")


def _send_in_process(ctx: Context) -> Send:
    def send(event: dict[str, Any]) -> dict[str, Any]:
        request = payments.PaymentRequest(**{**event, "occurred_at": _parse(event["occurred_at"])})
        return decisions.evaluate_payment(ctx, request, actor="demo")

    return send


def _parse(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text)


def stream_synthetic_payments(
    ctx: Context,
    count: int,
    *,
    send: Send | None = None,
    seed: int = 7,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Send ``count`` synthetic payments and return how many got each decision."""
    rng = random.Random(seed)
    accounts = _ensure_accounts(ctx, 200)
    _ensure_contacts(ctx, accounts)
    deliver = send or _send_in_process(ctx)
    mix: Counter[str] = Counter()
    for index in range(count):
        # bursts of purchases on one account now and then, to exercise the verification rule
        account = accounts[(index // 3) % len(accounts)] if index % 50 < 3 else rng.choice(accounts)
        event = synthetic_event(rng, index, account, ctx, str(seed))
        if index % 50 < 3:
            event["kind"] = "purchase"
        answer = deliver(event)
        mix[str(answer["decision"])] += 1
        if progress is not None:
            progress(1)
    return {k: mix.get(k, 0) for k in ("allow", "notify", "verify", "hold", "reject")}
