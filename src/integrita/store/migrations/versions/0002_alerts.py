"""alerts and large-value records

Revision ID: 0002_alerts
Revises: 0001_foundation
Create Date: 2026-11-23 18:21:30.925002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_alerts"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dedup_key", sa.String(length=64), nullable=False),
        sa.Column("typologies", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("dedup_key", name="uq_alerts_dedup_key"),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_run_id"), ["run_id"], unique=False)
        batch_op.create_index("ix_alerts_status_score", ["status", "score"], unique=False)

    op.create_table(
        "large_value_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("txn_id", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_cny_minor", sa.BigInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submission_ref", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_large_value_records")),
        sa.UniqueConstraint("txn_id", "rule", name="uq_large_value_records_txn_rule"),
    )
    with op.batch_alter_table("large_value_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_large_value_records_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_large_value_records_due_on"), ["due_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("large_value_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_large_value_records_due_on"))
        batch_op.drop_index(batch_op.f("ix_large_value_records_customer_id"))

    op.drop_table("large_value_records")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_status_score")
        batch_op.drop_index(batch_op.f("ix_alerts_run_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_customer_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_case_id"))

    op.drop_table("alerts")
