"""POST /v1/screenings (one or a batch) and the match actions over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient

from integrita.services.core.context import Context
from integrita.services.screening import lists, points
from integrita.services.screening.index_cache import forget
from tests.screening.conftest import FIXTURES, OPERATOR, add_customer


def _auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_screen_one_name_and_a_batch(
    ctx: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    forget(ctx)
    lists.import_list(ctx, "ofac_sdn", FIXTURES / "ofac_sdn.xml", actor=OPERATOR)
    token = make_user("ana", "analyst")
    one = client.post("/v1/screenings", json={"subject": {"name": "張秀英"}}, headers=_auth(token))
    assert one.status_code == 200, one.text
    best = one.json()["results"][0]["candidates"][0]
    assert (best["entity_id"], best["is_match"], best["schema"]) == ("OFAC-91001", True, "Person")
    assert best["features"][0]["explanation"]
    batch = client.post(
        "/v1/screenings",
        json={
            "subjects": [
                {"name": "Xiuying Zhang", "reference": "r1"},
                {"name": "Nobody Known", "reference": "r2"},
            ]
        },
        headers=_auth(token),
    )
    results = batch.json()["results"]
    assert [len(r["candidates"]) for r in results] == [1, 0]


def test_unknown_fields_are_refused(client: TestClient, make_user: Callable[..., str]) -> None:
    token = make_user("ana", "analyst")
    response = client.post(
        "/v1/screenings", json={"subject": {"name": "x", "nickname": "y"}}, headers=_auth(token)
    )
    assert response.status_code == 422


def test_a_payment_channel_may_screen_but_an_auditor_may_not(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    auditor = make_user("audrey", "auditor")
    response = client.post(
        "/v1/screenings", json={"subject": {"name": "x"}}, headers=_auth(auditor)
    )
    assert response.status_code == 403


def test_the_proposer_cannot_approve_over_http(
    ctx: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    forget(ctx)
    lists.import_list(ctx, "un", FIXTURES / "un_consolidated.xml", actor=OPERATOR)
    add_customer(ctx, "C1", "王建国", born=date(1968, 4, 12))
    match_id = points.screen_customers(ctx, ["C1"], actor=OPERATOR).match_ids[0]
    maker = make_user("max", "mlro")
    checker = make_user("rita", "reviewer")
    url = f"/v1/screenings/matches/{match_id}/actions"
    # the version seen is required: an action without it is refused at the boundary
    assert (
        client.post(url, json={"action": "propose_true_match"}, headers=_auth(maker)).status_code
        == 422
    )
    proposed = client.post(
        url, json={"action": "propose_true_match", "version": 1}, headers=_auth(maker)
    )
    assert proposed.status_code == 200 and proposed.json()["version"] == 2
    assert (
        client.post(url, json={"action": "approve", "version": 2}, headers=_auth(maker)).status_code
        == 409
    )
    stale = client.post(url, json={"action": "approve", "version": 1}, headers=_auth(checker))
    assert stale.status_code == 409 and "changed since version 1" in stale.text
    approved = client.post(url, json={"action": "approve", "version": 2}, headers=_auth(checker))
    assert approved.json()["state"] == "true_match"
