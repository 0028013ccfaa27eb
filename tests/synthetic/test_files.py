"""The files follow the formats ingest reads, and ordinary traffic looks like a real bank."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import UTC
from statistics import median

import pyarrow.parquet as pq

from integrita.analytics.schema import LEDGER_SCHEMA
from integrita.domain.customer import (
    AccountStatus,
    AccountType,
    CustomerType,
    IdDocumentType,
    OnboardingChannel,
    Segment,
)
from integrita.domain.money import CURRENCIES, currency_code_for, to_minor_units
from integrita.domain.transaction import (
    AMLWORLD_HEADER,
    Channel,
    CounterpartyType,
    PaymentFormat,
    TransactionKind,
)
from tests.synthetic.conftest import WrittenBank, read_csv

CUSTOMER_HEADER = (
    "customer_id,customer_type,name,id_document_type,id_number,birth_or_registration_date,"
    "nationality,residence_country,occupation_or_industry,onboarding_channel,"
    "legal_representative,pep,segment,onboarded_at"
)
ACCOUNT_HEADER = (
    "account_id,bank_id,customer_id,account_type,status,branch,currency,opened_on,closed_on"
)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def first_line(bank: WrittenBank, name: str) -> str:
    with (bank.result.out_dir / name).open() as handle:
        return handle.readline().rstrip("\n")


def test_headers_are_exactly_the_agreed_ones(bank: WrittenBank) -> None:
    assert first_line(bank, "customers.csv") == CUSTOMER_HEADER
    assert first_line(bank, "accounts.csv") == ACCOUNT_HEADER
    assert first_line(bank, "labels.csv") == "txn_id,is_laundering,typology,pattern_id"
    assert first_line(bank, "transactions_amlworld.csv") == ",".join(AMLWORLD_HEADER)
    assert first_line(bank, "transactions.csv") == ",".join(f.name for f in LEDGER_SCHEMA)


def test_customers_use_the_domain_vocabulary_with_realistic_shares(bank: WrittenBank) -> None:
    customers = bank.customers
    assert len(customers) == bank.config.customers
    assert len({c["customer_id"] for c in customers}) == len(customers)
    for c in customers:
        assert c["customer_type"] in {t.value for t in CustomerType}
        assert c["id_document_type"] in {t.value for t in IdDocumentType}
        assert c["onboarding_channel"] in {t.value for t in OnboardingChannel}
        assert c["segment"] in {t.value for t in Segment}
        assert c["pep"] in {"true", "false"}
        assert DATE.match(c["birth_or_registration_date"])
        assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", c["onboarded_at"])
        assert re.match(r"^[A-Z]{2}$", c["nationality"]) and re.match(
            r"^[A-Z]{2}$", c["residence_country"]
        )
        is_org = c["customer_type"] == "organisation"
        assert bool(c["legal_representative"]) == is_org
        if c["id_document_type"] == "resident_id":
            assert re.match(r"^\d{17}[\dX]$", c["id_number"])
    share = Counter(c["customer_type"] for c in customers)["organisation"] / len(customers)
    elderly = Counter(c["segment"] for c in customers)["elderly"] / len(customers)
    nationality = Counter(c["nationality"] for c in customers)
    assert 0.06 <= share <= 0.14
    assert 0.06 <= elderly <= 0.14
    assert nationality.most_common(1)[0][0] == "CN" and len(nationality) > 2


def test_accounts_belong_to_customers_one_to_three_each_corporates_with_settlement_accounts(
    bank: WrittenBank,
) -> None:
    customers = {c["customer_id"]: c for c in bank.customers}
    per_customer = Counter(a["customer_id"] for a in bank.accounts)
    assert set(per_customer) == set(customers)
    assert set(per_customer.values()) <= {1, 2, 3}
    for a in bank.accounts:
        assert a["bank_id"] == bank.config.bank_id
        assert a["account_type"] in {t.value for t in AccountType}
        assert a["status"] in {t.value for t in AccountStatus}
        assert re.match(r"^BR-[A-Z]{2}-\d{3}$", a["branch"])
        assert a["currency"] in CURRENCIES
        assert DATE.match(a["opened_on"])
        assert bool(a["closed_on"]) == (a["status"] == "closed")
    corporate_types = {
        a["account_type"]
        for a in bank.accounts
        if customers[a["customer_id"]]["customer_type"] == "organisation"
    }
    assert "corporate_settlement" in corporate_types
    assert corporate_types <= {"corporate_settlement", "corporate_general", "securities"}
    assert "securities" in {a["account_type"] for a in bank.accounts}


def test_ledger_is_the_canonical_schema_sorted_with_unique_ids(bank: WrittenBank) -> None:
    table = pq.read_table(bank.result.out_dir / "transactions.parquet")
    assert table.schema.equals(LEDGER_SCHEMA)
    rows = bank.transactions
    ids = [r["txn_id"] for r in rows]
    assert len(set(ids)) == len(ids)
    assert all(re.match(r"^T\d{12}$", i) for i in ids)
    times = [r["booked_at"] for r in rows]
    assert times == sorted(times)
    assert times[0].tzinfo is not None and times[0].utcoffset() == UTC.utcoffset(None)
    start = bank.config.start
    assert times[0].date() >= start and (times[-1].date() - start).days < bank.config.days


def test_ledger_values_use_the_domain_enums_and_amounts_agree(bank: WrittenBank) -> None:
    enums = {
        "channel": {c.value for c in Channel},
        "kind": {k.value for k in TransactionKind},
        "payment_format": {f.value for f in PaymentFormat},
        "counterparty_type": {c.value for c in CounterpartyType},
    }
    for r in bank.transactions:
        for column, allowed in enums.items():
            assert r[column] in allowed
        assert r["amount_paid_minor"] > 0 and r["amount_received_minor"] > 0
        if r["paid_currency"] == r["received_currency"]:
            assert r["amount_paid_minor"] == r["amount_received_minor"]
        assert r["cross_border"] == (r["from_country"] != r["to_country"])
    assert {r["kind"] for r in bank.transactions} == enums["kind"]


def test_counterparties_outside_the_bank_are_not_in_accounts_csv(bank: WrittenBank) -> None:
    ours = {a["account_id"] for a in bank.accounts}
    outside = 0
    for r in bank.transactions:
        for side in ("from", "to"):
            account, bank_id = r[f"{side}_account"], r[f"{side}_bank"]
            if bank_id == bank.config.bank_id:
                assert account in ours or account.startswith("CASH-BR-")
            else:
                assert account not in ours
                outside += 1
    assert outside > len(bank.transactions) // 2


def test_amlworld_csv_mirrors_the_ledger_row_for_row(bank: WrittenBank) -> None:
    with (bank.result.out_dir / "transactions_amlworld.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    assert len(rows) == len(bank.transactions)
    laundering = {label["txn_id"] for label in bank.labels}
    aml_formats = {"ACH", "Bitcoin", "Cash", "Cheque", "Credit Card", "Reinvestment", "Wire"}
    for row, t in zip(rows, bank.transactions, strict=True):
        stamp, from_bank, from_account, to_bank, to_account = row[:5]
        received, received_ccy, paid, paid_ccy, fmt, flag = row[5:]
        assert stamp == t["booked_at"].strftime("%Y/%m/%d %H:%M")
        assert (from_bank, from_account, to_bank, to_account) == (
            t["from_bank"], t["from_account"], t["to_bank"], t["to_account"],
        )  # fmt: skip
        assert currency_code_for(paid_ccy) == t["paid_currency"]
        assert currency_code_for(received_ccy) == t["received_currency"]
        assert to_minor_units(paid, t["paid_currency"]) == t["amount_paid_minor"]
        assert to_minor_units(received, t["received_currency"]) == t["amount_received_minor"]
        assert fmt in aml_formats
        assert flag == ("1" if t["txn_id"] in laundering else "0")


def test_canonical_csv_has_iso_times_and_integer_amounts(bank: WrittenBank) -> None:
    rows = read_csv(bank.result.out_dir / "transactions.csv")
    assert len(rows) == len(bank.transactions)
    for row, t in list(zip(rows, bank.transactions, strict=True))[:2000]:
        assert row["booked_at"] == t["booked_at"].strftime("%Y-%m-%dT%H:%M:%SZ")
        assert int(row["amount_paid_minor"]) == t["amount_paid_minor"]
        assert row["cross_border"] == ("true" if t["cross_border"] else "false")


def test_salaries_arrive_once_a_month_in_office_hours(bank: WrittenBank) -> None:
    salaries = [r for r in bank.transactions if r["kind"] == "salary" and r["purpose"] == "salary"]
    assert salaries
    per_month = Counter(
        (r["to_account"], r["booked_at"].year, r["booked_at"].month) for r in salaries
    )
    assert set(per_month.values()) == {1}
    months = {(r["booked_at"].year, r["booked_at"].month) for r in salaries}
    per_account = Counter(r["to_account"] for r in salaries)
    assert max(per_account.values()) == len(months)
    assert {r["booked_at"].hour for r in salaries} <= {0, 1, 2, 3}  # 08:00–11:59 in China


def test_card_spending_rises_on_weekends_and_amounts_are_heavy_tailed(bank: WrittenBank) -> None:
    cards = [r for r in bank.transactions if r["kind"] == "card_payment"]
    by_weekday = Counter((r["booked_at"].weekday()) for r in cards)
    weekday_mean = sum(by_weekday[d] for d in range(5)) / 5
    weekend_mean = (by_weekday[5] + by_weekday[6]) / 2
    assert weekend_mean > weekday_mean
    amounts = [r["amount_paid_minor"] for r in bank.transactions if r["paid_currency"] == "CNY"]
    assert max(amounts) > 100 * median(amounts)


def test_ordinary_traffic_includes_cash_cross_border_rent_and_bills(bank: WrittenBank) -> None:
    labelled = {label["txn_id"] for label in bank.labels}
    normal = [r for r in bank.transactions if r["txn_id"] not in labelled]
    kinds = Counter(r["kind"] for r in normal)
    assert kinds["cash_deposit"] and kinds["cash_withdrawal"] and kinds["bill_payment"]
    assert any(r["purpose"] == "rent" for r in normal)
    converted = [
        r for r in normal if r["cross_border"] and r["paid_currency"] != r["received_currency"]
    ]
    assert len(converted) > 50
    share = sum(r["cross_border"] for r in normal) / len(normal)
    assert 0.002 < share < 0.05
