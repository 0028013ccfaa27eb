"""The fast lane in front of the application: token-authenticated decisions are answered by it
with the same checks and error bodies as the documented route; a signed-in person's session
goes through the route itself; token checks are remembered only for a few seconds."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.services.core import users
from integrita.services.core.context import Context
from tests.conftest import send_csrf_token
from tests.realtime.conftest import PASSWORD, api_event


def test_token_errors_have_the_routes_status_and_body(
    bank: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    analyst = {"authorization": f"Bearer {make_user('ana', 'analyst')}"}
    channel = {"authorization": f"Bearer {make_user('app', 'payment_channel')}"}
    unknown = client.post(
        "/v1/payments/evaluate",
        json=api_event(txn_id="L1"),
        headers={"authorization": "Bearer nope"},
    )
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "AuthenticationError"
    refused = client.post("/v1/payments/evaluate", json=api_event(txn_id="L1"), headers=analyst)
    assert refused.status_code == 403
    assert "payment_channel" in refused.json()["detail"]
    bad = client.post(
        "/v1/payments/evaluate", json=api_event(txn_id="L1", kind="gift"), headers=channel
    )
    assert bad.status_code == 422
    assert [d["field"] for d in bad.json()["detail"]] == ["kind"]
    not_json = client.post("/v1/payments/evaluate", content=b"{nope", headers=channel)
    assert not_json.status_code == 422
    unknown_account = client.post(
        "/v1/payments/evaluate", json=api_event(txn_id="L1", from_account="NOPE"), headers=channel
    )
    assert unknown_account.status_code == 422
    assert unknown_account.json()["field"] == "from_account"


def test_an_oversized_event_is_refused_unread(
    bank: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    channel = {"authorization": f"Bearer {make_user('app', 'payment_channel')}"}
    huge = api_event(txn_id="BIG", to_name="x" * 100_000)
    response = client.post("/v1/payments/evaluate", json=huge, headers=channel)
    assert response.status_code == 413
    assert "at most" in response.json()["detail"]


def test_a_signed_in_session_is_served_by_the_route_with_the_same_answer(
    bank: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    token = make_user("app", "payment_channel")
    by_token = client.post(
        "/v1/payments/evaluate",
        json=api_event(txn_id="S1"),
        headers={"authorization": f"Bearer {token}"},
    )
    with TestClient(create_app(bank)) as browser:
        signed_in = browser.post(
            "/signin", data={"username": "app", "password": PASSWORD}, follow_redirects=False
        )
        assert signed_in.status_code == 303
        send_csrf_token(browser)
        by_session = browser.post("/v1/payments/evaluate", json=api_event(txn_id="S1"))
        assert by_session.status_code == 200, by_session.text
        assert by_session.json() == by_token.json()  # a retry through the route replays it
        other = browser.post("/v1/payments/evaluate", json=api_event(txn_id="S2", kind="bogus"))
        assert other.status_code == 422


def test_a_role_change_applies_to_the_next_request(
    bank: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    headers = {"authorization": f"Bearer {make_user('app', 'payment_channel')}"}
    assert client.post(
        "/v1/payments/evaluate", json=api_event(txn_id="R1"), headers=headers
    ).is_success
    users.set_roles(bank, "app", ["auditor"])
    after = client.post("/v1/payments/evaluate", json=api_event(txn_id="R2"), headers=headers)
    assert after.status_code == 403


def test_a_token_revoked_elsewhere_stops_working_once_it_is_checked_again(
    bank: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    from integrita.store.repositories import users as users_repo

    headers = {"authorization": f"Bearer {make_user('app', 'payment_channel')}"}
    assert client.post(
        "/v1/payments/evaluate", json=api_event(txn_id="V1"), headers=headers
    ).is_success
    with bank.db.transaction() as session:  # another process deactivates the user
        user = users_repo.get_by_username(session, "app")
        assert user is not None
        user.active = False
    remembered = client.post("/v1/payments/evaluate", json=api_event(txn_id="V2"), headers=headers)
    assert remembered.status_code == 200  # within api_token_recheck_seconds
    bank.settings.api_token_recheck_seconds = 0
    checked = client.post("/v1/payments/evaluate", json=api_event(txn_id="V3"), headers=headers)
    assert checked.status_code == 401
