"""Risk API: ratings, events, overrides and product reviews over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient

from integrita.services.core.context import Context
from integrita.services.risk import rating
from integrita.store.repositories import customers as customers_repo
from tests.services.risk.conftest import customer_row


def _auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_rating_event_and_override_over_the_api(
    ctx: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    with ctx.db.transaction() as session:
        customers_repo.upsert_customers(session, [customer_row("C1")])
        customers_repo.upsert_accounts(
            session,
            [
                {
                    "account_id": "A1",
                    "bank_id": "B1",
                    "customer_id": "C1",
                    "account_type": "personal",
                    "opened_on": date(2024, 1, 1),
                }
            ],
        )
    rating.rate_all(ctx)
    ana, rita = make_user("ana", "analyst"), make_user("rita", "reviewer")
    got = client.get("/v1/risk/customers/C1/rating", headers=_auth(ana))
    assert (
        got.status_code == 200 and got.json()["band"] == "low" and len(got.json()["factors"]) == 14
    )
    assert client.get("/v1/risk/customers/NOPE/rating", headers=_auth(ana)).status_code == 404
    event = client.post(
        "/v1/risk/customers/C1/events",
        json={"kind": "str", "reference": "STR-9"},
        headers=_auth(ana),
    )
    assert event.status_code == 201 and event.json()["new"] is True
    bad = client.post(
        "/v1/risk/customers/C1/events",
        json={"kind": "gossip", "reference": "x"},
        headers=_auth(ana),
    )
    assert bad.status_code == 422 and bad.json()["field"] == "kind"
    asked = client.post(
        "/v1/risk/customers/C1/overrides",
        json={"to_band": "medium", "reason": "relationship manager report"},
        headers=_auth(ana),
    )
    assert asked.status_code == 201
    oid = asked.json()["id"]
    assert (
        client.post(
            f"/v1/risk/overrides/{oid}/decision", json={"approve": True}, headers=_auth(ana)
        ).status_code
        == 403
    )
    approved = client.post(
        f"/v1/risk/overrides/{oid}/decision", json={"approve": True}, headers=_auth(rita)
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert client.get("/v1/risk/distribution", headers=_auth(rita)).json()["medium"] == 1


def test_launch_is_refused_with_409_while_a_control_is_open(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    pat, rita = make_user("pat", "product_owner"), make_user("rita", "reviewer")
    made = client.post(
        "/v1/risk/product-reviews",
        json={
            "kind": "channel",
            "title": "Video KYC",
            "description": "remote onboarding",
            "target_customers": "retail",
            "channels": "mobile",
            "cross_border": False,
            "cash": False,
            "third_party_payments": False,
        },
        headers=_auth(pat),
    )
    assert made.status_code == 201
    rid = made.json()["id"]
    opinion = client.post(
        f"/v1/risk/product-reviews/{rid}/opinions",
        json={"text": "liveness", "required_control": "Liveness check", "due_on": "2025-05-01"},
        headers=_auth(rita),
    )
    assert opinion.status_code == 201
    assert (
        client.post(
            f"/v1/risk/product-reviews/{rid}/decision",
            json={"outcome": "approved_with_conditions", "note": "liveness first"},
            headers=_auth(rita),
        ).status_code
        == 200
    )
    refused = client.post(f"/v1/risk/product-reviews/{rid}/launch", headers=_auth(pat))
    assert refused.status_code == 409 and "Liveness check" in refused.json()["detail"]
    oid = opinion.json()["opinions"][0]["id"]
    assert (
        client.post(
            f"/v1/risk/product-review-opinions/{oid}/resolution",
            json={"note": "in place"},
            headers=_auth(rita),
        ).status_code
        == 200
    )
    assert (
        client.post(f"/v1/risk/product-reviews/{rid}/launch", headers=_auth(pat)).json()["status"]
        == "launched"
    )
    figures = client.get("/v1/risk/product-reviews/figures?year=2025", headers=_auth(rita)).json()
    assert (figures["reviews"], figures["opinions"], figures["controls_resolved"]) == (1, 1, 1)
