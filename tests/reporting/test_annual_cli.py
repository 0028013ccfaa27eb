"""``integrita report annual`` writes HTML, PDF and CSV; ``--publish`` is the MLRO's alone;
the demo ends by writing the pack."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrita.cli.main import app
from integrita.services.core.context import Context
from integrita.settings import get_settings
from tests.conftest import sign_in_cli
from tests.reporting.seed import YEAR, seed_small_bank

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def configured(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[Context]:
    monkeypatch.setenv("INTEGRITA_DATA_DIR", str(ctx.settings.data_dir))
    monkeypatch.setenv("INTEGRITA_DATABASE_URL", ctx.settings.resolved_database_url)
    monkeypatch.setenv("INTEGRITA_LOG_JSON", "false")
    get_settings.cache_clear()
    yield ctx
    get_settings.cache_clear()


def test_report_annual_writes_the_pack_whose_csv_recounts_every_figure(
    configured: Context, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seed_small_bank(configured)
    sign_in_cli(configured, monkeypatch, "audrey", "auditor")
    out = tmp_path / "pack"
    result = CliRunner().invoke(app, ["report", "annual", "--year", str(YEAR), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"annual pack for {YEAR}:" in result.output
    stem = f"annual-disclosure-{YEAR}"
    assert (out / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
    assert "Suspicious transaction reports handed over" in (out / f"{stem}.html").read_text()
    figures = list(csv.DictReader((out / f"{stem}-figures.csv").open(encoding="utf-8")))
    records = list(csv.DictReader((out / f"{stem}-records.csv").open(encoding="utf-8")))
    for figure in figures:
        if figure["unit"] == "count":
            behind = [r for r in records if r["figure"] == figure["key"]]
            assert len(behind) == int(figure["value"]), figure["key"]
    refused = CliRunner().invoke(app, ["report", "annual", "--year", str(YEAR), "--publish"])
    assert refused.exit_code != 0 and "disclosure.publish" in refused.output


def test_the_mlro_publishes_from_the_command_line(
    configured: Context, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seed_small_bank(configured)
    sign_in_cli(configured, monkeypatch, "mei", "mlro")
    result = CliRunner().invoke(
        app, ["report", "annual", "--year", str(YEAR), "--out", str(tmp_path), "--publish"]
    )
    assert result.exit_code == 0, result.output
    assert "published edition 1" in result.output and "SHA-256" in result.output


def test_the_demo_ends_by_writing_the_annual_pack(
    configured: Context, capsys: pytest.CaptureFixture[str]
) -> None:
    from integrita.cli import demo

    seed_small_bank(configured)
    demo._annual_pack(configured)
    year = configured.local_date().year  # no ledger ingested: the bank's current year
    folder = configured.settings.reports_dir / "annual" / str(year)
    assert (folder / f"annual-disclosure-{year}.pdf").exists()
    assert str(folder.resolve()) in capsys.readouterr().out.replace("\n", "")
