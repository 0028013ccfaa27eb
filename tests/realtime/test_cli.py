"""The rules, outbox and payments commands."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from integrita.cli import common, identity
from integrita.cli.main import app
from integrita.services.core import users
from integrita.services.core.context import Context
from integrita.settings import get_settings


@pytest.fixture
def cli(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("INTEGRITA_DATABASE_URL", ctx.db.url)
    monkeypatch.setenv("INTEGRITA_DATA_DIR", str(ctx.settings.data_dir))
    monkeypatch.setenv("INTEGRITA_LOG_JSON", "false")
    monkeypatch.setattr(common.console, "width", 250)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _as(ctx: Context, monkeypatch: pytest.MonkeyPatch, username: str) -> None:
    monkeypatch.setenv("INTEGRITA_TOKEN", users.issue_token(ctx, username, "cli test"))


def test_rules_propose_and_two_approvals_activate_a_version_from_the_command_line(
    ctx: Context, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    users.add_user(ctx, "mia", "MLRO", None, ["mlro"])
    users.add_user(ctx, "biz", "Business", None, ["business_approver"])
    users.add_user(ctx, "tech", "Technology", None, ["technology_approver"])
    _as(ctx, monkeypatch, "mia")
    listed = cli.invoke(app, ["rules", "list"])
    assert listed.exit_code == 0, listed.output
    assert "external_transfer_over_threshold_sms" in listed.output
    proposed = cli.invoke(app, ["rules", "propose", "--set", "consecutive_count=4", "--note", "x"])
    assert "proposed version 2 based on version 1" in proposed.output, proposed.output
    bad = cli.invoke(app, ["rules", "propose", "--set", "nope=1"])
    assert bad.exit_code == 65 and "nope" in bad.output
    _as(ctx, monkeypatch, "biz")
    assert "proposed" in cli.invoke(app, ["rules", "approve", "2"]).output
    _as(ctx, monkeypatch, "tech")
    assert "is active" in cli.invoke(app, ["rules", "approve", "2"]).output
    shown = cli.invoke(app, ["rules", "show"])
    assert "version 2 (active)" in shown.output and '"consecutive_count": 4' in shown.output
    backtested = cli.invoke(app, ["rules", "backtest", "--version", "2"])
    assert backtested.exit_code == 0, backtested.output
    assert "0 ledger transactions" in backtested.output


def test_a_rule_set_proposer_cannot_approve_their_own_change_from_the_command_line(
    ctx: Context, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's bypass: alice proposed, approved the business side herself, and another
    user's technology approval activated her own change."""
    users.add_user(ctx, "alice", "Alice", None, ["mlro", "business_approver"])
    users.add_user(ctx, "tech", "Technology", None, ["technology_approver"])
    _as(ctx, monkeypatch, "alice")
    assert cli.invoke(app, ["rules", "propose", "--set", "consecutive_count=4"]).exit_code == 0
    own = cli.invoke(app, ["rules", "approve", "2"])
    assert own.exit_code == 1 and "separation of duties" in own.output, own.output
    _as(ctx, monkeypatch, "tech")
    assert "is proposed" in cli.invoke(app, ["rules", "approve", "2"]).output
    shown = cli.invoke(app, ["rules", "show"])
    assert "version 1 (active)" in shown.output


def test_the_command_line_refuses_as_and_unknown_tokens(
    ctx: Context, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    users.add_user(ctx, "mia", "MLRO", None, ["mlro"])
    not_signed_in = cli.invoke(app, ["rules", "propose", "--set", "consecutive_count=4"])
    assert not_signed_in.exit_code == 77 and "integrita login" in not_signed_in.output
    monkeypatch.setenv("INTEGRITA_TOKEN", "itg_not-a-token")
    unknown = cli.invoke(app, ["rules", "list"])
    assert unknown.exit_code == 77 and "unknown or revoked" in unknown.output
    _as(ctx, monkeypatch, "mia")
    typed = cli.invoke(app, ["rules", "approve", "2", "--as", "alice"])
    assert typed.exit_code == 77 and "--as alice is not accepted" in typed.output


def test_login_stores_a_private_token_and_logout_revokes_it(
    ctx: Context, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    users.add_user(ctx, "mia", "MLRO", "a long enough password", ["mlro"])
    signed = cli.invoke(app, ["login", "--username", "mia"], input="a long enough password\n")
    assert signed.exit_code == 0, signed.output
    token_file = identity.token_file()
    assert token_file.stat().st_mode & 0o777 == 0o600
    token = token_file.read_text().strip()
    assert cli.invoke(app, ["rules", "list"]).exit_code == 0
    assert cli.invoke(app, ["logout"]).exit_code == 0
    assert not token_file.exists()
    monkeypatch.setenv("INTEGRITA_TOKEN", token)
    users.CHECKED_TOKENS.clear()
    revoked = cli.invoke(app, ["rules", "list"])
    assert revoked.exit_code == 77 and "unknown or revoked" in revoked.output


def test_outbox_status_dispatch_and_ledger_flush_commands(ctx: Context, cli: CliRunner) -> None:
    status = cli.invoke(app, ["outbox", "status"])
    assert status.exit_code == 0 and "channel:status" in status.output
    assert "delivered, by the gateway's last receipt: none" in status.output
    dispatched = cli.invoke(app, ["outbox", "dispatch"])
    assert dispatched.exit_code == 0 and "'delivered': 0" in dispatched.output
    flushed = cli.invoke(app, ["payments", "flush-ledger"])
    assert "offered 0, stored 0, still pending 0" in flushed.output
