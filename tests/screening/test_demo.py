"""The demo step: a small list, planted customers in both scripts, matches and near-misses."""

from __future__ import annotations

from integrita.demo import screening as demo
from integrita.domain.workflow import Actor
from integrita.services.core.context import Context
from integrita.services.screening import dispositions


def test_the_demo_finds_the_planted_matches_and_lets_the_near_misses_pass(ctx: Context) -> None:
    diff, summary = demo.run(ctx)
    assert diff.snapshot.entity_count == len(demo.LIST_ENTITIES)
    matched = {
        m.subject_ref
        for m in dispositions.list_matches(ctx, actor=Actor("a", frozenset({"analyst"})))
    }
    expected = {p.customer_id for p in demo.PLANTED if p.expected == "match"}
    near = {p.customer_id for p in demo.PLANTED if p.expected == "near-miss"}
    assert matched == expected
    assert not matched & near
    assert summary.alerts == len(expected)
