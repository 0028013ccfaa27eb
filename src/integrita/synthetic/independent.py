"""A second bank, parameterised independently of the detectors, for figures we never tune on.

The default bank (:func:`integrita.synthetic.amlworld_config`) is the one the detectors'
defaults were developed against, so figures on it flatter them. This configuration changes
the seed, the period, how active customers are, and every typology's shape — larger and
smaller hubs, hops spread over weeks rather than days, fees and cuts beyond the detectors'
tolerances, amounts under their floors — each drawn deliberately outside the detectors'
defaults (see ``docs/detection.md``). Nothing in ``detection/`` may be changed because of a
figure measured on it: it is the held-out world.

What it cannot vary yet: the normal customers' behaviour beyond their activity rate (the
generator's merchants, salaries and bills keep their built-in distributions).
"""

from __future__ import annotations

from integrita.synthetic.config import (
    BankConfig,
    BipartiteConfig,
    CycleConfig,
    DormantAwakeningConfig,
    FanConfig,
    HighRiskGeographyConfig,
    RapidPassThroughConfig,
    ScatterGatherConfig,
    StackConfig,
    StructuringConfig,
    TypologyConfig,
)

#: The independent bank's typologies; the detectors' defaults they step outside are noted.
INDEPENDENT_TYPOLOGIES = TypologyConfig(
    # detector: 5-60 counterparties of >= RMB 1,000 within 3 days
    fan_in=FanConfig(6.0, min_degree=3, max_degree=40, window_days=12, min_amount_minor=40_000),
    fan_out=FanConfig(6.0, min_degree=4, max_degree=25, window_days=9, min_amount_minor=60_000),
    # detector: 2-6 hops within 10 days, each within +-10 %
    cycle=CycleConfig(6.0, min_length=2, max_length=9, window_days=21, max_hop_loss=0.14),
    # detector: >= 3 intermediaries, second hop within 5 days and +-20 %
    scatter_gather=ScatterGatherConfig(
        6.0, min_width=2, max_width=14, window_days=16, max_cut=0.25
    ),
    gather_scatter=ScatterGatherConfig(6.0, min_width=3, max_width=10, window_days=14, max_cut=0.2),
    # detector: 7-day buckets
    bipartite=BipartiteConfig(6.0, min_side=2, max_side=7, edge_density=0.5, window_days=16),
    # detector: 2-12 per layer within 7 days, +-30 % per hop
    stack=StackConfig(6.0, min_width=1, max_width=6, window_days=18, max_cut=0.35),
    # detector: >= 3 deposits in [RMB 40,000, 50,000) within 3 days
    structuring=StructuringConfig(
        6.0, floor_fraction=0.7, min_deposits=2, max_deposits=9, window_days=8
    ),
    # detector: 90-110 % within 48 hours
    rapid_pass_through=RapidPassThroughConfig(
        6.0, window_hours=96, min_forward_fraction=0.75, max_forward_fraction=0.97
    ),
    # detector: 180 days silent, then >= 3 totalling >= RMB 50,000 within 30 days
    dormant_awakening=DormantAwakeningConfig(6.0, dormancy_days=45, burst_days=10),
    high_risk_geography=HighRiskGeographyConfig(6.0, window_days=30),
)


def independent_config(n_transactions: int, seed: int = 1013) -> BankConfig:
    """The held-out bank sized to hold exactly ``n_transactions`` over 120 days."""
    days, activity = 120, 0.8
    customers = max(200, round(n_transactions / (days * activity)))
    return BankConfig(
        customers=customers,
        days=days,
        seed=seed,
        activity=activity,
        transactions=n_transactions,
        typologies=INDEPENDENT_TYPOLOGIES,
    )
