"""Transactions while they are being made: integer-coded NumPy columns, one batch per stream.

A batch names its two parties by index into the bank's party table
(:class:`integrita.synthetic.population.Parties`) and its categorical values by
index into the vocabularies below; the writers turn codes into text only once,
at the end, for all rows together.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from integrita.domain.transaction import Channel, CounterpartyType, PaymentFormat, TransactionKind

CHANNELS: tuple[str, ...] = tuple(c.value for c in Channel)
KINDS: tuple[str, ...] = tuple(k.value for k in TransactionKind)
FORMATS: tuple[str, ...] = tuple(f.value for f in PaymentFormat)
COUNTERPARTY_TYPES: tuple[str, ...] = tuple(c.value for c in CounterpartyType)
PURPOSES: tuple[str, ...] = (
    "salary",
    "pension",
    "rent",
    "utilities",
    "shopping",
    "family support",
    "loan repayment",
    "goods",
    "services",
    "tuition",
    "investment",
    "refund",
    "tax",
    "consulting fee",
)

#: The AMLworld files know only these instruments; domestic ones map onto the nearest.
AMLWORLD_FORMAT: dict[str, str] = {
    PaymentFormat.ACH: "ACH",
    PaymentFormat.BITCOIN: "Bitcoin",
    PaymentFormat.CASH: "Cash",
    PaymentFormat.CHEQUE: "Cheque",
    PaymentFormat.CREDIT_CARD: "Credit Card",
    PaymentFormat.REINVESTMENT: "Reinvestment",
    PaymentFormat.WIRE: "Wire",
    PaymentFormat.CNAPS: "ACH",
    PaymentFormat.UNIONPAY: "Credit Card",
    PaymentFormat.INTERNAL: "ACH",
}

NO_PURPOSE = -1
NORMAL = -1


def code(vocabulary: tuple[str, ...], value: str) -> int:
    """The index of ``value`` in ``vocabulary`` (a typo is a programming error, so it raises)."""
    return vocabulary.index(value)


Int64 = npt.NDArray[np.int64]
Int16 = npt.NDArray[np.int16]
Int32 = npt.NDArray[np.int32]


@dataclass(slots=True)
class TransactionBatch:
    """Column-wise transactions: times in UTC epoch seconds, parties as indices, values as codes.

    ``amount_cny`` is the value in CNY minor units; the paid and received amounts
    are derived from it in each party's account currency at the day's rate.
    ``pattern`` is the laundering pattern's index, or ``NORMAL``.
    """

    ts: Int64
    src: Int64
    dst: Int64
    amount_cny: Int64
    kind: Int16
    channel: Int16
    payment_format: Int16
    counterparty_type: Int16
    purpose: Int16
    pattern: Int32

    def __len__(self) -> int:
        return int(self.ts.size)

    @classmethod
    def build(
        cls,
        *,
        ts: npt.ArrayLike,
        src: npt.ArrayLike,
        dst: npt.ArrayLike,
        amount_cny: npt.ArrayLike,
        kind: npt.ArrayLike | str,
        channel: npt.ArrayLike | str,
        payment_format: npt.ArrayLike | str,
        counterparty_type: npt.ArrayLike | str,
        purpose: npt.ArrayLike | str | None = None,
        pattern: npt.ArrayLike | int = NORMAL,
    ) -> TransactionBatch:
        """Make a batch; a single string or number is broadcast to every row."""
        ts_arr = np.asarray(ts, dtype=np.int64)
        n = ts_arr.size

        def coded(value: npt.ArrayLike | str | None, vocabulary: tuple[str, ...]) -> Int16:
            if value is None:
                return np.full(n, NO_PURPOSE, dtype=np.int16)
            if isinstance(value, str):
                return np.full(n, code(vocabulary, value), dtype=np.int16)
            return np.broadcast_to(np.asarray(value, dtype=np.int16), (n,)).copy()

        return cls(
            ts=ts_arr,
            src=np.broadcast_to(np.asarray(src, dtype=np.int64), (n,)).copy(),
            dst=np.broadcast_to(np.asarray(dst, dtype=np.int64), (n,)).copy(),
            amount_cny=np.broadcast_to(np.asarray(amount_cny, dtype=np.int64), (n,)).copy(),
            kind=coded(kind, KINDS),
            channel=coded(channel, CHANNELS),
            payment_format=coded(payment_format, FORMATS),
            counterparty_type=coded(counterparty_type, COUNTERPARTY_TYPES),
            purpose=coded(purpose, PURPOSES),
            pattern=np.broadcast_to(np.asarray(pattern, dtype=np.int32), (n,)).copy(),
        )

    @classmethod
    def concat(cls, batches: list[TransactionBatch]) -> TransactionBatch:
        return cls(
            **{f.name: np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(cls)}
        )

    def take(self, index: npt.NDArray[np.int64]) -> TransactionBatch:
        return type(self)(**{f.name: getattr(self, f.name)[index] for f in fields(self)})


def choose_codes(
    rng: np.random.Generator, n: int, vocabulary: tuple[str, ...], weights: dict[str, float]
) -> Int16:
    """``n`` codes drawn from ``weights`` (value → relative weight)."""
    values = np.array([code(vocabulary, v) for v in weights], dtype=np.int16)
    p = np.array(list(weights.values()), dtype=np.float64)
    return values[rng.choice(values.size, size=n, p=p / p.sum())]
