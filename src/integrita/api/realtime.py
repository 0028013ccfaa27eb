"""Real-time funds protection API: payment decisions, outcomes, challenges, the hold queue,
rule sets and account-opening checks."""

from __future__ import annotations

from typing import Any, Literal

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, field_validator, model_validator

from integrita.api.proposals import ProposalOut
from integrita.domain.permissions import Permission
from integrita.http.deps import get_ctx, require
from integrita.http.fields import Bool, Id, Instant, KeyPath, Name, StrictModel, exact_amount
from integrita.http.responses import ViewOut
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.services.realtime import account_opening, challenges, payments, rulesets
from integrita.services.realtime.group_commit import DecisionWriter

router = APIRouter(tags=["real-time funds protection"])


Identifier = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")


class PaymentEventIn(StrictModel):
    """A payment about to be executed: the canonical transaction fields plus context.

    Unknown fields are refused: a misspelt ``newDevice`` must not quietly decide the payment
    as if the device were known. The amount must be exact in the currency's minor unit."""

    txn_id: str = Identifier
    occurred_at: Instant = Field(description="When the customer asked for it (with a time zone).")
    channel: Literal["online", "mobile", "counter", "smart_counter", "atm", "api", "pos", "other"]
    kind: Literal[
        "transfer",
        "cash_deposit",
        "cash_withdrawal",
        "purchase",
        "redemption",
        "cancellation",
        "salary",
        "bill_payment",
        "card_payment",
    ]
    from_bank: str = Identifier
    from_account: str = Identifier
    to_bank: str = Identifier
    to_account: str = Identifier
    amount: str = Field(
        pattern=r"^[0-9]{1,15}(\.[0-9]{1,8})?$",
        description='Decimal text in major units, e.g. "50000.00".',
        examples=["50000.00"],
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["CNY"])
    counterparty_type: Literal[
        "own_account", "third_party_personal", "third_party_corporate", "unknown"
    ]
    to_name: str | None = Field(default=None, max_length=120)
    device_id: str | None = Field(default=None, max_length=128)
    new_device: Bool = False
    auth_method: Literal[
        "password", "face", "certificate", "fingerprint", "sms_code", "token", "none"
    ] = "password"
    credential_changed_at: Instant | None = None
    counterparty_name: Name | None = Field(
        default=None,
        description="The payee's name as the channel knows it; screened against the sanctions "
        "and PEP lists, a strong match holds the payment (reason sanctions_match).",
    )

    @model_validator(mode="after")
    def _amount_is_exact(self) -> PaymentEventIn:
        """Rounding ``50000.005`` would decide on an amount nobody asked for: refuse it."""
        exact_amount(self.amount, self.currency)
        return self

    @field_validator("occurred_at", "credential_changed_at", mode="before")
    @classmethod
    def _iso_text(cls, value: object) -> object:
        """A timestamp is ISO 8601 text with an offset; a bare number (Unix seconds or
        milliseconds?) is ambiguous and refused rather than guessed."""
        if value is not None and not isinstance(value, str):
            raise ValueError(
                "must be an ISO 8601 timestamp with an offset, e.g. 2025-03-03T09:00:00+08:00"
            )
        return value


class ReasonOut(BaseModel):
    rule: str
    version: int
    explanation: str


class NotificationOut(BaseModel):
    id: int
    channel: str
    template: str
    recipient: str


class ChallengeOut(BaseModel):
    id: str
    type: str
    channel: str
    expires_at: str
    max_attempts: int


class DecisionOut(BaseModel):
    txn_id: str
    decision: Literal["allow", "notify", "verify", "hold", "reject"]
    reasons: list[ReasonOut]
    notifications: list[NotificationOut]
    challenge: ChallengeOut | None
    show_risk_statement: bool
    rule_set_version: int


class DecisionStatusOut(DecisionOut):
    status: str


class OutcomeIn(StrictModel):
    outcome: Literal["executed", "cancelled"]
    executed_at: Instant | None = None


class OutcomeOut(BaseModel):
    txn_id: str
    status: str


class AnswerIn(StrictModel):
    code: str = Field(min_length=1, max_length=12)


