"""case work: cases, notes, suspicious transaction reports

Revision ID: 0006_casework
Revises: 0002_alerts
Create Date: 2026-11-23 18:30:54.600395
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_casework"
down_revision: str | Sequence[str] | None = "0002_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_score", ["score"], unique=False)
        batch_op.create_index("ix_alerts_raised_at", ["raised_at"], unique=False)
        batch_op.create_index("ix_alerts_status_raised_at", ["status", "raised_at"], unique=False)
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("priority_rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("alert_count", sa.Integer(), nullable=False),
        sa.Column("typologies", sa.JSON(), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("proposal_reason", sa.Text(), nullable=True),
        sa.Column("proposed_by", sa.String(length=64), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_assignee"), ["assignee"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_cases_opened_at", ["opened_at"], unique=False)
        batch_op.create_index(
            "ix_cases_state_priority", ["state", "priority_rank", "opened_at"], unique=False
        )

    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_notes_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notes")),
    )
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_notes_case_id"), ["case_id"], unique=False)

    op.create_table(
        "suspicious_transaction_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("determined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("drafted_by", sa.String(length=64), nullable=True),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submission_ref", sa.String(length=128), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fiu_ref_number", sa.String(length=128), nullable=True),
        sa.Column("transferred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("transferred_to", sa.String(length=255), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("filed_by", sa.String(length=255), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_suspicious_transaction_reports_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspicious_transaction_reports")),
    )
    with op.batch_alter_table("suspicious_transaction_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_suspicious_transaction_reports_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_suspicious_transaction_reports_customer_id"),
            ["customer_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_suspicious_transaction_reports_due_on"), ["due_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_suspicious_transaction_reports_status"), ["status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_status_raised_at")
        batch_op.drop_index("ix_alerts_raised_at")
        batch_op.drop_index("ix_alerts_score")
    with op.batch_alter_table("suspicious_transaction_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suspicious_transaction_reports_status"))
        batch_op.drop_index(batch_op.f("ix_suspicious_transaction_reports_due_on"))
        batch_op.drop_index(batch_op.f("ix_suspicious_transaction_reports_customer_id"))
        batch_op.drop_index(batch_op.f("ix_suspicious_transaction_reports_case_id"))

    op.drop_table("suspicious_transaction_reports")
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_notes_case_id"))

    op.drop_table("case_notes")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_state_priority")
        batch_op.drop_index("ix_cases_opened_at")
        batch_op.drop_index(batch_op.f("ix_cases_customer_id"))
        batch_op.drop_index(batch_op.f("ix_cases_assignee"))

    op.drop_table("cases")
