"""complaint history: external id (source + id, unique), historical import fields

Revision ID: 0015_care20_complaint_history
Revises: 0007_care
Create Date: 2026-12-07 00:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_care20_complaint_history"
down_revision: str | Sequence[str] | None = "0007_care"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("care_complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_source", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("external_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("company_response", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("public_response", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("first_response_timely", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("disputed", sa.Boolean(), nullable=True))
        batch_op.create_index(
            "uq_care_complaints_external", ["external_source", "external_id"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("care_complaints", schema=None) as batch_op:
        batch_op.drop_index("uq_care_complaints_external")
        for name in (
            "disputed",
            "first_response_timely",
            "public_response",
            "company_response",
            "imported_at",
            "external_id",
            "external_source",
        ):
            batch_op.drop_column(name)
