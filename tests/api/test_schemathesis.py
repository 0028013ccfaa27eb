"""schemathesis over the whole API: every operation of the OpenAPI document, on SQLite and on
PostgreSQL, with a bounded number of generated requests each. No answer may be a server error,
and every answer must match what the document declares (status code and body)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from integrita.domain.roles import Role
from integrita.services.core.context import Context

#: Generated requests per operation and backend; enough to hit every validator, small enough
#: that both backends finish in about a minute.
EXAMPLES = 8


@pytest.fixture
def api_schema(ctx: Context) -> schemathesis.BaseSchema:
    from integrita.api.app import create_app

    return schemathesis.openapi.from_asgi("/openapi.json", create_app(ctx))


@pytest.fixture
def all_roles_token(make_user: Callable[..., str]) -> str:
    return make_user("fuzz", *(r.value for r in Role))


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
