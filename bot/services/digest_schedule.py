"""When each account's weekly digest is due, and the once-per-ISO-week claim that keeps it single.

One repeating job asks `due_accounts` every minute: an account is due when its local time has
passed its digest weekday and hour in the current ISO week and no digest row exists for that week.
A digest missed while the bot was down is therefore due at the first scan after start-up, and
a digest already sent this week is never due again, whatever restarts happen.

Delivery is at-most-once per week: `claim_week` inserts the unique (account, ISO week) row before
the digest is built and sent, so two schedulers, or a scan that overlaps a slow sync, cannot both
send it. If sending fails the caller calls `release_week` so the next scan tries again; a crash
between the claim and the send loses that week's digest, which the next week's replaces (a
duplicate digest is worse than a missing one: it invites double taps).

The scan is asked in SQL, so its cost does not grow with the accounts already served this week
(at 100,000 accounts, loading every account and listing their ids in an `IN` both took seconds
and broke PostgreSQL's 32,767-parameter limit; docs/benchmarks.md): per timezone in use, the
latest (weekday, hour) slot already past there bounds the candidates, the week's sent row
excludes them, and the exact `is_due` decides on the few that remain.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, DigestSent


def iso_week(moment: datetime, timezone: str) -> str:
    """The ISO week of `moment` in `timezone`, e.g. "2026-W48"."""
    year, week, _ = moment.astimezone(ZoneInfo(timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def digest_moment(moment: datetime, account: Account) -> datetime:
    """This ISO week's digest time for the account (aware, in its timezone)."""
    return _slot_moment(moment, ZoneInfo(account.timezone), account.digest_weekday, account.digest_hour)


def _slot_moment(moment: datetime, zone: ZoneInfo, weekday: int, hour: int) -> datetime:
    local = moment.astimezone(zone)
    monday: date = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday + timedelta(days=weekday), time(hour), tzinfo=zone)


def is_due(account: Account, now: datetime) -> bool:
    """Whether this week's digest time has passed (the sent-row check is `due_accounts`')."""
    return now >= digest_moment(now, account)


def _latest_slot_passed(now: datetime, timezone: str) -> int:
    """The highest `weekday * 24 + hour` whose digest time this week has passed in `timezone` (-1: none).

    Every due account's slot is at most this, so it bounds the candidates in SQL exactly, even
    where a clock change makes local time repeat or skip an hour.
    """
    zone = ZoneInfo(timezone)
    for slot in range(7 * 24 - 1, -1, -1):
        if now >= _slot_moment(now, zone, *divmod(slot, 24)):
            return slot
    return -1


async def due_accounts(session: AsyncSession, now: datetime) -> list[Account]:
    """Accounts with a chat whose digest for the current week is due and not yet claimed."""
    with_chat = Account.chat_id.is_not(None)
    zones = (await session.scalars(select(Account.timezone).where(with_chat).distinct())).all()
    if not zones:
        return []
    slot = Account.digest_weekday * 24 + Account.digest_hour
    passed = or_(*(and_(Account.timezone == zone, slot <= _latest_slot_passed(now, zone)) for zone in zones))
    this_week = case({zone: iso_week(now, zone) for zone in zones}, value=Account.timezone)
    sent = select(DigestSent.id).where(DigestSent.account_id == Account.id, DigestSent.iso_week == this_week)
    candidates = await session.scalars(
        select(Account).where(with_chat, passed, ~sent.exists()).order_by(Account.id)
    )
    return [account for account in candidates if is_due(account, now)]


async def claim_week(session: AsyncSession, account: Account, now: datetime) -> DigestSent | None:
    """Insert this week's digest row for the account; None if it already exists (already sent)."""
    row = DigestSent(
        account_id=account.id, iso_week=iso_week(now, account.timezone), sent_at=now, chat_id=account.chat_id
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


async def release_week(session: AsyncSession, row_id: int) -> None:
    """Forget a claim whose digest could not be sent, so the next scan tries again."""
    await session.execute(delete(DigestSent).where(DigestSent.id == row_id))


async def record_message(session: AsyncSession, row_id: int, message_id: int) -> None:
    """Remember which message carried the digest."""
    row = await session.get(DigestSent, row_id)
    if row is not None:
        row.message_id = message_id
