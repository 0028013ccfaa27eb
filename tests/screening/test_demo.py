"""The demo step: a small list, planted customers in both scripts, matches and near-misses."""

from __future__ import annotations

from integrita.demo import screening as demo
from integrita.domain.workflow import Actor
from integrita.services.core.context import Context
from integrita.services.screening import dispositions
from integrita.settings import get_settings
from tests.conftest import sign_in_cli


def test_the_demo_finds_the_planted_matches_and_lets_the_near_misses_pass(ctx: Context) -> None:
    diff, summary = demo.run(ctx)
    assert diff.snapshot.entity_count == len(demo.LIST_ENTITIES)
    matched = {
        m.subject_ref
        for m in dispositions.list_matches(ctx, actor=Actor("a", frozenset({"analyst"})))
    }
    expected = {p.customer_id for p in demo.PLANTED if p.expected == "match"}
    near = {p.customer_id for p in demo.PLANTED if p.expected == "near-miss"}
    assert matched == expected
    assert not matched & near
    assert summary.alerts == len(expected)


def test_the_screen_command_screens_named_customers(ctx: Context, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from integrita.cli.main import build_app

    demo.run(ctx)
    monkeypatch.setenv("INTEGRITA_DATA_DIR", str(ctx.settings.data_dir))
    monkeypatch.setenv("INTEGRITA_DATABASE_URL", ctx.db.url)
    get_settings.cache_clear()
    sign_in_cli(ctx, monkeypatch, "ana", "analyst")
    result = CliRunner().invoke(build_app(["screen"]), ["screen", "--customer", "DEMO-S2"])
    assert result.exit_code == 0, result.output
    assert "screened 1 customers" in result.output
    named = CliRunner().invoke(
        build_app(["screen"]), ["screen", "刘德华", "--birth-date", "1961-09-27"]
    )
    assert "MATCH" in named.output and "demo-pep-lau-tak-wah" in named.output
