from __future__ import annotations

from collections.abc import Callable

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.domain.permissions import POLICY, Permission
from integrita.services.core.context import Context

#: Routes open to everyone, on purpose.
PUBLIC = {("GET", "/v1/health"), ("GET", "/signin"), ("POST", "/signin"), ("POST", "/signout")}


def api_routes(app: object) -> list[APIRoute]:
    """Every APIRoute of the app, also inside the routers FastAPI includes lazily."""
    found: list[APIRoute] = []
    stack = list(getattr(app, "routes", []))
    while stack:
        route = stack.pop()
        if isinstance(route, APIRoute):
            found.append(route)
        inner = getattr(route, "original_router", None)
        if inner is not None:
            stack.extend(inner.routes)
    return found


def _declared_permissions(route: APIRoute) -> list[Permission]:
    """Every ``require(Permission.X)`` among the route's dependencies (nested ones included)."""
    found: list[Permission] = []
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        permission = getattr(dep.call, "permission", None)
        if permission is not None:
            found.append(permission)
        stack.extend(dep.dependencies)
    return found


def test_every_api_route_and_page_declares_exactly_one_permission_from_the_table(
    ctx: Context,
) -> None:
    app = create_app(ctx)
    routes = [
        (method, route.path, _declared_permissions(route))
        for route in api_routes(app)
        for method in route.methods
        if (method, route.path) not in PUBLIC
    ]
    assert len(routes) > 100  # the pages and the API both
    wrong = [(m, p, d) for m, p, d in routes if len(d) != 1 or d[0] not in POLICY]
    assert wrong == []
    assert any(p.startswith("/v1/") for _, p, _ in routes)
    assert any(not p.startswith("/v1/") for _, p, _ in routes)


def test_no_route_or_service_keeps_a_role_list_of_its_own() -> None:
    """The one table is the only place a role list is written for a permission."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2] / "src" / "integrita"
    offenders = [
        str(path.relative_to(root))
        for folder in ("api", "web", "http", "services", "cli")
        for path in (root / folder).rglob("*.py")
        if "require_roles(" in path.read_text() or "ensure_role(" in path.read_text()
    ]
    assert offenders == []


def test_every_protected_route_refuses_an_anonymous_caller(ctx: Context) -> None:
    app = create_app(ctx)
    client = TestClient(app)
    routes = api_routes(app)
    assert len(routes) > 100
    for route in routes:
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
