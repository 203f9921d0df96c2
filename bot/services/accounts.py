"""Accounts: names, creation, lookup by name or owner, validated preferences.

Pausing and resuming an account's browser work, and its LinkedIn session, are
`bot.services.session_health`'s.

Self-hosting is single-user: the CLI works on the account named "default" unless `--account`
names another. Only deliberate acts create an account (signing in, `invitesweep accounts add`,
pairing in Telegram, the demo), so a mistyped name is refused instead of becoming a new, empty
account. Every function takes the caller's session and leaves committing to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, Owner, Plan
from bot.services.events import record_event
from bot.services.policy import MAX_CAP_WITHOUT_OVERRIDE
from bot.services.rhythm import EVERY_DAY, WEEKDAYS

DEFAULT_ACCOUNT_NAME = "default"
ACCOUNT_NAME_MAX_LENGTH = 64
LANGUAGES = ("en", "nl")


class InvalidAccountName(ValueError):
    """An account name was refused: `reason` is "length" (1–64 characters), "blank" or
    "unprintable" (control characters, escape sequences, line breaks)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AccountExists(ValueError):
    """`create_account` was asked for a name that is taken."""


def check_account_name(name: str) -> str:
    """Return `name` if it can name an account: 1–64 printable characters, not only spaces.

    Raises:
        InvalidAccountName: why it cannot.
    """
    if not 1 <= len(name) <= ACCOUNT_NAME_MAX_LENGTH:
        raise InvalidAccountName("length")
    if not name.isprintable():
        raise InvalidAccountName("unprintable")
    if not name.strip():
        raise InvalidAccountName("blank")
    return name


class InvalidSetting(ValueError):
    """A preference value was refused.

    `field` is the preference's name and `reason` a stable code the front ends render from a
    template: "not_a_number", "not_a_boolean", "out_of_range", "unknown_timezone",
    "not_a_choice", "not_increasing", "needs_cap_override", "not_days" (active days not
    understood), "no_days" (no active day), "not_hours" (active hours not understood),
    "empty_window" (active hours must end after they start, on the same day) or "unknown_setting".
    `limits` carries what a message needs (e.g. {"min": 1, "max": 40}).
    """

    def __init__(self, field: str, reason: str, **limits: Any) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.limits = limits


async def create_account(session: AsyncSession, name: str, *, timezone: str = "UTC") -> Account:
    """Create the account called `name` with the product's defaults.

    Raises:
        InvalidAccountName: `name` cannot name an account.
        AccountExists: there is one by that name already.
        InvalidSetting: `timezone` is not a known time zone.
    """
    check_account_name(name)
    _check_timezone(timezone)
    if await get_account(session, name) is not None:
        raise AccountExists(name)
    account = Account(name=name, timezone=timezone)
    session.add(account)
    await session.flush()
    return account


async def get_or_create_account(
    session: AsyncSession, name: str = DEFAULT_ACCOUNT_NAME, *, timezone: str = "UTC"
) -> Account:
    """Return the account called `name`, creating it if needed: for the deliberate acts that may.

    Raises:
        InvalidAccountName, InvalidSetting: as `create_account`.
    """
    account = await get_account(session, name)
    if account is None:
        account = await create_account(session, name, timezone=timezone)
    return account


async def get_account(session: AsyncSession, name: str) -> Account | None:
    """Return the account called `name`, or None."""
    return (await session.execute(select(Account).where(Account.name == name))).scalar_one_or_none()


async def all_accounts(session: AsyncSession) -> list[Account]:
    """Every account, by name."""
    return list(await session.scalars(select(Account).order_by(Account.name)))


async def accounts_for_owner(session: AsyncSession, telegram_user_id: int) -> list[Account]:
    """Return every account owned by this Telegram user, oldest first."""
    query = select(Account).where(Account.owner_telegram_id == telegram_user_id).order_by(Account.id)
    return list((await session.execute(query)).scalars())


