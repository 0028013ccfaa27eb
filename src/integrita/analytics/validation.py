"""One validation query per layout: typed ledger columns plus the reason a row is refused.

Each query runs over a batch of text columns (``batch``) and returns every row
once, with ``reason`` NULL for rows that may be stored. The first failing check
names the reason, so a row with several faults is quarantined for the first one
in this order: date, account, amount (non-numeric, negative, too large), currency,
then layout-specific vocabularies.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from integrita.domain.money import CURRENCIES, CURRENCY_BY_NAME
from integrita.domain.transaction import Channel, CounterpartyType, TransactionKind


def _currency_lookup(codes_only: bool) -> dict[str, tuple[str, int]]:
    if codes_only:
        return {c.code.casefold(): (c.code, c.exponent) for c in CURRENCIES.values()}
    return {name: (code, CURRENCIES[code].exponent) for name, code in CURRENCY_BY_NAME.items()}


def resolve_currency(
    table: pa.Table, column: str, prefix: str, *, codes_only: bool = False
) -> pa.Table:
    """Add ``{prefix}_code``, ``{prefix}_exponent`` and ``{prefix}_scale`` for a currency text column.

    The column is dictionary-encoded first, so only its few distinct values are looked
    up; unknown currencies get nulls, which validation reports by name.
    """
    lookup = _currency_lookup(codes_only)
    encoded = pc.dictionary_encode(table[column]).combine_chunks()
    found = [
        lookup.get(str(v).strip().casefold()) if v is not None else None
        for v in encoded.dictionary.to_pylist()
    ]
    codes = pa.array([f[0] if f else None for f in found], pa.string())
    exps = pa.array([f[1] if f else None for f in found], pa.int32())
    scales = pa.array([10 ** f[1] if f else None for f in found], pa.int64())
    idx = encoded.indices
    return (
        table.append_column(f"{prefix}_code", codes.take(idx))
        .append_column(f"{prefix}_exponent", exps.take(idx))
        .append_column(f"{prefix}_scale", scales.take(idx))
    )


def _sql_list(values: list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


_DECIMAL = "'[0-9]+([.][0-9]*)?'"
_NEGATIVE = "'-[0-9]+([.][0-9]*)?'"
#: 10**18: minor units must stay below it (18 digits) to fit a signed 64-bit integer with room to round.
_MINOR_LIMIT = "1000000000000000000"


def _trimmed(text: str) -> str:
    """``trim(text)``, but only where there is a space to trim: ``trim`` copies every string it sees."""
    return f"CASE WHEN starts_with({text}, ' ') OR ends_with({text}, ' ') THEN trim({text}) ELSE {text} END"


def _amount_checks(text: str, name: str, label: str) -> str:
    """Reasons for a refused amount; the pattern check for a minus sign runs only for rows already found bad."""
    return f"""
        WHEN NOT {name}_ok AND regexp_full_match({name}_t, {_NEGATIVE}) THEN 'negative {label} ' || {text}
        WHEN NOT {name}_ok THEN 'non-numeric {label} ' || coalesce({text}, '')"""


def _amount_parts(name: str, exponent: str) -> str:
    """From trimmed decimal text ``{name}_t``: ``{name}_ok``, its ``{name}_digits`` without the point,
    and ``{name}_excess``, how many more fraction digits it has than the currency's minor unit."""
    t = f"{name}_t"
    return (
        f"regexp_full_match(coalesce({t}, ''), {_DECIMAL}) AS {name}_ok, "
        f"CASE WHEN strpos({t}, '.') = 0 THEN {t} ELSE replace({t}, '.', '') END AS {name}_digits, "
        f"CASE WHEN strpos({t}, '.') = 0 THEN 0 ELSE length({t}) - strpos({t}, '.') END - {exponent} "
        f"AS {name}_excess"
    )


