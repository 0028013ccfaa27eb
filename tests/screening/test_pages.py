"""The review page shows a match side by side and offers only the steps this person may take."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.services.core.context import Context
from integrita.services.screening import lists, points
from integrita.services.screening.index_cache import forget
from tests.conftest import PASSWORD, send_csrf_token
from tests.screening.conftest import FIXTURES, OPERATOR, add_customer


def _signed_in(
    ctx: Context, make_user: Callable[..., str], username: str, *roles: str
) -> TestClient:
    make_user(username, *roles)
    client = TestClient(create_app(ctx))
    response = client.post(
        "/signin",
        data={"username": username, "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    send_csrf_token(client)
    return client


def test_review_page_shows_both_records_features_and_list_version_and_enforces_four_eyes(
    ctx: Context, make_user: Callable[..., str]
) -> None:
    forget(ctx)
    lists.import_list(ctx, "un", FIXTURES / "un_consolidated.xml", actor=OPERATOR)
    add_customer(ctx, "C1", "王建國", born=date(1968, 4, 12))
    match_id = points.screen_customers(ctx, ["C1"], actor=OPERATOR).match_ids[0]
    analyst = _signed_in(ctx, make_user, "ana", "analyst")
    queue = analyst.get("/screening/matches")
    assert f"/screening/matches/{match_id}" in queue.text
    page = analyst.get(f"/screening/matches/{match_id}")
    assert page.status_code == 200
    for expected in (
        "王建國",
        "WANG JIANGUO",
        "KPi.901",
        "1968-04-12",
        "version 1",
        "un_consolidated.xml",
        "chinese reading identical",
    ):
        assert expected in page.text, expected
    assert 'value="propose_true_match"' in page.text
    proposed = analyst.post(
        f"/screening/matches/{match_id}",
        data={"action": "propose_true_match", "version": "1"},
        follow_redirects=False,
    )
    assert proposed.status_code == 303
    refused = analyst.post(
        f"/screening/matches/{match_id}", data={"action": "approve", "version": "2"}
    )
    assert refused.status_code == 409
    reviewer = _signed_in(ctx, make_user, "rita", "reviewer")
    review = reviewer.get(f"/screening/matches/{match_id}").text
    assert 'value="approve"' in review
    # the page sends the version it showed: the proposal made the match version 2
    assert 'name="version" value="2"' in review
    stale = reviewer.post(
        f"/screening/matches/{match_id}", data={"action": "approve", "version": "1"}
    )
    assert stale.status_code == 409 and "changed since version 1" in stale.text
    done = reviewer.post(
        f"/screening/matches/{match_id}",
        data={"action": "approve", "version": "2"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "true match" in reviewer.get(done.headers["location"]).text
