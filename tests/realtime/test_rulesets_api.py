"""Rule-set governance over HTTP: the proposer approves neither side; stale proposals are
refused until rebased; parameters outside their range are refused with the reason."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


def _h(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_a_rule_set_proposer_cannot_approve_their_own_change_through_the_api(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    alice = _h(make_user("alice", "mlro", "business_approver"))
    tech = _h(make_user("tech", "technology_approver"))
    proposed = client.post(
        "/v1/rulesets", json={"changes": {"consecutive_count": 4}}, headers=alice
    )
    assert proposed.status_code == 201, proposed.text
    body = proposed.json()
    assert (body["version"], body["base_version"]) == (2, 1)
    assert body["diff"] == {"consecutive_count": {"from": 3, "to": 4}}
    own = client.post("/v1/rulesets/2/approve", headers=alice)
    assert own.status_code == 409 and "separation of duties" in own.json()["detail"]
    other = client.post("/v1/rulesets/2/approve", headers=tech)
    assert other.status_code == 200 and other.json()["status"] == "proposed"
    listed = client.get("/v1/rulesets", headers=tech).json()
    assert [v["status"] for v in listed] == ["active", "proposed"]


def test_a_stale_proposal_is_refused_over_http_until_rebased_and_the_rebase_shows_the_diff(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    mia, max_ = _h(make_user("mia", "mlro")), _h(make_user("max", "mlro"))
    biz, tech = (
        _h(make_user("biz", "business_approver")),
        _h(make_user("tech", "technology_approver")),
    )
    client.post("/v1/rulesets", json={"changes": {"consecutive_count": 5}}, headers=mia)
    client.post("/v1/rulesets", json={"changes": {"challenge_max_attempts": 3}}, headers=max_)
    client.post("/v1/rulesets/3/approve", headers=biz)
    assert client.post("/v1/rulesets/3/approve", headers=tech).json()["status"] == "active"
    stale = client.post("/v1/rulesets/2/approve", headers=biz)
    assert stale.status_code == 409 and "rebase" in stale.json()["detail"]
    rebased = client.post("/v1/rulesets/2/rebase", headers=mia).json()
    assert rebased["base_version"] == 3
    assert rebased["diff"] == {"consecutive_count": {"from": 3, "to": 5}}
    assert rebased["thresholds"]["challenge_max_attempts"] == 3


def test_rule_parameters_out_of_range_are_refused_over_http_with_the_reason(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    mia = _h(make_user("mia", "mlro"))
    for changes, reason in (
        ({"consecutive_count": 0}, "at least one"),
        ({"challenge_max_attempts": 1_000_000}, "1 to 10 attempts"),
    ):
        refused = client.post("/v1/rulesets", json={"changes": changes}, headers=mia)
        assert refused.status_code == 422 and reason in refused.json()["detail"]
    analyst = _h(make_user("ana", "analyst"))
    assert (
        client.post(
            "/v1/rulesets", json={"changes": {"consecutive_count": 4}}, headers=analyst
        ).status_code
        == 403
    )
