"""The AML review of a new product, business or channel as a governed workflow.

A product owner submits; compliance reviewers add opinions (a required control has a due date)
and confirm controls; a reviewer decides; the product launches once approved. The submitter —
whatever other roles they hold — never gives an opinion on, confirms a control of, or decides
their own review. A submitted review does not change, so there is no version to bind to.
"""

from __future__ import annotations

from integrita.domain.permissions import Permission
from integrita.domain.risk import NEW, ReviewStatus
from integrita.domain.workflow import Involvement, Step, Workflow

#: The submitter of a product review never gives an opinion on it, confirms its controls or
#: decides it.
_NOT_THE_SUBMITTER = frozenset({Involvement.SUBMITTED})
_UNDER_REVIEW = frozenset(
    {ReviewStatus.SUBMITTED, ReviewStatus.APPROVED, ReviewStatus.APPROVED_WITH_CONDITIONS}
)
#: The decision step for each outcome.
DECISION_ACTIONS: dict[ReviewStatus, str] = {
    ReviewStatus.APPROVED: "approve",
    ReviewStatus.APPROVED_WITH_CONDITIONS: "approve_with_conditions",
    ReviewStatus.REJECTED: "reject",
}


def _decision(outcome: ReviewStatus) -> Step:
    return Step(
        DECISION_ACTIONS[outcome],
        frozenset({ReviewStatus.SUBMITTED}),
        outcome,
        Permission.PRODUCT_REVIEW_OPINE,
        f"decide the review: {outcome.value.replace('_', ' ')}",
        involvement=Involvement.DECIDED,
        excludes=_NOT_THE_SUBMITTER,
        needs_person=True,
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
            Step(
                "add_opinion",
                _UNDER_REVIEW,
                None,
                Permission.PRODUCT_REVIEW_OPINE,
                "record a compliance opinion",
                involvement=Involvement.REVIEWED,
                excludes=_NOT_THE_SUBMITTER,
                needs_person=True,
            ),
            Step(
                "resolve_opinion",
                _UNDER_REVIEW,
                None,
                Permission.PRODUCT_REVIEW_OPINE,
                "confirm that a required control is in place",
                involvement=Involvement.REVIEWED,
                excludes=_NOT_THE_SUBMITTER,
                needs_person=True,
            ),
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
