"""Care in the bank's time zone: complaint months by the local date, survey answers not from the future."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from integrita.services.core.context import Context
from tests.conftest import FixedClock
from tests.services.care_support import add_customers, set_up_care


def _h(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_a_complaint_received_at_0030_on_april_1st_in_shanghai_counts_in_april(
    ctx: Context, clock: FixedClock, client: TestClient, make_user: Callable[..., str]
) -> None:
    clock.now = datetime(2025, 4, 1, 2, 0, tzinfo=UTC)
    customer = set_up_care(ctx)
    officer = _h(make_user("olivia", "complaints_officer"))
    body = {
        "customer_id": customer,
        "channel": "api",
        "category": "product_quality",
        "severity": "medium",
        "description": "paint flaking",
        "product": "rim-17",
        # sent with a UTC offset: still 31 March there, 1 April 00:30 at the bank
        "received_at": "2025-03-31T16:30:00+00:00",
    }
    created = client.post("/v1/care/complaints", json=body, headers=officer)
    assert created.status_code == 201, created.text
    april = client.get("/v1/care/reports/2025-04", headers=officer).json()
    march = client.get("/v1/care/reports/2025-03", headers=officer).json()
    assert april["overall"]["received"] == 1
    assert (march["overall"] or {}).get("received", 0) == 0


def test_survey_answers_dated_in_the_future_are_refused(
    ctx: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    officer = _h(make_user("olivia", "complaints_officer"))
    ids = add_customers(ctx, {"retail": 10})
    orders = "order_id,customer_id,product,ordered_on,quantity,amount,currency\n" + "".join(
        f"O{i},{cid},rim-17,2025-02-01,1,99.90,CNY\n" for i, cid in enumerate(ids)
    )
    client.post("/v1/care/orders/import", content=orders, headers=officer)
    sid = client.post(
        "/v1/care/surveys", json={"name": "S", "fraction": 0.2, "seed": 2}, headers=officer
    ).json()["id"]
    got = client.post(
        f"/v1/care/surveys/{sid}/agency-import",
        content=f"customer_id,answered_on\n{ids[0]},2030-01-01\n",
        headers={**officer, "content-type": "text/csv"},
    )
    assert got.status_code == 422
    assert got.json()["field"] == "answered_on"
    assert "today" in got.json()["detail"] and "2025-03-03" in got.json()["detail"]
