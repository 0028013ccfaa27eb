from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrita.cli.main import app
from integrita.settings import get_settings


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INTEGRITA_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("INTEGRITA_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_ingest_prints_the_reconciliation_and_exits_zero(cli_env: Path) -> None:
    path = cli_env / "aml.csv"
    path.write_text(
        "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
        "Payment Currency,Payment Format,Is Laundering\n"
        "2022/09/01 00:20,010,A,011,B,10.00,US Dollar,10.00,US Dollar,ACH,0\n"
        "2022/09/01 00:20,010,A,011,B,10.00,US Dollar\n"
    )
    result = CliRunner().invoke(app, ["ingest", str(path)])
    assert result.exit_code == 0, result.output
    assert "quarantined" in result.output and "wrong column count" in result.output


def test_ingest_of_a_missing_file_exits_non_zero_with_a_clear_error(cli_env: Path) -> None:
    result = CliRunner().invoke(app, ["ingest", str(cli_env / "nope.csv")])
    assert result.exit_code == 65
    assert "does not exist" in result.output
