"""The STR as a PDF for the case file, on the one report layout (bank, page X of Y, Chinese)."""

from __future__ import annotations

from typing import Any

from integrita.services.core import pdf_layout
from integrita.services.core.context import Context
from integrita.services.core.report_labels import label
from integrita.store.models import SuspiciousTransactionReport

SUBJECT_FIELDS = (
    "customer_id",
    "name",
    "birthdate",
    "id_number",
    "nationality",
    "residence",
    "occupation",
)


def render_pdf(ctx: Context, report: SuspiciousTransactionReport) -> bytes:
    content: dict[str, Any] = dict(report.content)
    pdf = pdf_layout.new_report(
        ctx, f"Suspicious transaction report STR-{report.id}", f"case {report.case_id}"
    )

    def lines(rows: list[tuple[str, object]]) -> None:
        pdf.rows([], [[k, "" if v is None else v] for k, v in rows], col_widths=(55, 135))

    lines(
        [
            ("Status", label(report.status)),
            ("Case", report.case_id),
            ("Suspicion determined", ctx.local_date(report.determined_at).isoformat()),
            ("Due on", report.due_on.isoformat()),
            ("Submission reference", report.submission_ref),
        ]
    )
    entity = content.get("reporting_entity") or {}
    pdf.section("Reporting entity")
    lines(
        [
            ("goAML id", entity.get("rentity_id")),
            ("Branch", entity.get("rentity_branch")),
            ("Institution", entity.get("institution_name")),
        ]
    )
    subject = content.get("subject") or {}
    pdf.section("Subject")
    lines([(label(key), subject.get(key)) for key in SUBJECT_FIELDS])
    pdf.section("Accounts")
    pdf.rows(
        ["Account", "Type", "Currency", "Opened"],
        [
            [a.get("account"), a.get("type"), a.get("currency"), a.get("opened")]
            for a in content.get("accounts") or []
        ],
    )
    pdf.section("Transactions")
    pdf.rows(
        ["Transaction", "Booked", "Amount", "Direction", "Counterparty"],
        [
            [
                t.get("txn_id"),
                t.get("booked_at"),
                f"{t.get('amount')} {t.get('currency')}",
                t.get("direction"),
                t.get("counterparty_account"),
            ]
            for t in content.get("transactions") or []
        ],
    )
    pdf.section("Indicators")
    lines(
        [
            ("Codes", ", ".join(content.get("indicators") or [])),
            ("Typologies", ", ".join(label(t) for t in content.get("typologies") or [])),
        ]
    )
    pdf.section("Narrative")
    pdf.paragraph(str(content.get("reason") or ""))
    pdf.section("Action taken")
    pdf.paragraph(str(content.get("action") or ""))
    return pdf.finish()
