"""Suspicious transaction reports: the draft, goAML validation, lifecycle, deadlines and figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
import xmlschema

from integrita.domain.casework import CaseAction, Decision, StrAction
from integrita.errors import InputError, StateTransitionError
from integrita.services.casework import cases, str_reports
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.store.repositories import audit as audit_repo
from tests.casework.conftest import GOAML_SCHEMA, alert_for, seed_customer


def _approved_report(
    ctx: Context, person: Callable[..., UserView]
) -> tuple[int, UserView, UserView]:
    seed_customer(ctx)
    alert_for(ctx)
    cases.open_cases_from_alerts(ctx)
    ana, rita = person("ana", "analyst"), person("rita", "reviewer")
    case_id = cases.case_queue(ctx, ana).rows[0].id
    cases.transition(
        ctx,
        case_id,
        CaseAction.PROPOSE,
        ana,
        decision=Decision.REPORT,
        reason="Three wires just below 50,000.",
    )
    cases.transition(ctx, case_id, CaseAction.APPROVE, rita)
    str_id = cases.case_file(ctx, case_id, ana).reports[0].id
    return str_id, ana, rita


def test_the_draft_gathers_entity_subject_accounts_and_transactions(
    goaml_ctx: Context, person: Callable[..., UserView]
) -> None:
    str_id, ana, _ = _approved_report(goaml_ctx, person)
    report = str_reports.get_str(goaml_ctx, str_id, ana)
    content = report.content
    assert content["subject"]["last_name"] == "Fang"  # type: ignore[index]
    assert [a["account"] for a in content["accounts"]] == ["A-C1"]  # type: ignore[attr-defined]
    directions = [t["direction"] for t in content["transactions"]]  # type: ignore[attr-defined]
    assert directions == ["out", "out", "in"]
    assert content["transactions"][0]["amount"] == "49900.00"  # type: ignore[index]
    assert content["reason"] == "Three wires just below 50,000."
    assert report.due_on == date(2025, 3, 10)  # Monday + 5 working days


def test_an_str_with_a_missing_required_element_is_refused_with_the_schemas_message(
    goaml_ctx: Context, person: Callable[..., UserView]
) -> None:
    str_id, ana, _ = _approved_report(goaml_ctx, person)
    # The draft has no phone for the subject: the my-client person needs <phones>.
    errors = str_reports.schema_errors(goaml_ctx, str_id, ana)
    assert errors and "phones" in errors[0].message
    with pytest.raises(InputError, match=r"does not validate against the goAML schema.*phones"):
        str_reports.export_xml(goaml_ctx, str_id, ana)
    str_reports.update_draft(
        goaml_ctx,
        str_id,
        ana,
        {"subject.phone_number": "13800138000", "action": "Monitoring raised."},
    )
    assert str_reports.schema_errors(goaml_ctx, str_id, ana) == []
    xml = str_reports.export_xml(goaml_ctx, str_id, ana)
    # An independent check with the library directly, loaded as XSD 1.1.
    xmlschema.XMLSchema11(str(GOAML_SCHEMA)).validate(xml)
    assert (
        b"<report_code>STR</report_code>" in xml and b"<tph_number>13800138000</tph_number>" in xml
    )
    assert str_reports.export_pdf(goaml_ctx, str_id, ana).startswith(b"%PDF")


def test_a_report_that_does_not_validate_is_never_marked_submitted(
    goaml_ctx: Context, person: Callable[..., UserView]
) -> None:
    str_id, ana, rita = _approved_report(goaml_ctx, person)
    str_reports.update_draft(goaml_ctx, str_id, ana, {"subject.phone_number": "13800138000"})
    str_reports.transition(goaml_ctx, str_id, StrAction.APPROVE, rita, version=2)
    # The FIU switches to a schema variant that wants real indicator codes (simulated by a bad code).
    with goaml_ctx.db.transaction() as session:
        from integrita.store.repositories import cases as repo

        report = repo.get_str(session, str_id)
        assert report is not None
        report.content = {**report.content, "indicators": ["STRUC"]}
    with pytest.raises(InputError, match="indicator"):
        str_reports.transition(goaml_ctx, str_id, StrAction.SUBMIT, ana, reference="FIU-1")
    assert str_reports.get_str(goaml_ctx, str_id, ana).status == "approved"


def test_the_str_lifecycle_reaches_filing_and_the_case_is_reported(
    goaml_ctx: Context, person: Callable[..., UserView]
) -> None:
    ctx = goaml_ctx
    str_id, ana, rita = _approved_report(ctx, person)
    lee = person("lee", "analyst", "reviewer")
    str_reports.update_draft(ctx, str_id, lee, {"subject.phone_number": "13800138000"})
    with pytest.raises(StateTransitionError, match="separation of duties"):
        str_reports.transition(ctx, str_id, StrAction.APPROVE, lee, version=2)  # wrote it: refused

    def str_events() -> int:
        with ctx.db.transaction() as session:
            return len(audit_repo.events_for(session, "str", str(str_id)))

    before = str_events()
    str_reports.transition(ctx, str_id, StrAction.APPROVE, rita, version=2)
    assert str_events() == before + 1
    with pytest.raises(InputError, match="submission reference"):
        str_reports.transition(ctx, str_id, StrAction.SUBMIT, ana)
    assert str_events() == before + 1
    str_reports.transition(ctx, str_id, StrAction.SUBMIT, ana, reference="CAMLMAC-2025-001")
    str_reports.transition(ctx, str_id, StrAction.ACKNOWLEDGE, ana, reference="FIU-77")
    str_reports.transition(ctx, str_id, StrAction.TRANSFER, ana, authority="Public Security Bureau")
    filed = str_reports.transition(ctx, str_id, StrAction.FILE, ana)
    assert str_events() == before + 5
    assert (filed.status, filed.filed_by) == ("filed", "Public Security Bureau")
    case = cases.case_file(ctx, filed.case_id, ana).case
    assert case.state == "reported"
    figures = str_reports.year_figures(ctx, 2025)
    assert (figures.strs_submitted, figures.strs_transferred, figures.strs_filed) == (1, 1, 1)
    assert (figures.proposals_reviewed, figures.proposals_approved) == (1, 1)
    assert figures.report_decisions_approved == 1
    assert figures.strs_submitted_on_time == 1
    assert str_reports.year_figures(ctx, 2024).strs_submitted == 0