def _amount_scaled(name: str) -> str:
    """``{name}_base``: the digits as truncated minor units (zeros appended or excess digits cut);
    ``{name}_tail``: the cut digits without trailing zeros, which decide the rounding."""
    digits, excess = f"{name}_digits", f"{name}_excess"
    kept = (
        f"CASE WHEN {excess} = 0 THEN {digits} "
        f"WHEN {excess} < 0 THEN rpad({digits}, CAST(length({digits}) - {excess} AS INTEGER), '0') "
        f"ELSE left({digits}, length({digits}) - {excess}) END"
    )
    return (
        f"CASE WHEN {name}_ok THEN TRY_CAST({kept} AS BIGINT) END AS {name}_base, "
        f"CASE WHEN {excess} > 0 THEN rtrim(right({digits}, {excess}), '0') ELSE '' END AS {name}_tail"
    )


def _minor(name: str) -> str:
    """Decimal text in major units to integer minor units, rounding half to even.

    Exact integer and string arithmetic on the digits: DuckDB's 38-digit decimal parsing is two
    orders of magnitude slower, and a float would lose cents. The cut digits are above one half
    when, without trailing zeros, they sort after ``'5'``, and exactly one half when they are
    ``'5'``. NULL when the text is not a plain non-negative decimal or the amount does not fit
    in 18 digits of minor units.
    """
    base, tail = f"{name}_base", f"{name}_tail"
    up = f"({tail} > '5' OR ({tail} = '5' AND {base} % 2 = 1))"
    return f"CASE WHEN {base} < {_MINOR_LIMIT} THEN {base} + CASE WHEN {up} THEN 1 ELSE 0 END END"


#: Text columns of an AMLworld batch that are used trimmed (the raw text still feeds the id).
_AMLWORLD_TRIMMED = (
    "timestamp",
    "from_bank",
    "from_account",
    "to_bank",
    "to_account",
    "payment_format",
    "is_laundering",
)

_AMLWORLD_TRIMS = ", ".join(f"{_trimmed('b.' + c)} AS {c}_t" for c in _AMLWORLD_TRIMMED)

# ``ts`` is naive UTC; adding its microseconds to the epoch makes the TIMESTAMPTZ without the
# (slow) time-zone conversion of ``timezone('UTC', ts)``, with the same result.
_AMLWORLD_CHECKS = f"""
WITH t AS (
    SELECT b.*,
        {_AMLWORLD_TRIMS},
        {_trimmed("b.amount_paid")} AS paid_t, {_trimmed("b.amount_received")} AS recv_t
    FROM batch b
), p AS (
    SELECT t.*,
        try_strptime(timestamp_t, '%Y/%m/%d %H:%M') AS ts,
        {_amount_parts("paid", "paid_exponent")},
        {_amount_parts("recv", "recv_exponent")}
    FROM t
), s AS (
    SELECT p.*, {_amount_scaled("paid")}, {_amount_scaled("recv")}
    FROM p
), j AS (
    SELECT s.*, {_minor("paid")} AS paid_minor, {_minor("recv")} AS recv_minor FROM s
)
SELECT
    line,
    'AW' || substr(md5(concat_ws('|', timestamp, from_bank, from_account, to_bank, to_account, amount_received,
              receiving_currency, amount_paid, payment_currency, payment_format, '1')), 1, 24) AS txn_id,
    TIMESTAMPTZ '1970-01-01 00:00:00+00' + to_microseconds(epoch_us(ts)) AS booked_at,
    CASE payment_format_t WHEN 'Credit Card' THEN 'pos' WHEN 'Cash' THEN 'counter'
        WHEN 'Cheque' THEN 'counter' WHEN 'Bitcoin' THEN 'other' ELSE 'online' END AS channel,
    CASE payment_format_t WHEN 'Credit Card' THEN 'card_payment' WHEN 'Cash' THEN 'cash_deposit'
        ELSE 'transfer' END AS kind,
    from_bank_t AS from_bank, from_account_t AS from_account,
    to_bank_t AS to_bank, to_account_t AS to_account,
    paid_minor AS amount_paid_minor, paid_code AS paid_currency,
    recv_minor AS amount_received_minor, recv_code AS received_currency,
    payment_format_t AS payment_format,
    CASE WHEN from_account_t = to_account_t AND from_bank_t = to_bank_t
        THEN 'own_account' ELSE 'unknown' END AS counterparty_type,
    false AS cross_border,
    CAST(NULL AS VARCHAR) AS from_country, CAST(NULL AS VARCHAR) AS to_country, CAST(NULL AS VARCHAR) AS purpose,
    is_laundering_t = '1' AS is_laundering,
    CASE
        WHEN ts IS NULL THEN 'unparseable date ' || coalesce(timestamp, '')
        WHEN from_account_t = '' OR to_account_t = '' OR from_bank_t = '' OR to_bank_t = ''
            THEN 'missing account'
        {_amount_checks("amount_paid", "paid", "amount paid")}
        {_amount_checks("amount_received", "recv", "amount received")}
        WHEN paid_code IS NULL THEN 'unknown currency ' || coalesce(payment_currency, '')
        WHEN recv_code IS NULL THEN 'unknown currency ' || coalesce(receiving_currency, '')
        WHEN paid_minor IS NULL OR recv_minor IS NULL THEN 'amount too large'
        WHEN is_laundering_t NOT IN ('0', '1') THEN 'Is Laundering must be 0 or 1, not ' || is_laundering
    END AS reason,
    timestamp, from_bank AS from_bank_text, from_account AS from_account_text, to_bank AS to_bank_text,
    to_account AS to_account_text, amount_received, receiving_currency, amount_paid, payment_currency,
    payment_format AS payment_format_text, is_laundering AS is_laundering_text
FROM j
"""

