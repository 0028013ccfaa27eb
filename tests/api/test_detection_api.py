"""Detection governance over HTTP: strict input, the proposer approves neither side, the MLRO
alone sets the alert budget."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


def _h(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_a_parameter_proposal_is_approved_by_two_other_people_over_http(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    mia = _h(make_user("mia", "mlro", "business_approver"))
    biz = _h(make_user("bea", "business_approver"))
    tech = _h(make_user("ted", "technology_approver"))
    listed = client.get("/v1/detection/parameters", headers=tech)
    assert listed.status_code == 200
    assert {v["detector"] for v in listed.json()} >= {"fan_in", "cycle", "behaviour_change"}
    url = "/v1/detection/parameters/rapid_pass_through"
    created = client.post(url, json={"changes": {"window_hours": 96}}, headers=mia)
    assert created.status_code == 201, created.text
    assert created.json()["diff"] == {"window_hours": {"from": 72, "to": 96}}
    assert "within 96 hours" in created.json()["explanation"]
    own = client.post(f"{url}/2/approve", headers=mia)
    assert own.status_code == 409 and "separation of duties" in own.json()["detail"]
    assert client.post(f"{url}/2/approve", headers=biz).json()["status"] == "proposed"
    assert client.post(f"{url}/2/approve", headers=tech).json()["status"] == "active"
    versions = client.get(url, headers=tech).json()
    assert [v["status"] for v in versions] == ["superseded", "active"]


def test_parameter_values_cross_the_strict_boundary(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    mia = _h(make_user("mia", "mlro"))
    url = "/v1/detection/parameters/fan_in"
    for changes in ({"window_days": "3"}, {"window_days": True}, {"window_days": 2.5}):
        assert client.post(url, json={"changes": changes}, headers=mia).status_code == 422
    unknown = client.post(url, json={"changes": {"nonsense": 1}}, headers=mia)
    assert unknown.status_code == 422 and "unknown parameter" in unknown.text
    extra = client.post(url, json={"changes": {"window_days": 4}, "as": "x"}, headers=mia)
    assert extra.status_code == 422
    missing = client.post(
        "/v1/detection/parameters/no_such", json={"changes": {"x": 1}}, headers=mia
    )
    assert missing.status_code == 404


def test_only_the_mlro_sets_the_alert_budget_over_http(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    ann = _h(make_user("ann", "analyst"))
    mia = _h(make_user("mia", "mlro"))
    assert client.get("/v1/detection/budget", headers=ann).json()["is_default"] is True
    assert (
        client.put("/v1/detection/budget", json={"alerts_per_month": 5}, headers=ann).status_code
        == 403
    )
    assert (
        client.put("/v1/detection/budget", json={"alerts_per_month": 0}, headers=mia).status_code
        == 422
    )
    done = client.put("/v1/detection/budget", json={"alerts_per_month": 25}, headers=mia)
    assert done.status_code == 200 and done.json()["alerts_per_month"] == 25
    assert done.json()["set_by"] == "mia"
