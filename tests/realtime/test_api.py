"""The decision API over HTTP: roles, 422 naming the field, idempotent retries, the whole
verify flow, and schemathesis against the OpenAPI spec."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from integrita.api.app import create_app
from integrita.domain.workflow import Actor
from integrita.services.core.context import Context
from integrita.store.repositories import outbox as outbox_repo
from tests.realtime.conftest import api_event

ANALYST = Actor("analyst", frozenset({"analyst"}))


def test_channel_evaluates_a_payment_and_a_retry_gets_the_same_answer(
    bank: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    headers = {"authorization": f"Bearer {make_user('mobile-app', 'payment_channel')}"}
    first = client.post("/v1/payments/evaluate", json=api_event(), headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["decision"] == "notify"
    assert body["reasons"][0]["rule"] == "external_transfer_over_threshold_sms"
    assert body["challenge"] is None and body["show_risk_statement"] is False
    again = client.post("/v1/payments/evaluate", json=api_event(), headers=headers)
    assert again.json() == body
    changed = client.post("/v1/payments/evaluate", json=api_event(amount="1.00"), headers=headers)
    assert changed.status_code == 409
    outcome = client.post(
        "/v1/payments/API-1/outcome", json={"outcome": "executed"}, headers=headers
    )
    assert outcome.json() == {"txn_id": "API-1", "status": "executed"}


def test_malformed_event_gets_422_naming_the_field(
    bank: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    headers = {"authorization": f"Bearer {make_user('mobile-app', 'payment_channel')}"}
    bad_amount = client.post(
        "/v1/payments/evaluate", json=api_event(amount="12,5"), headers=headers
    )
    assert bad_amount.status_code == 422
    assert bad_amount.json()["detail"][0]["field"] == "amount"
    missing = api_event()
    del missing["to_account"]
    response = client.post("/v1/payments/evaluate", json=missing, headers=headers)
    assert response.json()["detail"][0]["field"] == "to_account"
    naive = client.post(
        "/v1/payments/evaluate", json=api_event(occurred_at="2025-03-03T09:00:00"), headers=headers
    )
    assert (naive.status_code, naive.json()["field"]) == (422, "occurred_at")
    unknown = client.post("/v1/payments/evaluate", json=api_event(currency="ZZZ"), headers=headers)
    assert (unknown.status_code, unknown.json()["field"]) == (422, "currency")
    account = client.post(
        "/v1/payments/evaluate", json=api_event(from_account="NOPE"), headers=headers
    )
    assert (account.status_code, account.json()["field"]) == (422, "from_account")


def test_only_a_payment_channel_may_evaluate(
    bank: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    headers = {"authorization": f"Bearer {make_user('ana', 'analyst')}"}
    assert (
        client.post("/v1/payments/evaluate", json=api_event(), headers=headers).status_code == 403
    )


def test_verify_flow_over_http_and_hold_queue_review(
    bank: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    channel = {"authorization": f"Bearer {make_user('app', 'payment_channel')}"}
    reviewer = {"authorization": f"Bearer {make_user('rev', 'reviewer')}"}
    answer = client.post(
        "/v1/payments/evaluate",
        json=api_event(txn_id="V1", amount="10", new_device=True),
        headers=channel,
    ).json()
    assert answer["decision"] == "verify"
    with bank.db.transaction() as session:
        message = outbox_repo.by_key(session, "payment:V1:payment_otp")
        assert message is not None
        code = message.params["secret_code"]
    result = client.post(
        f"/v1/challenges/{answer['challenge']['id']}/answer", json={"code": code}, headers=channel
    )
    assert result.json()["payment_status"] == "released"
    from integrita.services.realtime import payments

    payments.block_counterparty(bank, "B777", "MULE", "mule", user=ANALYST)
    held = client.post(
        "/v1/payments/evaluate",
        json=api_event(txn_id="H1", amount="10", to_bank="B777", to_account="MULE"),
        headers=channel,
    ).json()
    assert held["decision"] == "hold"
    queue = client.get("/v1/holds", headers=reviewer).json()
    assert [h["txn_id"] for h in queue] == ["H1"]
    assert client.get("/v1/holds", headers=channel).status_code == 403
    released = client.post(
        "/v1/holds/H1/release", json={"note": "customer called"}, headers=reviewer
    )
    assert released.json()["status"] == "released"
    assert client.get("/v1/holds", headers=reviewer).json() == []


def test_schemathesis_finds_no_server_error(bank: Context, make_user: Callable[..., str]) -> None:
    headers = {"authorization": f"Bearer {make_user('fuzz', 'payment_channel')}"}
    app = create_app(bank)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(
        path_regex=r"^/v1/(payments|challenges)"
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {
        "/v1/payments/evaluate",
        "/v1/payments/{txn_id}/outcome",
        "/v1/challenges/{challenge_id}/answer",
    }
    statuses: set[int] = set()
    for operation in operations:

        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            response = case.call(headers=headers)
            statuses.add(response.status_code)
            assert response.status_code < 500, (case.path, case.body, response.text)
            if response.status_code == 422:
                body = response.json()
                detail = body.get("detail")
                assert body.get("field") or (isinstance(detail, list) and detail[0]["field"])

        check()
    assert 422 in statuses


def test_account_opening_checks_and_rule_sets_over_http(
    bank: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    clerk = {"authorization": f"Bearer {make_user('clerk', 'analyst')}"}
    channel = {"authorization": f"Bearer {make_user('app', 'payment_channel')}"}
    tasks = client.post(
        "/v1/accounts/A1/opening",
        json={"opened_by": "representative", "opener_name": "Zhao Lei"},
        headers=clerk,
    ).json()
    assert [t["kind"] for t in tasks] == ["representative_phone_verification"]
    # while the task is open, payments from the account are rejected and it cannot activate
    rejected = client.post(
        "/v1/payments/evaluate", json=api_event(txn_id="P-OPEN"), headers=channel
    )
    assert rejected.json()["decision"] == "reject"
    assert client.post("/v1/accounts/A1/activate", headers=clerk).status_code == 409
    done = client.post(
        f"/v1/account-opening-tasks/{tasks[0]['id']}/complete",
        json={"outcome": "confirmed", "notes": "called the representative back"},
        headers=clerk,
    )
    assert done.json()["outcome"] == "confirmed"
    assert client.post("/v1/accounts/A1/activate", headers=clerk).json()["status"] == "active"
    versions = client.get("/v1/rulesets", headers=clerk).json()
    assert [(v["version"], v["status"]) for v in versions] == [(1, "active")]
    assert client.get("/v1/rulesets", headers=channel).status_code == 403