class AnswerOut(ViewOut):
    challenge_id: str
    txn_id: str
    status: str
    payment_status: str
    attempts_left: int


class HoldOut(BaseModel):
    txn_id: str
    account_id: str
    customer_id: str | None
    decided_at: str
    amount: str | None
    currency: str | None
    reasons: list[ReasonOut]


class ReviewIn(StrictModel):
    note: str = Field(default="", max_length=500)


class RuleSetOut(ProposalOut):
    thresholds: dict[str, object]


class RuleSetProposalIn(BaseModel):
    changes: dict[str, Any] = Field(description="Threshold name -> new value.")
    note: str | None = Field(default=None, max_length=2000)


class OpeningIn(StrictModel):
    opened_by: Literal["holder", "representative", "legal_representative", "authorised_agent"]
    opener_name: str = Field(min_length=1, max_length=120)


class TaskOut(ViewOut):
    id: int
    account_id: str
    kind: str
    subject: str
    status: str
    outcome: str | None


class CompleteTaskIn(StrictModel):
    outcome: Literal["confirmed", "refused"]
    notes: str = Field(min_length=1, max_length=1000)


class AccountStatusOut(BaseModel):
    account_id: str
    status: str


@router.post("/v1/payments/evaluate", response_model=DecisionOut)
async def evaluate(
    event: PaymentEventIn,
    request: Request,
    _: UserView = Depends(require(Permission.PAYMENT_EVALUATE)),
) -> Response:
    """Decide whether a payment may go ahead: allow, notify, verify, hold or reject, with every
    reason. The decision is stored before this answers; the same ``txn_id`` and event always
    get the same answer (a different event under a known ``txn_id`` is a 409)."""
    return Response(await decide(request.app.state, event), media_type="application/json")


async def decide(state: Any, event: PaymentEventIn) -> bytes:
    """The committed decision on a validated event, as the JSON body of the answer.

    Shared by this route and by the fast lane (:mod:`integrita.api.fast_lane`); the answer is
    built by the service in :class:`DecisionOut`'s shape, so it is not validated again.
    """
    writer: DecisionWriter = state.decision_writer
    return orjson.dumps(await writer.decide(payments.PaymentRequest(**event.__dict__)))


@router.get("/v1/payments/{txn_id}", response_model=DecisionStatusOut)
def get_payment(
    txn_id: KeyPath,
    _: UserView = Depends(require(Permission.PAYMENT_READ)),
    ctx: Context = Depends(get_ctx),
) -> dict[str, object]:
    """The stored decision for a payment and its current status."""
    return payments.get_decision(ctx, txn_id)


@router.post("/v1/payments/{txn_id}/outcome", response_model=OutcomeOut)
def outcome(
    txn_id: KeyPath,
    body: OutcomeIn,
    user: UserView = Depends(require(Permission.PAYMENT_EVALUATE)),
    ctx: Context = Depends(get_ctx),
) -> dict[str, object]:
    """Tell integrita the payment was executed (it then enters the ledger) or cancelled."""
    return payments.record_outcome(
        ctx, txn_id, body.outcome, actor=user.username, executed_at=body.executed_at
    )


@router.post("/v1/challenges/{challenge_id}/answer", response_model=AnswerOut)
def answer_challenge(
    challenge_id: KeyPath,
    body: AnswerIn,
    user: UserView = Depends(require(Permission.PAYMENT_EVALUATE)),
    ctx: Context = Depends(get_ctx),
) -> AnswerOut:
    """The customer's one-time code: right releases the payment; the fifth wrong one or an
    expired challenge rejects it."""
    result = challenges.answer(ctx, challenge_id, body.code, actor=user.username)
    return AnswerOut.of(result)


@router.get("/v1/holds", response_model=list[HoldOut])
def hold_queue(
    _: UserView = Depends(require(Permission.HOLD_DECIDE)), ctx: Context = Depends(get_ctx)
) -> list[dict[str, object]]:
    """Payments held for review, oldest first."""
    return payments.hold_queue(ctx)


