"""The detection commands parse, call the service and render."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from integrita.analytics.ledger import Ledger
from integrita.analytics.schema import LEDGER_SCHEMA
from integrita.cli.main import app
from integrita.settings import get_settings
from tests.detection.builder import LedgerBuilder
from tests.detection.scenarios import SCENARIOS


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INTEGRITA_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("INTEGRITA_LOG_JSON", "false")
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def test_detect_typologies_lists_every_explanation(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["detect", "typologies"])
    assert result.exit_code == 0, result.output
    assert "Structuring" in result.output and "Rapid pass-through" in result.output


def test_detect_run_prints_a_summary_per_typology_then_nothing_new(data_dir: Path) -> None:
    b = LedgerBuilder()
    SCENARIOS["cycle"](b, True, "cy")
    Ledger(data_dir / "ledger").append_table(pa.Table.from_pylist(b.rows, schema=LEDGER_SCHEMA))
    first = CliRunner().invoke(app, ["detect", "run", "--only", "cycle"])
    assert first.exit_code == 0, first.output
    assert "Cycle" in first.output and "alerts raised: 0" not in first.output
    # nobody registered the accounts' owners: the accounts are alerted, and the run says so
    assert "owner the bank did not register" in " ".join(first.output.split())
    again = CliRunner().invoke(app, ["detect", "run", "--only", "cycle"])
    assert "nothing to do" in again.output


def test_unknown_engine_is_a_clear_error(data_dir: Path) -> None:
    b = LedgerBuilder()
    SCENARIOS["cycle"](b, True, "cy")
    Ledger(data_dir / "ledger").append_table(pa.Table.from_pylist(b.rows, schema=LEDGER_SCHEMA))
    result = CliRunner().invoke(app, ["detect", "run", "--engine", "oracle"])
    assert result.exit_code != 0
    assert "oracle" in result.output


def test_master_needs_the_spark_engine(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["detect", "run", "--master", "spark://127.0.0.1:7077"])
    assert result.exit_code != 0
    assert "--master needs --engine spark" in result.output


def test_a_master_on_the_command_line_overrides_the_setting() -> None:
    from integrita.analytics.engine import SparkConfig
    from integrita.settings import Settings

    settings = Settings(spark_master="local[2]", spark_ledger_uri="s3a://bank/ledger")
    config = SparkConfig.from_settings(settings, "spark://10.0.0.5:7077")
    assert config.master == "spark://10.0.0.5:7077" and not config.on_loopback
    assert config.ledger_uri == "s3a://bank/ledger"
    assert SparkConfig.from_settings(settings).on_loopback
    assert SparkConfig(master="spark://127.0.0.1:7077").on_loopback
