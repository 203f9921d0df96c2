"""actions record the process that holds them while running

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("actions") as batch_op:
        batch_op.add_column(sa.Column("holder_host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("holder_pid", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("holder_pid_space", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("holder_started", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("actions") as batch_op:
        batch_op.drop_column("holder_started")
        batch_op.drop_column("holder_pid_space")
        batch_op.drop_column("holder_pid")
        batch_op.drop_column("holder_host")
