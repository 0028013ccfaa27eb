"""The demo seeds every register with plausible data, through the governed services."""

from __future__ import annotations

from integrita.demo import governance as demo
from integrita.domain.governance import REGISTERS
from integrita.services.core.context import Context
from integrita.services.governance import disclosure, registers


def test_the_demo_seeds_every_register_and_the_pack_shows_their_figures(ctx: Context) -> None:
    lines = demo.seed(ctx)
    assert lines[-1].endswith("/governance")
    counts = registers.overview(ctx, actor=demo.MLRO)
    assert set(counts) == set(REGISTERS)
    assert all(counts[name] > 0 for name in REGISTERS), counts
    figures = {f.key: f for f in disclosure.annual_figures(ctx, ctx.local_date().year)}
    qualified = figures["governance.suppliers.qualified"]
    assert qualified.value == len(qualified.rows) > 200
    assert 85 < figures["governance.suppliers.domestic_share"].value < 100
    assert figures["governance.segregation.trades_flagged"].value > 0
    assert demo.seed(ctx) == ["governance registers already seeded"]
