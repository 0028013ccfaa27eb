"""Issue 17, Input: a payment event is read strictly at the HTTP boundary (route and fast lane)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from integrita.services.core.context import Context
from tests.realtime.conftest import api_event


@pytest.fixture
def channel(make_user: Callable[..., str]) -> dict[str, str]:
    return {"authorization": f"Bearer {make_user('mobile-app', 'payment_channel')}"}


def test_an_unknown_field_like_newDevice_is_refused_not_dropped(
    bank: Context, client: TestClient, channel: dict[str, str]
) -> None:
    event = api_event(amount="100.00", counterparty_type="own_account")
    del event["new_device"]
    refused = client.post(
        "/v1/payments/evaluate", json={**event, "newDevice": True}, headers=channel
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "newDevice"
    assert client.get("/v1/payments/API-1", headers=channel).status_code == 404


@pytest.mark.parametrize("truthy", ["yes", 1, "true"])
def test_new_device_must_be_a_json_boolean(
    bank: Context, client: TestClient, channel: dict[str, str], truthy: object
) -> None:
    refused = client.post(
        "/v1/payments/evaluate", json=api_event(new_device=truthy), headers=channel
    )
    assert (refused.status_code, refused.json()["field"]) == (422, "new_device")


@pytest.mark.parametrize("amount", ["50000.005", "50000.015", "0.001"])
def test_an_amount_finer_than_the_fen_is_refused_not_rounded(
    bank: Context, client: TestClient, channel: dict[str, str], amount: str
) -> None:
    refused = client.post("/v1/payments/evaluate", json=api_event(amount=amount), headers=channel)
    assert (refused.status_code, refused.json()["field"]) == (422, "amount")
    assert "not rounded" in refused.json()["detail"]


def test_an_exact_amount_with_trailing_zeros_is_still_accepted(
    bank: Context, client: TestClient, channel: dict[str, str]
) -> None:
    answer = client.post(
        "/v1/payments/evaluate", json=api_event(amount="50000.0100"), headers=channel
    )
    assert answer.status_code == 200 and answer.json()["decision"] == "notify"


@pytest.mark.parametrize("occurred_at", [1741000000, "9999-12-31T23:59:59+00:00"])
def test_occurred_at_is_an_iso_instant_within_the_years_the_platform_knows(
    bank: Context, client: TestClient, channel: dict[str, str], occurred_at: object
) -> None:
    refused = client.post(
        "/v1/payments/evaluate", json=api_event(occurred_at=occurred_at), headers=channel
    )
    assert (refused.status_code, refused.json()["field"]) == (422, "occurred_at")


def test_a_transaction_id_with_a_nul_byte_is_refused(
    bank: Context, client: TestClient, channel: dict[str, str]
) -> None:
    refused = client.post("/v1/payments/evaluate", json=api_event(txn_id="A\x00B"), headers=channel)
    assert (refused.status_code, refused.json()["field"]) == (422, "txn_id")
