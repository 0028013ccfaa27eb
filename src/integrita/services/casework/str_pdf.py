"""The STR as a PDF for the case file (fpdf2, with a CJK font when the system has one)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF

from integrita.store.models import SuspiciousTransactionReport

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def _font(pdf: FPDF) -> str:
    if CJK_FONT.exists():
        pdf.add_font("wqy", "", str(CJK_FONT))
        return "wqy"
    return "helvetica"


def render_pdf(report: SuspiciousTransactionReport, *, generated_at: datetime) -> bytes:
    content: dict[str, Any] = dict(report.content)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    font = _font(pdf)
    pdf.set_font(font, size=16)
    pdf.cell(0, 10, f"Suspicious transaction report STR-{report.id}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, size=10)

    def line(label: str, value: object) -> None:
        pdf.multi_cell(
            0, 6, f"{label}: {'' if value is None else value}", new_x="LMARGIN", new_y="NEXT"
        )

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font(font, size=12)
        pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(font, size=10)

    line("Status", report.status)
    line("Case", report.case_id)
    line("Suspicion determined", report.determined_at.isoformat())
    line("Due on", report.due_on.isoformat())
    line("Submission reference", report.submission_ref)
    entity = content.get("reporting_entity") or {}
    heading("Reporting entity")
    line("goAML id", entity.get("rentity_id"))
    line("Branch", entity.get("rentity_branch"))
    line("Institution", entity.get("institution_name"))
    subject = content.get("subject") or {}
    heading("Subject")
    for key in (
        "customer_id",
        "name",
        "birthdate",
        "id_number",
        "nationality",
        "residence",
        "occupation",
    ):
        line(key.replace("_", " ").capitalize(), subject.get(key))
    heading("Accounts")
    for account in content.get("accounts") or []:
        line(
            str(account.get("account")),
            f"{account.get('type')} {account.get('currency')} opened {account.get('opened')}",
        )
    heading("Transactions")
    for t in content.get("transactions") or []:
        line(
            str(t.get("txn_id")),
            f"{t.get('booked_at')}  {t.get('amount')} {t.get('currency')}  "
            f"{t.get('direction')}  counterparty {t.get('counterparty_account')}",
        )
    heading("Indicators")
    line("Codes", ", ".join(content.get("indicators") or []))
    line("Typologies", ", ".join(content.get("typologies") or []))
    heading("Narrative")
    pdf.multi_cell(0, 6, str(content.get("reason") or ""), new_x="LMARGIN", new_y="NEXT")
    heading("Action taken")
    pdf.multi_cell(0, 6, str(content.get("action") or ""), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(font, size=8)
    pdf.cell(
        0, 5, f"Generated {generated_at.isoformat()} by integrita", new_x="LMARGIN", new_y="NEXT"
    )
    return bytes(pdf.output())
