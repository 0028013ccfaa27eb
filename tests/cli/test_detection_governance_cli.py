"""``integrita detect params ...`` and ``integrita detect budget ...`` as the signed-in user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from integrita.cli.main import app
from integrita.services.core.context import Context
from integrita.settings import get_settings
from tests.conftest import sign_in_cli
from tests.detection.builder import LedgerBuilder
from tests.services.test_detection import _append, _customers


@pytest.fixture
def configured(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[Context]:
    monkeypatch.setenv("INTEGRITA_DATA_DIR", str(ctx.settings.data_dir))
    monkeypatch.setenv("INTEGRITA_DATABASE_URL", ctx.settings.resolved_database_url)
    monkeypatch.setenv("INTEGRITA_LOG_JSON", "false")
    get_settings.cache_clear()
    yield ctx
    get_settings.cache_clear()


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_propose_approve_and_backtest_detector_parameters_from_the_command_line(
    configured: Context, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    b = LedgerBuilder()
    for h, senders in enumerate((5, 7)):
        for i in range(senders):
            b.pay(f"s{h}-{i}", f"hub{h}", 3000, hours=i)
    _customers(configured, {"hub0": ("C0", "individual"), "hub1": ("C1", "individual")})
    _append(configured, b)
    labels = tmp_path / "labels.parquet"
    pq.write_table(
        pa.table(
            {
                "txn_id": [r["txn_id"] for r in b.rows],
                "is_laundering": [r["to_account"] == "hub0" for r in b.rows],
                "pattern_id": ["P0" if r["to_account"] == "hub0" else None for r in b.rows],
            }
        ),
        labels,
    )
    sign_in_cli(configured, monkeypatch, "mia", "mlro")
    shown = _invoke("detect", "params", "show")
    assert "fan_in" in shown and "behaviour_change" in shown
    proposed = _invoke("detect", "params", "propose", "fan_in", "--set", "min_counterparties=6")
    assert "proposed fan_in version 2 based on version 1" in proposed
    backtest = _invoke("detect", "params", "backtest", "fan_in", "2", "--labels", str(labels))
    # the default budget's share of a six-hour ledger is one alert: hub1's, the wider fan-in;
    # P0 (hub0) is below the line either way, so the proposal loses nothing above it
    assert "patterns lost: none" in backtest
    wider = _invoke(
        "detect", "params", "backtest", "fan_in", "2", "--labels", str(labels), "--budget", "9000"
    )
    assert "patterns lost: P0" in wider and "patterns gained: none" in wider
    own = CliRunner().invoke(app, ["detect", "params", "approve", "fan_in", "2"])
    assert own.exit_code != 0  # the MLRO holds no approver role
    sign_in_cli(configured, monkeypatch, "bea", "business_approver")
    assert "is proposed" in _invoke("detect", "params", "approve", "fan_in", "2")
    sign_in_cli(configured, monkeypatch, "ted", "technology_approver")
    assert "is active" in _invoke("detect", "params", "approve", "fan_in", "2")


def test_the_mlro_sets_the_budget_and_an_analyst_may_not(
    configured: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in_cli(configured, monkeypatch, "ann", "analyst")
    assert "100 alerts a month (documented default)" in _invoke("detect", "budget", "show")
    refused = CliRunner().invoke(app, ["detect", "budget", "set", "40"])
    assert refused.exit_code == 77
    sign_in_cli(configured, monkeypatch, "mia", "mlro")
    assert "version 1: 40 alerts a month" in _invoke("detect", "budget", "set", "40")
    assert "40 alerts a month (version 1 set by mia)" in _invoke("detect", "budget", "show")
