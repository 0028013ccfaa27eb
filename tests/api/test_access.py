from __future__ import annotations

from collections.abc import Callable

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.services.core.context import Context

#: Routes open to everyone, on purpose.
PUBLIC = {("GET", "/v1/health"), ("GET", "/signin"), ("POST", "/signin"), ("POST", "/signout")}


def _role_dependency(route: APIRoute) -> frozenset[str] | None:
    for dep in route.dependant.dependencies:
        roles = getattr(dep.call, "allowed_roles", None)
        if roles is not None:
            return frozenset(str(r) for r in roles)
    return None


def test_every_route_checks_the_role(ctx: Context) -> None:
    app = create_app(ctx)
    unchecked = [
        (method, route.path)
        for route in app.routes
        if isinstance(route, APIRoute)
        for method in route.methods
        if (method, route.path) not in PUBLIC and _role_dependency(route) is None
    ]
    assert unchecked == []


def test_every_protected_route_refuses_an_anonymous_caller(ctx: Context) -> None:
    app = create_app(ctx)
    client = TestClient(app)
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        for method in route.methods:
            if (method, route.path) in PUBLIC:
                continue
            path = route.path.replace("{", "").replace("}", "")
            response = client.request(method, path, headers={"accept": "application/json"})
            assert response.status_code == 401, (method, route.path, response.status_code)


def test_health_needs_no_sign_in(client: TestClient) -> None:
    assert client.get("/v1/health").json() == {"status": "ok"}


def test_api_token_identifies_a_system(client: TestClient, make_user: Callable[..., str]) -> None:
    token = make_user("channel", "payment_channel")
    response = client.get("/v1/me", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["roles"] == ["payment_channel"]


def test_unknown_token_is_refused(client: TestClient) -> None:
    response = client.get("/v1/me", headers={"authorization": "Bearer itg_nope"})
    assert response.status_code == 401
