from __future__ import annotations

from datetime import timedelta

import pytest

from integrita.errors import InputError, PermissionDeniedError, StateTransitionError
from integrita.services.care import complaints
from integrita.services.care import sla as care_sla
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.store.repositories import audit as audit_repo
from tests.conftest import FixedClock
from tests.services.care_support import (
    DEPARTMENT,
    OFFICER,
    QA,
    complaint_input,
    set_up_care,
)

RECTIFICATION = {
    "root_cause": "rims stacked without separators",
    "corrective_action": "replace the 4 rims",
    "preventive_action": "foam separators on the packing line",
    "meeting_record": "internal analysis meeting 2025-03-04: QA, packing, logistics",
}


def _walk_to_rectified(ctx: Context, cid: int) -> None:
    complaints.transition(ctx, cid, "judge_valid", OFFICER)
    complaints.transition(ctx, cid, "assign", OFFICER)
    complaints.transition(ctx, cid, "rectify", DEPARTMENT, RECTIFICATION)


def test_a_complaint_runs_the_whole_pdca_loop_with_an_audit_event_per_step(
    ctx: Context, clock: FixedClock
) -> None:
    customer = set_up_care(ctx)
    cid = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    clock.advance(hours=2)
    _walk_to_rectified(ctx, cid)
    assert (
        complaints.transition(ctx, cid, "fail_verification", QA, {"note": "one rim missed"})
        == "assigned"
    )
    complaints.transition(ctx, cid, "rectify", DEPARTMENT, RECTIFICATION)
    complaints.transition(ctx, cid, "pass_verification", QA)
    clock.advance(hours=3)
    complaints.transition(
        ctx, cid, "inform_customer", OFFICER, {"outcome": "rims replaced", "satisfaction": 5}
    )
    assert complaints.transition(ctx, cid, "close", OFFICER) == "closed"
    view = complaints.get_complaint(ctx, cid)
    c = view.complaint
    assert view.department == "quality"
    assert c["qa_failures"] == 1 and c["satisfaction"] == 5
    assert c["first_response_at"] == c["received_at"] + timedelta(hours=2)
    assert c["resolution_seconds"] == 5 * 3600
    assert [h.action for h in view.history] == [
        "complaint.received",
        "complaint.judge_valid",
        "complaint.assign",
        "complaint.rectify",
        "complaint.fail_verification",
        "complaint.rectify",
        "complaint.pass_verification",
        "complaint.inform_customer",
        "complaint.close",
    ]
    assert audit.verify(ctx).intact


def test_a_step_by_the_wrong_role_is_refused_and_leaves_no_trace(ctx: Context) -> None:
    customer = set_up_care(ctx)
    cid = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    with ctx.db.transaction() as session:
        before = audit_repo.count_events(session)
    with pytest.raises(PermissionDeniedError):
        complaints.transition(ctx, cid, "judge_valid", QA)
    with pytest.raises(StateTransitionError):
        complaints.transition(ctx, cid, "pass_verification", QA)
    with ctx.db.transaction() as session:
        assert audit_repo.count_events(session) == before
    assert complaints.get_complaint(ctx, cid).complaint["state"] == "received"


def test_rectification_needs_root_cause_actions_and_the_meeting_record(ctx: Context) -> None:
    customer = set_up_care(ctx)
    cid = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    complaints.transition(ctx, cid, "judge_valid", OFFICER)
    complaints.transition(ctx, cid, "assign", OFFICER)
    with pytest.raises(InputError) as err:
        complaints.transition(
            ctx, cid, "rectify", DEPARTMENT, {**RECTIFICATION, "meeting_record": " "}
        )
    assert err.value.field == "meeting_record"


def test_an_invalid_complaint_closes_with_its_reason_and_is_counted_apart(
    ctx: Context, clock: FixedClock
) -> None:
    customer = set_up_care(ctx)
    bad = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    good = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    assert (
        complaints.transition(ctx, bad, "judge_invalid", OFFICER, {"reason": "rims not ours"})
        == "closed"
    )
    c = complaints.get_complaint(ctx, bad).complaint
    assert (c["validity"], c["invalid_reason"]) == ("invalid", "rims not ours")
    _walk_to_rectified(ctx, good)
    complaints.transition(ctx, good, "pass_verification", QA)
    complaints.transition(
        ctx, good, "inform_customer", OFFICER, {"outcome": "ok", "satisfaction": 2}
    )
    overall = next(f for f in care_sla.figures(ctx) if f.department is None)
    assert (overall.received, overall.invalid) == (2, 1)
    # The invalid one is not rated and does not dilute the satisfaction rate.
    assert overall.satisfaction_rate == 0.0
    assert overall.average_satisfaction == 2.0