@router.post("/v1/holds/{txn_id}/release", response_model=OutcomeOut)
def release_hold(
    txn_id: KeyPath,
    body: ReviewIn,
    user: UserView = Depends(require(Permission.HOLD_DECIDE)),
    ctx: Context = Depends(get_ctx),
) -> OutcomeOut:
    """Release a held payment so the channel may execute it."""
    status = payments.review_hold(ctx, txn_id, True, user=user, note=body.note)
    return OutcomeOut(txn_id=txn_id, status=status)


@router.post("/v1/holds/{txn_id}/reject", response_model=OutcomeOut)
def reject_hold(
    txn_id: KeyPath,
    body: ReviewIn,
    user: UserView = Depends(require(Permission.HOLD_DECIDE)),
    ctx: Context = Depends(get_ctx),
) -> OutcomeOut:
    """Reject a held payment."""
    status = payments.review_hold(ctx, txn_id, False, user=user, note=body.note)
    return OutcomeOut(txn_id=txn_id, status=status)


@router.get("/v1/rulesets", response_model=list[RuleSetOut])
def list_rule_sets(
    user: UserView = Depends(require(Permission.RULESET_READ)), ctx: Context = Depends(get_ctx)
) -> list[RuleSetOut]:
    """Every rule-set version with its thresholds and approvals."""
    return [RuleSetOut.of(v) for v in rulesets.list_versions(ctx, user)]


@router.post("/v1/rulesets", response_model=RuleSetOut, status_code=201)
def propose_rule_set(
    body: RuleSetProposalIn,
    user: UserView = Depends(require(Permission.RULESET_PROPOSE)),
    ctx: Context = Depends(get_ctx),
) -> RuleSetOut:
    """Propose a new version: the active thresholds with ``changes``; records its base and diff."""
    return RuleSetOut.of(rulesets.propose(ctx, user, body.changes, body.note))


@router.post("/v1/rulesets/{version}/approve", response_model=RuleSetOut)
def approve_rule_set(
    version: int,
    user: UserView = Depends(require(Permission.RULESET_ACTIVATE)),
    ctx: Context = Depends(get_ctx),
) -> RuleSetOut:
    """Approve on the caller's side; 409 for the proposer, a second side by the same person, or
    a proposal based on an older active version (rebase it first)."""
    return RuleSetOut.of(rulesets.approve(ctx, version, user))


@router.post("/v1/rulesets/{version}/rebase", response_model=RuleSetOut)
def rebase_rule_set(
    version: int,
    user: UserView = Depends(require(Permission.RULESET_PROPOSE)),
    ctx: Context = Depends(get_ctx),
) -> RuleSetOut:
    """Re-apply the proposal's changes to the active version; the answer carries the new diff."""
    return RuleSetOut.of(rulesets.rebase(ctx, version, user))


@router.post("/v1/accounts/{account_id}/opening", response_model=list[TaskOut])
def record_opening(
    account_id: KeyPath,
    body: OpeningIn,
    user: UserView = Depends(require(Permission.ACCOUNT_OPENING)),
    ctx: Context = Depends(get_ctx),
) -> list[TaskOut]:
    """Record who opened an account; creates the verification task the practice requires."""
    tasks = account_opening.record_opening(
        ctx, account_id, body.opened_by, body.opener_name, user=user
    )
    return [TaskOut.of(t) for t in tasks]


@router.post("/v1/account-opening-tasks/{task_id}/complete", response_model=TaskOut)
def complete_task(
    task_id: Id,
    body: CompleteTaskIn,
    user: UserView = Depends(require(Permission.ACCOUNT_OPENING)),
    ctx: Context = Depends(get_ctx),
) -> TaskOut:
    """Record the verification's outcome (the account activates when all are confirmed)."""
    return TaskOut.of(
        account_opening.complete_task(ctx, task_id, body.outcome, body.notes, user=user)
    )


@router.post("/v1/accounts/{account_id}/activate", response_model=AccountStatusOut)
def activate_account(
    account_id: KeyPath,
    user: UserView = Depends(require(Permission.ACCOUNT_OPENING)),
    ctx: Context = Depends(get_ctx),
) -> AccountStatusOut:
    """Activate an account; refused (409) while a verification task is open or refused."""
    status = account_opening.activate(ctx, account_id, user=user)
    return AccountStatusOut(account_id=account_id, status=status)
