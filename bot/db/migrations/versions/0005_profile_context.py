"""profile context: what the member's and the owner's LinkedIn profiles show, for drafting notes

Both are JSON (`automation.types.ProfileContext.as_dict`) with the time they were read; NULL
until first read, which is also what every existing row gets.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_context", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("owner_context_read_at", bot.db.base.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("profile_context", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("profile_read_at", bot.db.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("profile_read_at")
        batch_op.drop_column("profile_context")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("owner_context_read_at")
        batch_op.drop_column("owner_context")
