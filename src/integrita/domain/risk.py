"""Money-laundering risk: bands, the rating configuration, review clocks and the residual-risk matrix.

The configuration is data: weights, band thresholds, country and occupation
scores, review cycles. It is stored versioned in the database; the defaults
below match the documented policy (docs/risk.md).
"""

from __future__ import annotations

import calendar as _calendar
import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from integrita.domain.calendar import BusinessCalendar
from integrita.domain.permissions import Permission, roles_for
from integrita.domain.workflow import Actor, Involvement, Step, Workflow
from integrita.errors import InputError


class Band(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    PROHIBITED = "prohibited"


BAND_ORDER: tuple[Band, ...] = (Band.LOW, Band.MEDIUM, Band.HIGH, Band.PROHIBITED)


class RiskEventKind(StrEnum):
    ALERT = "alert"
    STR = "str"
    LARGE_VALUE = "large_value"
    KEY_DATA_CHANGE = "key_data_change"


#: The factors in their canonical order, with the group each belongs to.
FACTOR_GROUPS: dict[str, str] = {
    "customer_type": "customer",
    "occupation_or_industry": "customer",
    "pep": "customer",
    "ownership_opacity": "customer",
    "nationality": "geography",
    "residence": "geography",
    "counterparty_countries": "geography",
    "products_and_services": "products",
    "non_face_to_face": "channels",
    "representative": "channels",
    "alerts": "behaviour",
    "strs": "behaviour",
    "large_value": "behaviour",
    "cash_intensity": "behaviour",
}

DEFAULT_RATING_CONFIG: dict[str, Any] = {
    "factors": list(FACTOR_GROUPS),
    "weights": {
        "customer_type": 1.0,
        "occupation_or_industry": 1.5,
        "pep": 3.0,
        "ownership_opacity": 1.5,
        "nationality": 1.5,
        "residence": 2.0,
        "counterparty_countries": 2.5,
        "products_and_services": 1.5,
        "non_face_to_face": 1.0,
        "representative": 0.5,
        "alerts": 2.5,
        "strs": 3.0,
        "large_value": 1.0,
        "cash_intensity": 1.5,
    },
    # Score is 0..100; a score at or above a threshold is in that band.
    "bands": {"medium": 15.0, "high": 35.0},
    # A factor at full strength lifts the band to at least this (e.g. every PEP is high risk).
    "floors": {"pep": "high", "strs": "high"},
    # Nationality or residence here makes the relationship prohibited.
    "prohibited_countries": ["KP", "IR"],
    "high_risk_countries": ["KP", "IR", "MM", "SY", "YE", "AF"],
    "elevated_countries": ["AE", "TH", "VN", "MY"],
    "home_country": "CN",
    "other_foreign_country_score": 0.3,
    "customer_type_scores": {"individual": 0.1, "organisation": 0.5},
    "occupation_scores": {
        "jewellery": 1.0,
        "real_estate": 0.8,
        "import_export": 0.8,
        "trading": 0.6,
        "catering": 0.5,
        "construction": 0.5,
        "consulting": 0.5,
        "self_employed": 0.5,
        "lawyer": 0.4,
        "accountant": 0.4,
        "civil_servant": 0.3,
        "retired": 0.1,
        "student": 0.1,
    },
    "default_occupation_score": 0.2,
    "product_scores": {
        "personal": 0.1,
        "personal_savings": 0.0,
        "credit_card": 0.2,
        "corporate_general": 0.4,
        "corporate_settlement": 0.6,
        "securities": 0.6,
    },
    "segment_scores": {"private_banking": 0.8},
    "non_face_to_face_scores": {"online": 1.0, "mobile": 1.0, "agent": 0.5},
    "alerts_for_full_score": 3,
    "large_value_for_full_score": 10,
    "cash_share_for_full_score": 0.5,
    "behaviour_lookback_days": 365,
    "review_months": {"low": 36, "medium": 12, "high": 6, "prohibited": 1},
    "onboarding_rating_working_days": 10,
}


@dataclass(frozen=True)
class RatingConfig:
    """A validated rating configuration; ``body`` is what is stored under ``version``."""

    version: int
    body: dict[str, Any]

    @classmethod
    def parse(cls, version: int, body: dict[str, Any]) -> RatingConfig:
        """Check a configuration body; raises :class:`InputError` naming the bad field."""
        merged = copy.deepcopy(DEFAULT_RATING_CONFIG)
        unknown = set(body) - set(merged)
        if unknown:
            raise InputError(
                f"unknown configuration key(s): {', '.join(sorted(unknown))}",
                field=sorted(unknown)[0],
            )
        merged.update(copy.deepcopy(body))
        factors = merged["factors"]
        if not isinstance(factors, list) or not factors:
            raise InputError("factors must be a non-empty list of factor names", field="factors")
        for name in factors:
            if name not in FACTOR_GROUPS:
                raise InputError(f"unknown factor {name!r}", field="factors")
        weights = merged["weights"]
        for name in factors:
            value = weights.get(name)
            if not isinstance(value, int | float) or value < 0:
                raise InputError(f"weight of {name} must be a number >= 0", field=f"weights.{name}")
        if sum(float(weights[n]) for n in factors) <= 0:
            raise InputError("at least one weight must be positive", field="weights")
        bands = merged["bands"]
        medium, high = bands.get("medium"), bands.get("high")
        if not isinstance(medium, int | float) or not isinstance(high, int | float):
            raise InputError("bands.medium and bands.high must be numbers", field="bands")
        if not 0 < medium < high <= 100:
            raise InputError("need 0 < bands.medium < bands.high <= 100", field="bands")
        for name, band in merged["floors"].items():
            if name not in FACTOR_GROUPS or band not in {b.value for b in Band}:
                raise InputError(f"floor {name}={band!r} is not a factor and band", field="floors")
        for band in BAND_ORDER:
            months = merged["review_months"].get(band.value)
            if not isinstance(months, int) or months < 1:
                raise InputError(
                    f"review_months.{band.value} must be a whole number of months >= 1",
                    field=f"review_months.{band.value}",
                )
        days = merged["onboarding_rating_working_days"]
        if not isinstance(days, int) or days < 1:
            raise InputError(
                "onboarding_rating_working_days must be >= 1",
                field="onboarding_rating_working_days",
            )
        return cls(version, merged)

    @property
    def factors(self) -> list[str]:
        return list(self.body["factors"])

    def weight(self, factor: str) -> float:
        return float(self.body["weights"][factor])

    def review_months(self, band: str) -> int:
        return int(self.body["review_months"][band])


def band_for_score(score: float, bands: dict[str, float]) -> Band:
    """Low / medium / high from the thresholds (prohibited is never reached by score alone)."""
    if score >= float(bands["high"]):
        return Band.HIGH
    if score >= float(bands["medium"]):
        return Band.MEDIUM
    return Band.LOW


def higher_band(a: str, b: str) -> str:
    return a if BAND_ORDER.index(Band(a)) >= BAND_ORDER.index(Band(b)) else b


# -- review clocks on the business calendar -------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the month's last day: 31 Aug + 6 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def next_review_due(cal: BusinessCalendar, rated_on: date, months: int) -> date:
    """Review due ``months`` after the rating, brought forward to a working day so the cycle is never exceeded.

    A review one to three years ahead often falls in a year whose official holiday list
    is not published yet; it is then brought forward past weekends and the fixed public
    holidays only (provisional), which can only make it earlier, never late.
    """
    return cal.previous_working_day(add_months(rated_on, months), provisional=True)


def onboarding_rating_due(cal: BusinessCalendar, onboarded_on: date, working_days: int) -> date:
    """A new customer must be rated within ``working_days`` working days of onboarding (local day)."""
    return cal.due_date(onboarded_on, working_days)


# -- self-assessment ------------------------------------------------------------------------------

DIMENSIONS: tuple[str, ...] = ("customers", "geography", "products_and_services", "channels")
CONTROL_AREAS: tuple[str, ...] = (
    "customer_due_diligence",
    "monitoring",
    "reporting",
    "record_keeping",
    "training",
    "governance",
)
INHERENT_LEVELS: tuple[str, ...] = ("low", "medium", "high")
CONTROL_LEVELS: tuple[str, ...] = ("strong", "adequate", "weak")

#: Residual risk for (inherent level, control effectiveness); rows inherent, columns control.
DEFAULT_RESIDUAL_MATRIX: dict[str, dict[str, str]] = {
    "low": {"strong": "low", "adequate": "low", "weak": "medium"},
    "medium": {"strong": "low", "adequate": "medium", "weak": "high"},
    "high": {"strong": "medium", "adequate": "high", "weak": "high"},
}


def residual_level(matrix: dict[str, dict[str, str]], inherent: str, control: str) -> str:
    """Look up residual risk in the inherent × control matrix; names the missing cell."""
    try:
        return matrix[inherent][control]
    except KeyError as exc:
        raise InputError(
            f"residual matrix has no cell for inherent={inherent!r}, control={control!r}",
            field="matrix",
        ) from exc


def validate_matrix(matrix: dict[str, dict[str, str]]) -> None:
    for inherent in INHERENT_LEVELS:
        for control in CONTROL_LEVELS:
            value = residual_level(matrix, inherent, control)
            if value not in INHERENT_LEVELS:
                raise InputError(
                    f"matrix[{inherent}][{control}] must be low, medium or high, not {value!r}",
                    field="matrix",
                )


def shift_level(level: str, steps: int) -> str:
    index = min(max(INHERENT_LEVELS.index(level) + steps, 0), len(INHERENT_LEVELS) - 1)
    return INHERENT_LEVELS[index]


class AssessmentStatus(StrEnum):
    DRAFT = "draft"
    REVIEWED = "reviewed"
    SIGNED = "signed"
    SUPERSEDED = "superseded"


# -- AML reviews of new products ------------------------------------------------------------------


class ReviewKind(StrEnum):
    PRODUCT = "product"
    BUSINESS = "business"
    CHANNEL = "channel"


class ReviewStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    REJECTED = "rejected"
    LAUNCHED = "launched"


REVIEW_OUTCOMES: frozenset[ReviewStatus] = frozenset(
    {ReviewStatus.APPROVED, ReviewStatus.APPROVED_WITH_CONDITIONS, ReviewStatus.REJECTED}
)


# -- governed risk records on the workflow engine -------------------------------------------------

#: The state of a governed record before its first step (it is created by that step).
NEW = "new"


def lowers_below_high(from_band: str, to_band: str) -> bool:
    """True when the change moves a customer down, to a band under "high"."""
    to_index = BAND_ORDER.index(Band(to_band))
    return to_index < BAND_ORDER.index(Band(from_band)) and to_index < BAND_ORDER.index(Band.HIGH)


def str_subject_needs_mlro(facts: Mapping[str, object], actor: Actor) -> str | None:
    """A customer with a filed STR (any STR submitted or filed for them) was judged suspicious by
    the bank itself: lowering them below "high" is the MLRO's decision, not a reviewer's."""
    if not (facts.get("str_subject") and facts.get("lowers_below_high")):
        return None
    if actor.holds(roles_for(Permission.RISK_OVERRIDE_STR_SUBJECT)):
        return None
    return (
        f"customer {facts.get('customer_id')} has a filed STR: lowering them below high "
        "needs the MLRO"
    )


def review_within_policy(facts: Mapping[str, object], actor: Actor) -> str | None:
    """The next review of an overridden customer comes no later than the policy's review interval
    for the band they end up in (a "low" customer is reviewed within ``review_months.low``)."""
    wanted, latest = facts.get("next_review_on"), facts.get("latest_review_on")
    if isinstance(wanted, date) and isinstance(latest, date) and wanted > latest:
        return (
            f"next review {wanted.isoformat()} is later than the policy allows for a "
            f"{facts.get('to_band')} customer ({latest.isoformat()})"
        )
    return None


class OverrideState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


#: The requester never decides their own override (four-eyes), and a person decides, not a job.
_DECISION: dict[str, Any] = {
    "excludes": frozenset({Involvement.REQUESTED}),
    "needs_person": True,
}
_PENDING = frozenset({OverrideState.PENDING})

OVERRIDE_WORKFLOW = Workflow(
    name="risk_override",
    label="risk override",
    states=frozenset({NEW, *OverrideState}),
    steps={
        step.action: step
        for step in (
            Step(
                "request",
                frozenset({NEW}),
                OverrideState.PENDING,
                Permission.RISK_OVERRIDE_REQUEST,
                "ask for a customer's band to change",
                involvement=Involvement.REQUESTED,
            ),
            Step(
                "approve",
                _PENDING,
                OverrideState.APPROVED,
                Permission.RISK_OVERRIDE_DECIDE,
                "approve the band change",
                involvement=Involvement.APPROVED,
                guards=(str_subject_needs_mlro, review_within_policy),
                **_DECISION,
            ),
            Step(
                "reject",
                _PENDING,
                OverrideState.REJECTED,
                Permission.RISK_OVERRIDE_DECIDE,
                "reject the band change",
                involvement=Involvement.DECIDED,
                **_DECISION,
            ),
        )
    },
)
