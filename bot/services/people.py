"""People as the owner names them in chat: find by name, and the keep list (never withdraw)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Invitation, InvitationState, Person
from bot.services.events import record_event

MAX_MATCHES = 5


async def find_people(session: AsyncSession, account: Account, query: str) -> list[Person]:
    """People of the account whose name contains `query` (case-insensitive), best matches first."""
    needle = " ".join(query.split()).lower()
    if not needle:
        return []
    name = func.lower(Person.name)
    rows = await session.scalars(
        select(Person)
        .where(Person.account_id == account.id, name.contains(needle, autoescape=True))
        .order_by((name == needle).desc(), name.startswith(needle, autoescape=True).desc(), Person.name)
        .limit(MAX_MATCHES)
    )
    return list(rows)


async def set_keep(
    session: AsyncSession, account: Account, person: Person, keep: bool, now: datetime
) -> bool:
    """Put the person on (or take them off) the keep list; False if nothing changed."""
    if person.account_id != account.id:
        raise LookupError("person not on this account")
    if person.keep == keep:
        return False
    person.keep = keep
    record_event(
        session,
        account_id=account.id,
        kind="keep_set" if keep else "keep_cleared",
        at=now,
        person_id=person.id,
    )
    return True


async def person_of_invitation(session: AsyncSession, account: Account, invitation_id: int) -> Person | None:
    """The person an invitation of this account went to."""
    return await session.scalar(
        select(Person)
        .join(Invitation, Invitation.person_id == Person.id)
        .where(Invitation.id == invitation_id, Invitation.account_id == account.id)
    )


async def person_by_slug(session: AsyncSession, account: Account, slug: str) -> Person | None:
    """The account's person with this profile slug (e.g. "jane-doe")."""
    return await session.scalar(select(Person).where(Person.account_id == account.id, Person.slug == slug))


async def kept_people(session: AsyncSession, account: Account) -> list[Person]:
    """The account's keep list, by name."""
    rows = await session.scalars(
        select(Person).where(Person.account_id == account.id, Person.keep.is_(True)).order_by(Person.name)
    )
    return list(rows)


async def withdrawn_slugs(session: AsyncSession, account: Account) -> list[str]:
    """The profile slugs of the account's withdrawn invitations, in the order they were withdrawn."""
    rows = await session.scalars(
        select(Person.slug)
        .join(Invitation, Invitation.person_id == Person.id)
        .where(Invitation.account_id == account.id, Invitation.state == InvitationState.WITHDRAWN)
        .order_by(Invitation.withdrawn_at, Invitation.id)
    )
    return list(rows)
