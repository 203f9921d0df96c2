"""note templates: which template drafted a note, kept from the reminder's draft to the invitation

`reminders.draft_template` names the template behind the stored draft (NULL once the owner
edits it), `actions.note_template` carries it through the invite queue, and
`invitations.note_template` keeps it with the invitation sent, so acceptance can be counted per
template. Built-in templates are named like "context_2" or "nl/work_1", the owner's "own:<name>".

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reminders") as batch:
        batch.add_column(sa.Column("draft_template", sa.String(length=80), nullable=True))
    with op.batch_alter_table("actions") as batch:
        batch.add_column(sa.Column("note_template", sa.String(length=80), nullable=True))
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("note_template", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invitations") as batch:
        batch.drop_column("note_template")
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("note_template")
    with op.batch_alter_table("reminders") as batch:
        batch.drop_column("draft_template")
