"""case work: a version counter on STRs, so an approval binds to the text it read

Revision ID: 0010_str_version
Revises: 0006_casework
Create Date: 2026-12-06 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_str_version"
down_revision: str | Sequence[str] | None = "0006_casework"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("suspicious_transaction_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("suspicious_transaction_reports", schema=None) as batch_op:
        batch_op.drop_column("version")
