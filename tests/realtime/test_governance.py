"""Rule-set versions take effect only after business and technology approval by two users;
a backtest replays the ledger under a version beside the active one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from integrita.analytics.schema import LEDGER_SCHEMA
from integrita.errors import InputError, PermissionDeniedError, StateTransitionError
from integrita.services.core import users
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.realtime import payments, rulesets
from integrita.services.realtime.backtest import backtest
from tests.realtime.conftest import decide

Pay = Callable[..., payments.PaymentRequest]


@pytest.fixture
def approvers(ctx: Context) -> None:
    users.add_user(ctx, "biz", "Business", None, ["business_approver"])
    users.add_user(ctx, "tech", "Technology", None, ["technology_approver"])
    users.add_user(ctx, "both", "Both", None, ["business_approver", "technology_approver"])
    users.add_user(ctx, "analyst1", "Analyst", None, ["analyst"])


def test_a_threshold_change_takes_effect_only_after_business_and_technology_approval(
    bank: Context, payment: Pay, approvers: None
) -> None:
    proposal = rulesets.propose(
        bank, "analyst1", {"external_transfer_sms_over_minor": 3_000_000}, "lower to 30,000"
    )
    assert (proposal.version, proposal.status) == (2, "proposed")
    assert decide(bank, payment(to_bank="B999", amount="40000"))["decision"] == "allow"
    assert rulesets.approve(bank, 2, "biz").status == "proposed"
    assert decide(bank, payment(to_bank="B999", amount="40000"))["decision"] == "allow"
    active = rulesets.approve(bank, 2, "tech")
    assert (active.status, active.business_approved_by, active.technology_approved_by) == (
        "active",
        "biz",
        "tech",
    )
    answer = decide(bank, payment(to_bank="B999", amount="40000"))
    assert answer["decision"] == "notify"
    assert answer["reasons"][0]["version"] == 2
    assert [v.status for v in rulesets.list_versions(bank)] == ["superseded", "active"]


def test_the_same_user_cannot_approve_both_sides(bank: Context, approvers: None) -> None:
    rulesets.propose(bank, "analyst1", {"consecutive_count": 4})
    rulesets.approve(bank, 2, "both")
    with pytest.raises(StateTransitionError, match="different user"):
        rulesets.approve(bank, 2, "both")
    assert rulesets.show(bank, 2).status == "proposed"


def test_a_user_without_an_approver_role_cannot_approve(bank: Context, approvers: None) -> None:
    rulesets.propose(bank, "analyst1", {"consecutive_count": 4})
    with pytest.raises(PermissionDeniedError):
        rulesets.approve(bank, 2, "analyst1")
    rulesets.approve(bank, 2, "biz")
    users.add_user(bank, "biz2", "Business Two", None, ["business_approver"])
    with pytest.raises(PermissionDeniedError):  # the business side is already taken
        rulesets.approve(bank, 2, "biz2")


def test_a_proposal_naming_an_unknown_threshold_is_refused(bank: Context) -> None:
    with pytest.raises(InputError) as error:
        rulesets.propose(bank, "a", {"no_such_threshold": 1})
    assert error.value.field == "no_such_threshold"
    with pytest.raises(InputError):
        rulesets.propose(bank, "a", {"consecutive_count": "three"})


def _ledger_rows(bank: Context) -> None:
    rows = []
    for day, amount in ((3, 4_000_000), (3, 6_000_000), (4, 4_500_000)):
        rows.append(
            {
                "txn_id": f"L{day}{amount}",
                "booked_at": datetime(2025, 3, day, 10, tzinfo=UTC),
                "channel": "online",
                "kind": "transfer",
                "from_bank": "B001",
                "from_account": "A1",
                "to_bank": "B999",
                "to_account": "Z1",
                "amount_paid_minor": amount,
                "paid_currency": "CNY",
                "amount_received_minor": amount,
                "received_currency": "CNY",
                "payment_format": "CNAPS",
                "counterparty_type": "third_party_corporate",
                "cross_border": False,
            }
        )
    open_ledger(bank).append_table(pa.Table.from_pylist(rows, schema=LEDGER_SCHEMA))


def test_backtest_reports_per_day_counts_against_the_active_version(
    bank: Context, approvers: None
) -> None:
    _ledger_rows(bank)
    rulesets.propose(bank, "analyst1", {"external_transfer_sms_over_minor": 3_000_000})
    report = backtest(bank, 2)
    assert (report.version, report.active_version, report.transactions) == (2, 1, 3)
    assert report.days["2025-03-03"]["candidate"]["notify"] == 2
    assert report.days["2025-03-03"]["active"]["notify"] == 1
    assert report.days["2025-03-04"]["candidate"]["notify"] == 1
    assert report.days["2025-03-04"]["active"]["notify"] == 0
    assert report.totals("candidate")["notify"] == 3
