from __future__ import annotations

import base64
from collections.abc import Callable

from fastapi.testclient import TestClient

from integrita.services.core.context import Context
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


def test_surveys_customer_records_and_clocks_through_the_api(
    ctx: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    from tests.services.care_support import add_customers

    officer = _h(make_user("olivia", "complaints_officer"))
    ids = add_customers(ctx, {"retail": 10})
    orders = "order_id,customer_id,product,ordered_on,quantity,amount,currency\n" + "".join(
        f"O{i},{cid},rim-17,2025-02-01,1,99.90,CNY\n" for i, cid in enumerate(ids)
    )
    assert client.post("/v1/care/orders/import", content=orders, headers=officer).json() == {
        "imported": 10
    }
    sid = client.post(
        "/v1/care/surveys", json={"name": "S", "fraction": 0.2, "seed": 2}, headers=officer
    ).json()["id"]
    results = client.get(f"/v1/care/surveys/{sid}", headers=officer).json()
    assert results["invited"] == 2 and results["warning"]
    invited = sorted(results["strata"])  # one stratum: retail
    assert invited == ["retail"]
    assert client.post(f"/v1/care/surveys/{sid}/reminders", headers=officer).json() == {
        "reminders": 2
    }
    note = client.post(
        f"/v1/care/customers/{ids[0]}/notes",
        json={"kind": "demand_change", "text": "doubles volume"},
        headers=officer,
    )
    assert note.status_code == 201
    record = client.get(f"/v1/care/customers/{ids[0]}", headers=officer).json()
    assert record["notes"]["demand_change"][0]["author"] == "olivia"
    assert record["orders"][0]["amount"] == "99.90"
    assert client.get("/v1/care/customers/NOBODY", headers=officer).status_code == 404
    assert client.get("/v1/care/trends", headers=officer).json()["months"] == ["2025-02"]
    assert client.get("/v1/care/sla/due-soon", headers=officer).json() == []
    assert client.get("/v1/care/figures?month=2025-3", headers=officer).status_code == 422
