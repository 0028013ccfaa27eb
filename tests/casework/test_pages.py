"""The workbench pages: role checks, four-eyes through the page, the STR editor, audit page."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.services.casework import cases
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from tests.casework.conftest import PASSWORD, alert_for, seed_customer
from tests.conftest import send_csrf_token


def _browser(ctx: Context, username: str) -> TestClient:
    client = TestClient(create_app(ctx))
    response = client.post(
        "/signin", data={"username": username, "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 200, response.text
    send_csrf_token(client)
    return client


def _case(ctx: Context) -> int:
    seed_customer(ctx)
    alert_for(ctx)
    cases.open_cases_from_alerts(ctx)
    return 1


def test_an_analyst_cannot_approve_their_own_proposal_through_the_page(
    goaml_ctx: Context, person: Callable[..., UserView]
) -> None:
    case_id = _case(goaml_ctx)
    person("mia", "analyst", "reviewer")
    mia = _browser(goaml_ctx, "mia")
    page = mia.get(f"/cases/{case_id}")
    assert page.status_code == 200 and 'id="propose-form"' in page.text
    assert "A-C1" in page.text and "<svg" in page.text  # evidence table and money-flow graph
    proposed = mia.post(
        f"/cases/{case_id}/transition",
        data={"action": "propose", "decision": "report", "reason": "structuring"},
    )
    assert proposed.status_code == 200 and "proposed" in proposed.text
    assert 'value="approve"' not in proposed.text  # the button is not offered...
    forged = mia.post(f"/cases/{case_id}/transition", data={"action": "approve"})
    assert (
        forged.status_code == 409 and "separation of duties" in forged.text
    )  # ...and the server refuses it
    assert cases.case_file(goaml_ctx, case_id, person("rob", "reviewer")).case.state == "proposed"


def test_pages_check_the_role(goaml_ctx: Context, person: Callable[..., UserView]) -> None:
    _case(goaml_ctx)
    person("cora", "complaints_officer")
    person("audrey", "auditor")
    cora = _browser(goaml_ctx, "cora")
    assert cora.get("/cases").status_code == 403
    assert cora.get("/audit").status_code == 403
    audrey = _browser(goaml_ctx, "audrey")
    assert audrey.get("/cases").status_code == 200
    assert audrey.post("/cases/1/notes", data={"body": "x"}).status_code == 403
    audit = audrey.get("/audit?entity_type=case")
    assert audit.status_code == 200 and "case.opened" in audit.text
    assert "Case 1" in audrey.get("/cases").text
    assert "#1" in audrey.get("/alerts?status=in_case").text


def test_the_str_editor_shows_schema_errors_inline_and_exports_when_valid(
    goaml_ctx: Context, person: Callable[..., UserView]
) -> None:
    case_id = _case(goaml_ctx)
    ana, rob = person("ana", "analyst"), person("rob", "reviewer")
    from integrita.domain.casework import CaseAction, Decision

    cases.transition(
        goaml_ctx, case_id, CaseAction.PROPOSE, ana, decision=Decision.REPORT, reason="x"
    )
    cases.transition(goaml_ctx, case_id, CaseAction.APPROVE, rob)
    browser = _browser(goaml_ctx, "ana")
    editor = browser.get("/str/1")
    assert 'id="schema-errors"' in editor.text and "phones" in editor.text
    refused = browser.get("/str/1/export.xml")
    assert refused.status_code == 422 and "does not validate" in refused.text
    saved = browser.post(
        "/str/1", data={"subject.phone_number": "13800138000", "reason": "Structuring."}
    )
    assert saved.status_code == 200 and 'id="schema-ok"' in saved.text
    xml = browser.get("/str/1/export.xml")
    assert xml.headers["content-type"] == "application/xml" and b"Structuring." in xml.content
    assert "STR 1" in browser.get("/deadlines").text


def test_the_case_page_shows_the_customers_risk_rating_and_its_factors(
    goaml_ctx: Context, person: Callable[..., UserView]
) -> None:
    from integrita.services.risk import rating

    case_id = _case(goaml_ctx)
    person("ana", "analyst")
    ana = _browser(goaml_ctx, "ana")
    before = ana.get(f"/cases/{case_id}").text
    assert "Money-laundering risk rating" in before and "Not rated yet" in before
    rating.rate_all(goaml_ctx, actor="system")
    after = ana.get(f"/cases/{case_id}").text
    assert "Not rated yet" not in after
    assert "Contribution of each factor" in after
