"""Rule-set versions take effect only after business and technology approval by two users;
a backtest replays the ledger under a version beside the active one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from integrita.analytics.schema import LEDGER_SCHEMA
from integrita.errors import (
    InputError,
    PermissionDeniedError,
    StateTransitionError,
)
from integrita.services.core import users
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.core.users import UserView
from integrita.services.realtime import payments, rulesets
from integrita.services.realtime.backtest import backtest
from tests.realtime.conftest import decide

Pay = Callable[..., payments.PaymentRequest]


@pytest.fixture
def approvers(ctx: Context) -> dict[str, UserView]:
    return {
        name: users.add_user(ctx, name, name.title(), None, roles)
        for name, roles in (
            ("biz", ["business_approver"]),
            ("biz2", ["business_approver"]),
            ("tech", ["technology_approver"]),
            ("both", ["business_approver", "technology_approver"]),
            ("mia", ["mlro"]),
            ("max", ["mlro"]),
            ("analyst1", ["analyst"]),
        )
    }


def test_a_threshold_change_takes_effect_only_after_business_and_technology_approval(
    bank: Context, payment: Pay, approvers: dict[str, UserView]
) -> None:
    u = approvers
    proposal = rulesets.propose(
        bank, u["mia"], {"external_transfer_sms_over_minor": 3_000_000}, "lower to 30,000"
    )
    assert (proposal.version, proposal.status, proposal.base_version) == (2, "proposed", 1)
    assert proposal.diff == {
        "external_transfer_sms_over_minor": {"from": 5_000_000, "to": 3_000_000}
    }
    assert decide(bank, payment(to_bank="B999", amount="40000"))["decision"] == "allow"
    assert rulesets.approve(bank, 2, u["biz"]).status == "proposed"
    assert decide(bank, payment(to_bank="B999", amount="40000"))["decision"] == "allow"
    active = rulesets.approve(bank, 2, u["tech"])
    assert (active.status, active.business_approved_by, active.technology_approved_by) == (
        "active",
        "biz",
        "tech",
    )
    answer = decide(bank, payment(to_bank="B999", amount="40000"))
    assert answer["decision"] == "notify"
    assert answer["reasons"][0]["version"] == 2
    assert [v.status for v in rulesets.list_versions(bank, u["mia"])] == ["superseded", "active"]


def test_the_same_user_cannot_approve_both_sides(
    bank: Context, approvers: dict[str, UserView]
) -> None:
    rulesets.propose(bank, approvers["mia"], {"consecutive_count": 4})
    rulesets.approve(bank, 2, approvers["both"])
    with pytest.raises(StateTransitionError, match="separation of duties"):
        rulesets.approve(bank, 2, approvers["both"])
    assert rulesets.show(bank, approvers["mia"], 2).status == "proposed"


def test_a_user_without_an_approver_role_cannot_approve(
    bank: Context, approvers: dict[str, UserView]
) -> None:
    rulesets.propose(bank, approvers["mia"], {"consecutive_count": 4})
    with pytest.raises(PermissionDeniedError):
        rulesets.approve(bank, 2, approvers["analyst1"])
    rulesets.approve(bank, 2, approvers["biz"])
    with pytest.raises(PermissionDeniedError):  # the business side is already taken
        rulesets.approve(bank, 2, approvers["biz2"])


def test_a_user_without_the_propose_permission_cannot_propose(
    bank: Context, approvers: dict[str, UserView]
) -> None:
    with pytest.raises(PermissionDeniedError, match=r"ruleset\.propose"):
        rulesets.propose(bank, approvers["analyst1"], {"consecutive_count": 4})


def test_a_proposal_naming_an_unknown_threshold_is_refused(
    bank: Context, approvers: dict[str, UserView]
) -> None:
    with pytest.raises(InputError) as error:
        rulesets.propose(bank, approvers["mia"], {"no_such_threshold": 1})
    assert error.value.field == "no_such_threshold"
    with pytest.raises(InputError):
        rulesets.propose(bank, approvers["mia"], {"consecutive_count": "three"})


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("consecutive_count", 0, "a count of at least one"),
        ("challenge_max_attempts", 1_000_000, "1 to 10 attempts"),
        ("challenge_max_attempts", 0, "1 to 10 attempts"),
        ("external_transfer_sms_over_minor", 0, "an amount above zero"),
        ("consecutive_window_minutes", 5_000, "a window of 1 minute to 1 day"),
        ("state_horizon_minutes", 5, "consecutive_window_minutes must lie within"),
    ],
)
def test_rule_parameters_out_of_their_allowed_range_are_refused_with_the_reason(
    bank: Context, approvers: dict[str, UserView], name: str, value: int, reason: str
) -> None:
    with pytest.raises(InputError, match=reason) as error:
        rulesets.propose(bank, approvers["mia"], {name: value})
    assert error.value.field in (name, "consecutive_window_minutes")
    assert [v.version for v in rulesets.list_versions(bank, approvers["mia"])] == [1]


def test_a_stale_approval_cannot_revert_a_newer_version_until_the_proposal_is_rebased(
    bank: Context, approvers: dict[str, UserView]
) -> None:
    """The issue's bypass: a proposal drafted against version 1, approved after version 2 went
    live, silently put version 1's values back."""
    u = approvers
    old = rulesets.propose(bank, u["mia"], {"consecutive_count": 5})  # version 2, based on 1
    newer = rulesets.propose(bank, u["max"], {"challenge_max_attempts": 3})  # version 3, on 1
    rulesets.approve(bank, newer.version, u["biz"])
    rulesets.approve(bank, newer.version, u["tech"])  # version 3 is active
    with pytest.raises(StateTransitionError, match="rebase it"):
        rulesets.approve(bank, old.version, u["biz"])
    assert rulesets.show(bank, u["mia"]).thresholds["challenge_max_attempts"] == 3
    rebased = rulesets.rebase(bank, old.version, u["mia"])
    assert rebased.base_version == 3
    assert rebased.diff == {"consecutive_count": {"from": 3, "to": 5}}
    assert rebased.thresholds["challenge_max_attempts"] == 3  # the newer change is kept
    rulesets.approve(bank, old.version, u["biz"])
    active = rulesets.approve(bank, old.version, u["tech"])
    assert active.status == "active"
    assert (
        active.thresholds["consecutive_count"],
        active.thresholds["challenge_max_attempts"],
    ) == (
        5,
        3,
    )


