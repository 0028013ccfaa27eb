from __future__ import annotations

from pathlib import Path

from integrita.services.core.context import Context
from integrita.services.ingest import ingest
from integrita.store.repositories import customers as customers_repo
from integrita.store.repositories import ingest as ingest_repo

CUSTOMERS = """customer_id,customer_type,name,id_document_type,id_number,birth_or_registration_date,nationality,residence_country,occupation_or_industry,onboarding_channel,legal_representative,pep,segment,onboarded_at
C1,individual,Wang Fang,resident_id,110101195001011234,1950-01-01,CN,CN,retired,branch,,false,elderly,2020-05-01T02:00:00Z
C2,organisation,Acme Trading Ltd,unified_social_credit_code,91310000MA1K000000,2015-06-01,CN,CN,wholesale,branch,Li Lei,false,corporate,2021-01-04T01:00:00Z
C3,alien,Nobody,passport,X1,,CN,CN,,branch,,false,retail,
C4,individual,Zhang Wei,passport,E1234567,1990-13-01,CN,CN,,online,,true,retail,
"""
ACCOUNTS = """account_id,bank_id,customer_id,account_type,status,branch,currency,opened_on,closed_on
A1,B0001,C1,personal,active,BR-SH-001,CNY,2020-05-01,
A2,B0001,C2,corporate_settlement,active,BR-SH-002,CNY,2021-01-04,
A3,B0001,C9,personal,active,BR-SH-001,CNY,2022-01-01,
"""


def test_customers_and_accounts_load_with_bad_rows_quarantined(
    ctx: Context, tmp_path: Path
) -> None:
    (tmp_path / "customers.csv").write_text(CUSTOMERS)
    (tmp_path / "accounts.csv").write_text(ACCOUNTS)
    customers, accounts = ingest.ingest_path(ctx, tmp_path)
    assert (customers.rows_read, customers.stored, customers.quarantined) == (4, 2, 2)
    assert (accounts.rows_read, accounts.stored, accounts.quarantined) == (3, 2, 1)
    with ctx.db.transaction() as session:
        bad = {q.line: q.reason for q in ingest_repo.quarantined_for_run(session, customers.run_id)}
        assert bad == {
            4: "unknown customer_type 'alien'",
            5: "unparseable date birth_or_registration_date='1990-13-01'",
        }
        bad_accounts = {
            q.line: q.reason for q in ingest_repo.quarantined_for_run(session, accounts.run_id)
        }
        assert bad_accounts == {4: "unknown customer C9"}
        elderly = customers_repo.get_customer(session, "C1")
        assert elderly is not None and elderly.segment == "elderly"
        owner = customers_repo.customer_for_account(session, "A2")
        assert owner is not None and owner.legal_representative == "Li Lei"


def test_loading_customers_twice_keeps_one_record_each(ctx: Context, tmp_path: Path) -> None:
    (tmp_path / "customers.csv").write_text(CUSTOMERS)
    ingest.ingest_path(ctx, tmp_path / "customers.csv")
    ingest.ingest_path(ctx, tmp_path / "customers.csv")
    with ctx.db.transaction() as session:
        assert customers_repo.count_customers(session) == 2
