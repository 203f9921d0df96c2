"""active hours: the local weekdays and hours browser work runs in, and whether it is spread

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing accounts get the product's defaults: weekdays (Monday–Friday) 09:00–18:00, spread.
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("active_weekdays", sa.Integer(), server_default=sa.text("31"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("active_from_hour", sa.Integer(), server_default=sa.text("9"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("active_until_hour", sa.Integer(), server_default=sa.text("18"), nullable=False)
        )
        batch_op.add_column(sa.Column("spread_work", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("spread_work")
        batch_op.drop_column("active_until_hour")
        batch_op.drop_column("active_from_hour")
        batch_op.drop_column("active_weekdays")
