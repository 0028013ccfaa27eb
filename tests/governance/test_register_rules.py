"""The register declarations and pure rules: typed fields, four-eyes steps, pre-clearance,
the daily-check findings, the review clock."""

from __future__ import annotations

from datetime import date

import pytest

from integrita.domain.calendar import BusinessCalendar
from integrita.domain.governance import REGISTERS
from integrita.domain.governance.partners import annual_review_due
from integrita.domain.governance.segregation import (
    Clearance,
    Holding,
    preclearance_refusals,
    trade_findings,
)
from integrita.domain.registers import FieldKind, FieldSpec, parse_value
from integrita.domain.workflow import AUTHORS, Involvement
from integrita.errors import InputError


@pytest.mark.parametrize("name", sorted(REGISTERS))
def test_every_approval_is_by_someone_who_did_not_write_the_record(name: str) -> None:
    spec = REGISTERS[name]
    approvals = [s for s in spec.workflow.steps.values() if s.involvement == Involvement.APPROVED]
    for approval in approvals:
        # a second pair of eyes: the step names whose work it may not approve
        assert approval.excludes, approval.action
        if approval.binds_version:
            assert approval.excludes >= AUTHORS, approval.action
        assert approval.needs_person
    # every step is taken by a person and every create step starts from "new"
    assert all(s.needs_person for s in spec.workflow.steps.values())
    assert spec.create_actions and all(spec.workflow.step(a) for a in spec.create_actions)


def test_an_amount_finer_than_a_fen_is_refused_not_rounded() -> None:
    value = FieldSpec("value", "Value", FieldKind.AMOUNT)
    assert parse_value(value, "1200.50") == "1200.50"
    with pytest.raises(InputError, match="never rounded"):
        parse_value(value, "12.345")
    with pytest.raises(InputError):
        parse_value(value, "-5")
    with pytest.raises(InputError, match="NUL"):
        parse_value(FieldSpec("t", "Text"), "a\x00b")


def test_preclearance_names_every_reason() -> None:
    reasons = preclearance_refusals(
        issuer="Harbour Steel",
        side="sell",
        on=date(2025, 3, 10),
        restricted=["harbour steel "],
        crossed_projects=[("Lotus", "Harbour Steel")],
        purchases=[Holding("Harbour Steel", date(2025, 3, 1))],
        holding_days=30,
    )
    assert len(reasons) == 3
    assert (
        preclearance_refusals(
            issuer="Other",
            side="buy",
            on=date(2025, 3, 10),
            restricted=["Harbour Steel"],
            crossed_projects=[("Lotus", "Harbour Steel")],
            purchases=[],
            holding_days=30,
        )
        == []
    )


def test_a_trade_is_clean_only_with_a_valid_clearance_and_no_list() -> None:
    clearance = Clearance("Eastport", "buy", date(2025, 3, 3), date(2025, 3, 4))
    common = {"restricted": [], "watched": [], "crossed_projects": [], "clearances": [clearance]}
    assert trade_findings(issuer="Eastport", side="buy", traded_on=date(2025, 3, 4), **common) == []  # type: ignore[arg-type]
    late = trade_findings(issuer="Eastport", side="buy", traded_on=date(2025, 3, 5), **common)  # type: ignore[arg-type]
    assert late and "no pre-clearance" in late[0]
    watched = {**common, "watched": ["eastport"]}
    assert trade_findings(issuer="Eastport", side="buy", traded_on=date(2025, 3, 4), **watched) == [  # type: ignore[arg-type]
        "Eastport is on the watch list"
    ]


def test_the_annual_review_moves_past_spring_festival() -> None:
    calendar = BusinessCalendar.from_settings("CN", [], [], [])
    # 2025-01-29 is Spring Festival; the holiday runs to 2025-02-04 and 2025-02-08 is worked
    assert annual_review_due(calendar, date(2024, 1, 29)) == date(2025, 2, 5)
    assert annual_review_due(calendar, date(2024, 2, 29)) == date(2025, 3, 3)