def test_a_duplicate_is_linked_to_the_open_complaint(ctx: Context) -> None:
    customer = set_up_care(ctx)
    first = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    second = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    complaints.transition(ctx, second, "mark_duplicate", OFFICER, {"duplicate_of": first})
    c = complaints.get_complaint(ctx, second).complaint
    assert (c["state"], c["validity"], c["duplicate_of_id"]) == ("closed", "duplicate", first)
    third = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    with pytest.raises(InputError):  # a closed complaint cannot absorb a duplicate
        complaints.transition(ctx, third, "mark_duplicate", OFFICER, {"duplicate_of": second})


def test_routing_rules_prefer_the_product_and_are_editable(ctx: Context) -> None:
    customer = set_up_care(ctx)
    complaints.set_routing_rule(ctx, "product_quality", "rim-17", "logistics", OFFICER)
    cid = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    complaints.transition(ctx, cid, "judge_valid", OFFICER)
    complaints.transition(ctx, cid, "assign", OFFICER)
    assert complaints.get_complaint(ctx, cid).department == "logistics"
    with pytest.raises(PermissionDeniedError):
        complaints.set_routing_rule(ctx, "delivery", None, "quality", QA)


def test_a_disputed_outcome_reopens_the_complaint(ctx: Context) -> None:
    customer = set_up_care(ctx)
    cid = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    _walk_to_rectified(ctx, cid)
    complaints.transition(ctx, cid, "pass_verification", QA)
    complaints.transition(
        ctx, cid, "inform_customer", OFFICER, {"outcome": "ok", "satisfaction": 1}
    )
    complaints.transition(ctx, cid, "close", OFFICER)
    complaints.transition(ctx, cid, "reopen", OFFICER, {"reason": "customer disputes"})
    complaints.transition(ctx, cid, "assign", OFFICER)
    overall = next(f for f in care_sla.figures(ctx) if f.department is None)
    assert complaints.get_complaint(ctx, cid).complaint["reopen_count"] == 1
    assert overall.open == 1


def test_csv_import_names_the_bad_row_and_stores_nothing(ctx: Context) -> None:
    customer = set_up_care(ctx)
    header = "customer_id,product,order_id,channel,category,severity,description,attachments\n"
    good = f"{customer},rim-17,,email,product_quality,high,scratched,photo1.jpg;photo2.jpg\n"
    bad = f"{customer},rim-17,,fax,product_quality,high,scratched,\n"
    with pytest.raises(InputError, match="row 3: channel") as err:
        complaints.import_complaints_csv(ctx, header + good + bad, OFFICER)
    assert err.value.field == "channel"
    ids = complaints.import_complaints_csv(ctx, header + good + good, OFFICER)
    assert len(ids) == 2
    attachments = complaints.get_complaint(ctx, ids[0]).complaint["attachments"]
    assert attachments == [{"reference": "photo1.jpg"}, {"reference": "photo2.jpg"}]


def test_an_attachment_is_kept_with_its_checksum(ctx: Context) -> None:
    customer = set_up_care(ctx)
    data = complaint_input(
        customer, attachments=[complaints.Attachment("photo.jpg", b"\xff\xd8jpeg")]
    )
    cid = complaints.file_complaint(ctx, data, OFFICER)
    (stored,) = complaints.get_complaint(ctx, cid).complaint["attachments"]
    assert stored["filename"] == "photo.jpg" and stored["size"] == 6
    assert (ctx.settings.data_dir / "care" / "attachments" / stored["sha256"]).exists()


def test_an_unknown_customer_is_refused_by_field(ctx: Context) -> None:
    set_up_care(ctx)
    with pytest.raises(InputError) as err:
        complaints.file_complaint(ctx, complaint_input("NOBODY"), OFFICER)
    assert err.value.field == "customer_id"
