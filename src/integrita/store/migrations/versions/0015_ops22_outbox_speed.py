"""outbox at payment speed: priorities, the challenge a code belongs to, gateway duplicates and
delivery receipts

Revision ID: 0015_ops22_outbox_speed
Revises: 0010_ruleset_base_version
Create Date: 2026-12-07 00:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_ops22_outbox_speed"
down_revision: str | Sequence[str] | None = "0010_ruleset_base_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        # 0 one-time codes, 1 payment notices, 2 bulk (surveys); existing rows count as bulk
        batch_op.add_column(
            sa.Column("priority", sa.SmallInteger(), nullable=False, server_default="2")
        )
        batch_op.add_column(sa.Column("challenge_id", sa.String(32), nullable=True))
        batch_op.add_column(
            sa.Column("duplicate", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("receipt_status", sa.String(32), nullable=True))
        batch_op.add_column(sa.Column("receipt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_outbox_messages_due", ["status", "priority", "id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_due")
        batch_op.drop_column("receipt_at")
        batch_op.drop_column("receipt_status")
        batch_op.drop_column("duplicate")
        batch_op.drop_column("challenge_id")
        batch_op.drop_column("priority")
