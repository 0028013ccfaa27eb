"""What the synthetic bank looks like: size, period, seed and each typology's parameters.

Every number here is a default that can be changed without code: build a
:class:`BankConfig` (or ``dataclasses.replace`` one) and hand it to
:func:`integrita.synthetic.generate_bank`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any

from integrita.errors import InputError

#: The PBOC large-value cash threshold (RMB 50,000) in minor units.
LARGE_CASH_THRESHOLD_MINOR = 5_000_000

#: FATF "call for action" jurisdictions plus conflict zones our policy treats as high risk.
HIGH_RISK_COUNTRIES: tuple[str, ...] = ("KP", "IR", "MM", "SY", "YE", "AF")


@dataclass(frozen=True, slots=True)
class FanConfig:
    """Fan-in / fan-out: one hub account and ``min_degree``..``max_degree`` distinct counterparties."""

    patterns_per_1000_customers: float = 2.0
    min_degree: int = 5
    max_degree: int = 12
    window_days: int = 5
    min_amount_minor: int = 300_000
    max_amount_minor: int = 4_900_000


@dataclass(frozen=True, slots=True)
class CycleConfig:
    """Cycle: money goes round ``min_length``..``max_length`` accounts back to the first one."""

    patterns_per_1000_customers: float = 2.0
    min_length: int = 3
    max_length: int = 7
    window_days: int = 10
    max_hop_loss: float = 0.03
    min_amount_minor: int = 2_000_000
    max_amount_minor: int = 50_000_000


@dataclass(frozen=True, slots=True)
class ScatterGatherConfig:
    """Scatter-gather (and gather-scatter): a source, k intermediates, a sink."""

    patterns_per_1000_customers: float = 2.0
    min_width: int = 3
    max_width: int = 8
    window_days: int = 10
    max_cut: float = 0.05
    min_amount_minor: int = 500_000
    max_amount_minor: int = 4_900_000


@dataclass(frozen=True, slots=True)
class BipartiteConfig:
    """Bipartite: a set of senders pays a set of receivers, many edges, one window."""

    patterns_per_1000_customers: float = 2.0
    min_side: int = 2
    max_side: int = 5
    edge_density: float = 0.7
    window_days: int = 7
    min_amount_minor: int = 300_000
    max_amount_minor: int = 4_000_000


@dataclass(frozen=True, slots=True)
class StackConfig:
    """Stack: three layers of accounts, money passed layer to layer (two stacked bipartites)."""

    patterns_per_1000_customers: float = 2.0
    min_width: int = 2
    max_width: int = 4
    window_days: int = 10
    max_cut: float = 0.05
    min_amount_minor: int = 500_000
    max_amount_minor: int = 4_000_000


@dataclass(frozen=True, slots=True)
class StructuringConfig:
    """Structuring: several cash deposits, each just under the large-cash threshold."""

    patterns_per_1000_customers: float = 2.0
    threshold_minor: int = LARGE_CASH_THRESHOLD_MINOR
    floor_fraction: float = 0.9
    min_deposits: int = 3
    max_deposits: int = 6
    window_days: int = 4
    max_branches: int = 3


@dataclass(frozen=True, slots=True)
class RapidPassThroughConfig:
    """Rapid pass-through: a large inflow leaves again almost entirely within hours."""

    patterns_per_1000_customers: float = 2.0
    window_hours: int = 24
    min_forward_fraction: float = 0.9
    max_forward_fraction: float = 0.99
    min_outflows: int = 1
    max_outflows: int = 4
    min_amount_minor: int = 10_000_000
    max_amount_minor: int = 200_000_000


@dataclass(frozen=True, slots=True)
class DormantAwakeningConfig:
    """Dormant account awakening: silence for ``dormancy_days``, then a burst of in- and outflows."""

    patterns_per_1000_customers: float = 2.0
    dormancy_days: int = 30
    burst_days: int = 3
    min_transactions: int = 4
    max_transactions: int = 10
    min_amount_minor: int = 1_000_000
    max_amount_minor: int = 30_000_000


@dataclass(frozen=True, slots=True)
class HighRiskGeographyConfig:
    """High-risk geography: wires to or from accounts in high-risk jurisdictions."""

    patterns_per_1000_customers: float = 2.0
    countries: tuple[str, ...] = HIGH_RISK_COUNTRIES
    min_transactions: int = 2
    max_transactions: int = 6
    window_days: int = 14
    min_amount_minor: int = 1_000_000
    max_amount_minor: int = 80_000_000


@dataclass(frozen=True, slots=True)
class TypologyConfig:
    """Parameters of every injected typology (one field per typology name)."""

    fan_in: FanConfig = field(default_factory=FanConfig)
    fan_out: FanConfig = field(default_factory=FanConfig)
    cycle: CycleConfig = field(default_factory=CycleConfig)
    scatter_gather: ScatterGatherConfig = field(default_factory=ScatterGatherConfig)
    gather_scatter: ScatterGatherConfig = field(default_factory=ScatterGatherConfig)
    bipartite: BipartiteConfig = field(default_factory=BipartiteConfig)
    stack: StackConfig = field(default_factory=StackConfig)
    structuring: StructuringConfig = field(default_factory=StructuringConfig)
    rapid_pass_through: RapidPassThroughConfig = field(default_factory=RapidPassThroughConfig)
    dormant_awakening: DormantAwakeningConfig = field(default_factory=DormantAwakeningConfig)
    high_risk_geography: HighRiskGeographyConfig = field(default_factory=HighRiskGeographyConfig)

    def items(self) -> list[tuple[str, Any]]:
        """(typology name, its parameters) in registry order."""
        return [(f.name, getattr(self, f.name)) for f in fields(self)]

    def validate(self) -> None:
        """Every range is ordered, every count and window positive, every share a fraction."""
        for name, params in self.items():
            values = asdict(params)
            for key, value in values.items():
                where = f"typologies.{name}.{key}"
                if isinstance(value, bool) or not isinstance(value, int | float):
                    continue
                if value < 0 or (key.startswith(("min_", "max_", "window")) and value <= 0):
                    raise InputError(f"{where} must be positive (got {value})", field=where)
                if key.startswith("max_") and f"min_{key[4:]}" in values:
                    low = values[f"min_{key[4:]}"]
                    if low > value:
                        raise InputError(
                            f"{where} ({value}) is below min_{key[4:]} ({low})", field=where
                        )
                if key.endswith(("fraction", "density", "_cut", "_loss")) and value > 1:
                    raise InputError(f"{where} must be at most 1 (got {value})", field=where)


#: Smallest bank for which every typology is injected at least once.
MIN_CUSTOMERS = 100


@dataclass(frozen=True, slots=True)
class BankConfig:
    """The bank to generate.

    ``transactions`` fixes the total number of transactions exactly (normal
    traffic is scaled to fit); when ``None`` the count follows from the
    customers' own activity, about ``activity`` transactions per customer per day.
    """

    customers: int = 2_000
    days: int = 90
    seed: int = 0
    start: date = date(2025, 1, 1)
    bank_id: str = "B0001"
    activity: float = 1.1
    transactions: int | None = None
    typologies: TypologyConfig = field(default_factory=TypologyConfig)
    canonical_csv: bool = False
    jsonl: bool = False

    def validate(self) -> None:
        """Raise :class:`InputError` naming the field that makes the bank impossible."""
        if self.customers < MIN_CUSTOMERS:
            raise InputError(
                f"customers must be at least {MIN_CUSTOMERS} (got {self.customers})",
                field="customers",
            )
        dormancy = self.typologies.dormant_awakening
        windows = [getattr(params, "window_days", 0) + 1 for _, params in self.typologies.items()]
        longest = max(dormancy.dormancy_days + dormancy.burst_days + 1, *windows)
        if self.days < longest:
            raise InputError(
                f"days must be at least {longest} so every typology fits (got {self.days})",
                field="days",
            )
        self.typologies.validate()
        if self.activity <= 0:
            raise InputError("activity must be positive", field="activity")
        if self.seed < 0:
            raise InputError("seed must be a non-negative integer", field="seed")
        if self.transactions is not None and self.transactions < self.customers:
            raise InputError(
                "transactions must be at least the number of customers", field="transactions"
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able parameters for the manifest."""
        data = asdict(self)
        data["start"] = self.start.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BankConfig:
        """The inverse of :meth:`to_dict` (a manifest's ``parameters``); missing keys keep defaults.

        Raises :class:`InputError` naming the first unknown or ill-typed key.
        """
        top = _known(cls, data, "")
        if "start" in top:
            try:
                top["start"] = date.fromisoformat(str(top["start"]))
            except ValueError as exc:
                raise InputError(f"start must be YYYY-MM-DD: {exc}", field="start") from exc
        typologies = top.pop("typologies", None) or {}
        if not isinstance(typologies, dict):
            raise InputError("typologies must be an object", field="typologies")
        nested = {}
        for f in fields(TypologyConfig):
            kind = type(getattr(TypologyConfig(), f.name))
            given = typologies.get(f.name, {})
            if "countries" in given:
                given = {**given, "countries": tuple(given["countries"])}
            nested[f.name] = kind(**_known(kind, given, f"typologies.{f.name}."))
        unknown = set(typologies) - set(nested)
        if unknown:
            name = sorted(unknown)[0]
            raise InputError(f"unknown typology {name!r}", field=f"typologies.{name}")
        try:
            return cls(**top, typologies=TypologyConfig(**nested))
        except TypeError as exc:
            raise InputError(f"bad parameters: {exc}") from exc


def _known(kind: type, data: dict[str, Any], prefix: str) -> dict[str, Any]:
    """``data`` restricted to ``kind``'s fields; an unknown key is an error naming it."""
    names = {f.name for f in fields(kind)}
    for key in data:
        if key not in names:
            raise InputError(f"unknown parameter {prefix}{key}", field=f"{prefix}{key}")
    return dict(data)
