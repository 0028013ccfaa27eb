"""An application and signed-in clients on the backend under test."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.services import users
from integrita.services.context import Context

PASSWORD = "a long test password"


@pytest.fixture
def client(ctx: Context) -> TestClient:
    return TestClient(create_app(ctx))


@pytest.fixture
def make_user(ctx: Context) -> Callable[..., str]:
    """Create a user with roles and return an API token for them."""

    def factory(username: str, *roles: str) -> str:
        users.add_user(ctx, username, username.title(), PASSWORD, roles)
        return users.issue_token(ctx, username, "test")

    return factory
