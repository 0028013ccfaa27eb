"""The year's registers on the one report layout: STR figures, large-value reporting and the
register of AML reviews of new products and channels.

Each register prints the same figures the annual pack publishes (from the capabilities'
``disclosure`` modules) followed by the records behind them, so the paper a regulator reads and
the pack the board signs agree line by line.
"""

from __future__ import annotations

from dataclasses import dataclass

from integrita.domain.disclosure import Figure
from integrita.domain.permissions import Permission
from integrita.services.casework import disclosure as casework_disclosure
from integrita.services.casework import str_reports
from integrita.services.core import pdf_layout
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, ensure_permitted
from integrita.services.core.report_labels import label
from integrita.services.reporting.annual_pack import shown
from integrita.services.risk import disclosure as risk_disclosure


@dataclass(frozen=True, slots=True)
class StrFigures:
    """The year's STR figures: the cohort ("of which") view, the by-date view and reviews."""

    year: int
    cohort: list[Figure]
    by_date: list[Figure]
    reviews: dict[str, int]


def str_figures(ctx: Context, year: int, user: HasRoles) -> StrFigures:
    ensure_permitted(user, Permission.CASE_FIGURES)
    cohort = [
        f for f in casework_disclosure.annual_figures(ctx, year) if f.key.startswith("aml.str.")
    ]
    figures = str_reports.year_figures(ctx, year)
    reviews = {
        k: v
        for k, v in figures.as_dict().items()
        if k.startswith(("proposals_", "report_", "not_suspicious", "strs_submitted_on_time"))
    }
    return StrFigures(year, cohort, casework_disclosure.by_date_figures(ctx, year), reviews)


def _figure_rows(found: list[Figure]) -> list[list[object]]:
    return [[("    " if f.parent else "") + f.label, shown(f)] for f in found]


def _records(pdf: pdf_layout.ReportPdf, figure: Figure) -> None:
    pdf.section(f"{figure.label} ({shown(figure)})", level=1)
    if figure.rows:
        pdf.rows(
            ["Record", "Description"],
            [[r.record_id, r.label] for r in figure.rows],
            col_widths=(25, 165),
        )
    else:
        pdf.paragraph("None.")


def str_figures_pdf(ctx: Context, year: int, user: HasRoles) -> bytes:
    report = str_figures(ctx, year, user)
    pdf = pdf_layout.new_report(ctx, "Suspicious transaction reports", str(year), contents=True)
    pdf.section("Reports handed over in the year, and what became of them")
    pdf.paragraph(
        "Transferred and filed count the reports handed over in the year that were later "
        "transferred to another authority or filed as a case, whenever that happened."
    )
    pdf.rows(["Figure", "Value"], _figure_rows(report.cohort), col_widths=(140, 50))
    pdf.section("Transfers and filings dated in the year")
    pdf.paragraph("Whichever year the report was handed over in (the year's workload).")
    pdf.rows(["Figure", "Value"], _figure_rows(report.by_date), col_widths=(140, 50))
    pdf.section("Review of case proposals (four-eyes)")
    pdf.rows(
        ["Figure", "Value"],
        [[label(k), v] for k, v in report.reviews.items()],
        col_widths=(140, 50),
    )
    pdf.section("Records")
    for figure in [*report.cohort, *report.by_date]:
        _records(pdf, figure)
    return pdf.finish()


def large_value_pdf(ctx: Context, year: int, user: HasRoles) -> bytes:
    ensure_permitted(user, Permission.CASE_FIGURES)
    found = [
        f
        for f in casework_disclosure.annual_figures(ctx, year)
        if f.key.startswith("aml.large_value.")
    ]
    pdf = pdf_layout.new_report(ctx, "Large-value transaction reporting", str(year))
    pdf.section("Figures")
    pdf.rows(["Figure", "Value"], _figure_rows(found), col_widths=(140, 50))
    reports = next(f for f in found if f.key == "aml.large_value.reports")
    pdf.section("Records")
    _records(pdf, reports)
    return pdf.finish()


def product_review_pdf(ctx: Context, year: int, user: HasRoles) -> bytes:
    ensure_permitted(user, Permission.PRODUCT_REVIEW_READ)
    found = [
        f for f in risk_disclosure.annual_figures(ctx, year) if f.key.startswith("aml.reviews.")
    ]
    pdf = pdf_layout.new_report(
        ctx, "Register of AML reviews of new products, businesses and channels", str(year)
    )
    pdf.section("Figures")
    pdf.rows(["Figure", "Value"], _figure_rows(found), col_widths=(140, 50))
    for figure in found:
        _records(pdf, figure)
    return pdf.finish()
