"""Each risk factor on its own: pure functions over columns, no database."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from integrita.domain.risk import DEFAULT_RATING_CONFIG, FACTOR_GROUPS, RatingConfig
from integrita.services.risk import engine
from integrita.services.risk.factors import REGISTRY, RatingInputs

CFG = RatingConfig.parse(1, DEFAULT_RATING_CONFIG)


def inputs(n: int = 2, **columns: Any) -> RatingInputs:
    """``n`` ordinary domestic individuals, with the given columns replaced."""
    base: dict[str, Any] = {
        "customer_id": pa.array([f"C{i}" for i in range(n)]),
        "customer_type": pa.array(["individual"] * n),
        "occupation": pa.array(["teacher"] * n),
        "nationality": pa.array(["CN"] * n),
        "residence": pa.array(["CN"] * n),
        "onboarding_channel": pa.array(["branch"] * n),
        "segment": pa.array(["retail"] * n),
        "pep": np.zeros(n, dtype=bool),
        "has_legal_representative": np.zeros(n, dtype=bool),
        "holdings": {"personal": np.ones(n, dtype=bool)},
    }
    for name in (
        "alerts", "strs", "large_value", "transactions", "cash_transactions",
        "high_risk_country_transactions", "elevated_country_transactions", "cross_border_transactions",
    ):  # fmt: skip
        base[name] = np.zeros(n, dtype=np.int64)
    for key, value in columns.items():
        if isinstance(value, list) and value and isinstance(value[0], str):
            base[key] = pa.array(value)
        elif isinstance(value, list):
            base[key] = np.array(value)
        else:
            base[key] = value
    return RatingInputs(**base)


def run(name: str, x: RatingInputs) -> list[float]:
    return [round(v, 3) for v in REGISTRY[name].function(x, CFG.body).tolist()]


def test_every_factor_is_registered_documented_and_grouped() -> None:
    assert set(REGISTRY) == set(FACTOR_GROUPS)
    for factor in REGISTRY.values():
        assert len(factor.explanation) > 30, factor.name
        assert factor.group in {"customer", "geography", "products", "channels", "behaviour"}


def test_organisations_score_higher_than_individuals_on_customer_type() -> None:
    assert run("customer_type", inputs(customer_type=["individual", "organisation"])) == [0.1, 0.5]


def test_jewellery_trade_scores_in_full_and_unknown_occupations_get_the_default() -> None:
    x = inputs(3, occupation=pa.array(["jewellery", "teacher", None]))
    assert run("occupation_or_industry", x) == [1.0, 0.2, 0.2]


def test_a_pep_scores_in_full_and_is_at_least_high_risk() -> None:
    x = inputs(pep=[True, False])
    assert run("pep", x) == [1.0, 0.0]
    assert engine.score(x, CFG).bands == ["high", "low"]


def test_an_organisation_without_legal_representative_has_opaque_ownership() -> None:
    x = inputs(
        3,
        customer_type=["organisation", "organisation", "individual"],
        has_legal_representative=[False, True, False],
    )
    assert run("ownership_opacity", x) == [1.0, 0.0, 0.0]


@pytest.mark.parametrize("factor", ["nationality", "residence"])
def test_high_risk_jurisdictions_score_in_full_elevated_and_other_foreign_less(factor: str) -> None:
    column = "nationality" if factor == "nationality" else "residence"
    x = inputs(4, **{column: ["CN", "SY", "AE", "US"]})
    assert run(factor, x) == [0.0, 1.0, 0.6, 0.3]


def test_counterparty_countries_come_from_the_ledger_counts() -> None:
    x = inputs(
        4,
        transactions=[10, 10, 10, 10],
        high_risk_country_transactions=[0, 1, 0, 0],
        elevated_country_transactions=[0, 0, 2, 0],
        cross_border_transactions=[0, 0, 0, 1],
    )
    assert run("counterparty_countries", x) == [0.0, 1.0, 0.6, 0.2]


def test_products_take_the_riskiest_product_or_service_held() -> None:
    x = inputs(
        3,
        segment=["retail", "private_banking", "retail"],
        holdings={
            "personal": np.array([True, True, False]),
            "securities": np.array([False, False, True]),
        },
    )
    assert run("products_and_services", x) == [0.1, 0.8, 0.6]


def test_non_face_to_face_onboarding_scores_and_an_agent_counts_half() -> None:
    x = inputs(4, onboarding_channel=["branch", "online", "agent", "mobile"])
    assert run("non_face_to_face", x) == [0.0, 1.0, 0.5, 1.0]


def test_onboarding_through_a_representative_scores() -> None:
    x = inputs(2, onboarding_channel=["representative", "branch"])
    assert run("representative", x) == [1.0, 0.0]


def test_alerts_saturate_at_the_configured_count() -> None:
    assert run("alerts", inputs(3, alerts=[0, 1, 7])) == [0.0, 0.333, 1.0]


def test_any_str_scores_in_full_and_makes_the_customer_high_risk() -> None:
    x = inputs(strs=[1, 0])
    assert run("strs", x) == [1.0, 0.0]
    assert engine.score(x, CFG).bands[0] == "high"


def test_large_value_records_saturate_at_the_configured_count() -> None:
    assert run("large_value", inputs(3, large_value=[0, 5, 20])) == [0.0, 0.5, 1.0]


def test_cash_intensity_is_the_cash_share_of_transactions() -> None:
    x = inputs(3, transactions=[10, 10, 0], cash_transactions=[1, 6, 0])
    assert run("cash_intensity", x) == [0.2, 1.0, 0.0]


def test_contributions_add_up_to_the_score_and_bands_follow_thresholds() -> None:
    x = inputs(
        3,
        customer_type=["individual", "organisation", "organisation"],
        occupation=["teacher", "jewellery", "jewellery"],
        onboarding_channel=["branch", "online", "representative"],
        nationality=["CN", "AE", "SY"],
        residence=["CN", "AE", "SY"],
        alerts=[0, 3, 3],
    )
    batch = engine.score(x, CFG)
    assert np.allclose(batch.contributions.sum(axis=1), batch.scores)
    assert batch.bands == ["low", "high", "high"]
    assert (
        batch.scores[0]
        < CFG.body["bands"]["medium"]
        <= CFG.body["bands"]["high"]
        <= batch.scores[1]
    )


def test_a_prohibited_country_of_residence_makes_the_relationship_prohibited() -> None:
    x = inputs(residence=["KP", "CN"])
    assert engine.score(x, CFG).bands == ["prohibited", "low"]


def test_bad_configuration_names_the_field() -> None:
    with pytest.raises(Exception, match="bands") as info:
        RatingConfig.parse(2, {"bands": {"medium": 60, "high": 40}})
    assert getattr(info.value, "field", None) == "bands"
    with pytest.raises(Exception) as info2:
        RatingConfig.parse(2, {"weights": {**DEFAULT_RATING_CONFIG["weights"], "pep": -1}})
    assert getattr(info2.value, "field", None) == "weights.pep"
