"""Small helpers that put people and invitations straight into a test database."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.db.models import Invitation, InvitationState, Person
from bot.db.session import SessionFactory


async def add_pending(
    db: SessionFactory,
    account_id: int,
    slug: str,
    *,
    now: datetime,
    age_days: float,
    keep: bool = False,
    state: InvitationState = InvitationState.PENDING,
) -> int:
    """A person and one invitation sent between `age_days` and `age_days + 1` days before `now`."""
    async with db.begin() as session:
        person = Person(
            account_id=account_id,
            slug=slug,
            name=slug.replace("-", " ").title(),
            headline="Engineer at Acme",
            company="Acme",
            profile_url=f"https://www.linkedin.com/in/{slug}/",
            keep=keep,
        )
        session.add(person)
        await session.flush()
        invitation = Invitation(
            account_id=account_id,
            person_id=person.id,
            state=state,
            sent_at_earliest=now - timedelta(days=age_days + 1),
            sent_at_latest=now - timedelta(days=age_days),
            first_seen_at=now,
            last_seen_at=now,
        )
        session.add(invitation)
        await session.flush()
        return invitation.id
