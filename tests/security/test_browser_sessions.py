"""In a real browser: a copied session cookie stops working once its owner signs out, and a
held payment is released through the page's form (its CSRF token) under the CSP."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from integrita.domain.workflow import Actor
from integrita.services.core import users
from integrita.services.core.context import Context
from integrita.services.realtime import payments
from tests.conftest import PASSWORD, LiveServer, console_errors, screenshot
from tests.realtime.conftest import decide

ANALYST = Actor("analyst", frozenset({"analyst"}))

pytestmark = pytest.mark.browser


def _sign_in(browser: object, url: str, username: str) -> tuple[object, object]:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{url}/signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Welcome")
    return context, page


def test_a_copied_cookie_stops_working_when_its_owner_signs_out_in_the_browser(
    ctx: Context, live_server: LiveServer, browser: object
) -> None:
    users.add_user(ctx, "ana", "Ana Analyst", PASSWORD, ["analyst"])
    context, page = _sign_in(browser, live_server.url, "ana")
    errors = console_errors(page)
    cookies = context.cookies()  # type: ignore[attr-defined]
    page.click("text=Sign out")  # type: ignore[attr-defined]
    page.wait_for_selector("input[name=username]")  # type: ignore[attr-defined]
    thief = browser.new_context()  # type: ignore[attr-defined]
    thief.add_cookies(cookies)
    stolen = thief.new_page()
    stolen.goto(f"{live_server.url}/")
    assert "/signin" in stolen.url
    assert errors == []
    thief.close()
    context.close()  # type: ignore[attr-defined]


def test_a_reviewer_releases_a_held_payment_through_the_form_under_the_csp(
    bank: Context,
    live_server: LiveServer,
    browser: object,
    payment: Callable[..., payments.PaymentRequest],
) -> None:
    payments.block_counterparty(bank, "B777", "MULE1", "mule", user=ANALYST)
    held = decide(bank, payment(to_bank="B777", to_account="MULE1", amount="888.00"))
    users.add_user(bank, "rita", "Rita Reviewer", PASSWORD, ["reviewer"])
    context, page = _sign_in(browser, live_server.url, "rita")
    errors = console_errors(page)
    page.goto(f"{live_server.url}/payments/holds")  # type: ignore[attr-defined]
    page.fill("input[name=note]", "customer confirmed")  # type: ignore[attr-defined]
    page.click("button[value=release]")  # type: ignore[attr-defined]
    page.wait_for_selector("text=No payment is waiting for review.")  # type: ignore[attr-defined]
    screenshot(page, "security-hold-released-with-csrf-token")
    assert payments.get_decision(bank, held["txn_id"])["status"] == "released"
    assert errors == []
    context.close()  # type: ignore[attr-defined]