_KINDS = _sql_list([k.value for k in TransactionKind])
_CHANNELS = _sql_list([c.value for c in Channel])
_COUNTERPARTY_TYPES = _sql_list([c.value for c in CounterpartyType])
_INTEGER = "'^[0-9]+$'"

AMLWORLD_SQL = f"""
SELECT * EXCLUDE (timestamp, from_bank_text, from_account_text, to_bank_text, to_account_text, amount_received,
                  receiving_currency, amount_paid, payment_currency, payment_format_text, is_laundering_text),
    CASE WHEN reason IS NOT NULL THEN concat_ws(',', timestamp, from_bank_text, from_account_text, to_bank_text,
        to_account_text, amount_received, receiving_currency, amount_paid, payment_currency, payment_format_text,
        is_laundering_text) END AS raw
FROM ({_AMLWORLD_CHECKS})
"""

_CANONICAL_CHECKS = f"""
WITH p AS (
    SELECT b.*,
        CASE WHEN regexp_full_match(trim(b.booked_at), '\\d{{4}}-\\d{{2}}-\\d{{2}}[ T].*')
             THEN try_cast(trim(b.booked_at) AS TIMESTAMPTZ) END AS ts,
        lower(trim(b.cross_border)) AS cross_text
    FROM batch b
), j AS (
    SELECT * FROM p
)
SELECT
    line,
    ts AS booked_at,
    lower(trim(channel)) AS channel, lower(trim(kind)) AS kind,
    trim(from_bank) AS from_bank, trim(from_account) AS from_account,
    trim(to_bank) AS to_bank, trim(to_account) AS to_account,
    CASE WHEN regexp_full_match(trim(amount_paid_minor), {_INTEGER})
         THEN try_cast(trim(amount_paid_minor) AS BIGINT) END AS amount_paid_minor,
    paid_code AS paid_currency,
    CASE WHEN regexp_full_match(trim(amount_received_minor), {_INTEGER})
         THEN try_cast(trim(amount_received_minor) AS BIGINT) END AS amount_received_minor,
    recv_code AS received_currency,
    trim(payment_format) AS payment_format,
    lower(trim(counterparty_type)) AS counterparty_type,
    cross_text IN ('true', '1', 't', 'yes') AS cross_border,
    nullif(upper(trim(from_country)), '') AS from_country, nullif(upper(trim(to_country)), '') AS to_country,
    nullif(purpose, '') AS purpose,
    false AS is_laundering,
    CASE
        WHEN coalesce(trim(txn_id), '') = '' THEN 'missing txn_id'
        WHEN ts IS NULL THEN 'unparseable date ' || coalesce(booked_at, '')
        WHEN coalesce(trim(from_account), '') = '' OR coalesce(trim(to_account), '') = ''
            OR coalesce(trim(from_bank), '') = '' OR coalesce(trim(to_bank), '') = '' THEN 'missing account'
        WHEN regexp_full_match(trim(amount_paid_minor), '-[0-9]+') THEN 'negative amount paid ' || amount_paid_minor
        WHEN regexp_full_match(trim(amount_received_minor), '-[0-9]+')
            THEN 'negative amount received ' || amount_received_minor
        WHEN NOT regexp_full_match(coalesce(trim(amount_paid_minor), ''), {_INTEGER})
            THEN 'non-numeric amount paid ' || coalesce(amount_paid_minor, '')
        WHEN NOT regexp_full_match(coalesce(trim(amount_received_minor), ''), {_INTEGER})
            THEN 'non-numeric amount received ' || coalesce(amount_received_minor, '')
        WHEN try_cast(trim(amount_paid_minor) AS BIGINT) IS NULL
            OR try_cast(trim(amount_received_minor) AS BIGINT) IS NULL THEN 'amount too large'
        WHEN paid_code IS NULL THEN 'unknown currency ' || coalesce(paid_currency, '')
        WHEN recv_code IS NULL THEN 'unknown currency ' || coalesce(received_currency, '')
        WHEN lower(trim(kind)) NOT IN ({_KINDS}) THEN 'unknown kind ' || coalesce(kind, '')
        WHEN lower(trim(channel)) NOT IN ({_CHANNELS}) THEN 'unknown channel ' || coalesce(channel, '')
        WHEN lower(trim(counterparty_type)) NOT IN ({_COUNTERPARTY_TYPES})
            THEN 'unknown counterparty type ' || coalesce(counterparty_type, '')
        WHEN coalesce(cross_text, '') NOT IN ('true', 'false', '1', '0', 't', 'f', 'yes', 'no')
            THEN 'cross_border must be true or false, not ' || coalesce(cross_border, '')
    END AS reason,
    txn_id AS txn_text, booked_at AS booked_text, channel AS channel_text, kind AS kind_text,
    from_bank AS from_bank_text, from_account AS from_account_text, to_bank AS to_bank_text,
    to_account AS to_account_text, amount_paid_minor AS paid_text, paid_currency AS paid_currency_text,
    amount_received_minor AS received_text, received_currency AS received_currency_text,
    payment_format AS payment_format_text, counterparty_type AS counterparty_text,
    cross_border AS cross_text_raw, from_country AS from_country_text, to_country AS to_country_text,
    purpose AS purpose_text,
    trim(txn_id) AS txn_id
FROM j
"""

#: The raw text of a row is put together only for the refused rows that show it.
CANONICAL_SQL = f"""
SELECT * EXCLUDE (txn_text, booked_text, channel_text, kind_text, from_bank_text, from_account_text,
                  to_bank_text, to_account_text, paid_text, paid_currency_text, received_text,
                  received_currency_text, payment_format_text, counterparty_text, cross_text_raw,
                  from_country_text, to_country_text, purpose_text),
    CASE WHEN reason IS NOT NULL THEN concat_ws(',', txn_text, booked_text, channel_text, kind_text,
        from_bank_text, from_account_text, to_bank_text, to_account_text, paid_text, paid_currency_text,
        received_text, received_currency_text, payment_format_text, counterparty_text, cross_text_raw,
        from_country_text, to_country_text, purpose_text) END AS raw
FROM ({_CANONICAL_CHECKS})
"""
