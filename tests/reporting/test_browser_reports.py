"""Chromium opens every report page a board member or auditor reads, and keeps a screenshot."""

from __future__ import annotations

import pytest

from integrita.domain.workflow import Actor
from integrita.services.core import users
from integrita.services.core.context import Context
from integrita.services.risk import assessment
from tests.conftest import PASSWORD, LiveServer, console_errors, screenshot
from tests.reporting.seed import YEAR, seed_small_bank

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_an_auditor_opens_the_annual_pack_its_drill_downs_and_every_report_page(
    ctx: Context, live_server: LiveServer, browser: object
) -> None:
    seed_small_bank(ctx)
    draft = assessment.draft(ctx, YEAR, actor=Actor("ana", frozenset({"analyst"})))
    users.add_user(ctx, "audrey", "Audrey Auditor", PASSWORD, ["auditor"])
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{live_server.url}/signin?next=/reports/annual?year={YEAR}")
    page.fill("input[name=username]", "audrey")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(f"text=Annual disclosure {YEAR}")
    page.wait_for_selector(".chart svg")
    screenshot(page, "report-annual-pack")
    handed_over = page.locator("a.figure[data-key='aml.str.handed_over']")
    assert handed_over.inner_text() == "4"
    handed_over.click()
    page.wait_for_selector("#records")
    assert page.locator("#records tbody tr").count() == 4
    screenshot(page, "report-annual-drill-down")
    page.goto(f"{live_server.url}/reports/str?year={YEAR}")
    page.wait_for_selector("#cohort")
    assert page.locator("#aml\\.str\\.transferred tbody tr").count() == 2
    screenshot(page, "report-str-figures")
    page.goto(f"{live_server.url}/care/report?month={YEAR}-03")
    page.wait_for_selector("#figures")
    assert "Card services" in page.locator("#figures").inner_text()
    page.wait_for_selector("#trend svg")
    screenshot(page, "report-care-quality")
    page.goto(f"{live_server.url}/risk/assessments/{draft.id}")
    page.wait_for_selector(".heatmap svg")
    assert "No ledger transactions were booked" in page.locator("[role=alert]").first.inner_text()
    screenshot(page, "report-self-assessment")
    assert errors == []
    context.close()