def test_whoever_rebased_a_proposal_approves_neither_side(bank: Context) -> None:
    both = users.add_user(bank, "rae", "Rae", None, ["mlro", "business_approver"])
    mia = users.add_user(bank, "mia", "Mia", None, ["mlro"])
    biz = users.add_user(bank, "biz", "Biz", None, ["business_approver"])
    tech = users.add_user(bank, "tech", "Tech", None, ["technology_approver"])
    rulesets.propose(bank, mia, {"consecutive_count": 5})
    rulesets.propose(bank, mia, {"challenge_max_attempts": 3})
    rulesets.approve(bank, 3, biz)
    rulesets.approve(bank, 3, tech)
    rulesets.rebase(bank, 2, both)
    with pytest.raises(StateTransitionError, match="separation of duties"):
        rulesets.approve(bank, 2, both)


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
    bank: Context, approvers: dict[str, UserView]
) -> None:
    _ledger_rows(bank)
    rulesets.propose(bank, approvers["mia"], {"external_transfer_sms_over_minor": 3_000_000})
    report = backtest(bank, 2)
    assert (report.version, report.active_version, report.transactions) == (2, 1, 3)
    assert report.days["2025-03-03"]["candidate"]["notify"] == 2
    assert report.days["2025-03-03"]["active"]["notify"] == 1
    assert report.days["2025-03-04"]["candidate"]["notify"] == 1
    assert report.days["2025-03-04"]["active"]["notify"] == 0
    assert report.totals("candidate")["notify"] == 3
