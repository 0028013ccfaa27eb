"""The rules, outbox and payments commands."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from integrita.cli import common
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


def test_rules_propose_and_two_approvals_activate_a_version_from_the_command_line(
    ctx: Context, cli: CliRunner
) -> None:
    users.add_user(ctx, "biz", "Business", None, ["business_approver"])
    users.add_user(ctx, "tech", "Technology", None, ["technology_approver"])
    listed = cli.invoke(app, ["rules", "list"])
    assert listed.exit_code == 0, listed.output
    assert "external_transfer_over_threshold_sms" in listed.output
    proposed = cli.invoke(
        app, ["rules", "propose", "--set", "consecutive_count=4", "--as", "ana", "--note", "x"]
    )
    assert "proposed version 2" in proposed.output
    bad = cli.invoke(app, ["rules", "propose", "--set", "nope=1", "--as", "ana"])
    assert bad.exit_code == 65 and "nope" in bad.output
    assert "proposed" in cli.invoke(app, ["rules", "approve", "2", "--as", "biz"]).output
    assert "is active" in cli.invoke(app, ["rules", "approve", "2", "--as", "tech"]).output
    shown = cli.invoke(app, ["rules", "show"])
    assert "version 2 (active)" in shown.output and '"consecutive_count": 4' in shown.output
    backtested = cli.invoke(app, ["rules", "backtest", "--version", "2"])
    assert backtested.exit_code == 0, backtested.output
    assert "0 ledger transactions" in backtested.output


def test_outbox_status_dispatch_and_ledger_flush_commands(ctx: Context, cli: CliRunner) -> None:
    status = cli.invoke(app, ["outbox", "status"])
    assert status.exit_code == 0 and "channel:status" in status.output
    dispatched = cli.invoke(app, ["outbox", "dispatch"])
    assert dispatched.exit_code == 0 and "'delivered': 0" in dispatched.output
    flushed = cli.invoke(app, ["payments", "flush-ledger"])
    assert "offered 0, stored 0, still pending 0" in flushed.output
