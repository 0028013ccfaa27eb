"""role delegations: a deputy holds a role for a period (a one-MLRO bank can still sign)

Revision ID: 0011_role_delegations
Revises: 0001_foundation
Create Date: 2026-12-06 21:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_role_delegations"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "role_delegations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("deputy_user_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_by", sa.String(length=64), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_by", sa.String(length=64), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["deputy_user_id"], ["users.id"], name=op.f("fk_role_delegations_deputy_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_delegations")),
    )
    with op.batch_alter_table("role_delegations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_role_delegations_deputy_user_id"), ["deputy_user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("role_delegations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_delegations_deputy_user_id"))
    op.drop_table("role_delegations")
