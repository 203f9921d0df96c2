"""several accounts per owner: the current account of each owner, and the account a question is for

`owners` holds, per Telegram user, the account the chat acts on now (NULL, or no row: their
first account). `conversations.account_id` is the account a question was asked for, so that an
answer typed after switching accounts still lands on the account that asked.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "owners",
        sa.Column("telegram_user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("current_account_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["current_account_id"],
            ["accounts.id"],
            name=op.f("fk_owners_current_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("telegram_user_id", name=op.f("pk_owners")),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_conversations_account_id_accounts"),
            "accounts",
            ["account_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_conversations_account_id_accounts"), type_="foreignkey")
        batch_op.drop_column("account_id")
    op.drop_table("owners")
