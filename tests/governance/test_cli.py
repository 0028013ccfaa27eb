"""``integrita governance import`` and ``trade-check`` on the configured database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrita.cli.main import app
from integrita.services.core.context import Context
from integrita.settings import get_settings
from tests.conftest import sign_in_cli


@pytest.fixture
def configured(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[Context]:
    monkeypatch.setenv("INTEGRITA_DATA_DIR", str(ctx.settings.data_dir))
    monkeypatch.setenv("INTEGRITA_DATABASE_URL", ctx.settings.resolved_database_url)
    monkeypatch.setenv("INTEGRITA_LOG_JSON", "false")
    get_settings.cache_clear()
    yield ctx
    get_settings.cache_clear()


def test_import_reports_quarantined_lines_and_the_trade_check_flags_an_unclear_trade(
    configured: Context, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sign_in_cli(configured, monkeypatch, "ana", "analyst")
    trades = tmp_path / "trades.csv"
    trades.write_text(
        "ref,employee,issuer,side,quantity,traded_on\n"
        "B1,ed,Eastport Logistics,buy,10,2025-03-03\n"
        "B2,ed,Eastport Logistics,buy,ten,2025-03-03\n",
        encoding="utf-8",
    )
    done = CliRunner().invoke(
        app, ["governance", "import", "employee_trade", str(trades), "--map", "broker_ref=ref"]
    )
    assert done.exit_code == 0, done.output
    assert "read 2 = stored 1 + duplicates 0 + quarantined 1" in done.output
    assert "line 3" in done.output and "Quantity must be a whole number" in done.output
    checked = CliRunner().invoke(app, ["governance", "trade-check", "--day", "2025-03-03"])
    assert checked.exit_code == 0, checked.output
    assert "1 trades checked, 1 flagged" in checked.output


def test_the_trade_check_needs_a_compliance_role(
    configured: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in_cli(configured, monkeypatch, "ed", "product_owner")
    refused = CliRunner().invoke(app, ["governance", "trade-check"])
    assert refused.exit_code != 0 and "governance.record" in refused.output
