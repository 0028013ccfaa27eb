"""Configuration is data: parameters round-trip through the manifest and bad ones are named."""

from __future__ import annotations

from dataclasses import replace

import pytest

from integrita.errors import InputError
from integrita.synthetic import BankConfig, build_bank, pattern_counts
from integrita.synthetic.config import FanConfig, StructuringConfig, TypologyConfig


def test_parameters_round_trip_through_the_manifest_form() -> None:
    config = BankConfig(
        customers=321,
        seed=9,
        typologies=replace(TypologyConfig(), fan_in=FanConfig(min_degree=7, max_degree=9)),
    )
    assert BankConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"customerz": 5}, "customerz"),
        ({"typologies": {"fan_in": {"min_degre": 3}}}, "typologies.fan_in.min_degre"),
        ({"typologies": {"smurfing": {}}}, "typologies.smurfing"),
        (
            {"typologies": {"fan_out": {"min_degree": 9, "max_degree": 4}}},
            "typologies.fan_out.max_degree",
        ),
        ({"typologies": {"cycle": {"max_hop_loss": 1.5}}}, "typologies.cycle.max_hop_loss"),
        ({"typologies": {"stack": {"window_days": 0}}}, "typologies.stack.window_days"),
        ({"start": "01/02/2025"}, "start"),
    ],
)
def test_a_bad_parameter_is_refused_naming_it(parameters: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as error:
        BankConfig.from_dict(parameters).validate()
    assert error.value.field == field


def test_a_rate_of_zero_switches_a_typology_off() -> None:
    config = BankConfig(
        customers=150,
        days=40,
        seed=2,
        typologies=replace(
            TypologyConfig(), structuring=StructuringConfig(patterns_per_1000_customers=0)
        ),
    )
    assert pattern_counts(config)["structuring"] == 0
    bank = build_bank(config)
    assert "structuring" not in bank.labels["typology"].to_pylist()
    assert "fan_in" in bank.labels["typology"].to_pylist()


def test_more_customers_bring_more_patterns_at_the_configured_rate() -> None:
    assert pattern_counts(BankConfig(customers=600))["cycle"] == 1
    assert pattern_counts(BankConfig(customers=10_000))["cycle"] == 20
