"""``integrita cases open`` and ``integrita report str``: figures computed from the records."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from typer.testing import CliRunner

from integrita.cli import casework as casework_cli
from integrita.cli.main import app
from integrita.domain.casework import CaseAction, Decision
from integrita.services.casework import cases
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from tests.casework.conftest import alert_for
from tests.conftest import sign_in_cli


def test_report_str_counts_the_years_reviews_from_the_records(
    ctx: Context, person: Callable[..., UserView], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(casework_cli, "context", lambda: ctx)
    alert_for(ctx, "C1")
    alert_for(ctx, "C2")
    runner = CliRunner()
    opened = runner.invoke(app, ["cases", "open"])
    assert opened.exit_code == 0, opened.output
    assert "2 cases opened" in opened.output
    ana, rob = person("ana", "analyst"), person("rob", "reviewer")
    for case_id in (1, 2):
        cases.transition(
            ctx, case_id, CaseAction.PROPOSE, ana, decision=Decision.NOT_SUSPICIOUS, reason="salary"
        )
    cases.transition(ctx, 1, CaseAction.RETURN, rob, comment="check the employer")
    cases.transition(ctx, 2, CaseAction.APPROVE, rob)
    signed_out = runner.invoke(app, ["report", "str", "--year", "2025", "--json"])
    assert signed_out.exit_code == 77 and "integrita login" in signed_out.output
    sign_in_cli(ctx, monkeypatch, "mlro", "mlro")
    result = runner.invoke(app, ["report", "str", "--year", "2025", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["proposals_reviewed"] == 2
    assert (figures["proposals_approved"], figures["proposals_returned"]) == (1, 1)
    assert figures["not_suspicious_approved"] == 1 and figures["strs_submitted"] == 0
    bad = runner.invoke(app, ["cases", "deadlines", "--today", "soon"])
    assert bad.exit_code == 65 and "--today" in bad.output
