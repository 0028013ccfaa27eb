"""Every report PDF is on the one layout: bank name, page X of Y, generation time, no raw keys;
the pages are saved as images for a person to look at."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest

from integrita.domain.workflow import Actor
from integrita.services.care import report as care_report
from integrita.services.core.context import Context
from integrita.services.reporting import annual, annual_pack
from integrita.store.models import Complaint, SuspiciousTransactionReport
from tests.reporting.pdf_text import check_report_text, save_images
from tests.reporting.seed import YEAR, at, seed_small_bank

BANK = "示例银行 Integrita Demo Bank"
MLRO = Actor("head", frozenset({"mlro"}))


@pytest.fixture
def bank_ctx(ctx: Context) -> Context:
    ctx.settings = ctx.settings.model_copy(update={"bank_name": BANK})
    return ctx


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_annual_pack_pdf_carries_the_layout_and_its_restatements(bank_ctx: Context) -> None:
    seed_small_bank(bank_ctx)
    annual.publish(bank_ctx, YEAR, MLRO)
    with bank_ctx.db.transaction() as s:
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
    pack = annual.annual_pack(bank_ctx, YEAR, MLRO)
    pdf = annual_pack.pack_pdf(bank_ctx, pack)
    texts = check_report_text(pdf, BANK)
    whole = "\n".join(texts)
    assert "Contents" in texts[0]
    assert "Suspicious transaction reports handed over" in whole
    assert "of which transferred to another authority" in whole
    assert "Restatements since publication" in whole
    assert "Edition 1 published by head" in whole
    assert save_images(pdf, "annual-disclosure-pack")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_monthly_quality_pdf_has_trends_actions_taken_department_names_and_no_silent_cut(
    bank_ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_small_bank(bank_ctx)
    with bank_ctx.db.transaction() as s:
        done = s.get(Complaint, 3)
        assert done is not None
        done.corrective_action = "Refunded the fee and fixed the fee table"
        done.preventive_action = "Fee table reviewed monthly"
        for n in range(5):
            received = at(3, 10 + n)
            s.add(
                Complaint(
                    customer_id="C3",
                    channel="phone",
                    category="fees",
                    severity="high",
                    description="open",
                    state="routed",
                    department_id=1,
                    received_at=received,
                    received_month=f"{YEAR}-03",
                    first_response_due_at=received + timedelta(hours=24),
                )
            )
    monkeypatch.setattr(care_report, "OPEN_ACTIONS_LISTED", 2)
    bank_ctx.clock = lambda: at(4, 2)  # type: ignore[method-assign]
    report = care_report.monthly_report(bank_ctx, f"{YEAR}-03")
    pdf = care_report.report_pdf(bank_ctx, report)
    texts = check_report_text(pdf, BANK)
    whole = "\n".join(texts)
    assert "Card services" in whole and "cards" not in whole.lower().replace("card services", "")
    assert "Refunded the fee" in whole
    assert "3 more open complaints" in whole
    assert "Trend" in whole
    assert save_images(pdf, "care-monthly-quality")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_self_assessment_pdf_warns_loudly_about_a_year_without_data(bank_ctx: Context) -> None:
    from integrita.services.risk import assessment, documents

    view = assessment.draft(bank_ctx, 2025, actor=Actor("ana", frozenset({"analyst"})))
    pdf = documents.assessment_pdf(bank_ctx, view.id)
    texts = check_report_text(pdf, BANK)
    whole = "\n".join(texts)
    assert "Warning: No ledger transactions were booked in 2025" in whole
    assert "not signed" in whole
    assert "No signed self-assessment of 2024" in whole
    assert save_images(pdf, "risk-self-assessment")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_registers_print_cohort_and_by_date_figures_with_their_records(
    bank_ctx: Context,
) -> None:
    from integrita.services.reporting import registers

    seed_small_bank(bank_ctx)
    for name, render, expected in (
        ("str-figures", registers.str_figures_pdf, "of which transferred to another authority"),
        ("large-value", registers.large_value_pdf, "of which submitted to the FIU"),
        ("product-review-register", registers.product_review_pdf, "Review opinions given"),
    ):
        pdf = render(bank_ctx, YEAR, MLRO)
        whole = "\n".join(check_report_text(pdf, BANK))
        assert expected in whole, name
        assert save_images(pdf, name)
    str_text = "\n".join(check_report_text(registers.str_figures_pdf(bank_ctx, YEAR, MLRO), BANK))
    assert "STRs transferred in the year (any year handed over)" in str_text
    assert "STR-5" in str_text  # handed over the year before, transferred in this one


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_str_pdf_prints_chinese_names_and_the_banks_logo(
    bank_ctx: Context, tmp_path: Path
) -> None:
    from PIL import Image

    from integrita.services.casework import str_pdf

    logo = tmp_path / "logo.png"
    Image.new("RGB", (64, 64), (31, 95, 191)).save(logo)
    bank_ctx.settings = bank_ctx.settings.model_copy(update={"bank_logo_path": logo})
    seed_small_bank(bank_ctx)
    with bank_ctx.db.transaction() as s:
        report = s.get(SuspiciousTransactionReport, 1)
        assert report is not None
        report.content = {
            "subject": {"customer_id": "C1", "name": "张伟", "id_number": "110101199001011234"},
            "transactions": [{"txn_id": "T1", "amount": "60000.00", "currency": "CNY"}],
            "typologies": ["fan_in"],
            "reason": "多笔小额转入后集中转出",
        }
        pdf = str_pdf.render_pdf(bank_ctx, report)
    whole = "\n".join(check_report_text(pdf, BANK))
    assert "张伟" in whole and "多笔小额转入后集中转出" in whole
    assert "Fan in" in whole
    document = pdfium.PdfDocument(pdf)
    images = [o for o in document[0].get_objects() if o.type == pdfium_raw.FPDF_PAGEOBJ_IMAGE]
    assert images, "the logo is printed in the header"
    assert save_images(pdf, "str-case-file")
