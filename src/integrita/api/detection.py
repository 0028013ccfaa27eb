"""Batch detection API: governed detector parameter sets and the MLRO's alert budget."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, StrictInt

from integrita.api.proposals import ProposalOut
from integrita.domain.permissions import Permission
from integrita.http.deps import get_ctx, require
from integrita.http.fields import Code, Id, KeyPath, Note, StrictModel
from integrita.http.responses import ViewOut
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.services.monitoring import alert_budget, detector_params, params_backtest

router = APIRouter(tags=["batch detection"])

#: A parameter value: a whole number, or a list of codes (e.g. high-risk countries).
ParameterValue = StrictInt | list[Code]


class ParameterSetOut(ProposalOut):
    detector: str
    params: dict[str, Any]
    explanation: str


class ParameterProposalIn(StrictModel):
    changes: dict[Code, ParameterValue] = Field(
        max_length=50, description="Parameter name -> new value."
    )
    note: Note | None = None


class BacktestIn(StrictModel):
    budget_per_month: StrictInt | None = Field(default=None, ge=1, le=1_000_000)


class SideOut(BaseModel):
    version: int
    alerts: int
    above_line: int
    below_line: int
    cases_alerted_above_line: int
    true_alerts_above_line: int


class BacktestOut(BaseModel):
    detector: str
    active: SideOut
    proposed: SideOut
    budget: int
    budget_per_month: int
    unit: str
    true_cases: int
    alerts_gained_above_line: list[str]
    alerts_lost_above_line: list[str]
    cases_gained: list[str]
    cases_lost: list[str]
    ranked_by: str


class BudgetIn(StrictModel):
    alerts_per_month: StrictInt = Field(ge=1, le=alert_budget.MAX_BUDGET_PER_MONTH)
    note: Note | None = None


class BudgetOut(ViewOut):
    alerts_per_month: int
    version: int | None
    set_by: str | None
    set_at: datetime | None
    note: str | None
    is_default: bool


@router.get("/v1/detection/parameters", response_model=list[ParameterSetOut])
def parameters_in_force(
    user: UserView = Depends(require(Permission.DETECTION_PARAMS_READ)),
    ctx: Context = Depends(get_ctx),
) -> list[ParameterSetOut]:
    """Every detector's parameter set in force, with the explanation its alerts carry."""
    return [ParameterSetOut.of(v) for v in detector_params.show(ctx, user)]


@router.get("/v1/detection/parameters/{detector}", response_model=list[ParameterSetOut])
def parameter_versions(
    detector: KeyPath,
    user: UserView = Depends(require(Permission.DETECTION_PARAMS_READ)),
    ctx: Context = Depends(get_ctx),
) -> list[ParameterSetOut]:
    """Every version of one detector's parameters."""
    return [ParameterSetOut.of(v) for v in detector_params.show(ctx, user, detector)]


@router.post("/v1/detection/parameters/{detector}", response_model=ParameterSetOut, status_code=201)
def propose_parameters(
    detector: KeyPath,
    body: ParameterProposalIn,
    user: UserView = Depends(require(Permission.DETECTION_PARAMS_PROPOSE)),
    ctx: Context = Depends(get_ctx),
) -> ParameterSetOut:
    """Propose a new version: the parameters in force with ``changes``; records base and diff."""
    changes: dict[str, object] = {k: v for k, v in body.changes.items()}
    return ParameterSetOut.of(detector_params.propose(ctx, user, detector, changes, body.note))


@router.post(
    "/v1/detection/parameters/{detector}/{version}/approve", response_model=ParameterSetOut
)
def approve_parameters(
    detector: KeyPath,
    version: Id,
    user: UserView = Depends(require(Permission.DETECTION_PARAMS_ACTIVATE)),
    ctx: Context = Depends(get_ctx),
) -> ParameterSetOut:
    """Approve on the caller's side; 409 for the proposer, a second side by the same person, or
    a proposal drafted against a version no longer in force."""
    return ParameterSetOut.of(detector_params.approve(ctx, user, detector, version))


@router.post("/v1/detection/parameters/{detector}/{version}/backtest", response_model=BacktestOut)
def backtest_parameters(
    detector: KeyPath,
    version: Id,
    body: BacktestIn,
    user: UserView = Depends(require(Permission.DETECTION_PARAMS_BACKTEST)),
    ctx: Context = Depends(get_ctx),
) -> BacktestOut:
    """Alerts and true patterns gained and lost above the budget's line with this version, on
    the labels kept at ingest."""
    result = params_backtest.backtest(
        ctx, user, detector, version, budget_per_month=body.budget_per_month
    )
    return BacktestOut.model_validate(params_backtest.as_dict(result))


@router.get("/v1/detection/budget", response_model=BudgetOut)
def show_budget(
    user: UserView = Depends(require(Permission.ALERT_BUDGET_READ)),
    ctx: Context = Depends(get_ctx),
) -> BudgetOut:
    """The alert budget in force (the documented default until the MLRO sets one)."""
    return BudgetOut.of(alert_budget.show(ctx, user))


@router.put("/v1/detection/budget", response_model=BudgetOut)
def set_budget(
    body: BudgetIn,
    user: UserView = Depends(require(Permission.ALERT_BUDGET_SET)),
    ctx: Context = Depends(get_ctx),
) -> BudgetOut:
    """Set the alert budget (MLRO); the next detection run raises at most its share."""
    return BudgetOut.of(alert_budget.set_budget(ctx, user, body.alerts_per_month, body.note))
