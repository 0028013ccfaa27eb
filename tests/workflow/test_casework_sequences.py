"""Random sequences of case, STR and large-value actions by people with overlapping roles.

Each state machine keeps its own model of who did what (written here, from the rules of the
issue, not by asking the engine) and predicts whether each action must succeed. The service
must agree with the prediction every time, so no sequence reaches "approved" or "submitted"
unless the constraints held: the approver is none of the people who proposed the case or wrote
any of the STR's text, and approves the version they read.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from integrita.domain.casework import CaseAction, Decision, StrAction
from integrita.errors import IntegritaError
from integrita.services.casework import cases, goaml, large_value, str_reports
from integrita.services.core import users
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.store.models import LargeValueRecord
from tests.casework.conftest import alert_for

#: A small pool whose roles overlap, so the same person can often take both sides.
POOL = {
    "ana": ("analyst",),
    "max": ("analyst", "reviewer"),
    "mo": ("mlro",),
    "rob": ("reviewer",),
    "aud": ("auditor",),
}
INVESTIGATE = {"analyst", "mlro"}
REVIEW = {"reviewer", "mlro"}
FILE = INVESTIGATE | REVIEW
SETTINGS = settings(
    max_examples=12,
    stateful_step_count=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_customers = itertools.count(1)
#: The machines note what they reached, so a test fails if no sequence got that far.
REACHED: list[str] = []
#: Reads the records to compare them with the model (holds the read permissions, nothing else).
READER = UserView(0, "reader", "reader", frozenset({"auditor"}), True)


def _pool(ctx: Context) -> dict[str, UserView]:
    return {name: users.add_user(ctx, name, name, None, roles) for name, roles in POOL.items()}


def _holds(name: str, roles: set[str]) -> bool:
    return bool(set(POOL[name]) & roles)


def _succeeds(call: object) -> bool:
    try:
        call()  # type: ignore[operator]
    except IntegritaError:
        return False
    return True


def _new_case(ctx: Context) -> int:
    customer = f"H{next(_customers)}"
    alert_for(ctx, customer)
    cases.open_cases_from_alerts(ctx)
    return int(cases.case_queue(ctx, _reader(ctx), customer_id=customer).rows[0].id)


def _reader(ctx: Context) -> UserView:
    return READER


class CaseSequences(RuleBasedStateMachine):
    ctx: Context
    people: dict[str, UserView]

    @initialize()
    def open_a_case(self) -> None:
        self.case_id = _new_case(self.ctx)
        self.state = "open"
        self.decision: str | None = None
        self.proposers: set[str] = set()

    @rule(
        who=st.sampled_from(sorted(POOL)),
        action=st.sampled_from([a for a in CaseAction if a is not CaseAction.MARK_REPORTED]),
        decision=st.sampled_from([Decision.NOT_SUSPICIOUS, Decision.REPORT]),
    )
    def act(self, who: str, action: CaseAction, decision: Decision) -> None:
        expected = self._predict(who, action, decision)
        done = _succeeds(
            lambda: cases.transition(
                self.ctx,
                self.case_id,
                action,
                self.people[who],
                decision=decision,
                reason="why",
                comment="what to fix",
            )
        )
        assert done == expected, (who, action, self.state, self.proposers)
        if not done:
            return
        if action is CaseAction.PROPOSE:
            self.proposers.add(who)
            self.decision = decision.value
        if action in (CaseAction.APPROVE,):
            assert who not in self.proposers and _holds(who, REVIEW)
            REACHED.append("approved")
        self.state = {
            CaseAction.START: "investigating",
            CaseAction.PROPOSE: "proposed",
            CaseAction.TAKE_REVIEW: "in_review",
            CaseAction.APPROVE: "approved",
            CaseAction.RETURN: "returned",
            CaseAction.RESUME: "investigating",
            CaseAction.CLOSE: "closed",
        }[action]

    def _predict(self, who: str, action: CaseAction, decision: Decision) -> bool:
        s = self.state
        if action is CaseAction.START:
            return s == "open" and _holds(who, INVESTIGATE)
        if action is CaseAction.PROPOSE:
            return s in ("open", "investigating", "returned") and _holds(who, INVESTIGATE)
        if action is CaseAction.RESUME:
            return s == "returned" and _holds(who, INVESTIGATE)
        reviewable = (
            s in ("proposed", "in_review")
            if action is not CaseAction.TAKE_REVIEW
            else (s == "proposed")
        )
        if action in (CaseAction.TAKE_REVIEW, CaseAction.APPROVE, CaseAction.RETURN):
            return reviewable and _holds(who, REVIEW) and who not in self.proposers
        if action is CaseAction.CLOSE:
            return s == "approved" and _holds(who, FILE) and self.decision == "not_suspicious"
        raise AssertionError(action)

    @invariant()
    def the_stored_state_is_the_models(self) -> None:
        stored = cases.case_file(self.ctx, self.case_id, _reader(self.ctx)).case.state
        assert stored == self.state


class StrSequences(RuleBasedStateMachine):
    ctx: Context
    people: dict[str, UserView]

    @initialize(proposer=st.sampled_from(["ana", "max", "mo"]))
    def an_approved_report_decision(self, proposer: str) -> None:
        case_id = _new_case(self.ctx)
        cases.transition(
            self.ctx,
            case_id,
            CaseAction.PROPOSE,
            self.people[proposer],
            decision=Decision.REPORT,
            reason="structuring",
        )
        case_reviewer = "rob" if proposer != "rob" else "mo"
        cases.transition(self.ctx, case_id, CaseAction.APPROVE, self.people[case_reviewer])
        reader = _reader(self.ctx)
        self.str_id = cases.case_file(self.ctx, case_id, reader).reports[0].id
        self.authors = {proposer}
        self.version = 1
        self.status = "draft"
        subject = str_reports.get_str(self.ctx, self.str_id, reader).content.get("subject") or {}
        self.occupation = subject.get("occupation")  # type: ignore[union-attr]

    @rule(who=st.sampled_from(sorted(POOL)), value=st.sampled_from(["", "Trader", "Farmer"]))
    def edit(self, who: str, value: str) -> None:
        changes = {"subject.occupation": value} if value else {}
        changes_something = bool(value) and value != self.occupation
        expected = self.status == "draft" and _holds(who, INVESTIGATE)
        done = _succeeds(
            lambda: str_reports.update_draft(self.ctx, self.str_id, self.people[who], changes)
        )
        assert done == expected
        if done and changes_something:
            self.authors.add(who)
            self.version += 1
            self.occupation = value

    @rule(who=st.sampled_from(sorted(POOL)), stale=st.booleans())
    def approve(self, who: str, stale: bool) -> None:
        seen = self.version - 1 if stale else self.version
        expected = (
            self.status == "draft"
            and _holds(who, REVIEW)
            and who not in self.authors
            and seen == self.version
        )
        done = _succeeds(
            lambda: str_reports.transition(
                self.ctx, self.str_id, StrAction.APPROVE, self.people[who], version=seen
            )
        )
        assert done == expected, (who, seen, self.version, self.authors)
        if done:
            self.status = "approved"
            REACHED.append("approved")

    @invariant()
    def the_stored_report_is_the_models(self) -> None:
        report = str_reports.get_str(self.ctx, self.str_id, _reader(self.ctx))
        assert (report.status, report.version) == (self.status, self.version)
        if report.status == "approved":
            assert report.approved_by not in self.authors


class LargeValueSequences(RuleBasedStateMachine):
    ctx: Context
    people: dict[str, UserView]

    @initialize()
    def a_pending_record(self) -> None:
        n = next(_customers)
        with self.ctx.db.transaction() as session:
            record = LargeValueRecord(
                txn_id=f"T-big-{n}",
                rule="cash_50000",
                customer_id="C1",
                account_id="A-C1",
                booked_at=datetime(2025, 3, 3, 8, tzinfo=UTC),
                amount_minor=6_000_000,
                currency="CNY",
                amount_cny_minor=6_000_000,
                due_on=date(2025, 3, 4),
            )
            session.add(record)
            session.flush()
            self.record_id = record.id
        self.status = "pending"

    @rule(who=st.sampled_from(sorted(POOL)))
    def submit(self, who: str) -> None:
        expected = self.status == "pending" and _holds(who, FILE)
        done = _succeeds(
            lambda: large_value.submit_large_value(
                self.ctx, self.record_id, self.people[who], reference="REF"
            )
        )
        assert done == expected
        if done:
            self.status = "submitted"
            REACHED.append("submitted")


@pytest.mark.parametrize("machine", [CaseSequences, StrSequences, LargeValueSequences])
def test_no_sequence_of_actions_gets_past_separation_of_duties(
    ctx: Context, monkeypatch: pytest.MonkeyPatch, machine: type[RuleBasedStateMachine]
) -> None:
    # the FIU schema is not what these sequences are about
    monkeypatch.setattr(goaml, "require_valid", lambda *args, **kwargs: None)
    people = _pool(ctx)
    machine.ctx = ctx  # type: ignore[attr-defined]
    machine.people = people  # type: ignore[attr-defined]

    REACHED.clear()
    run_state_machine_as_test(machine, settings=SETTINGS)
    assert REACHED  # some sequences got through, so the predictions above were exercised
