"""Each injected typology has the shape it claims, checked on the files written."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest

from integrita.synthetic import TYPOLOGIES
from integrita.synthetic.config import HIGH_RISK_COUNTRIES
from tests.synthetic.conftest import WrittenBank

Row = dict[str, Any]


def span(rows: list[Row]) -> timedelta:
    times = [r["booked_at"] for r in rows]
    return max(times) - min(times)


def senders(rows: list[Row]) -> set[str]:
    return {r["from_account"] for r in rows}


def receivers(rows: list[Row]) -> set[str]:
    return {r["to_account"] for r in rows}


def flows(rows: list[Row]) -> tuple[dict[str, int], dict[str, int]]:
    """Money in and money out per account, in CNY minor units."""
    into: dict[str, int] = defaultdict(int)
    out: dict[str, int] = defaultdict(int)
    for r in rows:
        into[r["to_account"]] += r["amount_received_minor"]
        out[r["from_account"]] += r["amount_paid_minor"]
    return into, out


def test_every_typology_is_injected_and_labelled(bank: WrittenBank) -> None:
    typologies = {label["typology"] for label in bank.labels}
    assert typologies == set(TYPOLOGIES)
    assert all(label["is_laundering"] == "true" for label in bank.labels)
    share = len(bank.labels) / len(bank.transactions)
    assert 0.001 <= share <= 0.01


def test_fan_in_has_at_least_k_distinct_senders_into_one_account_within_its_window(
    bank: WrittenBank,
) -> None:
    params = bank.config.typologies.fan_in
    for rows in bank.patterns("fan_in").values():
        assert len(receivers(rows)) == 1
        assert len(senders(rows)) >= params.min_degree
        assert span(rows) <= timedelta(days=params.window_days)


def test_fan_out_has_one_account_paying_at_least_k_distinct_receivers_within_its_window(
    bank: WrittenBank,
) -> None:
    params = bank.config.typologies.fan_out
    for rows in bank.patterns("fan_out").values():
        assert len(senders(rows)) == 1
        assert len(receivers(rows)) >= params.min_degree
        assert span(rows) <= timedelta(days=params.window_days)


def test_cycle_returns_to_its_start_within_its_window_with_amounts_roughly_preserved(
    bank: WrittenBank,
) -> None:
    params = bank.config.typologies.cycle
    for rows in bank.patterns("cycle").values():
        assert params.min_length <= len(rows) <= params.max_length
        for hop, following in pairwise(rows):
            assert hop["to_account"] == following["from_account"]
            assert hop["booked_at"] < following["booked_at"]
        assert rows[-1]["to_account"] == rows[0]["from_account"]
        assert len(senders(rows)) == len(rows)  # every account visited once
        assert span(rows) <= timedelta(days=params.window_days)
        amounts = [r["amount_paid_minor"] for r in rows if r["paid_currency"] == "CNY"]
        floor = (1 - params.max_hop_loss) ** (len(rows) - 1) - 0.001
        assert min(amounts) / max(amounts) >= floor


def test_scatter_gather_splits_through_k_intermediates_into_one_sink(bank: WrittenBank) -> None:
    params = bank.config.typologies.scatter_gather
    for rows in bank.patterns("scatter_gather").values():
        sources = senders(rows) - receivers(rows)
        sinks = receivers(rows) - senders(rows)
        middle = senders(rows) & receivers(rows)
        assert len(sources) == 1 and len(sinks) == 1
        assert params.min_width <= len(middle) <= params.max_width
        for account in middle:
            received = [r for r in rows if r["to_account"] == account]
            sent = [r for r in rows if r["from_account"] == account]
            assert {r["from_account"] for r in received} == sources
            assert {r["to_account"] for r in sent} == sinks
            assert max(r["booked_at"] for r in received) < min(r["booked_at"] for r in sent)
        into, out = flows(rows)
        (source,), (sink,) = sources, sinks
        assert 1 - params.max_cut - 0.001 <= into[sink] / out[source] <= 1.0
        assert span(rows) <= timedelta(days=params.window_days)


def test_gather_scatter_collects_into_one_hub_before_paying_out_nearly_all_of_it(
    bank: WrittenBank,
) -> None:
    params = bank.config.typologies.gather_scatter
    for rows in bank.patterns("gather_scatter").values():
        hubs = senders(rows) & receivers(rows)
        assert len(hubs) == 1
        (hub,) = hubs
        inflows = [r for r in rows if r["to_account"] == hub]
        outflows = [r for r in rows if r["from_account"] == hub]
        assert len(inflows) + len(outflows) == len(rows)
        assert len(senders(inflows)) >= params.min_width
        assert len(receivers(outflows)) >= params.min_width
        assert max(r["booked_at"] for r in inflows) < min(r["booked_at"] for r in outflows)
        into, out = flows(rows)
        assert 1 - params.max_cut - 0.001 <= out[hub] / into[hub] <= 1.0
        assert span(rows) <= timedelta(days=params.window_days)


def test_bipartite_pays_from_one_group_to_a_separate_group_over_many_pairs(
    bank: WrittenBank,
) -> None:
    params = bank.config.typologies.bipartite
    for rows in bank.patterns("bipartite").values():
        left, right = senders(rows), receivers(rows)
        assert not left & right
        assert params.min_side <= len(left) <= params.max_side
        assert params.min_side <= len(right) <= params.max_side
        pairs = {(r["from_account"], r["to_account"]) for r in rows}
        assert len(pairs) == len(rows) >= max(len(left), len(right))
        assert span(rows) <= timedelta(days=params.window_days)


def test_stack_passes_money_through_three_layers_each_middle_account_after_receiving(
    bank: WrittenBank,
) -> None:
    params = bank.config.typologies.stack
    for rows in bank.patterns("stack").values():
        first = senders(rows) - receivers(rows)
        third = receivers(rows) - senders(rows)
        middle = senders(rows) & receivers(rows)
        assert first and middle and third
        for r in rows:  # no edge skips the middle layer or goes backwards
            assert (r["from_account"] in first and r["to_account"] in middle) or (
                r["from_account"] in middle and r["to_account"] in third
            )
        into, out = flows(rows)
        for account in middle:
            received = [r["booked_at"] for r in rows if r["to_account"] == account]
            sent = [r["booked_at"] for r in rows if r["from_account"] == account]
            assert max(received) < min(sent)
            assert 1 - params.max_cut - 0.001 <= out[account] / into[account] <= 1.0
        assert span(rows) <= timedelta(days=params.window_days)


def test_structuring_is_several_cash_deposits_each_just_under_rmb_50000_within_days(
    bank: WrittenBank,
) -> None:
    params = bank.config.typologies.structuring
    assert params.threshold_minor == 5_000_000
    for rows in bank.patterns("structuring").values():
        assert len(rows) >= params.min_deposits
        assert len(receivers(rows)) == 1
        for r in rows:
            assert r["kind"] == "cash_deposit"
            assert r["payment_format"] == "Cash"
            assert r["paid_currency"] == "CNY"
            assert params.threshold_minor * params.floor_fraction <= r["amount_paid_minor"]
            assert r["amount_paid_minor"] < params.threshold_minor
            assert r["from_account"].startswith("CASH-BR-")  # the branch's teller
        assert len(senders(rows)) <= params.max_branches
        assert span(rows) < timedelta(days=params.window_days)


def test_rapid_pass_through_forwards_most_of_a_large_inflow_within_hours(
    bank: WrittenBank,
) -> None:
    params = bank.config.typologies.rapid_pass_through
    for rows in bank.patterns("rapid_pass_through").values():
        inflow, outflows = rows[0], rows[1:]
        account = inflow["to_account"]
        assert params.min_outflows <= len(outflows) <= params.max_outflows
        assert all(r["from_account"] == account for r in outflows)
        assert inflow["amount_received_minor"] >= params.min_amount_minor
        assert span(rows) <= timedelta(hours=params.window_hours)
        forwarded = sum(r["amount_paid_minor"] for r in outflows) / inflow["amount_received_minor"]
        assert params.min_forward_fraction - 0.001 <= forwarded <= params.max_forward_fraction


def test_dormant_account_has_no_activity_for_the_dormancy_period_before_its_burst(
    bank: WrittenBank,
) -> None:
    params = bank.config.typologies.dormant_awakening
    for rows in bank.patterns("dormant_awakening").values():
        (account,) = senders(rows) & receivers(rows)
        assert all(account in (r["from_account"], r["to_account"]) for r in rows)
        burst_start = rows[0]["booked_at"]
        quiet_from = burst_start - timedelta(days=params.dormancy_days)
        assert quiet_from >= bank.transactions[0]["booked_at"] - timedelta(days=1)
        before = [
            t
            for t in bank.transactions
            if account in (t["from_account"], t["to_account"])
            and quiet_from <= t["booked_at"] < burst_start
        ]
        assert before == []
        assert span(rows) <= timedelta(days=params.burst_days)
        assert rows[0]["to_account"] == account  # money arrives first
        assert params.min_transactions <= len(rows) <= params.max_transactions


def test_high_risk_geography_wires_cross_the_border_to_or_from_high_risk_countries(
    bank: WrittenBank,
) -> None:
    params = bank.config.typologies.high_risk_geography
    ours = {a["account_id"] for a in bank.accounts}
    for rows in bank.patterns("high_risk_geography").values():
        assert len(rows) >= params.min_transactions
        for r in rows:
            assert r["cross_border"] is True
            assert r["payment_format"] == "Wire"
            foreign = r["to_country"] if r["from_account"] in ours else r["from_country"]
            assert foreign in HIGH_RISK_COUNTRIES
        assert span(rows) <= timedelta(days=params.window_days)


def test_high_risk_countries_appear_only_in_labelled_patterns(bank: WrittenBank) -> None:
    labelled = {label["txn_id"] for label in bank.labels}
    for t in bank.transactions:
        if t["to_country"] in HIGH_RISK_COUNTRIES or t["from_country"] in HIGH_RISK_COUNTRIES:
            assert t["txn_id"] in labelled


@pytest.mark.parametrize("typology", ["fan_in", "fan_out", "structuring", "high_risk_geography"])
def test_laundering_accounts_also_do_ordinary_banking(bank: WrittenBank, typology: str) -> None:
    labelled = {label["txn_id"] for label in bank.labels}
    ours = {a["account_id"] for a in bank.accounts}
    for rows in bank.patterns(typology).values():
        subjects = (senders(rows) | receivers(rows)) & ours
        subject = max(
            subjects, key=lambda a: sum(a in (r["from_account"], r["to_account"]) for r in rows)
        )
        ordinary = [
            t
            for t in bank.transactions
            if subject in (t["from_account"], t["to_account"]) and t["txn_id"] not in labelled
        ]
        assert ordinary


def test_every_typology_is_configured_and_explains_its_shape() -> None:
    from dataclasses import fields

    from integrita.synthetic.config import TypologyConfig

    assert list(TYPOLOGIES) == [f.name for f in fields(TypologyConfig)]
    for name, function in TYPOLOGIES.items():
        doc = " ".join((function.__doc__ or "").split())
        assert len(doc) > 80, name
        assert "within" in doc, name  # every shape is bounded in time
