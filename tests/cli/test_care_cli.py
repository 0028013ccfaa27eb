from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrita.cli.main import app
from integrita.services.core.context import Context
from integrita.settings import get_settings
from tests.conftest import sign_in_cli


def test_the_care_commands_report_figures_and_refuse_a_bad_month(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTEGRITA_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("INTEGRITA_LOG_JSON", "false")
    get_settings.cache_clear()
    sign_in_cli(
        Context.from_settings(get_settings()),
        monkeypatch,
        "olivia",
        "complaints_officer",
    )
    runner = CliRunner()
    bad = runner.invoke(app, ["care", "report", "2025-13"])
    assert bad.exit_code == 65 and "month must look like" in bad.output
    pdf = tmp_path / "r.pdf"
    ok = runner.invoke(app, ["care", "report", "2025-03", "--pdf", str(pdf)])
    assert ok.exit_code == 0, ok.output
    assert pdf.read_bytes().startswith(b"%PDF")
    missing = runner.invoke(app, ["care", "import-orders", str(tmp_path / "none.csv")])
    assert missing.exit_code == 65 and "cannot read" in missing.output
