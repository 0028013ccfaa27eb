"""The annual disclosure pack: figures computed from records, drill-downs that recount them,
publication as a signed snapshot and restatements afterwards."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

from integrita.domain.workflow import Actor
from integrita.errors import PermissionDeniedError
from integrita.services.core.context import Context
from integrita.services.reporting import annual
from integrita.store.models import AuditEvent, Complaint, SuspiciousTransactionReport
from tests.reporting.seed import YEAR, at, seed_small_bank

MLRO = Actor("head", frozenset({"mlro"}))
AUDITOR = Actor("auditor", frozenset({"auditor"}))


def test_every_figure_counts_the_records_a_person_counts_by_hand(ctx: Context) -> None:
    expected = seed_small_bank(ctx)
    pack = annual.annual_pack(ctx, YEAR, AUDITOR)
    for key, count in expected.items():
        assert pack.figure(key).value == count, key


def test_every_drill_down_has_as_many_records_as_its_count(ctx: Context) -> None:
    seed_small_bank(ctx)
    pack = annual.annual_pack(ctx, YEAR, AUDITOR)
    counts = [f for f in pack.figures if f.unit == "count"]
    assert len(counts) >= 10
    for figure in counts:
        assert len(figure.rows) == figure.value, figure.key
        assert len({r.record_id for r in figure.rows}) == len(figure.rows), figure.key


def test_of_which_figures_are_parts_of_their_cohort(ctx: Context) -> None:
    seed_small_bank(ctx)
    pack = annual.annual_pack(ctx, YEAR, AUDITOR)
    for figure in pack.figures:
        if figure.parent and figure.unit == "count":
            parent = {r.record_id for r in pack.figure(figure.parent).rows}
            assert {r.record_id for r in figure.rows} <= parent, figure.key


def test_shares_are_taken_of_the_right_records(ctx: Context) -> None:
    seed_small_bank(ctx)
    pack = annual.annual_pack(ctx, YEAR, AUDITOR)
    responded = pack.figure("care.complaints.responded_24h")
    assert (responded.value, responded.denominator, len(responded.rows)) == (Decimal("80.0"), 5, 4)
    satisfied = pack.figure("care.complaints.satisfied")  # the invalid complaint's 5 is not counted
    assert (satisfied.value, satisfied.denominator) == (Decimal("66.7"), 3)
    rate = pack.figure("care.surveys.response_rate")
    assert (rate.value, rate.denominator) == (Decimal("75.0"), 4)
    score = pack.figure("care.surveys.score")
    # 3 of 4 answered: below the 80 % response floor, so the survey publishes no score and the
    # pack says why instead of counting it
    assert score.denominator == 0 and score.rows == () and "withheld" in score.note


def test_publishing_freezes_the_figures_and_records_their_hash_in_the_audit_trail(
    ctx: Context,
) -> None:
    seed_small_bank(ctx)
    edition = annual.publish(ctx, YEAR, MLRO)
    assert edition.edition == 1 and len(edition.sha256) == 64
    with ctx.db.transaction() as s:
        event = s.query(AuditEvent).filter(AuditEvent.action == "disclosure.publish").one()
        assert event.actor == "head"
        assert orjson.loads(event.after)["sha256"] == edition.sha256
    assert annual.verify(ctx, YEAR, AUDITOR)
    pack = annual.annual_pack(ctx, YEAR, AUDITOR)
    assert pack.edition == edition and pack.restatements == []


def test_only_the_head_of_compliance_may_publish(ctx: Context) -> None:
    seed_small_bank(ctx)
    for person in (AUDITOR, Actor("analyst", frozenset({"analyst", "reviewer"}))):
        with pytest.raises(PermissionDeniedError):
            annual.publish(ctx, YEAR, person)
    with pytest.raises(PermissionDeniedError):
        annual.annual_pack(ctx, YEAR, Actor("agent", frozenset({"complaints_officer"})))


def test_a_record_changed_after_publication_shows_as_a_restatement(ctx: Context) -> None:
    seed_small_bank(ctx)
    first = annual.publish(ctx, YEAR, MLRO)
    with ctx.db.transaction() as s:
        third = s.get(SuspiciousTransactionReport, 3)
        assert third is not None
        third.filed_at = at(3, 1, year=YEAR + 1)  # filed after the pack was published
        s.add(
            Complaint(
                customer_id="C2",
                channel="web",
                category="fees",
                severity="normal",
                description="late entry",
                state="received",
                received_at=at(8, 8),
                received_month=f"{YEAR}-08",
            )
        )
    pack = annual.annual_pack(ctx, YEAR, AUDITOR)
    by_key = {r.key: r for r in pack.restatements}
    assert by_key["aml.str.filed"].published == 1 and by_key["aml.str.filed"].current == 2
    assert by_key["aml.str.filed"].added == ("str:3",)
    assert by_key["care.complaints.received"].published == 5
    assert by_key["care.complaints.received"].current == 6
    assert "aml.str.handed_over" not in by_key
    # the published edition itself is unchanged and still proves its hash
    assert pack.edition == first and annual.verify(ctx, YEAR, AUDITOR)
    second = annual.publish(ctx, YEAR, MLRO)
    assert second.edition == 2 and second.sha256 != first.sha256
    assert annual.annual_pack(ctx, YEAR, AUDITOR).restatements == []


def test_str_year_figures_count_transfers_of_the_years_reports_not_of_the_years_dates(
    ctx: Context,
) -> None:
    from integrita.services.casework import str_reports

    seed_small_bank(ctx)
    this = str_reports.year_figures(ctx, YEAR)
    assert (this.strs_submitted, this.strs_transferred, this.strs_filed) == (4, 2, 1)
    # by date: the report handed over the year before was transferred in this year; the one
    # handed over this year and transferred next year is not
    assert (this.strs_transferred_in_year, this.strs_filed_in_year) == (2, 0)
    ctx.clock = lambda: at(6, 1, year=YEAR + 1)  # type: ignore[method-assign]
    following = str_reports.year_figures(ctx, YEAR + 1)
    assert (following.strs_submitted, following.strs_transferred) == (0, 0)
    assert (following.strs_transferred_in_year, following.strs_filed_in_year) == (1, 1)
