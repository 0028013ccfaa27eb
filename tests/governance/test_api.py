"""The governance registers over HTTP: filing, four-eyes, import, export, protected identity."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from integrita.services.core.context import Context


def _auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


ENTRY = {
    "issuer": "Sinoriver Mining",
    "list": "restricted",
    "reason": "advising on the takeover",
    "listed_from": "2025-03-01",
}


def test_a_restricted_list_entry_over_the_api(
    ctx: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    ana, rita, ed = (
        make_user("ana", "analyst"),
        make_user("rita", "reviewer"),
        make_user("ed", "product_owner"),
    )
    filed = client.post("/v1/governance/issuer_list", json={"fields": ENTRY}, headers=_auth(ana))
    assert filed.status_code == 201, filed.text
    record_id = filed.json()["record"]["id"]
    again = client.post("/v1/governance/issuer_list", json={"fields": ENTRY}, headers=_auth(ana))
    assert again.status_code == 200 and again.json()["created"] is False
    own = client.post(
        f"/v1/governance/issuer_list/{record_id}/steps",
        json={"action": "approve", "version": 1},
        headers=_auth(ana),
    )
    assert own.status_code == 403
    ok = client.post(
        f"/v1/governance/issuer_list/{record_id}/steps",
        json={"action": "approve", "version": 1},
        headers=_auth(rita),
    )
    assert ok.status_code == 200 and ok.json()["state"] == "listed"
    page = client.get(f"/v1/governance/issuer_list/{record_id}", headers=_auth(rita)).json()
    assert [h["action"] for h in page["history"]] == ["propose", "approve"]
    assert client.get("/v1/governance/issuer_list", headers=_auth(ed)).status_code == 403
    refused = client.post(
        "/v1/governance/dealing_request",
        json={
            "fields": {
                "employee": "ed",
                "issuer": "Sinoriver Mining",
                "side": "buy",
                "quantity": "10",
                "requested_on": "2025-03-03",
            }
        },
        headers=_auth(ed),
    )
    assert refused.status_code == 201 and refused.json()["record"]["state"] == "refused"
    bad = client.post(
        "/v1/governance/issuer_list", json={"fields": {**ENTRY, "color": "red"}}, headers=_auth(ana)
    )
    assert bad.status_code == 422 and "color" in bad.text
    assert client.get("/v1/governance/no_such_register", headers=_auth(ana)).status_code == 404


def test_import_export_and_a_protected_identity_over_the_api(
    ctx: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    ana, rita, mona = (
        make_user("ana", "analyst"),
        make_user("rita", "reviewer"),
        make_user("mona", "mlro"),
    )
    body = "ref,date,channel,allegation,who\nWB-1,2025-03-01,hotline,kickbacks,Zhang Wei\nWB-2,2025-13-01,email,x,\n"
    done = client.post(
        "/v1/governance/whistleblowing_report/imports",
        params={"mapping": "intake_ref=ref,received_on=date,reporter_identity=who"},
        content=body,
        headers=_auth(rita),
    )
    assert done.status_code == 200, done.text
    result = done.json()
    assert (result["read"], result["stored"], result["quarantined"]) == (2, 1, 1)
    assert result["rows"][0]["line"] == 3
    record_id = result["record_ids"][0]
    exported = client.get("/v1/governance/whistleblowing_report/export.csv", headers=_auth(mona))
    assert exported.status_code == 200 and "WB-1" in exported.text and "Zhang" not in exported.text
    assert (
        client.post(
            f"/v1/governance/whistleblowing_report/{record_id}/reveal",
            json={"field": "reporter_identity"},
            headers=_auth(rita),
        ).status_code
        == 403
    )
    shown = client.post(
        f"/v1/governance/whistleblowing_report/{record_id}/reveal",
        json={"field": "reporter_identity"},
        headers=_auth(mona),
    )
    assert shown.json() == {"field": "reporter_identity", "value": "Zhang Wei"}
    history = client.get(
        f"/v1/governance/whistleblowing_report/{record_id}", headers=_auth(mona)
    ).json()["history"]
    assert [(h["actor"], h["action"]) for h in history] == [
        ("rita", "receive"),
        ("mona", "viewed_reporter_identity"),
    ]
    figures = client.get("/v1/governance/annual-figures", params={"year": 2025}, headers=_auth(ana))
    by_key = {f["key"]: f for f in figures.json()}
    # the count is published; its drill-down names the intake reference, never the reporter
    reports = by_key["governance.integrity.whistleblowing_reports"]
    assert reports["value"] == "1" and "Zhang" not in str(reports["rows"])
