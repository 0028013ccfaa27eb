"""The self-assessment: inherent × control matrix, workflow, four-eyes, heat map, PDF, year-on-year."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from integrita.domain import self_assessment as method
from integrita.domain.risk import DEFAULT_RESIDUAL_MATRIX, residual_level
from integrita.errors import InputError, PermissionDeniedError, StateTransitionError
from integrita.services.core.context import Context
from integrita.services.risk import assessment, documents, rating
from tests.conftest import FixedClock
from tests.services.risk.conftest import person

ANA, RITA, MO = person("ana", "analyst"), person("rita", "reviewer"), person("mo", "mlro")


@pytest.mark.parametrize(
    ("inherent", "control", "residual"),
    [
        ("high", "weak", "high"),
        ("high", "strong", "medium"),
        ("medium", "adequate", "medium"),
        ("medium", "strong", "low"),
        ("low", "weak", "medium"),
        ("low", "strong", "low"),
    ],
)
def test_residual_risk_comes_from_the_inherent_by_control_matrix(
    inherent: str, control: str, residual: str
) -> None:
    assert residual_level(DEFAULT_RESIDUAL_MATRIX, inherent, control) == residual


def _answered(body: dict[str, object], value: str) -> dict[str, object]:
    for area, items in list(body["answers"].items()):  # type: ignore[attr-defined]
        for i in range(len(items)):
            body = method.answer(body, area, i, value, "policy and test results on file")
    return body


def test_control_answers_and_a_configured_matrix_drive_the_residual_level() -> None:
    metrics = {
        "customers": {"high_risk_customer_share": 0.2, "pep_share": 0.02, "organisation_share": 0.5}
    }
    body = method.new_body(2025, metrics)
    assert body["inherent"]["customers"]["level"] == "high"
    assert body["control_overall"]["level"] == "weak"  # nothing answered yet
    assert body["residual"]["customers"] == "high"
    strong = _answered(body, "yes")
    assert strong["control_overall"]["level"] == "strong"
    assert strong["residual"]["customers"] == "medium"
    lenient = {
        **method.DEFAULT_ASSESSMENT_CONFIG,
        "matrix": {
            lvl: {"strong": "low", "adequate": "low", "weak": "low"}
            for lvl in ("low", "medium", "high")
        },
    }
    assert (
        _answered(method.new_body(2025, metrics, lenient), "yes")["residual"]["customers"] == "low"
    )


def test_an_adjustment_moves_the_level_and_needs_a_reason() -> None:
    body = method.new_body(2025, {})
    assert body["inherent"]["geography"]["level"] == "low"
    with pytest.raises(InputError) as info:
        method.adjust(body, "geography", 1, "")
    assert info.value.field == "reason"
    moved = method.adjust(body, "geography", 2, "new free-trade-zone branch opened")
    assert moved["inherent"]["geography"]["level"] == "high"
    assert moved["inherent"]["geography"]["computed_level"] == "low"


def test_a_draft_is_computed_from_the_institutions_data_then_reviewed_and_signed(
    ctx: Context, add_customer: Callable[..., str]
) -> None:
    add_customer("C1", pep=True, onboarding_channel="online")
    add_customer("C2")
    add_customer("C3", account_type="securities")
    add_customer("C4", customer_type="organisation", onboarding_channel="representative")
    rating.rate_all(ctx)
    draft = assessment.draft(ctx, 2025, actor=ANA)
    customers = draft.body["metrics"]["customers"]
    assert customers["pep_share"] == 0.25 and customers["high_risk_customer_share"] == 0.25
    assert draft.body["metrics"]["products_and_services"]["high_risk_product_share"] == 0.25
    assert draft.body["metrics"]["channels"]["non_face_to_face_share"] == 0.25
    with pytest.raises(StateTransitionError, match="unanswered"):
        assessment.review(ctx, draft.id, actor=RITA)
    for area, items in draft.body["answers"].items():
        for i in range(len(items)):
            assessment.answer(ctx, draft.id, area, i, "partly", "sample tested", actor=ANA)
    assessment.adjust(ctx, draft.id, "geography", 1, "new Hong Kong correspondent line", actor=ANA)
    with pytest.raises(StateTransitionError, match="separation of duties"):
        assessment.review(ctx, draft.id, actor=person("ana", "analyst", "reviewer"))
    with pytest.raises(PermissionDeniedError):
        assessment.sign(ctx, draft.id, actor=RITA)
    with pytest.raises(StateTransitionError):
        assessment.sign(ctx, draft.id, actor=MO)  # not reviewed yet
    assessment.review(ctx, draft.id, actor=RITA)
    with pytest.raises(StateTransitionError):
        assessment.answer(ctx, draft.id, "training", 0, "no", "", actor=ANA)
    signed = assessment.sign(ctx, draft.id, actor=MO)
    assert (signed.status, signed.signed_by, signed.reviewed_by) == ("signed", "mo", "rita")
    assert signed.body["control_overall"]["level"] == "adequate"
    assert signed.body["adjustments"]["geography"]["reason"] == "new Hong Kong correspondent line"


def test_a_new_version_supersedes_the_unsigned_draft(ctx: Context) -> None:
    first = assessment.draft(ctx, 2025, actor=ANA)
    second = assessment.draft(ctx, 2025, actor=ANA)
    assert (first.version, second.version) == (1, 2)
    assert assessment.get(ctx, first.id).status == "superseded"


def test_heat_map_and_pdf_export(ctx: Context) -> None:
    view = assessment.draft(ctx, 2025, actor=ANA)
    svg = documents.heat_map(view.body)
    assert svg.lstrip().startswith("<svg") and "Residual money-laundering risk 2025" in svg
    pdf = documents.assessment_pdf(ctx, view.id)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000


def test_year_on_year_comparison(
    ctx: Context, clock: FixedClock, add_customer: Callable[..., str]
) -> None:
    add_customer("C1")
    rating.rate_all(ctx)
    baseline = assessment.draft(ctx, 2024, actor=ANA)
    for area, items in baseline.body["answers"].items():
        for i in range(len(items)):
            assessment.answer(ctx, baseline.id, area, i, "partly", "sample tested", actor=ANA)
    assessment.review(ctx, baseline.id, actor=RITA)
    assessment.sign(ctx, baseline.id, actor=MO)
    add_customer("C2", pep=True)
    add_customer("C3", pep=True)
    rating.rate_all(ctx)
    clock.now = datetime(2026, 1, 10, tzinfo=UTC)
    current = assessment.draft(ctx, 2025, actor=ANA)
    for area, items in current.body["answers"].items():
        for i in range(len(items)):  # the same control answers as the year before
            assessment.answer(ctx, current.id, area, i, "partly", "sample tested", actor=ANA)
    lines = {line.dimension: line for line in assessment.compare(ctx, 2025)}
    customers = lines["customers"]
    assert customers.previous_inherent_score is not None
    assert customers.inherent_score > customers.previous_inherent_score
    assert customers.change in {"worse", "same"}
    assert lines["geography"].change == "same"


def test_an_unsigned_draft_of_last_year_is_no_baseline(
    ctx: Context, clock: FixedClock, add_customer: Callable[..., str]
) -> None:
    add_customer("C1")
    rating.rate_all(ctx)
    assessment.draft(ctx, 2024, actor=ANA)  # never reviewed nor signed
    clock.now = datetime(2026, 1, 10, tzinfo=UTC)
    assessment.draft(ctx, 2025, actor=ANA)
    for line in assessment.compare(ctx, 2025):
        assert line.previous_residual is None and line.change == "no signed baseline"


def test_a_year_without_ledger_data_is_named_loudly(ctx: Context) -> None:
    view = assessment.draft(ctx, 2025, actor=ANA)  # the test bank has no ledger
    warnings = documents.data_warnings(view.body)
    assert any("No ledger transactions were booked in 2025" in w for w in warnings)
