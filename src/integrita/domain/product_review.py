"""The AML review of a new product, business or channel as a governed workflow.

A product owner submits; compliance reviewers add opinions (a required control has a due date)
and confirm controls; a reviewer decides; the product launches once approved. The submitter —
whatever other roles they hold — never gives an opinion on, confirms a control of, or decides
their own review. A submitted review does not change, so there is no version to bind to.
"""

from __future__ import annotations

from typing import Any

from integrita.domain.permissions import Permission
from integrita.domain.risk import NEW, ReviewStatus
from integrita.domain.workflow import Involvement, Step, Workflow

#: The submitter of a product review never gives an opinion on it, confirms its controls or
#: decides it; those are a person's acts.
_COMPLIANCE_ACT: dict[str, Any] = {
    "excludes": frozenset({Involvement.SUBMITTED}),
    "needs_person": True,
}
_UNDER_REVIEW = frozenset(
    {ReviewStatus.SUBMITTED, ReviewStatus.APPROVED, ReviewStatus.APPROVED_WITH_CONDITIONS}
)
#: The decision step for each outcome.
DECISION_ACTIONS: dict[ReviewStatus, str] = {
    ReviewStatus.APPROVED: "approve",
    ReviewStatus.APPROVED_WITH_CONDITIONS: "approve_with_conditions",
    ReviewStatus.REJECTED: "reject",
}


def _opinion_step(action: str, meaning: str) -> Step:
    return Step(
        action,
        _UNDER_REVIEW,
        None,
        Permission.PRODUCT_REVIEW_OPINE,
        meaning,
        involvement=Involvement.REVIEWED,
        **_COMPLIANCE_ACT,
    )


def _decision(outcome: ReviewStatus) -> Step:
    return Step(
        DECISION_ACTIONS[outcome],
        frozenset({ReviewStatus.SUBMITTED}),
        outcome,
        Permission.PRODUCT_REVIEW_OPINE,
        f"decide the review: {outcome.value.replace('_', ' ')}",
        involvement=Involvement.DECIDED,
        **_COMPLIANCE_ACT,
    )


PRODUCT_REVIEW_WORKFLOW = Workflow(
    name="product_review",
    label="product review",
    states=frozenset({NEW, *ReviewStatus}),
    steps={
        step.action: step
        for step in (
            Step(
                "submit",
                frozenset({NEW}),
                ReviewStatus.SUBMITTED,
                Permission.PRODUCT_REVIEW_SUBMIT,
                "ask for the AML review of a new product, business or channel",
                involvement=Involvement.SUBMITTED,
            ),
            _opinion_step("add_opinion", "record a compliance opinion"),
            _opinion_step("resolve_opinion", "confirm that a required control is in place"),
            *(_decision(outcome) for outcome in DECISION_ACTIONS),
            Step(
                "launch",
                frozenset({ReviewStatus.APPROVED, ReviewStatus.APPROVED_WITH_CONDITIONS}),
                ReviewStatus.LAUNCHED,
                Permission.PRODUCT_REVIEW_LAUNCH,
                "mark the product launched",
            ),
        )
    },
)
