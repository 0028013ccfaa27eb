"""What ``integrita demo`` shows of screening: a small list, planted customers, the matches.

The list is written in the FollowTheMoney format and imported through the real importer; the
planted customers (ids ``DEMO-S…``) are true matches and near-misses in both scripts, so the
workbench shows what the matcher finds and what it lets pass, and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import orjson

from integrita.domain.roles import Role
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.services.screening import lists, points
from integrita.services.screening.index_cache import forget
from integrita.store.repositories import customers as customers_repo

OPERATOR = UserView(
    0, "demo-screening", "demo-screening", frozenset({Role.ADMINISTRATOR.value}), True
)

LIST_ENTITIES = [
    {
        "id": "demo-wang-jianguo",
        "schema": "Person",
        "properties": {
            "name": ["王建国"],
            "alias": ["WANG Jianguo", "Wong Kin Kwok"],
            "birthDate": ["1968-04-12"],
            "nationality": ["cn"],
            "passportNumber": ["E12345678"],
            "topics": ["sanction"],
            "programId": ["DEMO-DPRK"],
        },
    },
    {
        "id": "demo-chang-hsiu-ying",
        "schema": "Person",
        "properties": {
            "name": ["張秀英"],
            "alias": ["CHANG Hsiu-ying"],
            "birthDate": ["1971-03-03"],
            "nationality": ["tw"],
            "topics": ["sanction"],
        },
    },
    {
        "id": "demo-dandong-hongxiang",
        "schema": "Company",
        "properties": {
            "name": [
                "丹东鸿祥实业发展有限公司",
                "Dandong Hongxiang Industrial Development Co., Ltd.",
            ],
            "jurisdiction": ["cn"],
            "topics": ["sanction"],
        },
    },
    {
        "id": "demo-pep-lau-tak-wah",
        "schema": "Person",
        "properties": {
            "name": ["劉德華"],
            "alias": ["Lau Tak-wah"],
            "birthDate": ["1961-09-27"],
            "nationality": ["hk"],
            "topics": ["role.pep"],
        },
    },
    {
        "id": "demo-ivan-sidorov",
        "schema": "Person",
        "properties": {
            "name": ["Ivan Petrovich Sidorov"],
            "birthDate": ["1959-07-21"],
            "nationality": ["ru"],
        },
    },
]


@dataclass(frozen=True, slots=True)
class Planted:
    customer_id: str
    name: str
    kind: str
    born: date | None
    nationality: str
    expected: str  # what the demo expects: "match" or "near-miss"


PLANTED = [
    Planted("DEMO-S1", "Jianguo WANG", "individual", date(1968, 4, 12), "CN", "match"),
    Planted("DEMO-S2", "张秀英", "individual", date(1971, 3, 3), "TW", "match"),
    Planted(
        "DEMO-S3", "丹東鴻祥實業發展股份有限公司", "organisation", date(2005, 5, 20), "CN", "match"
    ),
    Planted("DEMO-S4", "刘德华", "individual", date(1961, 9, 27), "HK", "match"),
    Planted("DEMO-S5", "Sidorov, Ivan", "individual", date(1959, 7, 21), "RU", "match"),
    Planted("DEMO-S6", "王建国", "individual", date(1996, 8, 30), "CN", "near-miss"),
    Planted("DEMO-S7", "Zhang Xiuying", "individual", date(1992, 1, 15), "CN", "near-miss"),
    Planted("DEMO-S8", "王建华", "individual", date(1968, 4, 12), "CN", "near-miss"),
    Planted(
        "DEMO-S9",
        "Dandong Seafood Trading Co., Ltd.",
        "organisation",
        date(2010, 3, 1),
        "CN",
        "near-miss",
    ),
]


def write_list(ctx: Context) -> Path:
    folder = ctx.settings.data_dir / "lists"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo_sanctions.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(e) for e in LIST_ENTITIES) + b"\n")
    return path


def plant_customers(ctx: Context) -> None:
    rows = [
        {
            "customer_id": p.customer_id,
            "customer_type": p.kind,
            "name": p.name,
            "id_document_type": "passport" if p.kind == "individual" else "business_license",
            "id_number": "E12345678"
            if p.customer_id == "DEMO-S1"
            else f"D{p.customer_id[-1]}0000{p.customer_id[-1]}",
            "birth_or_registration_date": p.born,
            "nationality": p.nationality,
            "residence_country": p.nationality,
            "onboarding_channel": "branch",
            "segment": "retail",
        }
        for p in PLANTED
    ]
    with ctx.db.transaction() as session:
        customers_repo.upsert_customers(session, rows)


def run(
    ctx: Context, progress: points.Progress | None = None
) -> tuple[lists.ListDiff, points.ScreeningSummary]:
    """Import the demo list, plant the customers and screen the whole book."""
    forget(ctx)
    diff = lists.import_list(ctx, "ftm", write_list(ctx), actor=OPERATOR)
    plant_customers(ctx)
    summary = points.screen_book(ctx, actor=OPERATOR, progress=progress)
    return diff, summary
