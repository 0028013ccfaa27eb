"""Two people in two browsers: analyst proposes, reviewer returns then approves, auditor reads the trail."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from tests.casework.conftest import PASSWORD, alert_for, seed_customer
from tests.conftest import LiveServer, console_errors, screenshot

pytestmark = pytest.mark.browser


def _signed_in(browser: Any, server: LiveServer, username: str) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{server.url}/signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Welcome")
    return context, page, errors


@pytest.mark.parametrize("backend", ["sqlite"])
def test_analyst_and_reviewer_take_a_case_to_an_exported_str(
    goaml_ctx: Context, person: Callable[..., UserView], live_server: LiveServer, browser: Any
) -> None:
    seed_customer(goaml_ctx)
    alert_for(goaml_ctx)
    person("ana", "analyst")
    person("rui", "reviewer")
    person("aud", "auditor")
    a_ctx, analyst, a_errors = _signed_in(browser, live_server, "ana")
    r_ctx, reviewer, r_errors = _signed_in(browser, live_server, "rui")

    # The analyst gathers the alert into a case and opens it from the queue.
    analyst.goto(f"{live_server.url}/alerts")
    analyst.click("text=Open cases from new alerts")
    analyst.wait_for_selector("text=Cases opened / alerts attached: 1/1")
    screenshot(analyst, "casework-alert-queue")
    analyst.goto(f"{live_server.url}/cases")
    analyst.select_option("select[name=priority]", "high")
    analyst.click("form.filters button[type=submit]")  # boosted by htmx
    analyst.wait_for_url("**priority=high**")
    screenshot(analyst, "casework-case-queue")
    analyst.click("#case-queue >> text=Case 1")
    analyst.wait_for_selector("h1:has-text('Case 1')")
    analyst.fill("textarea[name=body]", "Three wires just under 50,000 within a day.")
    analyst.click("button:has-text('Add note')")
    analyst.wait_for_selector("text=Three wires just under 50,000 within a day.")
    analyst.check("input[name=decision][value=report]")
    analyst.fill(
        "#propose-form textarea[name=reason]", "Structuring below the reporting threshold."
    )
    analyst.click("#propose-form button[type=submit]")
    analyst.wait_for_selector("#case-state:has-text('proposed')")
    screenshot(analyst, "casework-case-proposed")

    # The reviewer returns it once with a comment.
    reviewer.goto(f"{live_server.url}/cases/1")
    reviewer.fill("#return-form textarea[name=comment]", "Name the counterparties in the reason.")
    reviewer.click("#return-form button[type=submit]")
    reviewer.wait_for_selector("#case-state:has-text('returned')")

    # The analyst sees the comment and proposes again.
    analyst.reload()
    assert "Name the counterparties" in analyst.inner_text("#review-comment")
    analyst.click("button:has-text('Resume investigation')")
    analyst.wait_for_selector("#case-state:has-text('investigating')")
    analyst.check("input[name=decision][value=report]")
    analyst.fill("#propose-form textarea[name=reason]", "Structuring to X1, X2; funds from X3.")
    analyst.click("#propose-form button[type=submit]")
    analyst.wait_for_selector("#case-state:has-text('proposed')")
    assert analyst.locator("button:has-text('Approve')").count() == 0

    # The reviewer approves; the STR draft appears.
    reviewer.reload()
    reviewer.click("button:has-text('Approve')")
    reviewer.wait_for_selector("#case-state:has-text('approved')")
    screenshot(reviewer, "casework-case-approved")

    # The analyst completes the STR, sees the schema errors vanish, and exports it.
    analyst.reload()
    analyst.click("text=open the STR editor")
    analyst.wait_for_selector("#schema-errors")
    assert "phones" in analyst.inner_text("#schema-errors")
    analyst.fill("input[name='subject.phone_number']", "13800138000")
    analyst.click("#str-form button[type=submit]")
    analyst.wait_for_selector("#schema-ok")
    screenshot(analyst, "casework-str-editor")
    with analyst.expect_download() as download_info:
        analyst.click("#export-xml")
    path = download_info.value.path()
    xml = Path(path).read_bytes()
    assert b"<report_code>STR</report_code>" in xml and b"13800138000" in xml
    analyst.goto(f"{live_server.url}/deadlines")
    analyst.wait_for_selector("text=Later STRs (1)")
    screenshot(analyst, "casework-deadlines")

    # The auditor sees the trail.
    u_ctx, auditor, u_errors = _signed_in(browser, live_server, "aud")
    auditor.goto(f"{live_server.url}/audit?entity_type=case")
    table = auditor.inner_text("#audit-table")
    for action in ("case.opened", "case.note_added", "case.propose", "case.return", "case.approve"):
        assert action in table
    screenshot(auditor, "casework-audit-trail")
    assert a_errors == [] and r_errors == [] and u_errors == []
    for context in (a_ctx, r_ctx, u_ctx):
        context.close()
