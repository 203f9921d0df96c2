"""note model: whether a reminder's draft came from the owner's language model, and if not, why

`model_verdict` is NULL when no model was asked (or the owner wrote the note), "ok" when the
model's draft is the one proposed, else the check it failed or "unavailable";
`model_verdict_detail` names what failed ("Contoso", "231").

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("model_verdict", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("model_verdict_detail", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_column("model_verdict_detail")
        batch_op.drop_column("model_verdict")
