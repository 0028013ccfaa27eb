from __future__ import annotations

import pytest

from integrita.demo import risk as demo
from integrita.services.core import users
from integrita.services.core.context import Context
from integrita.services.risk import rating
from integrita.store.repositories import customers as customers_repo
from tests.conftest import LiveServer, console_errors, screenshot
from tests.services.risk.conftest import customer_row

pytestmark = pytest.mark.browser


def test_a_reviewer_reads_a_rating_breakdown_and_the_self_assessment_heat_map(
    ctx: Context, live_server: LiveServer, browser: object
) -> None:
    with ctx.db.transaction() as session:
        customers_repo.upsert_customers(
            session, [customer_row("C1", pep=True, onboarding_channel="online"), customer_row("C2")]
        )
    rating.rate_all(ctx)
    summary = demo.draft_self_assessment(ctx, 2025)
    users.add_user(ctx, "rita", "Rita Reviewer", "a long test password", ["reviewer"])
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{live_server.url}/signin?next=/risk")
    page.fill("input[name=username]", "rita")
    page.fill("input[name=password]", "a long test password")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Customer risk ratings")
    page.click("a[href='/risk/customers/C1']")
    page.wait_for_selector("text=Money-laundering risk rating")
    assert page.locator(".factors tbody tr").count() == 14
    screenshot(page, "risk-customer-rating")
    page.goto(f"{live_server.url}/risk/assessments/{summary['id']}")
    page.wait_for_selector(".heatmap svg")
    screenshot(page, "risk-self-assessment")
    assert errors == []
    context.close()
