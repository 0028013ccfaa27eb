"""Suppliers (shares by hand count), brand exemptions (review clock on the business calendar),
IP cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from integrita.errors import InputError, StateTransitionError
from integrita.services.core.context import Context
from integrita.services.governance import disclosure, figures, imports, registers
from tests.conftest import FixedClock
from tests.governance.support import ANALYST, REVIEWER, REVIEWER_2

SUPPLIERS = """code,name,country,province,city,category,csr_clauses
S01,Luoyang Bearings,CN,Henan,Luoyang,parts,yes
S02,Zhengzhou Cable,CN,Henan,Zhengzhou,cable,yes
S03,Jinan Steel,CN,Shandong,Jinan,steel,no
S04,Luoyang Print,CN,henan,luoyang,services,yes
S05,Rhein Pumpen,DE,,,pumps,yes
S06,Kaifeng Foods,CN,Henan,Kaifeng,catering,yes
S07,Osaka Valves,JP,,,valves,no
"""


def test_supplier_shares_equal_a_hand_count(ctx: Context) -> None:
    result = imports.import_csv(ctx, "supplier", SUPPLIERS, actor=ANALYST)
    assert result.stored == 7
    for record_id in result.record_ids:
        if record_id != result.record_ids[5]:  # S06 stays an applicant
            registers.act(ctx, "supplier", record_id, "qualify", actor=REVIEWER, seen_version=1)
    got = figures.supplier_figures(ctx, actor=REVIEWER)
    # by hand: qualified S01-S05, S07 (6); domestic S01-S04 (4); Henan S01, S02, S04 (3);
    # Luoyang S01, S04 (2)
    assert got.qualified == ["S01", "S02", "S03", "S04", "S05", "S07"]
    assert got.domestic == ["S01", "S02", "S03", "S04"]
    assert got.home_province_suppliers == ["S01", "S02", "S04"]
    assert got.home_city_suppliers == ["S01", "S04"]
    assert got.domestic_percent == Decimal("66.67")
    assert got.home_province_percent == Decimal("50.00")
    assert got.home_city_percent == Decimal("33.33")
    pack = {f.key: f for f in disclosure.annual_figures(ctx, 2025)}
    assert pack["governance.suppliers.qualified"].value == 6
    assert len(pack["governance.suppliers.qualified"].rows) == 6
    share = pack["governance.suppliers.home_city_share"]
    assert (share.value, share.denominator) == (Decimal("33.33"), 6)
    assert sorted(r.label.split(": ")[1].split(" ")[0] for r in share.rows) == ["S01", "S04"]


def test_a_supplier_is_qualified_by_a_second_person(ctx: Context) -> None:
    result = imports.import_csv(ctx, "supplier", SUPPLIERS, actor=REVIEWER)
    with pytest.raises(StateTransitionError, match="separation of duties"):
        registers.act(
            ctx, "supplier", result.record_ids[0], "qualify", actor=REVIEWER, seen_version=1
        )
    registers.act(
        ctx, "supplier", result.record_ids[0], "qualify", actor=REVIEWER_2, seen_version=1
    )


def _exemption(ctx: Context, holder: str, granted_on: str) -> int:
    rec = registers.file_record(
        ctx,
        "brand_exemption",
        {"holder": holder, "exemption": "legacy signage", "granted_on": granted_on},
        actor=ANALYST,
    ).record
    registers.act(ctx, "brand_exemption", rec.id, "approve", actor=REVIEWER, seen_version=1)
    return rec.id


def test_annual_review_clock_and_overdue_list_follow_the_business_calendar(
    ctx: Context, clock: FixedClock
) -> None:
    # anniversary 2025-10-01 is National Day: due on the first working day after the holiday
    national_day = _exemption(ctx, "Henan Branch Hall", "2024-10-01")
    # anniversary 2025-03-01 is a Saturday: due Monday 2025-03-03
    weekend = _exemption(ctx, "Online shop", "2024-03-01")
    rec = registers.get_record(ctx, "brand_exemption", national_day, actor=REVIEWER).record
    assert rec.fields["review_due"] == "2025-10-09"
    assert (
        registers.get_record(ctx, "brand_exemption", weekend, actor=REVIEWER).record.fields[
            "review_due"
        ]
        == "2025-03-03"
    )
    # on the due date itself nothing is overdue; the day after, it is
    assert figures.overdue_exemptions(ctx, actor=REVIEWER, on=date(2025, 3, 3)) == []
    late = figures.overdue_exemptions(ctx, actor=REVIEWER, on=date(2025, 3, 4))
    assert [(i.id, i.working_days_late) for i in late] == [(weekend, 1)]
    # during the National Day holiday the other is not late yet
    on_holiday = figures.overdue_exemptions(ctx, actor=REVIEWER, on=date(2025, 10, 8))
    assert [i.id for i in on_holiday] == [weekend]
    # the review restarts the clock from the bank's local date of the review
    clock.now = clock.now.replace(month=3, day=4)
    reviewed = registers.act(ctx, "brand_exemption", weekend, "review", actor=REVIEWER_2)
    assert reviewed.fields["reviewed_on"] == "2025-03-04"
    assert reviewed.fields["review_due"] == "2026-03-04"
    assert figures.overdue_exemptions(ctx, actor=REVIEWER, on=date(2025, 3, 5)) == []


def test_an_ip_case_runs_to_referral_and_counts_in_its_year(ctx: Context) -> None:
    case = registers.file_record(
        ctx,
        "ip_case",
        {
            "reference": "IP-2025-001",
            "platform": "marketplace.example",
            "item": "counterfeit branded card holder",
            "evidence": "screenshots, test purchase",
            "identified_on": "2025-02-14",
        },
        actor=ANALYST,
    ).record
    validated = registers.act(ctx, "ip_case", case.id, "validate", actor=ANALYST)
    assert validated.fields["validated_on"] == "2025-03-03"
    registers.act(ctx, "ip_case", case.id, "claim", actor=ANALYST)
    with pytest.raises(StateTransitionError, match="separation of duties"):
        registers.act(
            ctx,
            "ip_case",
            case.id,
            "refer",
            actor=type(ANALYST)("alice", frozenset({"reviewer"})),
            seen_version=1,
        )
    registers.act(ctx, "ip_case", case.id, "refer", actor=REVIEWER, seen_version=1)
    pack = {f.key: f for f in disclosure.annual_figures(ctx, 2025)}
    assert pack["governance.ip.cases_identified"].value == 1
    assert pack["governance.ip.validation_reports"].value == 1
    assert pack["governance.ip.referrals"].rows[0].record_id == str(case.id)
    assert {f.key: f.value for f in disclosure.annual_figures(ctx, 2024)}[
        "governance.ip.cases_identified"
    ] == 0


def test_an_authorisation_past_its_term_is_listed(ctx: Context) -> None:
    rec = registers.file_record(
        ctx,
        "brand_user",
        {
            "licensee": "Expo stand",
            "channel": "offline",
            "scope": "logo",
            "term_from": "2024-01-01",
            "term_to": "2025-02-28",
        },
        actor=ANALYST,
    ).record
    assert figures.ended_brand_terms(ctx, actor=REVIEWER) == []  # not authorised yet
    registers.act(ctx, "brand_user", rec.id, "authorise", actor=REVIEWER, seen_version=1)
    ended = figures.ended_brand_terms(ctx, actor=REVIEWER)
    assert [(i.id, i.due_on.isoformat()) for i in ended] == [(rec.id, "2025-02-28")]


def test_supplier_assessments_and_their_average_score_in_the_pack(ctx: Context) -> None:
    for supplier, on, score in (
        ("S01", "2025-02-01", "80"),
        ("S02", "2025-02-02", "91"),
        ("S01", "2024-11-01", "40"),
    ):
        registers.file_record(
            ctx,
            "supplier_assessment",
            {"supplier": supplier, "assessed_on": on, "score": score},
            actor=ANALYST,
        )
    with pytest.raises(InputError, match="at most 100"):
        registers.file_record(
            ctx,
            "supplier_assessment",
            {"supplier": "S03", "assessed_on": "2025-02-03", "score": "101"},
            actor=ANALYST,
        )
    pack = {f.key: f for f in disclosure.annual_figures(ctx, 2025)}
    assert pack["governance.suppliers.assessments"].value == 2
    average = pack["governance.suppliers.average_score"]
    assert (average.value, average.denominator) == (Decimal("85.5"), 2)
