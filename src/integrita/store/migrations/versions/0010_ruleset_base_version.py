"""real time: a rule-set proposal records the active version it was based on, and its diff

Revision ID: 0010_ruleset_base_version
Revises: 0009_realtime_state_room
Create Date: 2026-12-06 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_ruleset_base_version"
down_revision: str | Sequence[str] | None = "0009_realtime_state_room"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rule_set_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("base_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("diff", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rule_set_versions", schema=None) as batch_op:
        batch_op.drop_column("diff")
        batch_op.drop_column("base_version")
