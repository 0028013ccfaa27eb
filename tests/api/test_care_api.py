from __future__ import annotations

import base64
from collections.abc import Callable

from fastapi.testclient import TestClient

from integrita.services.context import Context
from tests.services.care_support import set_up_care


def _h(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_a_complaint_is_filed_and_walked_through_the_api(
    ctx: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    customer = set_up_care(ctx)
    officer = _h(make_user("olivia", "complaints_officer"))
    qa = _h(make_user("quinn", "quality_assurance"))
    dept = _h(make_user("dana", "product_owner"))
    body = {
        "customer_id": customer,
        "channel": "api",
        "category": "product_quality",
        "severity": "medium",
        "description": "paint flaking",
        "product": "rim-17",
        "attachments": [{"filename": "a.txt", "content_base64": base64.b64encode(b"hi").decode()}],
    }
    created = client.post("/v1/care/complaints", json=body, headers=officer)
    assert created.status_code == 201
    cid = created.json()["id"]
    steps = [
        (officer, "judge_valid", {}),
        (officer, "assign", {}),
        (
            dept,
            "rectify",
            {
                "root_cause": "primer",
                "corrective_action": "repaint",
                "preventive_action": "primer check",
                "meeting_record": "meeting 1",
            },
        ),
        (qa, "pass_verification", {}),
        (officer, "inform_customer", {"outcome": "repainted", "satisfaction": 4}),
        (officer, "close", {}),
    ]
    for headers, action, fields in steps:
        r = client.post(
            f"/v1/care/complaints/{cid}/transitions",
            json={"action": action, "fields": fields},
            headers=headers,
        )
        assert r.status_code == 200, r.json()
    got = client.get(f"/v1/care/complaints/{cid}", headers=qa).json()
    assert got["state"] == "closed" and got["department"] == "quality"
    assert len(got["history"]) == 7
    report = client.get("/v1/care/reports/2025-03", headers=qa).json()
    assert report["overall"]["received"] == 1
    assert report["overall"]["satisfaction_rate"] == 1.0
    pdf = client.get("/v1/care/reports/2025-03/pdf", headers=qa)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_wrong_role_gets_403_and_a_wrong_state_409(
    ctx: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    customer = set_up_care(ctx)
    officer = _h(make_user("olivia", "complaints_officer"))
    qa = _h(make_user("quinn", "quality_assurance"))
    auditor = _h(make_user("audrey", "auditor"))
    text = (
        "customer_id,product,order_id,channel,category,severity,description\n"
        f"{customer},rim-17,,email,delivery,low,late\n"
    )
    imported = client.post("/v1/care/complaints/import", content=text, headers=officer)
    assert imported.status_code == 200
    (cid,) = imported.json()["ids"]
    wrong_role = client.post(
        f"/v1/care/complaints/{cid}/transitions", json={"action": "judge_valid"}, headers=qa
    )
    assert wrong_role.status_code == 403
    wrong_state = client.post(
        f"/v1/care/complaints/{cid}/transitions", json={"action": "close"}, headers=officer
    )
    assert wrong_state.status_code == 409
    assert client.post("/v1/care/complaints", json={}, headers=auditor).status_code == 403
    assert client.get("/v1/care/complaints?state=received", headers=auditor).json()[0]["id"] == cid
    bad = client.post("/v1/care/complaints/import", content="customer_id\nx\n", headers=officer)
    assert bad.status_code == 422 and bad.json()["field"] == "file"