async def find_account_by_owner(session: AsyncSession, telegram_user_id: int) -> Account | None:
    """Return the owner's current account, or None: what a chat command acts on.

    The current one is the owner's choice in `owners` (every process reads the same row); with no
    choice, or the chosen account gone or no longer theirs, it is the first account they own.
    """
    chosen = select(Owner.current_account_id).where(Owner.telegram_user_id == telegram_user_id)
    query = (
        select(Account)
        .where(Account.owner_telegram_id == telegram_user_id)
        .order_by(case((Account.id == chosen.scalar_subquery(), 0), else_=1), Account.id)
        .limit(1)
    )
    account: Account | None = await session.scalar(query)
    return account


async def choose_account(session: AsyncSession, telegram_user_id: int, account_id: int) -> None:
    """Make `account_id` the owner's current account (the caller has checked that they own it)."""
    row = await session.get(Owner, telegram_user_id)
    if row is None:
        session.add(Owner(telegram_user_id=telegram_user_id, current_account_id=account_id))
    else:
        row.current_account_id = account_id
    await session.flush()


async def owns_several(session: AsyncSession, telegram_user_id: int | None) -> bool:
    """Whether this Telegram user owns more than one account (then every message names its account)."""
    if telegram_user_id is None:
        return False
    count = await session.scalar(
        select(func.count()).select_from(Account).where(Account.owner_telegram_id == telegram_user_id)
    )
    return (count or 0) > 1


