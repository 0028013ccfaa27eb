"""Risk pages: ratings, customer breakdown with override four-eyes, self-assessment, product reviews."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.services.core.context import Context
from integrita.services.risk import rating
from integrita.store.repositories import customers as customers_repo
from tests.conftest import PASSWORD, send_csrf_token
from tests.services.risk.conftest import customer_row


def _signed_in(
    ctx: Context, make_user: Callable[..., str], username: str, *roles: str
) -> TestClient:
    make_user(username, *roles)
    client = TestClient(create_app(ctx))
    response = client.post(
        "/signin",
        data={"username": username, "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    send_csrf_token(client)
    return client


def _book(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        customers_repo.upsert_customers(session, [customer_row("C1", pep=True), customer_row("C2")])
        customers_repo.upsert_accounts(
            session,
            [
                {
                    "account_id": f"A{c}",
                    "bank_id": "B1",
                    "customer_id": c,
                    "account_type": "personal",
                    "opened_on": date(2024, 1, 1),
                }
                for c in ("C1", "C2")
            ],
        )
    rating.rate_all(ctx)


def test_ratings_and_a_customers_breakdown_with_an_override_approved_by_someone_else(
    ctx: Context, make_user: Callable[..., str]
) -> None:
    _book(ctx)
    ana = _signed_in(ctx, make_user, "ana", "analyst")
    listing = ana.get("/risk")
    assert (
        listing.status_code == 200
        and "high: 1" in listing.text
        and "/risk/customers/C1" in listing.text
    )
    assert "Nothing is due." in ana.get("/risk?view=due").text
    page = ana.get("/risk/customers/C2")
    assert "Money-laundering risk rating" in page.text and "politically exposed" in page.text
    asked = ana.post(
        "/risk/customers/C2/override",
        data={"to_band": "high", "reason": "adverse media reports"},
        follow_redirects=False,
    )
    assert asked.status_code == 303 and "notice=" in asked.headers["location"]
    own = ana.post("/risk/overrides/1/decide", data={"decision": "approve"}, follow_redirects=False)
    assert own.status_code == 403  # an analyst may not approve at all
    rita = _signed_in(ctx, make_user, "rita", "reviewer")
    assert "Approve" in rita.get("/risk/customers/C2").text
    done = rita.post(
        "/risk/overrides/1/decide",
        data={"decision": "approve", "back": "/risk/customers/C2"},
        follow_redirects=False,
    )
    assert done.headers["location"].startswith("/risk/customers/C2?notice=")
    assert "overridden" in rita.get("/risk/customers/C2").text
    fragment = rita.get("/risk/customers/C1/rating")
    assert fragment.status_code == 200 and "<html" not in fragment.text and "pep" in fragment.text


def test_a_refused_override_comes_back_as_a_message_naming_the_field(
    ctx: Context, make_user: Callable[..., str]
) -> None:
    _book(ctx)
    ana = _signed_in(ctx, make_user, "ana", "analyst")
    refused = ana.post("/risk/customers/C2/override", data={"to_band": "high", "reason": "x"})
    assert (
        refused.status_code == 200 and "reason: a reason of at least 10 characters" in refused.text
    )


def test_self_assessment_pages_draft_answer_heat_map_and_pdf(
    ctx: Context, make_user: Callable[..., str]
) -> None:
    _book(ctx)
    ana = _signed_in(ctx, make_user, "ana", "analyst")
    drafted = ana.post("/risk/assessments", data={"year": "2025"}, follow_redirects=False)
    path = drafted.headers["location"].split("?")[0]
    page = ana.get(path)
    assert "<svg" in page.text and "Control effectiveness questionnaire" in page.text
    saved = ana.post(
        f"{path}/answers",
        data={"answer-training-0": "yes", "evidence-training-0": "LMS export"},
        follow_redirects=False,
    )
    assert "notice=" in saved.headers["location"]
    assert "LMS export" in ana.get(path).text
    pdf = ana.get(f"{path}/pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    auditor = _signed_in(ctx, make_user, "audrey", "auditor")
    assert auditor.get(path).status_code == 200
    assert auditor.post(f"{path}/answers", data={}).status_code == 403


def test_product_review_register_blocks_launch_on_an_open_control(
    ctx: Context, make_user: Callable[..., str]
) -> None:
    pat = _signed_in(ctx, make_user, "pat", "product_owner")
    made = pat.post(
        "/risk/reviews",
        data={
            "kind": "product",
            "title": "Prepaid card",
            "description": "A card",
            "target_customers": "retail",
            "channels": "branch",
            "cash": "true",
        },
        follow_redirects=False,
    )
    path = made.headers["location"].split("?")[0]
    rita = _signed_in(ctx, make_user, "rita", "reviewer")
    rita.post(
        f"{path}/opinions",
        data={
            "text": "cash loading risk",
            "required_control": "Daily load limit",
            "due_on": "2025-04-01",
        },
    )
    rita.post(f"{path}/decide", data={"outcome": "approved_with_conditions", "note": "after limit"})
    blocked = pat.post(f"{path}/launch")
    assert "Daily load limit" in blocked.text and "cannot launch" in blocked.text
    assert "approved with conditions" in pat.get("/risk/reviews").text
