"""In Chromium: one record of each governance register walked through its life on the pages,
by the people the four-eyes rules require, with a screenshot of each record at the end."""

from __future__ import annotations

from typing import Any

import pytest

from integrita.services.core import users
from integrita.services.core.context import Context
from tests.conftest import PASSWORD, LiveServer, console_errors, screenshot

pytestmark = pytest.mark.browser

PEOPLE = {"ana": "analyst", "rita": "reviewer", "mona": "mlro", "ed": "product_owner"}


class Desk:
    """One signed-in browser context per person."""

    def __init__(self, browser: Any, base: str) -> None:
        self.base = base
        self.pages: dict[str, Any] = {}
        self.errors: list[str] = []
        for name in PEOPLE:
            context = browser.new_context()
            page = context.new_page()
            self.errors += console_errors(page)
            page.goto(f"{base}/signin?next=/")
            page.fill("input[name=username]", name)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            self.pages[name] = page

    def file(self, who: str, register: str, fields: dict[str, str]) -> str:
        page = self.pages[who]
        page.goto(f"{self.base}/governance/{register}")
        page.click("#file summary")
        for name, value in fields.items():
            box = page.locator(f"#file [name=f_{name}]")
            if box.evaluate("e => e.tagName") == "SELECT":
                box.select_option(value)
            else:
                box.fill(value)
        page.click("#file button[type=submit]")
        page.wait_for_selector("#state")
        return str(page.url).split("?")[0]

    def step(self, who: str, url: str, action: str, fields: dict[str, str] | None = None) -> str:
        page = self.pages[who]
        page.goto(url)
        form = page.locator(f"form.step:has(button[value='{action}'])")
        for name, value in (fields or {}).items():
            form.locator(f"[name=f_{name}]").fill(value)
        form.locator(f"button[value='{action}']").click()
        page.wait_for_selector(f"text={action.replace('_', ' ')}: done")
        return str(page.locator("#state").inner_text())

    def offered(self, who: str, url: str) -> list[str]:
        page = self.pages[who]
        page.goto(url)
        return [b.get_attribute("value") for b in page.locator("form.step button").all()]

    def done(self, who: str, url: str, name: str, steps: int) -> None:
        page = self.pages[who]
        page.goto(url)
        assert page.locator("#history tbody tr").count() == steps
        screenshot(page, f"governance-{name}")


