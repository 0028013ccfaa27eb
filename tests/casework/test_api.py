"""The case-work HTTP API: four-eyes, STR export refusals, deadlines, the audit trail."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from integrita.services.casework import cases
from integrita.services.core.context import Context
from tests.casework.conftest import alert_for, seed_customer


def _open_case(ctx: Context) -> int:
    seed_customer(ctx)
    alert_for(ctx)
    cases.open_cases_from_alerts(ctx)
    with ctx.db.transaction() as session:
        from integrita.store.repositories import cases as repo

        return int(repo.alerts_of(session, 1)[0].case_id or 1)


def test_an_analyst_cannot_approve_their_own_proposal_through_the_api(
    goaml_ctx: Context, client: TestClient, token: Callable[..., dict[str, str]]
) -> None:
    case_id = _open_case(goaml_ctx)
    mia = token("mia", "analyst", "reviewer")
    rob = token("rob", "reviewer")
    proposed = client.post(
        f"/v1/cases/{case_id}/transitions",
        json={"action": "propose", "decision": "report", "reason": "structuring"},
        headers=mia,
    )
    assert proposed.status_code == 200 and proposed.json()["state"] == "proposed"
    own = client.post(f"/v1/cases/{case_id}/transitions", json={"action": "approve"}, headers=mia)
    assert own.status_code == 409
    assert "separation of duties" in own.json()["detail"]
    assert client.get(f"/v1/cases/{case_id}", headers=mia).json()["actions"] == []
    other = client.post(f"/v1/cases/{case_id}/transitions", json={"action": "approve"}, headers=rob)
    assert other.status_code == 200 and other.json()["state"] == "approved"


def test_roles_are_checked_on_case_endpoints(
    goaml_ctx: Context, client: TestClient, token: Callable[..., dict[str, str]]
) -> None:
    case_id = _open_case(goaml_ctx)
    care = token("cora", "complaints_officer")
    auditor = token("audrey", "auditor")
    assert client.get("/v1/cases", headers=care).status_code == 403
    assert client.get("/v1/cases", headers=auditor).status_code == 200
    note = client.post(f"/v1/cases/{case_id}/notes", json={"body": "x"}, headers=auditor)
    assert note.status_code == 403
    assert client.get("/v1/audit", headers=token("ana", "analyst")).status_code == 403


def test_the_queues_filter_sort_and_page(
    goaml_ctx: Context, client: TestClient, token: Callable[..., dict[str, str]]
) -> None:
    for i, score in enumerate([0.2, 0.95, 0.6]):
        alert_for(goaml_ctx, f"C{i}", "structuring", score)
    ana = token("ana", "analyst")
    assert client.post("/v1/cases/open-from-alerts", headers=ana).json()["cases_opened"] == 3
    alerts = client.get("/v1/alerts?sort=score&size=2", headers=ana).json()
    assert alerts["total"] == 3 and [a["score"] for a in alerts["items"]] == [0.95, 0.6]
    page2 = client.get("/v1/cases?sort=priority&size=2&page=2", headers=ana).json()
    assert [c["priority"] for c in page2["items"]] == ["low"]
    high = client.get("/v1/cases?priority=high", headers=ana).json()
    assert [c["customer_id"] for c in high["items"]] == ["C1"]
    bad = client.get("/v1/cases?sort=nonsense", headers=ana)
    assert bad.status_code == 422 and bad.json()["field"] == "sort"


def test_str_export_is_refused_with_the_schema_message_until_complete(
    goaml_ctx: Context, client: TestClient, token: Callable[..., dict[str, str]]
) -> None:
    case_id = _open_case(goaml_ctx)
    ana, rob = token("ana", "analyst"), token("rob", "reviewer")
    client.post(
        f"/v1/cases/{case_id}/transitions",
        json={"action": "propose", "decision": "report", "reason": "structuring"},
        headers=ana,
    )
    client.post(f"/v1/cases/{case_id}/transitions", json={"action": "approve"}, headers=rob)
    str_id = client.get(f"/v1/cases/{case_id}", headers=ana).json()["reports"][0]["id"]
    refused = client.get(f"/v1/str/{str_id}/goaml", headers=ana)
    assert refused.status_code == 422 and "phones" in refused.json()["detail"]
    errors = client.get(f"/v1/str/{str_id}/errors", headers=ana).json()
    assert errors and "phones" in errors[0]["message"]
    patched = client.patch(
        f"/v1/str/{str_id}", json={"changes": {"subject.phone_number": "13800138000"}}, headers=ana
    )
    assert patched.status_code == 200
    xml = client.get(f"/v1/str/{str_id}/goaml", headers=ana)
    assert xml.status_code == 200 and xml.text.startswith("<?xml")
    assert client.get(f"/v1/str/{str_id}/pdf", headers=ana).content.startswith(b"%PDF")
    deadlines = client.get("/v1/deadlines?today=2025-03-07", headers=ana).json()
    assert [(d["kind"], d["record_id"]) for d in deadlines["due_soon"]] == [("STR", str_id)]


def test_auditors_read_and_export_the_trail(
    goaml_ctx: Context, client: TestClient, token: Callable[..., dict[str, str]]
) -> None:
    _open_case(goaml_ctx)
    auditor = token("audrey", "auditor")
    events = client.get("/v1/audit?entity_type=case", headers=auditor).json()
    assert [e["action"] for e in events] == ["case.opened"]
    csv = client.get("/v1/audit.csv?action=case.", headers=auditor)
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("seq,occurred_at,actor,action")
    assert len(lines) == 2 and ",case.opened," in lines[1]
    bad = client.get("/v1/audit?since=yesterday", headers=auditor)
    assert bad.status_code == 422 and bad.json()["field"] == "since"


def test_large_value_records_export_as_valid_goaml_and_leave_the_deadline_list_when_submitted(
    goaml_ctx: Context, client: TestClient, token: Callable[..., dict[str, str]]
) -> None:
    from datetime import UTC, date, datetime

    from integrita.store.models import LargeValueRecord

    with goaml_ctx.db.transaction() as session:
        session.add(
            LargeValueRecord(
                txn_id="T-big",
                rule="cash_50000",
                customer_id="C1",
                account_id="A-C1",
                booked_at=datetime(2025, 3, 3, 8, tzinfo=UTC),
                amount_minor=6_000_000,
                currency="CNY",
                amount_cny_minor=6_000_000,
                due_on=date(2025, 3, 4),
            )
        )
    ana = token("ana", "analyst")
    xml = client.get("/v1/large-value/1/goaml", headers=ana)
    assert xml.status_code == 200 and b"<report_code>CTR</report_code>" in xml.content
    assert b"<amount_local>60000.00</amount_local>" in xml.content
    due = client.get("/v1/deadlines?today=2025-03-03", headers=ana).json()
    assert [d["kind"] for d in due["due_soon"]] == ["LVR"]
    done = client.post("/v1/large-value/1/submit", json={"reference": "LVR-REF-1"}, headers=ana)
    assert done.status_code == 200 and done.json()["status"] == "submitted"
    assert client.get("/v1/deadlines?today=2025-03-03", headers=ana).json()["due_soon"] == []
    again = client.post("/v1/large-value/1/submit", json={"reference": "LVR-REF-1"}, headers=ana)
    assert again.status_code == 409
