"""The bank's customers and accounts, and every party a transaction can name.

Parties are numbered in one table: first our own accounts, then each branch's
cash account (``CASH-BR-SH-001``: the teller's side of a cash deposit or
withdrawal), then the pools of accounts at other banks — people, merchants,
employers, billers, the pension fund, asset managers, foreign people and firms,
and accounts in high-risk jurisdictions. Only our own accounts go to
``accounts.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from integrita.domain.customer import (
    AccountStatus,
    AccountType,
    CustomerType,
    IdDocumentType,
    OnboardingChannel,
    Segment,
)
from integrita.synthetic import world
from integrita.synthetic.config import HIGH_RISK_COUNTRIES, BankConfig
from integrita.synthetic.text import digit_ids, format_dates, format_timestamps

Int64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

ACCOUNT_TYPES: tuple[str, ...] = tuple(t.value for t in AccountType)
SEGMENTS: tuple[str, ...] = tuple(s.value for s in Segment)
EPOCH = date(1970, 1, 1)

# Party pools after our own accounts and the branch cash accounts, in table order.
POOLS = (
    "domestic_people",
    "merchants",
    "employers",
    "billers",
    "pension_fund",
    "asset_managers",
    "foreign_people",
    "foreign_firms",
    "high_risk",
)

#: Median ticket (CNY) of each merchant category; category weights follow.
MERCHANT_MEDIANS = np.array([60, 90, 25, 180, 350, 2_200, 1_800, 9_000], dtype=np.float64)
MERCHANT_CATEGORY_WEIGHTS = np.array([0.30, 0.25, 0.10, 0.18, 0.08, 0.04, 0.04, 0.01])


@dataclass(slots=True)
class Parties:
    """Every account a transaction can name: id, bank, country, currency, corporate or not."""

    ids: pa.StringArray
    bank: npt.NDArray[np.int16]
    banks: tuple[str, ...]
    country: npt.NDArray[np.int16]
    currency: npt.NDArray[np.int16]
    corporate: Bool
    pools: dict[str, tuple[int, int]] = field(default_factory=dict)

    def pool(self, name: str) -> Int64:
        start, stop = self.pools[name]
        return np.arange(start, stop, dtype=np.int64)


@dataclass(slots=True)
class Population:
    """Customers and accounts of the bank, with the arrays the traffic generators need."""

    customers: pa.Table
    accounts: pa.Table
    parties: Parties
    # per customer
    is_org: Bool
    segment: npt.NDArray[np.int16]
    foreign: Bool
    primary: Int64  # party index of the customer's main account
    savings: Int64  # -1 when none
    card: Int64
    securities: Int64
    home_branch: Int64
    usable: Bool  # False for customers kept silent (reserved for dormant-account patterns)
    dormant_reserved: Int64  # customer indices kept silent for the dormant-awakening typology
    # per account (party index == account index)
    account_customer: Int64
    account_type: npt.NDArray[np.int16]
    account_active: Bool
    cash_party: Int64  # per branch
    merchant_category: Int64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n_accounts(self) -> int:
        return int(self.account_customer.size)


def _weighted(
    rng: np.random.Generator, n: int, options: tuple[str, ...], weights: list[float]
) -> Int64:
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(options), size=n, p=p / p.sum()).astype(np.int64)


def _take(vocabulary: tuple[str, ...], index: Int64) -> pa.Array:
    return pa.array(vocabulary, type=pa.string()).take(pa.array(index))


def _join(*parts: pa.Array | str, sep: str = " ") -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep)


def _resident_id_numbers(rng: np.random.Generator, birth_days: Int64) -> pa.StringArray:
    """18-character PRC resident ids: region, birth date, sequence and the ISO 7064 check digit."""
    n = birth_days.size
    region = np.array([[int(c) for c in code] for code in world.REGION_CODES], dtype=np.int64)
    digits = np.empty((n, 17), dtype=np.int64)
    digits[:, :6] = region[rng.integers(0, len(world.REGION_CODES), n)]
    stamp = birth_days.astype("datetime64[D]")
    ymd = (
        (stamp.astype("datetime64[Y]").astype(np.int64) + 1970) * 10_000
        + (stamp.astype("datetime64[M]").astype(np.int64) % 12 + 1) * 100
        + (stamp - stamp.astype("datetime64[M]")).astype(np.int64)
        + 1
    )
    for i in range(8):
        digits[:, 6 + i] = ymd // 10 ** (7 - i) % 10
    digits[:, 14:17] = rng.integers(0, 10, (n, 3))
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    check = (12 - (digits * weights).sum(axis=1) % 11) % 11
    matrix = np.empty((n, 18), dtype=np.uint8)
    matrix[:, :17] = digits + 48
    matrix[:, 17] = np.where(check == 10, ord("X"), check + 48)
    from integrita.synthetic.text import fixed_width_strings

    return fixed_width_strings(matrix)


def _customers(
    rng: np.random.Generator, config: BankConfig
) -> tuple[pa.Table, dict[str, npt.NDArray[Any]]]:
    n = config.customers
    start_day = (config.start - EPOCH).days
    is_org = rng.random(n) < 0.10
    indiv = ~is_org

    nat_options = ("CN", "HK", "TW", "US", "SG", "GB", "JP", "KR", "MO", "AU")
    nat = _weighted(rng, n, nat_options, [92, 2.5, 1, 1.2, 1, 0.5, 0.6, 0.6, 0.4, 0.3])
    nat = np.where(is_org, np.where(rng.random(n) < 0.95, 0, 1), nat)
    nationality = np.array(nat_options)[nat]
    foreign = nationality != "CN"
    residence = np.where(foreign & indiv & (rng.random(n) < 0.6), "CN", nationality)

    seg_ind = _weighted(
        rng, n, ("retail", "elderly", "student", "private_banking"), [80.5, 11, 6, 2.5]
    )
    seg_names = np.array(("retail", "elderly", "student", "private_banking"))[seg_ind]
    seg_names = np.where(is_org, np.where(rng.random(n) < 0.8, "sme", "corporate"), seg_names)
    segment = np.array([SEGMENTS.index(s) for s in seg_names], dtype=np.int16)

    age = np.where(
        seg_names == "elderly",
        rng.integers(65, 93, n),
        np.where(seg_names == "student", rng.integers(18, 25, n), rng.integers(22, 65, n)),
    )
    birth = start_day - age * 365 - rng.integers(0, 365, n)
    registered = rng.integers((date(1995, 1, 1) - EPOCH).days, start_day - 365, n)
    born_or_registered = np.where(is_org, registered, birth)
    # Onboarded from 2010 on, once adult (or registered), and at least a month before the period.
    onboard_floor = np.maximum(born_or_registered + np.where(is_org, 30, 18 * 365), 14_610)
    onboard_floor = np.minimum(onboard_floor, start_day - 60)
    onboard_day = onboard_floor + (rng.random(n) * (start_day - 30 - onboard_floor)).astype(
        np.int64
    )
    onboard_seconds = (
        onboard_day * 86_400 + rng.integers(1, 10, n) * 3_600 + rng.integers(0, 3600, n)
    )

    given = _join(_take(world.GIVEN_NAMES, rng.integers(0, len(world.GIVEN_NAMES), n)), sep="")
    chinese = _join(_take(world.SURNAMES, rng.integers(0, len(world.SURNAMES), n)), given)
    western = _join(
        _take(world.WESTERN_FIRST, rng.integers(0, len(world.WESTERN_FIRST), n)),
        _take(world.WESTERN_LAST, rng.integers(0, len(world.WESTERN_LAST), n)),
    )
    industry = rng.integers(0, len(world.INDUSTRIES), n)
    industry_words = tuple(world.INDUSTRY_WORDS[i] for i in world.INDUSTRIES)
    company = _join(
        _take(world.CITIES, rng.integers(0, len(world.CITIES), n)),
        _take(world.COMPANY_WORDS, rng.integers(0, len(world.COMPANY_WORDS), n)),
        _take(industry_words, industry),
        "Co Ltd",
    )
    person_name = pc.if_else(pa.array(foreign & (nationality != "HK")), western, chinese)
    name = pc.if_else(pa.array(is_org), company, person_name)
    representative = pc.if_else(pa.array(is_org), chinese.take(pa.array(rng.permutation(n))), "")

    doc = np.where(
        is_org,
        np.where(rng.random(n) < 0.9, "unified_social_credit_code", "business_license"),
        np.where(
            nationality == "CN",
            "resident_id",
            np.where(
                np.isin(nationality, ("HK", "MO")),
                "hk_macao_permit",
                np.where(
                    nationality == "TW",
                    "taiwan_permit",
                    np.where(residence == "CN", "foreign_resident_permit", "passport"),
                ),
            ),
        ),
    )
    assert set(np.unique(doc)) <= {d.value for d in IdDocumentType}
    serial = rng.integers(0, 10**8, n)
    id_number = _resident_id_numbers(rng, birth)
    id_number = pc.if_else(pa.array(doc == "hk_macao_permit"), digit_ids("H", serial, 8), id_number)
    id_number = pc.if_else(pa.array(doc == "taiwan_permit"), digit_ids("", serial, 8), id_number)
    id_number = pc.if_else(pa.array(doc == "passport"), digit_ids("E", serial, 8), id_number)
    id_number = pc.if_else(
        pa.array(doc == "foreign_resident_permit"), digit_ids("9", serial, 14), id_number
    )
    uscc = digit_ids("91310000", rng.integers(0, 10**10, n), 10)
    id_number = pc.if_else(pa.array(doc == "unified_social_credit_code"), uscc, id_number)
    id_number = pc.if_else(
        pa.array(doc == "business_license"), digit_ids("3101", serial, 11), id_number
    )

    occupation = _take(world.OCCUPATIONS, rng.integers(0, len(world.OCCUPATIONS), n))
    occupation = pc.if_else(pa.array(seg_names == "elderly"), "retired", occupation)
    occupation = pc.if_else(pa.array(seg_names == "student"), "student", occupation)
    occupation = pc.if_else(pa.array(is_org), _take(world.INDUSTRIES, industry), occupation)

    channel_options = tuple(c.value for c in OnboardingChannel)
    channel = np.where(
        is_org,
        _weighted(rng, n, channel_options, [60, 5, 0, 5, 30]),
        _weighted(rng, n, channel_options, [55, 13, 27, 5, 0]),
    )
    pep = indiv & (rng.random(n) < np.where(seg_names == "private_banking", 0.05, 0.004))

    table = pa.table(
        {
            "customer_id": digit_ids("C", np.arange(1, n + 1), 8),
            "customer_type": pa.array(
                np.where(is_org, CustomerType.ORGANISATION.value, CustomerType.INDIVIDUAL.value)
            ),
            "name": name,
            "id_document_type": pa.array(doc),
            "id_number": id_number,
            "birth_or_registration_date": format_dates(born_or_registered),
            "nationality": pa.array(nationality),
            "residence_country": pa.array(residence),
            "occupation_or_industry": occupation,
            "onboarding_channel": _take(channel_options, channel),
            "legal_representative": representative,
            "pep": pa.array(pep),
            "segment": pa.array(seg_names),
            "onboarded_at": format_timestamps(onboard_seconds, "iso"),
        }
    )
    facts = {
        "is_org": is_org,
        "foreign": foreign,
        "segment": segment,
        "onboard_day": onboard_day,
    }
    return table, facts


def _external_pool(
    prefix: str, first: int, size: int, country: str
) -> tuple[pa.StringArray, npt.NDArray[np.int16], npt.NDArray[np.int16]]:
    """Ids, country codes and currency codes of ``size`` accounts at other banks."""
    currency = world.CURRENCY_CODES.index(world.COUNTRY_CURRENCY[country])
    return (
        digit_ids(prefix, np.arange(first, first + size), 12),
        np.full(size, world.COUNTRIES.index(country), dtype=np.int16),
        np.full(size, currency, dtype=np.int16),
    )


def build_population(
    rng: np.random.Generator, config: BankConfig, dormant_customers: int
) -> Population:
    """Customers, their 1–3 accounts each, and the table of every party."""
    customers, facts = _customers(rng, config)
    n = config.customers
    is_org = facts["is_org"]
    segment = facts["segment"]

    def seg(name: str) -> Bool:
        return np.asarray(segment == SEGMENTS.index(name), dtype=bool)

    start_day = (config.start - EPOCH).days

    # Accounts: the primary one, then up to two optional ones, in a fixed type order.
    savings = ~is_org & (rng.random(n) < 0.30) | is_org & (rng.random(n) < 0.35)
    card = ~is_org & (rng.random(n) < np.where(seg("student") | seg("elderly"), 0.07, 0.28))
    securities = rng.random(n) < np.where(seg("private_banking"), 0.6, np.where(is_org, 0.05, 0.1))
    card &= ~(savings & securities)
    has = np.stack([np.ones(n, bool), savings, card, securities], axis=1)
    types = np.stack(
        [
            np.where(is_org, "corporate_settlement", "personal"),
            np.where(is_org, "corporate_general", "personal_savings"),
            np.full(n, "credit_card"),
            np.full(n, "securities"),
        ],
        axis=1,
    )
    flat = has.ravel()
    account_customer = np.repeat(np.arange(n, dtype=np.int64), 4)[flat]
    slot = np.tile(np.arange(4), n)[flat]
    account_type_names = types.ravel()[flat]
    account_type = np.array([ACCOUNT_TYPES.index(t) for t in account_type_names], dtype=np.int16)
    n_acc = account_customer.size
    slot_party = np.full((n, 4), -1, dtype=np.int64)
    slot_party[account_customer, slot] = np.arange(n_acc)

    branch_weights = np.array([5] * 6 + [4] * 4 + [4] * 3 + [3] * 3 + [3] * 2 + [2, 2], dtype=float)
    home_branch = rng.choice(
        len(world.BRANCHES), size=n, p=branch_weights / branch_weights.sum()
    ).astype(np.int64)
    account_branch = np.where(
        rng.random(n_acc) < 0.9,
        home_branch[account_customer],
        rng.integers(0, len(world.BRANCHES), n_acc),
    )
    onboard = facts["onboard_day"][account_customer]
    opened = np.where(
        slot == 0,
        onboard,
        onboard + (rng.random(n_acc) * (start_day - 1 - onboard)).astype(np.int64),
    )

    # Silent customers reserved for dormant-account awakening: individuals onboarded long ago.
    candidates = np.flatnonzero(~is_org & (facts["onboard_day"] < start_day - 400))
    reserved = np.sort(
        rng.choice(candidates, size=min(dormant_customers, candidates.size), replace=False)
    )
    usable = np.ones(n, dtype=bool)
    usable[reserved] = False

    status = np.full(n_acc, AccountStatus.ACTIVE.value, dtype=object)
    roll = rng.random(n_acc)
    secondary = slot > 0
    closed = secondary & (roll < 0.01) & usable[account_customer]
    dormant = secondary & (roll >= 0.01) & (roll < 0.04) & usable[account_customer]
    status[closed] = AccountStatus.CLOSED.value
    status[dormant] = AccountStatus.DORMANT.value
    closed_day = opened + (rng.random(n_acc) * np.maximum(start_day - 1 - opened, 0)).astype(
        np.int64
    )
    account_active = ~closed & ~dormant & usable[account_customer]

    currency = np.full(n_acc, world.CURRENCY_CODES.index("CNY"), dtype=np.int16)
    usd = facts["foreign"][account_customer] & (slot == 1) & (rng.random(n_acc) < 0.4)
    currency[usd] = world.CURRENCY_CODES.index("USD")

    prefixes = {"personal": "6217", "personal_savings": "6217", "credit_card": "6259"}
    prefixes |= {"securities": "8801", "corporate_settlement": "3101", "corporate_general": "3102"}
    ids = digit_ids("", np.arange(n_acc), 12)
    account_ids = _join(
        _take(
            tuple(prefixes.values()),
            np.array([list(prefixes).index(t) for t in account_type_names], dtype=np.int64),
        ),
        ids,
        sep="",
    )
    accounts = pa.table(
        {
            "account_id": account_ids,
            "bank_id": pa.array(np.full(n_acc, config.bank_id)),
            "customer_id": customers["customer_id"].take(pa.array(account_customer)),
            "account_type": pa.array(account_type_names),
            "status": pa.array(status.astype(str)),
            "branch": _take(world.BRANCHES, account_branch),
            "currency": _take(world.CURRENCY_CODES, currency.astype(np.int64)),
            "opened_on": format_dates(opened),
            "closed_on": pc.if_else(pa.array(closed), format_dates(closed_day), ""),
        }
    )

    # The party table.
    banks = (config.bank_id, *world.DOMESTIC_BANKS)
    foreign_banks: list[str] = []
    id_parts: list[pa.Array] = [
        account_ids,
        _join("CASH", _take(world.BRANCHES, np.arange(len(world.BRANCHES))), sep="-"),
    ]
    bank_parts = [np.zeros(n_acc + len(world.BRANCHES), dtype=np.int16)]
    country_parts = [np.zeros(n_acc + len(world.BRANCHES), dtype=np.int16)]
    currency_parts = [currency, np.zeros(len(world.BRANCHES), dtype=np.int16)]
    corporate_parts = [is_org[account_customer], np.zeros(len(world.BRANCHES), dtype=bool)]
    pools: dict[str, tuple[int, int]] = {}
    cursor = n_acc + len(world.BRANCHES)

    def add(name: str, pieces: list[tuple[str, int, str, bool]]) -> None:
        nonlocal cursor
        first = cursor
        for prefix, size, country, corporate in pieces:
            if country == "CN":
                bank_codes = 1 + rng.integers(0, len(world.DOMESTIC_BANKS), size)
            else:
                own = [f"{country}B{i:03d}" for i in range(1, 4)]
                for b in own:
                    if b not in foreign_banks:
                        foreign_banks.append(b)
                bank_codes = (
                    len(banks)
                    + np.array([foreign_banks.index(b) for b in own])[rng.integers(0, 3, size)]
                )
            ids, countries, currencies = _external_pool(prefix, cursor, size, country)
            id_parts.append(ids)
            bank_parts.append(bank_codes.astype(np.int16))
            country_parts.append(countries)
            currency_parts.append(currencies)
            corporate_parts.append(np.full(size, corporate))
            cursor += size
        pools[name] = (first, cursor)

    add("domestic_people", [("6228", max(300, 2 * n), "CN", False)])
    add("merchants", [("4100", max(150, n // 4), "CN", True)])
    add("employers", [("4200", max(30, n // 25), "CN", True)])
    add("billers", [("4300", 8, "CN", True)])
    add("pension_fund", [("4400", 1, "CN", True)])
    add("asset_managers", [("4500", 6, "CN", True)])
    per_country = max(20, n // 150)
    add("foreign_people", [(c, per_country, c, False) for c in world.FOREIGN_WEIGHTS])
    add("foreign_firms", [(c, per_country, c, True) for c in world.FOREIGN_WEIGHTS])
    add("high_risk", [(c, max(10, n // 400), c, c != "AF") for c in HIGH_RISK_COUNTRIES])

    parties = Parties(
        ids=pa.concat_arrays([a.cast(pa.string()) for a in id_parts]),
        bank=np.concatenate(bank_parts),
        banks=(*banks, *foreign_banks),
        country=np.concatenate(country_parts),
        currency=np.concatenate(currency_parts),
        corporate=np.concatenate(corporate_parts),
        pools=pools,
    )
    merchants = parties.pool("merchants")
    category = rng.choice(
        MERCHANT_MEDIANS.size,
        size=merchants.size,
        p=MERCHANT_CATEGORY_WEIGHTS / MERCHANT_CATEGORY_WEIGHTS.sum(),
    ).astype(np.int64)
    return Population(
        customers=customers,
        accounts=accounts,
        parties=parties,
        is_org=is_org,
        segment=segment,
        foreign=facts["foreign"],
        primary=slot_party[:, 0],
        savings=slot_party[:, 1],
        card=slot_party[:, 2],
        securities=slot_party[:, 3],
        home_branch=home_branch,
        usable=usable,
        dormant_reserved=reserved.astype(np.int64),
        account_customer=account_customer,
        account_type=account_type,
        account_active=account_active,
        cash_party=n_acc + np.arange(len(world.BRANCHES), dtype=np.int64),
        merchant_category=category,
    )


def start_epoch(config: BankConfig) -> int:
    """The first second of the ledger (midnight UTC of the start date) as epoch seconds."""
    return (config.start - EPOCH).days * 86_400
