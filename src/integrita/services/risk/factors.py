"""Customer risk factors: registered, pure, documented functions over columns.

Each factor takes the rating inputs of many customers at once (one array per
input, aligned by position) and the configuration body, and returns one value
per customer between 0 (no risk from this factor) and 1 (full strength). The
rating is the weighted sum of these values. A factor's docstring is the
explanation shown next to its contribution on the customer's page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from integrita.domain.risk import FACTOR_GROUPS

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class RatingInputs:
    """Everything the factors read, for ``len(customer_id)`` customers, aligned by position."""

    customer_id: pa.Array
    customer_type: pa.Array
    occupation: pa.Array
    nationality: pa.Array
    residence: pa.Array
    onboarding_channel: pa.Array
    segment: pa.Array
    pep: Bools
    has_legal_representative: Bools
    #: account type -> whether the customer holds at least one open account of that type.
    holdings: Mapping[str, Bools]
    alerts: Ints
    strs: Ints
    large_value: Ints
    transactions: Ints
    cash_transactions: Ints
    high_risk_country_transactions: Ints
    elevated_country_transactions: Ints
    cross_border_transactions: Ints

    def __len__(self) -> int:
        return len(self.customer_id)


FactorFunction = Callable[[RatingInputs, Mapping[str, Any]], Floats]


@dataclass(frozen=True)
class Factor:
    name: str
    group: str
    function: FactorFunction

    @property
    def explanation(self) -> str:
        return " ".join((self.function.__doc__ or "").split())


REGISTRY: dict[str, Factor] = {}


def factor(name: str) -> Callable[[FactorFunction], FactorFunction]:
    """Register a factor under ``name`` (its group comes from the domain's factor list)."""

    def register(function: FactorFunction) -> FactorFunction:
        if name not in FACTOR_GROUPS:
            raise ValueError(f"{name} is not a known factor")
        REGISTRY[name] = Factor(name, FACTOR_GROUPS[name], function)
        return function

    return register


def lookup(values: pa.Array, table: Mapping[str, float], default: float = 0.0) -> Floats:
    """Map each string to its score (dictionary-encoded, so a million rows cost one pass)."""
    encoded = values.fill_null("").dictionary_encode()
    scores = np.array(
        [float(table.get(str(v), default)) for v in encoded.dictionary.to_pylist()] or [default],
        dtype=np.float64,
    )
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    return scores[indices] if len(indices) else np.zeros(0, dtype=np.float64)


def _country_score(values: pa.Array, cfg: Mapping[str, Any]) -> Floats:
    table: dict[str, float] = {cfg["home_country"]: 0.0, "": 0.0}
    for country in cfg["elevated_countries"]:
        table[country] = 0.6
    for country in cfg["high_risk_countries"]:
        table[country] = 1.0
    return lookup(values, table, float(cfg["other_foreign_country_score"]))


def _saturating(counts: Ints, full_at: float) -> Floats:
    return np.minimum(counts.astype(np.float64) / max(float(full_at), 1e-9), 1.0)


# -- customer -------------------------------------------------------------------------------------


@factor("customer_type")
def customer_type(x: RatingInputs, cfg: Mapping[str, Any]) -> Floats:
    """Organisations carry more risk than individuals: their ownership and purpose are harder to see."""
    return lookup(x.customer_type, cfg["customer_type_scores"], 0.0)


@factor("occupation_or_industry")
def occupation_or_industry(x: RatingInputs, cfg: Mapping[str, Any]) -> Floats:
    """Cash-intensive or high-value-goods occupations and industries (jewellery, real estate, import/export, trading) score higher."""
    return lookup(x.occupation, cfg["occupation_scores"], float(cfg["default_occupation_score"]))


@factor("pep")
def pep(x: RatingInputs, cfg: Mapping[str, Any]) -> Floats:
    """The customer is a politically exposed person; by policy a PEP is at least high risk."""
    return x.pep.astype(np.float64)


@factor("ownership_opacity")
def ownership_opacity(x: RatingInputs, cfg: Mapping[str, Any]) -> Floats:
    """An organisation with no legal representative on record: who owns and controls it is not known."""
    is_org = lookup(x.customer_type, {"organisation": 1.0}) > 0
    return (is_org & ~x.has_legal_representative).astype(np.float64)


# -- geography ------------------------------------------------------------------------------------


@factor("nationality")
def nationality(x: RatingInputs, cfg: Mapping[str, Any]) -> Floats:
    """Nationality (or country of registration) outside the home country; high-risk jurisdictions score in full."""
    return _country_score(x.nationality, cfg)


@factor("residence")
def residence(x: RatingInputs, cfg: Mapping[str, Any]) -> Floats:
    """Country of residence (or of operation) outside the home country; high-risk jurisdictions score in full."""
    return _country_score(x.residence, cfg)


@factor("counterparty_countries")
def counterparty_countries(x: RatingInputs, cfg: Mapping[str, Any]) -> Floats:
    """Counterparties' countries in the ledger: any payment with a high-risk jurisdiction scores in full, an elevated one 0.6, otherwise the cross-border share."""
    total = np.maximum(x.transactions, 1).astype(np.float64)
    cross_border = np.minimum(x.cross_border_transactions / total * 2.0, 0.4)
    return np.where(
        x.high_risk_country_transactions > 0,
        1.0,
        np.where(x.elevated_country_transactions > 0, 0.6, cross_border),
    )


# -- products and services ------------------------------------------------------------------------


@factor("products_and_services")
def products_and_services(x: RatingInputs, cfg: Mapping[str, Any]) -> Floats:
    """The riskiest product or service held: corporate settlement and securities accounts, private banking."""
    result = lookup(x.segment, cfg["segment_scores"], 0.0)
    for account_type, held in x.holdings.items():
        score = float(cfg["product_scores"].get(account_type, 0.0))
        result = np.maximum(result, np.where(held, score, 0.0))
    return result


# -- channels -------------------------------------------------------------------------------------


@factor("non_face_to_face")
def non_face_to_face(x: RatingInputs, cfg: Mapping[str, Any]) -> Floats:
    """The relationship was opened without meeting the customer (online, mobile; an agent counts half)."""
    return lookup(x.onboarding_channel, cfg["non_face_to_face_scores"], 0.0)


@factor("representative")
def representative(x: RatingInputs, cfg: Mapping[str, Any]) -> Floats:
    """The account was opened by a representative acting for the customer, not the customer in person."""
    return lookup(x.onboarding_channel, {"representative": 1.0}, 0.0)


# -- behaviour ------------------------------------------------------------------------------------


@factor("alerts")
def alerts(x: RatingInputs, cfg: Mapping[str, Any]) -> Floats:
    """Monitoring alerts on the customer in the look-back period (full strength at the configured count)."""
    return _saturating(x.alerts, cfg["alerts_for_full_score"])


@factor("strs")
def strs(x: RatingInputs, cfg: Mapping[str, Any]) -> Floats:
    """A suspicious transaction report was filed on the customer; by policy this makes the customer high risk."""
    return (x.strs > 0).astype(np.float64)


@factor("large_value")
def large_value(x: RatingInputs, cfg: Mapping[str, Any]) -> Floats:
    """Large-value transaction records in the look-back period (full strength at the configured count)."""
    return _saturating(x.large_value, cfg["large_value_for_full_score"])


@factor("cash_intensity")
def cash_intensity(x: RatingInputs, cfg: Mapping[str, Any]) -> Floats:
    """Share of the customer's transactions that are cash deposits or withdrawals (full strength at the configured share)."""
    share = x.cash_transactions / np.maximum(x.transactions, 1).astype(np.float64)
    return np.minimum(share / float(cfg["cash_share_for_full_score"]), 1.0)


def explanations() -> dict[str, str]:
    """Factor name -> the sentence an analyst reads as "why"."""
    return {name: f.explanation for name, f in REGISTRY.items()}
