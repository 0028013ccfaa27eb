"""realtime funds protection

Revision ID: 0004_realtime
Revises: 0002_alerts
Create Date: 2026-11-23 18:31:31.652824
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_realtime"
down_revision: str | Sequence[str] | None = "0002_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_opening_tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_by", sa.String(length=64), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocking", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_opening_tasks")),
    )
    with op.batch_alter_table("account_opening_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_opening_tasks_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "account_realtime_state",
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("recent", sa.JSON(), nullable=False),
        sa.Column("history_count", sa.Integer(), nullable=False),
        sa.Column("history_mean", sa.Float(), nullable=False),
        sa.Column("history_m2", sa.Float(), nullable=False),
        sa.Column("history_max", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_realtime_state")),
    )
    op.create_table(
        "blocked_counterparties",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("bank_id", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocked_counterparties")),
        sa.UniqueConstraint("bank_id", "account", name="uq_blocked_counterparties_bank_account"),
    )
    op.create_table(
        "customer_contacts",
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_contacts")),
    )
    op.create_table(
        "executed_payments",
        sa.Column("txn_id", sa.String(length=64), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row", sa.JSON(), nullable=False),
        sa.Column("flushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("txn_id", name=op.f("pk_executed_payments")),
    )
    with op.batch_alter_table("executed_payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_executed_payments_flushed_at"), ["flushed_at"], unique=False
        )

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=255), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("provider_ref", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("idempotency_key", name="uq_outbox_messages_idempotency_key"),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_messages_status_next", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "payment_challenges",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("txn_id", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_challenges")),
    )
    with op.batch_alter_table("payment_challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_challenges_txn_id"), ["txn_id"], unique=False)

    op.create_table(
        "payment_decisions",
        sa.Column("txn_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("rule_set_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("challenge_id", sa.String(length=32), nullable=True),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("txn_id", name=op.f("pk_payment_decisions")),
    )
    with op.batch_alter_table("payment_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_decisions_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            "ix_payment_decisions_decision_status", ["decision", "status"], unique=False
        )

    op.create_table(
        "rule_set_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("business_approved_by", sa.String(length=64), nullable=True),
        sa.Column("technology_approved_by", sa.String(length=64), nullable=True),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_rule_set_versions")),
    )


def downgrade() -> None:
    op.drop_table("rule_set_versions")
    with op.batch_alter_table("payment_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_decisions_decision_status")
        batch_op.drop_index(batch_op.f("ix_payment_decisions_account_id"))

    op.drop_table("payment_decisions")
    with op.batch_alter_table("payment_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_challenges_txn_id"))

    op.drop_table("payment_challenges")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_status_next")

    op.drop_table("outbox_messages")
    with op.batch_alter_table("executed_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_executed_payments_flushed_at"))

    op.drop_table("executed_payments")
    op.drop_table("customer_contacts")
    op.drop_table("blocked_counterparties")
    op.drop_table("account_realtime_state")
    with op.batch_alter_table("account_opening_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_opening_tasks_account_id"))

    op.drop_table("account_opening_tasks")
