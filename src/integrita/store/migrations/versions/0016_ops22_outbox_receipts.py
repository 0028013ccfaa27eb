"""outbox: delivery receipts found by the gateway's reference; one index for claiming

The gateway calls back with its reference for a message (``provider_ref``), so it is indexed.
``ix_outbox_messages_status_next`` goes: the claim walks ``ix_outbox_messages_due`` (status,
priority, id) in order and stops after a batch, and SQLite preferred the dropped index with a
sort of the whole backlog on every claim.

Revision ID: 0016_ops22_outbox_receipts
Revises: 0015_ops22_outbox_speed
Create Date: 2026-12-07 03:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016_ops22_outbox_receipts"
down_revision: str | Sequence[str] | None = "0015_ops22_outbox_speed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_status_next")
        batch_op.create_index("ix_outbox_messages_provider_ref", ["provider_ref"])


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_provider_ref")
        batch_op.create_index("ix_outbox_messages_status_next", ["status", "next_attempt_at"])