def test_one_record_of_each_register_through_its_life(
    ctx: Context, live_server: LiveServer, browser: object
) -> None:
    for name, role in PEOPLE.items():
        users.add_user(ctx, name, name.title(), PASSWORD, [role])
    d = Desk(browser, live_server.url)

    # information segregation
    entry = d.file("ana", "issuer_list", {"issuer": "Sinoriver Mining", "list": "restricted",
                                          "reason": "advising on a takeover", "listed_from": "2025-03-01"})  # fmt: skip
    assert "approve" not in d.offered("ana", entry)
    assert d.step("rita", entry, "approve") == "listed"
    assert d.step("rita", entry, "propose_removal") == "removal proposed"
    assert "approve_removal" not in d.offered("rita", entry)
    assert d.step("mona", entry, "approve_removal") == "removed"
    d.done("mona", entry, "issuer_list", 4)

    crossing = d.file("ana", "wall_crossing", {"employee": "ed", "project": "Project Lotus",
                      "issuer": "Harbour Steel", "crossed_on": "2025-02-20", "purpose": "bond issue"})  # fmt: skip
    assert d.step("ed", crossing, "acknowledge") == "acknowledged"
    refused = d.file("ed", "dealing_request", {"employee": "ed", "issuer": "Harbour Steel",
                     "side": "buy", "quantity": "100", "requested_on": "2025-03-03"})  # fmt: skip
    assert d.pages["ed"].locator("#state").inner_text() == "refused"
    assert "over the wall on project Project Lotus" in d.pages["ed"].content()
    screenshot(d.pages["ed"], "governance-dealing_request-refused")
    assert refused
    assert d.step("ana", crossing, "clear") == "cleared"
    d.done("ana", crossing, "wall_crossing", 3)
    cleared = d.file("ed", "dealing_request", {"employee": "ed", "issuer": "Eastport Logistics",
                     "side": "buy", "quantity": "100", "requested_on": "2025-03-03"})  # fmt: skip
    assert d.step("ed", cleared, "report_execution") == "executed"
    d.done("ed", cleared, "dealing_request", 2)

    ana = d.pages["ana"]
    ana.goto(f"{live_server.url}/governance/employee_trade")
    ana.click("#import summary")
    ana.fill(
        "#import textarea",
        "broker_ref,employee,issuer,side,quantity,traded_on\n"
        "BRK-1,ed,Eastport Logistics,buy,100,2025-03-03\n"
        "BRK-2,ed,Harbour Steel,buy,100,2025-03-03\n"
        "BRK-3,ed,Harbour Steel,buy,lots,2025-03-03\n",
    )
    ana.click("#import button[type=submit]")
    ana.wait_for_selector("text=read 3 = stored 2 + duplicates 0 + quarantined 1")
    ana.goto(f"{live_server.url}/governance")
    ana.fill("input[name=day]", "2025-03-03")
    ana.click("text=Run the check")
    ana.wait_for_selector("text=2 trades checked, 1 flagged, 1 alerts raised")
    ana.goto(f"{live_server.url}/governance/employee_trade?state=flagged")
    ana.click("#records tbody a")
    ana.wait_for_selector("text=no pre-clearance")
    d.done("ana", str(ana.url), "employee_trade", 2)

    declaration = d.file("ed", "conflict_declaration", {"employee": "ed", "unit": "Retail",
                         "year": "2025", "interests": "none", "declared_on": "2025-03-03"})  # fmt: skip
    assert d.step("rita", declaration, "accept") == "accepted"
    d.done("rita", declaration, "conflict_declaration", 2)

    # anti-corruption
    gift = d.file("ed", "gift", {"employee": "ed", "unit": "Retail", "direction": "received",
                  "kind": "hospitality", "counterparty": "Golden Bridge", "value": "2800",
                  "occurred_on": "2025-03-01", "description": "banquet"})  # fmt: skip
    assert d.pages["ed"].locator("#state").inner_text() == "pending approval"
    assert d.step("rita", gift, "approve") == "approved"
    d.done("rita", gift, "gift", 2)
    training = d.file("ana", "training", {"course": "Anti-bribery", "employee": "ed",
                      "unit": "Retail", "year": "2025"})  # fmt: skip
    assert d.step("ana", training, "complete") == "completed"
    d.done("ana", training, "training", 2)
    attestation = d.file(
        "ed", "integrity_attestation", {"employee": "ed", "unit": "Retail", "year": "2025"}
    )
    d.done("ed", attestation, "integrity_attestation", 1)
    inspection = d.file("ana", "inspection", {"reference": "INS-1", "unit": "Luoyang Branch",
                        "scope": "credit approvals", "started_on": "2025-03-03"})  # fmt: skip
    d.step("ana", inspection, "amend", {"findings": "two files lacked sign-off"})
    d.step("ana", inspection, "report")
    d.step("ana", inspection, "follow_up")
    action = d.file("ana", "rectification_action", {"inspection": "INS-1", "action": "get sign-offs",
                    "owner": "ed", "due_on": "2025-03-31"})  # fmt: skip
    assert d.step("ed", action, "rectify") == "rectified"
    assert d.step("ana", action, "verify") == "verified"
    d.done("ana", action, "rectification_action", 3)
    assert d.step("rita", inspection, "close") == "closed"
    d.done("rita", inspection, "inspection", 5)
    report = d.file("rita", "whistleblowing_report", {"intake_ref": "WB-1", "received_on": "2025-03-01",
                    "channel": "hotline", "allegation": "kickbacks", "reporter_identity": "Li Na"})  # fmt: skip
    assert "Li Na" not in d.pages["rita"].content()
    d.step("rita", report, "investigate")
    d.step("rita", report, "conclude", {"conclusion": "substantiated; referred to HR"})
    assert d.step("mona", report, "close") == "closed"
    mona = d.pages["mona"]
    mona.click("text=Show (audited)")
    assert mona.locator("#revealed").inner_text() == "Li Na"
    d.done("mona", report, "whistleblowing_report", 5)

    # suppliers
    supplier = d.file("ana", "supplier", {"code": "S01", "name": "Luoyang Bearings", "country": "CN",
                      "province": "Henan", "city": "Luoyang", "category": "parts", "csr_clauses": "yes"})  # fmt: skip
    assert d.step("rita", supplier, "qualify") == "qualified"
    assert d.step("ana", supplier, "suspend") == "suspended"
    assert d.step("mona", supplier, "reinstate") == "qualified"
    d.done("mona", supplier, "supplier", 4)
    assessment = d.file(
        "ana",
        "supplier_assessment",
        {"supplier": "S01", "assessed_on": "2025-03-03", "score": "91"},
    )
    d.done("ana", assessment, "supplier_assessment", 1)
    programme = d.file("ana", "supplier_programme", {"programme": "Supplier development",
                       "year": "2025", "supplier": "S01", "topic": "quality"})  # fmt: skip
    assert d.step("ana", programme, "complete") == "completed"
    d.done("ana", programme, "supplier_programme", 2)

    # brand
    brand = d.file("ana", "brand_user", {"licensee": "Group e-shop", "channel": "online",
                   "scope": "logo", "term_from": "2025-03-01", "term_to": "2026-02-28"})  # fmt: skip
    assert d.step("rita", brand, "authorise") == "authorised"
    assert d.step("ana", brand, "require_rectification") == "rectification"
    assert d.step("mona", brand, "accept_rectification") == "authorised"
    d.done("mona", brand, "brand_user", 4)
    exemption = d.file("ana", "brand_exemption", {"holder": "Heritage sign", "exemption": "old logo",
                       "granted_on": "2024-03-01"})  # fmt: skip
    assert "2025-03-03" in d.pages["ana"].content()  # the anniversary is a Saturday
    assert d.step("rita", exemption, "approve") == "exempt"
    d.step("mona", exemption, "review")
    assert "2026-03-03" in d.pages["mona"].content()
    d.done("mona", exemption, "brand_exemption", 3)

    # IP infringement
    case = d.file("ana", "ip_case", {"reference": "IP-1", "platform": "marketplace.example",
                  "item": "counterfeit card holder", "evidence": "test purchase",
                  "identified_on": "2025-02-14"})  # fmt: skip
    d.step("ana", case, "validate")
    d.step("ana", case, "claim")
    assert d.step("rita", case, "refer") == "referred"
    assert d.step("rita", case, "close", {"outcome": "listing removed, seller fined"}) == "closed"
    d.done("rita", case, "ip_case", 5)

    d.pages["rita"].goto(f"{live_server.url}/governance")
    screenshot(d.pages["rita"], "governance-overview")
    assert d.errors == []
