"""``integrita users delegate``, ``users delegations`` and ``users revoke-delegation``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from integrita.cli.main import app
from integrita.services.core import auth, users
from integrita.services.core.context import Context
from integrita.settings import get_settings
from tests.conftest import sign_in_cli

PASSWORD = "a long test password"


@pytest.fixture
def configured(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[Context]:
    monkeypatch.setenv("INTEGRITA_DATA_DIR", str(ctx.settings.data_dir))
    monkeypatch.setenv("INTEGRITA_DATABASE_URL", ctx.settings.resolved_database_url)
    monkeypatch.setenv("INTEGRITA_LOG_JSON", "false")
    get_settings.cache_clear()
    ctx.clock = lambda: datetime.now(UTC)  # the CLI runs on the real clock
    sign_in_cli(ctx, monkeypatch, "ada", "administrator")
    yield ctx
    get_settings.cache_clear()


def test_an_administrator_names_lists_and_revokes_a_deputy_mlro(configured: Context) -> None:
    users.add_user(configured, "dev", "Dev", PASSWORD, ["reviewer"])
    today = datetime.now(ZoneInfo(configured.settings.timezone)).date()
    until = today + timedelta(days=3)
    named = CliRunner().invoke(
        app,
        [
            *("users", "delegate", "mlro", "--to", "dev"),
            *("--from", str(today), "--until", str(until)),
            *("--reason", "the MLRO drafted this year's self-assessment"),
        ],
    )
    assert named.exit_code == 0, named.output
    assert f"dev holds mlro from {today} until {until}" in named.output
    assert "mlro" in auth.sign_in(configured, "dev", PASSWORD).roles
    listed = CliRunner().invoke(app, ["users", "delegations"])
    assert listed.exit_code == 0 and "dev" in listed.output and "yes" in listed.output
    revoked = CliRunner().invoke(app, ["users", "revoke-delegation", "1"])
    assert revoked.exit_code == 0 and "no longer holds mlro" in revoked.output
    assert "mlro" not in auth.sign_in(configured, "dev", PASSWORD).roles


def test_a_token_without_the_administrator_role_cannot_delegate(
    configured: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    users.add_user(configured, "dev", "Dev", PASSWORD, ["reviewer"])
    monkeypatch.setenv("INTEGRITA_TOKEN", users.issue_token(configured, "dev", "cli"))
    refused = CliRunner().invoke(
        app,
        [
            *("users", "delegate", "mlro", "--to", "dev", "--from", "2030-01-01"),
            *("--until", "2030-01-02", "--reason", "self-service"),
        ],
    )
    assert refused.exit_code != 0 and "delegation.admin" in refused.output


def test_a_malformed_date_is_a_clear_error(configured: Context) -> None:
    bad = CliRunner().invoke(
        app,
        [
            *("users", "delegate", "mlro", "--to", "dev", "--from", "tomorrow"),
            *("--until", "2030-01-02", "--reason", "cover"),
        ],
    )
    assert bad.exit_code == 2 and "is not a date" in bad.output
