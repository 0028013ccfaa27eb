"""The demo streams synthetic payments through the API and reports the decision mix."""

from __future__ import annotations

from integrita.cli.realtime import demo_over_http
from integrita.demo.realtime import stream_synthetic_payments
from integrita.services.core.context import Context
from integrita.services.realtime import payments


def test_demo_streams_synthetic_payments_through_the_api_and_reports_the_mix(ctx: Context) -> None:
    mix = demo_over_http(ctx, 60)
    assert sum(mix.values()) == 60
    assert mix["allow"] > 0 and mix["notify"] + mix["verify"] + mix["hold"] > 0
    assert payments.decision_mix(ctx) == {k: v for k, v in mix.items() if v}
    again = stream_synthetic_payments(ctx, 10, seed=8)
    assert sum(again.values()) == 10


def test_a_long_demo_stream_stays_inside_the_apis_time_window(ctx: Context) -> None:
    """The 500th payment of `make demo` was dated 500 s ahead and refused (window: 5 min)."""
    import random
    from datetime import datetime

    from integrita.demo.realtime import synthetic_event

    event = synthetic_event(random.Random(1), 10_000, ("A1", "B1", "CNY"), ctx)
    occurred = datetime.fromisoformat(str(event["occurred_at"]))
    ahead = (occurred - ctx.now()).total_seconds()
    assert ahead <= ctx.settings.payment_max_ahead_seconds
