"""Case work's part of the annual disclosure pack: STRs handed over and what became of them,
and large-value transaction reports.

The STR figures are "of which" figures of one cohort, the way regulators and published reports
state them ("254 handed over, of which 115 transferred and 18 filed"): the cohort is the STRs
handed over to the FIU in the bank's local year; "transferred" and "filed" count those of the
cohort that were later transferred to another authority or filed as a case, whenever that
happened. Counting transfers by their own date instead would mix last year's reports into this
year's figure — that is the by-date view, which :func:`by_date_figures` gives separately.
"""

from __future__ import annotations

from decimal import Decimal

from integrita.domain.disclosure import DrillRow, Figure
from integrita.services.core.context import Context
from integrita.store.models import LargeValueRecord, SuspiciousTransactionReport
from integrita.store.repositories import disclosure as repo

SECTION = "Anti-money laundering"


def _str_row(report: SuspiciousTransactionReport, ctx: Context) -> DrillRow:
    handed = ctx.local_date(report.submitted_at) if report.submitted_at else None
    parts = [f"STR-{report.id}", f"customer {report.customer_id}"]
    if handed:
        parts.append(f"handed over {handed.isoformat()}")
    if report.transferred_at:
        parts.append(f"transferred {ctx.local_date(report.transferred_at).isoformat()}")
    if report.filed_at:
        parts.append(f"filed {ctx.local_date(report.filed_at).isoformat()}")
    return DrillRow("str", str(report.id), ", ".join(parts), f"/str/{report.id}")


def _large_value_row(record: LargeValueRecord, ctx: Context) -> DrillRow:
    amount = Decimal(record.amount_cny_minor) / 100
    state = "submitted" if record.submitted_at else record.status
    return DrillRow(
        "large_value_record",
        str(record.id),
        f"LVR-{record.id}, account {record.account_id}, CNY {amount:,.2f}, "
        f"booked {ctx.local_date(record.booked_at).isoformat()}, {state}",
    )


def annual_figures(ctx: Context, year: int) -> list[Figure]:
    """STRs handed over in ``year`` (of which transferred, of which filed) and large-value
    reports of transactions booked in ``year`` (of which submitted to the FIU)."""
    start, end = ctx.year_bounds(year)
    with ctx.db.transaction() as session:
        cohort = repo.strs_submitted_between(session, start, end)
        large = repo.large_value_booked_between(session, start, end)
        handed = [_str_row(r, ctx) for r in cohort]
        transferred = [_str_row(r, ctx) for r in cohort if r.transferred_at is not None]
        filed = [_str_row(r, ctx) for r in cohort if r.filed_at is not None]
        large_rows = [_large_value_row(r, ctx) for r in large]
        submitted = [_large_value_row(r, ctx) for r in large if r.submitted_at is not None]
    return [
        Figure.count(
            SECTION, "aml.str.handed_over", "Suspicious transaction reports handed over", handed
        ),
        Figure.count(
            SECTION,
            "aml.str.transferred",
            "of which transferred to another authority",
            transferred,
            parent="aml.str.handed_over",
        ),
        Figure.count(
            SECTION,
            "aml.str.filed",
            "of which filed as a case",
            filed,
            parent="aml.str.handed_over",
        ),
        Figure.count(
            SECTION, "aml.large_value.reports", "Large-value transaction reports", large_rows
        ),
        Figure.count(
            SECTION,
            "aml.large_value.submitted",
            "of which submitted to the FIU",
            submitted,
            parent="aml.large_value.reports",
        ),
    ]


def by_date_figures(ctx: Context, year: int) -> list[Figure]:
    """The by-date view: STRs transferred or filed in ``year``, whichever year they were handed
    over in (what the workload of the year was, not what became of the year's reports)."""
    start, end = ctx.year_bounds(year)
    with ctx.db.transaction() as session:
        transferred = repo.strs_with_date_between(session, "transferred_at", start, end)
        filed = repo.strs_with_date_between(session, "filed_at", start, end)
        return [
            Figure.count(
                "STRs by date",
                "aml.str.transferred_in_year",
                "STRs transferred in the year (any year handed over)",
                [_str_row(r, ctx) for r in transferred],
            ),
            Figure.count(
                "STRs by date",
                "aml.str.filed_in_year",
                "STRs filed in the year (any year handed over)",
                [_str_row(r, ctx) for r in filed],
            ),
        ]
