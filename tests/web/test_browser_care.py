from __future__ import annotations

import pytest

from integrita.services.core import users
from integrita.services.core.context import Context
from tests.conftest import LiveServer, console_errors, screenshot
from tests.services.care_support import set_up_care

pytestmark = pytest.mark.browser
PASSWORD = "a long test password"


def _person(browser: object, server: LiveServer, username: str) -> tuple[object, object, list[str]]:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{server.url}/signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Sign out")
    return context, page, errors


def _step(page: object, url: str, action: str, fields: dict[str, str] | None = None) -> None:
    page.goto(url)  # type: ignore[attr-defined]
    form = page.locator(f"form:has(input[name=action][value={action}])")  # type: ignore[attr-defined]
    for name, value in (fields or {}).items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()  # type: ignore[attr-defined]


def test_a_complaint_goes_from_the_form_through_a_failed_qa_to_the_monthly_report(
    ctx: Context, live_server: LiveServer, browser: object
) -> None:
    customer = set_up_care(ctx)
    users.add_user(ctx, "olivia", "Olivia Officer", PASSWORD, ["complaints_officer"])
    users.add_user(ctx, "dana", "Dana Department", PASSWORD, ["product_owner"])
    users.add_user(ctx, "quinn", "Quinn QA", PASSWORD, ["quality_assurance"])
    o_ctx, officer, o_err = _person(browser, live_server, "olivia")
    d_ctx, dept, d_err = _person(browser, live_server, "dana")
    q_ctx, qa, q_err = _person(browser, live_server, "quinn")

    officer.goto(f"{live_server.url}/care")  # type: ignore[attr-defined]
    officer.click("text=File a complaint")  # type: ignore[attr-defined]
    officer.fill("input[name=customer_id]", customer)  # type: ignore[attr-defined]
    officer.fill("input[name=product]", "rim-17")  # type: ignore[attr-defined]
    officer.select_option("select[name=category]", "product_quality")  # type: ignore[attr-defined]
    officer.select_option("select[name=severity]", "high")  # type: ignore[attr-defined]
    officer.fill("textarea[name=description]", "Two rims arrived scratched")  # type: ignore[attr-defined]
    officer.click("button:has-text('File complaint')")  # type: ignore[attr-defined]
    officer.wait_for_selector("#state:has-text('received')")  # type: ignore[attr-defined]
    assert "clock-running" in officer.content()  # type: ignore[attr-defined]
    url = officer.url  # type: ignore[attr-defined]

    _step(officer, url, "judge_valid")
    _step(officer, url, "assign")
    assert officer.inner_text("#department") == "quality"  # type: ignore[attr-defined]
    rectification = {
        "root_cause": "no separators between rims",
        "corrective_action": "replace two rims",
        "preventive_action": "foam separators",
        "meeting_record": "analysis meeting with packing line",
    }
    _step(dept, url, "rectify", rectification)
    _step(qa, url, "fail_verification", {"note": "replacement not yet shipped"})
    assert qa.inner_text("#state") == "assigned"  # type: ignore[attr-defined]
    _step(dept, url, "rectify", rectification)
    _step(qa, url, "pass_verification", {"note": "replacement delivered"})
    assert qa.inner_text("#state") == "verified"  # type: ignore[attr-defined]
    page = officer
    page.goto(url)  # type: ignore[attr-defined]
    form = page.locator("form:has(input[name=action][value=inform_customer])")  # type: ignore[attr-defined]
    form.locator("[name=outcome]").fill("Two rims replaced")
    form.locator("select[name=satisfaction]").select_option("5")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#state:has-text('customer_informed')")  # type: ignore[attr-defined]
    _step(officer, url, "close")
    assert officer.inner_text("#state") == "closed"  # type: ignore[attr-defined]
    screenshot(officer, "care-complaint-closed")

    officer.click("nav >> text=Quality report")  # type: ignore[attr-defined]
    table = officer.inner_text("#figures")  # type: ignore[attr-defined]
    assert "Quality department" in table and "100.0 %" in table  # names, not codes
    screenshot(officer, "care-monthly-report")
    assert o_err == [] and d_err == [] and q_err == []
    for c in (o_ctx, d_ctx, q_ctx):
        c.close()  # type: ignore[attr-defined]
