"""``integrita risk rate --all`` and ``integrita report reviews`` on the configured database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from integrita.cli.main import app
from integrita.demo import risk as demo
from integrita.services.core.context import Context
from integrita.settings import get_settings
from integrita.store.repositories import customers as customers_repo
from tests.conftest import sign_in_cli
from tests.services.risk.conftest import customer_row


@pytest.fixture
def configured(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[Context]:
    monkeypatch.setenv("INTEGRITA_DATA_DIR", str(ctx.settings.data_dir))
    monkeypatch.setenv("INTEGRITA_DATABASE_URL", ctx.settings.resolved_database_url)
    monkeypatch.setenv("INTEGRITA_LOG_JSON", "false")
    get_settings.cache_clear()
    yield ctx
    get_settings.cache_clear()


def test_rate_all_prints_the_distribution_by_band(
    configured: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in_cli(configured, monkeypatch, "ana", "analyst")
    with configured.db.transaction() as session:
        customers_repo.upsert_customers(session, [customer_row("C1", pep=True), customer_row("C2")])
    result = CliRunner().invoke(app, ["risk", "rate", "--all"])
    assert result.exit_code == 0, result.output
    assert "rated 2 customers" in result.output
    assert "high" in result.output and "50.0%" in result.output
    shown = CliRunner().invoke(app, ["risk", "show", "C1"])
    assert shown.exit_code == 0 and "pep" in shown.output


def test_choosing_no_mode_is_a_clear_error(configured: Context) -> None:
    result = CliRunner().invoke(app, ["risk", "rate"])
    assert result.exit_code == 65 and "choose exactly one" in result.output


def test_report_reviews_counts_from_the_records(
    configured: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in_cli(configured, monkeypatch, "aud", "auditor")
    opinions = demo.seed_demo_reviews(configured, count=3, seed=1)
    year = configured.now().year
    result = CliRunner().invoke(app, ["report", "reviews", "--year", str(year)])
    assert result.exit_code == 0, result.output
    assert "reviews" in result.output and f"│ {opinions}" in result.output.replace("  ", " ")