def _as_int(field: str, value: object) -> int:
    if isinstance(value, bool):
        raise InvalidSetting(field, "not_a_number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise InvalidSetting(field, "not_a_number")


def _as_bool(field: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise InvalidSetting(field, "not_a_boolean")


def _ranged(low: int, high: int | None = None) -> Callable[[str, object], int]:
    def parse(field: str, value: object) -> int:
        number = _as_int(field, value)
        if number < low or (high is not None and number > high):
            raise InvalidSetting(field, "out_of_range", min=low, max=high)
        return number

    return parse


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidSetting("timezone", "unknown_timezone", value=name) from exc


def _timezone(field: str, value: object) -> str:
    name = str(value).strip()
    _check_timezone(name)
    return name


def _choice(choices: tuple[str, ...]) -> Callable[[str, object], str]:
    def parse(field: str, value: object) -> str:
        text = str(value).strip().lower()
        if text not in choices:
            raise InvalidSetting(field, "not_a_choice", choices=choices)
        return text

    return parse


def _plan(field: str, value: object) -> Plan:
    return Plan(_choice(tuple(p.value for p in Plan))(field, value))


_DAY_NAMES = {
    name: index
    for names in (
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        ("ma", "di", "wo", "do", "vr", "za", "zo"),
    )
    for index, name in enumerate(names)
}
_DAY_SETS = {
    "weekdays": WEEKDAYS,
    "werkdagen": WEEKDAYS,
    "daily": EVERY_DAY,
    "every day": EVERY_DAY,
    "elke dag": EVERY_DAY,
    "all": EVERY_DAY,
}


def _weekdays(field: str, value: object) -> int:
    """Active days as a bitmask (bit 0 = Monday), from a mask or text like "mon-fri", "mon,wed,fri"."""
    if isinstance(value, int) and not isinstance(value, bool):
        mask = value
    else:
        mask = _parse_days(field, str(value).strip().lower())
    if not 0 <= mask <= EVERY_DAY:
        raise InvalidSetting(field, "not_days")
    if mask == 0:
        raise InvalidSetting(field, "no_days")
    return mask


def _parse_days(field: str, text: str) -> int:
    if text in _DAY_SETS:
        return _DAY_SETS[text]
    if text.isdigit():
        return int(text)
    mask = 0
    for part in text.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in _DAY_NAMES or (last and last not in _DAY_NAMES):
            raise InvalidSetting(field, "not_days")
        start, end = _DAY_NAMES[first], _DAY_NAMES[last or first]
        day = start
        while True:  # "fri-mon" wraps over the weekend
            mask |= 1 << day
            if day == end:
                break
            day = (day + 1) % 7
    return mask


def _active_hours(field: str, value: object) -> tuple[int, int]:
    """ "9-18" or "09:00-18:00" → (9, 18): whole local hours, the end may be 24."""
    first, sep, last = str(value).strip().partition("-")
    hours = [_whole_hour(part.strip()) for part in (first, last)] if sep else []
    if len(hours) != 2 or None in hours:
        raise InvalidSetting(field, "not_hours")
    start, end = hours
    assert start is not None and end is not None
    if not (0 <= start <= 23 and 1 <= end <= 24):
        raise InvalidSetting(field, "not_hours")
    return start, end


def _whole_hour(text: str) -> int | None:
    hour, _, minutes = text.partition(":")
    if not hour.isdigit() or minutes not in ("", "00"):
        return None
    return int(hour)


_PREFERENCES: dict[str, Callable[[str, object], object]] = {
    "timezone": _timezone,
    "language": _choice(LANGUAGES),
    "plan": _plan,
    "digest_weekday": _ranged(0, 6),
    "digest_hour": _ranged(0, 23),
    "review_days": _ranged(1),
    "suggest_days": _ranged(1),
    "withdraw_days": _ranged(1),
    "daily_withdraw_cap": _ranged(1),
    "cap_override": _as_bool,
    "cooldown_days": _ranged(1),
    "pending_ceiling": _ranged(1),
    "active_weekdays": _weekdays,
    "active_from_hour": _ranged(0, 23),
    "active_until_hour": _ranged(1, 24),
    "spread_work": _as_bool,
}
_ALIASES = {"active_days": "active_weekdays"}
"""Names a person types for a preference stored under another name."""
_COMPOUND = {"active_hours": (_active_hours, ("active_from_hour", "active_until_hour"))}
"""Preferences typed as one value that set several fields ("active_hours 9-18")."""
PREFERENCE_NAMES = (*_PREFERENCES, *_ALIASES, *_COMPOUND)
"""The preferences `update_preferences` accepts."""


async def update_preferences(
    session: AsyncSession, account: Account, changes: Mapping[str, object], now: datetime
) -> dict[str, object]:
    """Validate `changes` as a whole and apply them to `account`; returns the parsed values.

    Values may be typed or text (from the CLI or a chat command). Nothing is applied unless
    every change is valid, and the result must keep review < suggest < withdraw and a daily cap
    of at most 40 unless `cap_override` is on.

    Raises:
        InvalidSetting: the first problem found, naming the field and a reason code.
    """
    parsed: dict[str, object] = {}
    for typed, value in changes.items():
        field = _ALIASES.get(typed, typed)
        if field in _COMPOUND:
            split, fields = _COMPOUND[field]
            parsed.update(zip(fields, split(field, value), strict=True))
            continue
        parse = _PREFERENCES.get(field)
        if parse is None:
            raise InvalidSetting(field, "unknown_setting", choices=PREFERENCE_NAMES)
        parsed[field] = parse(field, value)

    def merged(field: str) -> Any:
        return parsed.get(field, getattr(account, field))

    review, suggest, withdraw = merged("review_days"), merged("suggest_days"), merged("withdraw_days")
    if not review < suggest < withdraw:
        field = next((f for f in ("review_days", "suggest_days", "withdraw_days") if f in parsed), "")
        raise InvalidSetting(field or "withdraw_days", "not_increasing")
    if merged("active_from_hour") >= merged("active_until_hour"):
        field = "active_hours" if "active_hours" in changes else "active_until_hour"
        raise InvalidSetting(field, "empty_window")
    if merged("daily_withdraw_cap") > MAX_CAP_WITHOUT_OVERRIDE and not merged("cap_override"):
        raise InvalidSetting("daily_withdraw_cap", "needs_cap_override", max=MAX_CAP_WITHOUT_OVERRIDE)

    for field, value in parsed.items():
        setattr(account, field, value)
    record_event(
        session,
        account_id=account.id,
        kind="preferences_changed",
        at=now,
        changes={field: str(value) for field, value in parsed.items()},
    )
    return parsed
