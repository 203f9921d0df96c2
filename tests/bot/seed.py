"""Small worlds written straight into the store, for bot tests that need no browser."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.db.models import Account, Invitation, InvitationState, Person
from bot.db.session import SessionFactory


async def seed_pending(
    db: SessionFactory, account: Account, now: datetime, ages_days: list[int], *, prefix: str = "p"
) -> list[Invitation]:
    """One pending invitation per age (exact send times), to people named "Person <prefix><i>"."""
    created: list[Invitation] = []
    async with db.begin() as session:
        for index, age in enumerate(ages_days):
            person = Person(
                account_id=account.id,
                slug=f"{prefix}{index}",
                name=f"Person {prefix.upper()}{index}",
                headline="Engineer at Example",
                profile_url=f"https://www.linkedin.com/in/{prefix}{index}/",
            )
            session.add(person)
            await session.flush()
            sent = now - timedelta(days=age)
            invitation = Invitation(
                account_id=account.id,
                person_id=person.id,
                state=InvitationState.PENDING,
                sent_at_earliest=sent,
                sent_at_latest=sent,
                first_seen_at=now,
                last_seen_at=now,
            )
            session.add(invitation)
            created.append(invitation)
    return created
