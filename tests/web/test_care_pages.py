from __future__ import annotations

from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.services.core import users
from integrita.services.core.context import Context
from tests.conftest import send_csrf_token
from tests.services.care_support import set_up_care

PASSWORD = "a long test password"


def _signed_in(ctx: Context, username: str, *roles: str) -> TestClient:
    users.add_user(ctx, username, username.title(), PASSWORD, roles)
    client = TestClient(create_app(ctx))
    r = client.post("/signin", data={"username": username, "password": PASSWORD, "next": "/"})
    assert r.status_code in (200, 303)
    send_csrf_token(client)
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


def test_a_survey_is_set_up_and_agency_results_uploaded_through_the_pages(ctx: Context) -> None:
    from integrita.services.care import customer_records
    from tests.services.care_support import OFFICER, add_customers

    ids = add_customers(ctx, {"sme": 10})
    lines = ["order_id,customer_id,product,ordered_on,quantity,amount,currency"]
    lines += [f"O{i},{cid},rim-17,2025-02-01,1,10.00,CNY" for i, cid in enumerate(ids)]
    customer_records.import_orders_csv(ctx, "\n".join(lines) + "\n", OFFICER)
    qa = _signed_in(ctx, "quinn", "quality_assurance")
    created = qa.post(
        "/care/surveys",
        data={"name": "Agency 2025", "percent": "20", "seed": "4", "mode": "agency"},
        follow_redirects=False,
    )
    assert created.status_code == 303
    survey_url = created.headers["location"]
    page = qa.get(survey_url)
    assert "below the 80% floor" in page.text
    too_small = qa.post("/care/surveys", data={"name": "x", "percent": "5", "seed": "1"})
    assert "10%" in too_small.text
    from integrita.store.repositories import care_customers

    with ctx.db.transaction() as session:
        sampled = [i.customer_id for i in care_customers.invitations(session, 1)]
    csv_text = "customer_id,answered_on,price,delivery\n" + "".join(
        f"{cid},2025-03-01,4,5\n" for cid in sampled
    )
    uploaded = qa.post(
        f"{survey_url}/agency-import", files={"file": ("agency.csv", csv_text.encode(), "text/csv")}
    )
    assert uploaded.status_code == 200
    assert "100.0 %" in uploaded.text and "below the 80% floor" not in uploaded.text
    assert "<svg" in uploaded.text  # the scores chart


def test_a_refused_customer_note_comes_back_to_the_record_naming_the_field(ctx: Context) -> None:
    customer = set_up_care(ctx)
    client = _signed_in(ctx, "olivia", "complaints_officer")
    notes = f"/care/customers/{customer}/notes"
    refused = client.post(
        notes, data={"kind": "special_requirement", "text": "  "}, follow_redirects=False
    )
    assert refused.status_code == 303
    assert refused.headers["location"] == (
        f"/care/customers/{customer}?error=text%3A%20the%20note%20is%20empty"
    )
    assert "text: the note is empty" in client.get(refused.headers["location"]).text
    added = client.post(
        notes,
        data={"kind": "special_requirement", "text": "deliver after 10:00"},
        follow_redirects=False,
    )
    assert added.headers["location"] == f"/care/customers/{customer}"
    assert "deliver after 10:00" in client.get(added.headers["location"]).text
