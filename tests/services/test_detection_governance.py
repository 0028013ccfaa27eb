"""Governed detection settings: detector parameter sets proposed by the MLRO and approved by a
business and a technology approver (never the proposer, never stale), backtested on labelled
history; the MLRO's alert budget; and a run that obeys both and records what it used."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import cast

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from integrita.errors import InputError, PermissionDeniedError, StateTransitionError
from integrita.services.core import users
from integrita.services.core.context import Context
from integrita.services.monitoring import alert_budget, detector_params, params_backtest
from integrita.services.monitoring.detection import run_detection
from integrita.store.models import Alert, AuditEvent, DetectionRun
from tests.detection.builder import LedgerBuilder
from tests.detection.scenarios import SCENARIOS
from tests.services.test_detection import _append, _customers


def _user(ctx: Context, name: str, *roles: str) -> users.UserView:
    return users.add_user(ctx, name, name.title(), None, roles)


def _fans(b: LedgerBuilder, hubs: int, senders: int) -> dict[str, tuple[str, str]]:
    """``hubs`` fan-ins, hub i collecting from ``senders`` + i senders within a day."""
    owners = {}
    for h in range(hubs):
        for i in range(senders + h):
            b.pay(f"s{h}-{i}", f"hub{h}", 3000, hours=i)
        owners[f"hub{h}"] = (f"C{h}", "individual")
    return owners


def test_a_proposal_needs_business_and_technology_approval_by_two_other_people(
    ctx: Context,
) -> None:
    mlro = _user(ctx, "mia", "mlro", "business_approver")
    biz = _user(ctx, "bea", "business_approver")
    tech = _user(ctx, "ted", "technology_approver")
    analyst = _user(ctx, "ann", "analyst")
    with pytest.raises(PermissionDeniedError):
        detector_params.propose(ctx, analyst, "fan_in", {"min_counterparties": 6})
    proposed = detector_params.propose(ctx, mlro, "fan_in", {"min_counterparties": 6}, "fewer")
    assert (proposed.version, proposed.base_version, proposed.status) == (2, 1, "proposed")
    assert proposed.diff == {"min_counterparties": {"from": 5, "to": 6}}
    assert proposed.explanation.startswith("Fan-in: 6 to 60 different accounts")
    with pytest.raises(StateTransitionError, match="separation of duties"):
        detector_params.approve(ctx, mlro, "fan_in", 2)
    assert detector_params.approve(ctx, biz, "fan_in", 2).business_approved_by == "bea"
    done = detector_params.approve(ctx, tech, "fan_in", 2)
    assert done.status == "active" and done.technology_approved_by == "ted"
    (in_force,) = [v for v in detector_params.show(ctx, analyst) if v.detector == "fan_in"]
    assert in_force.version == 2 and in_force.params["min_counterparties"] == 6
    with ctx.db.transaction() as session:
        actions = [e.action for e in session.execute(select(AuditEvent)).scalars()]
    assert "detector_parameters.activate" in actions


def test_a_stale_proposal_is_refused_and_values_are_checked(ctx: Context) -> None:
    mia, max_ = _user(ctx, "mia", "mlro"), _user(ctx, "max", "mlro")
    biz, tech = _user(ctx, "bea", "business_approver"), _user(ctx, "ted", "technology_approver")
    detector_params.propose(ctx, mia, "cycle", {"window_days": 14})
    detector_params.propose(ctx, max_, "cycle", {"max_hops": 4})
    detector_params.approve(ctx, biz, "cycle", 3)
    detector_params.approve(ctx, tech, "cycle", 3)
    with pytest.raises(StateTransitionError, match="propose the change again"):
        detector_params.approve(ctx, biz, "cycle", 2)
    for changes, reason in (
        ({"min_hops": 7}, "is over max_hops"),
        ({"window_days": "10; DROP TABLE txn"}, "whole number"),
        ({"window_days": -1}, "negative"),
        ({"nonsense": 1}, "unknown parameter"),
        ({"max_hops": 4}, "changes nothing"),
    ):
        with pytest.raises(InputError, match=reason):
            detector_params.propose(ctx, mia, "cycle", changes)


def test_only_the_mlro_sets_the_alert_budget_and_each_change_is_audited(ctx: Context) -> None:
    mlro, analyst = _user(ctx, "mia", "mlro"), _user(ctx, "ann", "analyst")
    assert alert_budget.show(ctx, analyst).is_default
    with pytest.raises(PermissionDeniedError):
        alert_budget.set_budget(ctx, analyst, 10)
    with pytest.raises(InputError):
        alert_budget.set_budget(ctx, mlro, 0)
    assert alert_budget.set_budget(ctx, mlro, 30, "team of two").alerts_per_month == 30
    assert alert_budget.set_budget(ctx, mlro, 60).version == 2
    with ctx.db.transaction() as session:
        events = [
            e
            for e in session.execute(select(AuditEvent)).scalars()
            if e.action == "alert_budget.set"
        ]
    assert [e.actor for e in events] == ["mia", "mia"]


def test_a_run_raises_at_most_the_budgets_share_highest_scores_first(ctx: Context) -> None:
    b = LedgerBuilder()
    owners = _fans(b, hubs=4, senders=5)
    _customers(ctx, owners)
    _append(ctx, b)
    # the ledger spans one day: 30 a month is 1 alert for this run
    alert_budget.set_budget(ctx, _user(ctx, "mia", "mlro"), 30)
    summary = run_detection(ctx)
    assert summary.alert_budget == 1 and summary.alerts_raised == 1
    assert summary.alerts_below_line == 3
    assert any("below the budget's line" in w for w in summary.warnings)
    with ctx.db.transaction() as session:
        (alert,) = session.execute(select(Alert)).scalars()
        (run,) = session.execute(select(DetectionRun)).scalars()
    # the hub with the most senders (C3: 8) has the widest network: the highest score
    assert alert.customer_id == "C3"
    assert run.alerts_below_line == 3 and run.below_line is not None
    below = run.below_line
    assert [x["entity"] for x in below] == ["C2", "C1", "C0"]
    assert all(float(x["score"]) <= float(alert.score or 0) for x in below)  # type: ignore[arg-type]
    assert run.parameter_versions is not None and run.parameter_versions["fan_in"] == 1
    assert alert.explanation is not None and "entity_score" in alert.explanation[0]


def test_the_explanation_is_rendered_from_the_parameters_the_run_used(ctx: Context) -> None:
    b = LedgerBuilder()
    owners = _fans(b, hubs=1, senders=7)
    _customers(ctx, owners)
    _append(ctx, b)
    mia = _user(ctx, "mia", "mlro")
    detector_params.propose(ctx, mia, "fan_in", {"min_counterparties": 7})
    detector_params.approve(ctx, _user(ctx, "bea", "business_approver"), "fan_in", 2)
    detector_params.approve(ctx, _user(ctx, "ted", "technology_approver"), "fan_in", 2)
    summary = run_detection(ctx)
    assert summary.parameter_versions["fan_in"] == 2 and summary.alerts_raised == 1
    with ctx.db.transaction() as session:
        (alert,) = session.execute(select(Alert)).scalars()
    why = alert.evidence["typologies"]["fan_in"]["why"]  # type: ignore[index]
    assert why.startswith("Fan-in: 7 to 60 different accounts")


def test_a_backtest_shows_the_patterns_a_proposal_gains_and_loses_above_the_line(
    ctx: Context, tmp_path: Path
) -> None:
    b = LedgerBuilder()
    owners = _fans(b, hubs=3, senders=5)  # hubs of 5, 6 and 7 senders
    SCENARIOS["cycle"](b, True, "cy")
    owners["cy-a"] = ("CY", "individual")
    _customers(ctx, owners)
    _append(ctx, b)
    laundering = {r["txn_id"]: r for r in b.rows if str(r["to_account"]) in {"hub0", "hub2"}}
    labels = tmp_path / "labels.parquet"
    pq.write_table(
        pa.table(
            {
                "txn_id": [r["txn_id"] for r in b.rows],
                "is_laundering": [r["txn_id"] in laundering for r in b.rows],
                "pattern_id": [
                    ("P-" + str(r["to_account"])) if r["txn_id"] in laundering else None
                    for r in b.rows
                ],
            }
        ),
        labels,
    )
    mia = _user(ctx, "mia", "mlro")
    detector_params.propose(ctx, mia, "fan_in", {"min_counterparties": 6})
    with pytest.raises(PermissionDeniedError):
        params_backtest.backtest(ctx, _user(ctx, "ann", "analyst"), "fan_in", 2, labels=labels)
    result = params_backtest.backtest(
        ctx, mia, "fan_in", 2, labels=labels, budget_per_month=30 * 10
    )
    assert result.unit == "pattern" and result.true_cases == 2
    # hub0's five senders no longer make a fan-in: its alert and its pattern are lost
    assert result.active.alerts - result.proposed.alerts == 1
    assert result.alerts_lost_above_line == ["C0@2025-01"] and result.alerts_gained_above_line == []
    assert result.cases_lost == ["P-hub0"] and result.cases_gained == []
    assert result.active.cases_alerted_above_line == 2
    assert result.proposed.cases_alerted_above_line == 1


def test_a_later_run_adds_to_the_open_alert_of_the_same_customer_and_month(
    ctx: Context,
) -> None:
    b = LedgerBuilder()
    owners = _fans(b, hubs=1, senders=5)
    _customers(ctx, {**owners, "cy-a": ("C0", "individual")})
    _append(ctx, b)
    first = run_detection(ctx)
    assert first.alerts_raised == 1
    later = LedgerBuilder(rows=[])
    SCENARIOS["cycle"](later, True, "cy")
    for row in later.rows:  # the cycle of the same customer, two days later, same month
        row["txn_id"] = f"L-{row['txn_id']}"
        row["booked_at"] = cast(datetime, row["booked_at"]) + timedelta(days=2)
    _append(ctx, later)
    second = run_detection(ctx)
    assert second.alerts_updated == 1
    with ctx.db.transaction() as session:
        (alert,) = [a for a in session.execute(select(Alert)).scalars() if a.customer_id == "C0"]
        actions = [e.action for e in session.execute(select(AuditEvent)).scalars()]
    # the cycle's other accounts are another bank's: what passed through them on to cy-a is C0's
    assert alert.typologies == ["cycle", "fan_in", "rapid_pass_through"]
    assert set(alert.evidence["typologies"]) == {"cycle", "fan_in", "rapid_pass_through"}  # type: ignore[arg-type]
    assert actions.count("alert.evidence_added") == 1
    # the same ledger again: nothing new, nothing added
    again = run_detection(ctx, full=True)
    assert again.alerts_raised == 0 and again.alerts_updated == 0
    assert again.alerts_duplicate >= 1
