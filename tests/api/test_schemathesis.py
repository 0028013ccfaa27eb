"""schemathesis over the whole API: every operation of the OpenAPI document, on SQLite and on
PostgreSQL, with a bounded number of generated requests each. No answer may be a server error,
and every answer must match what the document declares (status code and body).

Per operation and backend: the explicit examples, ``EXAMPLES`` generated requests, and
schemathesis' coverage phase (boundary values, ~35 requests an operation: 3,854 of the 4,434
requests on SQLite for 109 operations). The coverage phase's malformed requests (a missing or
mistyped field) are refused by request validation before any database is touched, so they run
on SQLite only; its valid boundary values (the longest string, the largest integer) can reach
the database and run on both backends (1,010 coverage requests on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import GenerationConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from integrita.domain.roles import Role
from integrita.services.core.context import Context

#: Generated requests per operation and backend; enough to hit every validator, small enough
#: that both backends finish in about a minute.
EXAMPLES = 5


@pytest.fixture
def all_roles_token(make_user: Callable[..., str]) -> str:
    return make_user("fuzz", *(r.value for r in Role))


#: The coverage phase's kinds of request on each backend (see the module's docstring).
COVERAGE_MODES = {
    "sqlite": [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    "postgresql": [GenerationMode.POSITIVE],
}


@pytest.fixture
def api_schema(ctx: Context, backend: str, all_roles_token: str) -> schemathesis.BaseSchema:
    """The application with record 1 of each kind on file, so that the explicit examples
    (id 1) reach past the 404 into each operation's own logic."""
    from fastapi.testclient import TestClient

    from integrita.api.app import create_app
    from tests.casework.conftest import alert_for, seed_customer
    from tests.services.care_support import set_up_care

    app = create_app(ctx)
    customer = set_up_care(ctx)
    seed_customer(ctx, "C1")
    alert_for(ctx, "C1")
    client = TestClient(app, headers={"authorization": f"Bearer {all_roles_token}"})
    orders = (
        "order_id,customer_id,product,ordered_on,quantity,amount,currency\n"
        f"O1,{customer},rim-17,2025-02-01,1,100.00,CNY\n"
    )
    client.post("/v1/care/orders/import", content=orders.encode())
    for path, body in (
        ("/v1/cases/open-from-alerts", None),
        (
            "/v1/care/complaints",
            {
                "customer_id": customer,
                "channel": "api",
                "category": "product_quality",
                "severity": "medium",
                "description": "paint flaking",
                "product": "rim-17",
            },
        ),
        ("/v1/care/surveys", {"name": "Q1", "fraction": 1.0}),
        (
            "/v1/risk/product-reviews",
            {
                "kind": "product",
                "title": "Cross-border wallet",
                "description": "A wallet",
                "target_customers": "retail",
                "channels": "mobile",
                "cross_border": True,
                "cash": False,
                "third_party_payments": True,
            },
        ),
    ):
        seeded = client.post(path, json=body)
        assert seeded.status_code < 300, (path, seeded.text)
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    loaded.config.phases.coverage.generation = GenerationConfig(modes=COVERAGE_MODES[backend])
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_operation_answers_with_a_server_error_or_breaks_its_schema(
    case: schemathesis.Case, all_roles_token: str
) -> None:
    case.call_and_validate(
        headers={"authorization": f"Bearer {all_roles_token}"},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )
