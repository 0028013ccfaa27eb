"""Hand-built ledgers for detector tests: a few rows, written through ``Ledger.append_table``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from integrita.analytics.engine import ScanRange, fx_table, open_engine
from integrita.analytics.ledger import Ledger
from integrita.analytics.schema import LEDGER_SCHEMA
from integrita.detection.catalogue import detectors
from integrita.detection.fx import load_fx_rates, rate_periods
from integrita.detection.matches import EvidenceRow, Match, build_matches, run_detector

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

OWNERS_SCHEMA = pa.schema(
    [("account_id", pa.string()), ("customer_id", pa.string()), ("customer_type", pa.string())]
)


@dataclass
class LedgerBuilder:
    """Collects transactions and account owners, then writes a ledger."""

    rows: list[dict[str, object]] = field(default_factory=list)
    owners: dict[str, tuple[str, str]] = field(default_factory=dict)

    def pay(
        self,
        src: str,
        dst: str,
        yuan: float,
        *,
        at: datetime | None = None,
        hours: float = 0,
        days: float = 0,
        kind: str = "transfer",
        currency: str = "CNY",
        cross_border: bool = False,
        from_country: str | None = "CN",
        to_country: str | None = "CN",
        txn_id: str | None = None,
    ) -> str:
        when = (at or T0) + timedelta(days=days, hours=hours)
        tid = txn_id or f"T{len(self.rows) + 1:05d}"
        minor = round(yuan * (100 if currency != "JPY" else 1))
        self.rows.append(
            {
                "txn_id": tid,
                "booked_at": when,
                "channel": "counter" if kind.startswith("cash") else "online",
                "kind": kind,
                "from_bank": "B1",
                "from_account": src,
                "to_bank": "B1",
                "to_account": dst,
                "amount_paid_minor": minor,
                "paid_currency": currency,
                "amount_received_minor": minor,
                "received_currency": currency,
                "payment_format": "Cash" if kind.startswith("cash") else "CNAPS",
                "counterparty_type": "third_party_personal",
                "cross_border": cross_border,
                "from_country": from_country,
                "to_country": to_country,
                "purpose": None,
            }
        )
        return tid

    def own(self, account: str, customer: str, customer_type: str = "individual") -> None:
        self.owners[account] = (customer, customer_type)

    def owners_table(self) -> pa.Table:
        return pa.Table.from_pylist(
            [
                {"account_id": a, "customer_id": c, "customer_type": t}
                for a, (c, t) in sorted(self.owners.items())
            ],
            schema=OWNERS_SCHEMA,
        )

    def write(self, root: Path) -> Ledger:
        ledger = Ledger(root)
        if self.rows:
            ledger.append_table(pa.Table.from_pylist(self.rows, schema=LEDGER_SCHEMA))
        return ledger


def fx() -> pa.Table:
    return fx_table(rate_periods(load_fx_rates()))


def run(
    b: LedgerBuilder,
    root: Path,
    name: str,
    engine: str = "duckdb",
    spark: object = None,
    **params: object,
) -> list[Match]:
    """Run one detector on the builder's ledger and return its merged matches."""
    return build_matches(evidence(b, root, [name], engine, spark, **params))


def evidence(
    b: LedgerBuilder,
    root: Path,
    names: list[str] | None = None,
    engine: str = "duckdb",
    spark: object = None,
    **params: object,
) -> list[EvidenceRow]:
    ledger = b.write(root)
    scan = ScanRange(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    eng = open_engine(engine, ledger, scan, fx(), spark=spark)
    try:
        eng.register("owners", b.owners_table())
        rows: list[EvidenceRow] = []
        for det in detectors(names):
            rows.extend(run_detector(eng, det, det.params(params or None)))
        return rows
    finally:
        eng.close()
