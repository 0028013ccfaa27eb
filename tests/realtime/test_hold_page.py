"""The held-payments page: a reviewer sees why a payment was held and releases it."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from integrita.domain.workflow import Actor
from integrita.services.core.context import Context
from integrita.services.realtime import payments
from tests.conftest import send_csrf_token
from tests.realtime.conftest import PASSWORD, decide

ANALYST = Actor("analyst", frozenset({"analyst"}))


def _sign_in(client: TestClient, username: str) -> None:
    response = client.post(
        "/signin",
        data={"username": username, "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    send_csrf_token(client)


def test_reviewer_releases_a_held_payment_from_the_hold_queue_page(
    bank: Context,
    client: TestClient,
    make_user: Callable[..., str],
    payment: Callable[..., payments.PaymentRequest],
) -> None:
    payments.block_counterparty(bank, "B777", "MULE1", "mule", user=ANALYST)
    held = decide(bank, payment(to_bank="B777", to_account="MULE1", amount="888.00"))
    make_user("rita", "reviewer")
    _sign_in(client, "rita")
    listing = client.get("/payments/holds")
    assert listing.status_code == 200
    assert held["txn_id"] in listing.text and "blocklisted_counterparty_hold" in listing.text
    assert "888.00 CNY" in listing.text
    done = client.post(
        f"/payments/holds/{held['txn_id']}",
        data={"decision": "release", "note": "customer confirmed by phone"},
        follow_redirects=True,
    )
    assert done.status_code == 200 and "released" in done.text
    assert "No payment is waiting for review." in done.text
    assert payments.get_decision(bank, held["txn_id"])["status"] == "released"
    again = client.post(f"/payments/holds/{held['txn_id']}", data={"decision": "reject"})
    assert again.status_code == 409


def test_a_payment_channel_cannot_open_the_hold_queue_page(
    bank: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    token = make_user("app", "payment_channel")
    response = client.get("/payments/holds", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 403
