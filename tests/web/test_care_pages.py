from __future__ import annotations

from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.services import users
from integrita.services.context import Context
from tests.services.care_support import set_up_care

PASSWORD = "a long test password"


def _signed_in(ctx: Context, username: str, *roles: str) -> TestClient:
    users.add_user(ctx, username, username.title(), PASSWORD, roles)
    client = TestClient(create_app(ctx))
    r = client.post("/signin", data={"username": username, "password": PASSWORD, "next": "/"})
    assert r.status_code in (200, 303)
    return client


def test_every_care_page_renders_for_an_officer(ctx: Context) -> None:
    customer = set_up_care(ctx)
    client = _signed_in(ctx, "olivia", "complaints_officer")
    filed = client.post(
        "/care/complaints/new",
        data={
            "customer_id": customer,
            "product": "rim-17",
            "channel": "phone",
            "category": "product_quality",
            "severity": "high",
            "description": "scratched",
        },
        files={"attachments": ("photo.jpg", b"jpeg", "image/jpeg")},
        follow_redirects=False,
    )
    assert filed.status_code == 303
    page = client.get(filed.headers["location"])
    assert "Initial response" in page.text and "clock-running" in page.text
    assert "photo.jpg" in page.text
    for path in (
        "/care",
        "/care/surveys",
        "/care/customers",
        f"/care/customers/{customer}",
        "/care/report?month=2025-03",
    ):
        assert client.get(path).status_code == 200, path
    bad = client.post("/care/complaints/new", data={"customer_id": customer, "description": "x"})
    assert bad.status_code == 422 and "channel" in bad.text


def test_a_page_step_by_the_wrong_role_is_refused(ctx: Context) -> None:
    customer = set_up_care(ctx)
    officer = _signed_in(ctx, "olivia", "complaints_officer")
    officer.post(
        "/care/complaints/new",
        data={
            "customer_id": customer,
            "product": "rim-17",
            "channel": "phone",
            "category": "product_quality",
            "severity": "high",
            "description": "scratched",
        },
    )
    auditor = _signed_in(ctx, "audrey", "auditor")
    assert auditor.get("/care/complaints/1").status_code == 200
    assert (
        auditor.post("/care/complaints/1/step", data={"action": "judge_valid"}).status_code == 403
    )
    assert auditor.get("/care/complaints/new").status_code == 403
