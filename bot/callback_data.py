"""The one schema for inline-button data: `<prefix>:<int>[:<int>...]`, at most 64 bytes.

Every button the bot sends is built here and every tap is parsed here, so a handler never sees
raw strings. Data carries only ids and small numbers, never names or text: the handler looks the
thing up again and checks that the presser owns it, so forged or stale data can change nothing.

    data = build(Op.WITHDRAW, invitation_id)      # "wd:42"
    parsed = parse(data)                          # Callback(op=Op.WITHDRAW, args=(42,))

Handlers register `pattern=pattern(Op.WITHDRAW)`; anything that fails to parse is answered by the
"this button is no longer valid" fallback.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

MAX_BYTES = 64
"""Telegram's limit for callback_data."""

_MAX_ARG = 2**53  # ids stay well inside this; a forged huge number is refused, not looked up


class Op(enum.StrEnum):
    """What a button does; the value is the prefix on the wire. Arity is in `ARITY`."""

    WITHDRAW = "wd"  # invitation → ask for confirmation
    WITHDRAW_YES = "wy"  # invitation → queue the withdrawal (undo window)
    WITHDRAW_NO = "wn"  # invitation → back to the card
    KEEP = "kp"  # invitation → never withdraw this person
    UNDO = "un"  # action → cancel while inside the undo window
    RETRY = "rt"  # action → queue a failed action again
    QUEUE_CANCEL = "qc"  # action → cancel a queued action from /queue
    PAGE = "pg"  # page number of /pending
    BULK = "bw"  # minimum age in days → ask to withdraw all that old
    BULK_YES = "by"  # minimum age in days, how many were shown → queue the batch
    BULK_NO = "bn"  # no args → drop the bulk confirmation
    INVITE = "ri"  # reminder → send the invite with the drafted note
    EDIT_NOTE = "re"  # reminder → the next message becomes the note
    ADD_CONTEXT = "rc"  # reminder → the next message becomes the person's context
    SNOOZE = "rs"  # reminder → remind again in a week
    NOT_NOW = "rx"  # reminder → dismiss
    SETTINGS = "st"  # settings menu: screen index
    SET = "sv"  # setting index, option index → change one preference
    LOGOUT_YES = "lo"  # no args → forget the current account's session (buttons drawn before `lx`)
    LOGOUT_ACCOUNT = "lx"  # account → forget that account's stored LinkedIn session
    DIGEST_MORE = "dm"  # page number of the digest's stale list
    TEMPLATE_REMOVE = "tr"  # crc32 of an owner template's name → remove it (after /templates remove)
    TEMPLATE_KEEP = "tk"  # no args → keep the template after all
    FOLLOWUP_SEND = "fs"  # follow-up → queue the drafted first message
    FOLLOWUP_EDIT = "fe"  # follow-up → the next message becomes the drafted message
    FOLLOWUP_DONE = "fd"  # follow-up → done without sending
    FOLLOWUP_LATER = "fl"  # follow-up → show the card again in a few days
    ACCOUNT_SWITCH = "as"  # account → make it the current one
    ACCOUNT_ADD = "aa"  # no args → the next message names a new account
    ACCOUNT_RENAME = "ar"  # account → the next message is its new name
    ACCOUNT_REMOVE = "ax"  # account → ask to remove it with its data
    ACCOUNT_REMOVE_YES = "ay"  # account → remove it with its data
    ACCOUNT_KEEP = "ak"  # account → keep it after all


ARITY: dict[Op, int] = {
    Op.WITHDRAW: 1,
    Op.WITHDRAW_YES: 1,
    Op.WITHDRAW_NO: 1,
    Op.KEEP: 1,
    Op.UNDO: 1,
    Op.RETRY: 1,
    Op.QUEUE_CANCEL: 1,
    Op.PAGE: 1,
    Op.BULK: 1,
    Op.BULK_YES: 2,
    Op.BULK_NO: 0,
    Op.INVITE: 1,
    Op.EDIT_NOTE: 1,
    Op.ADD_CONTEXT: 1,
    Op.SNOOZE: 1,
    Op.NOT_NOW: 1,
    Op.SETTINGS: 1,
    Op.SET: 2,
    Op.LOGOUT_YES: 0,
    Op.LOGOUT_ACCOUNT: 1,
    Op.DIGEST_MORE: 1,
    Op.TEMPLATE_REMOVE: 1,
    Op.TEMPLATE_KEEP: 0,
    Op.FOLLOWUP_SEND: 1,
    Op.FOLLOWUP_EDIT: 1,
    Op.FOLLOWUP_DONE: 1,
    Op.FOLLOWUP_LATER: 1,
    Op.ACCOUNT_SWITCH: 1,
    Op.ACCOUNT_ADD: 0,
    Op.ACCOUNT_RENAME: 1,
    Op.ACCOUNT_REMOVE: 1,
    Op.ACCOUNT_REMOVE_YES: 1,
    Op.ACCOUNT_KEEP: 1,
}

SCOPED: frozenset[Op] = frozenset({Op.BULK, Op.BULK_YES, Op.SETTINGS, Op.SET})
"""Buttons that name no row but act on an account: they may carry, after their own arguments, the
account they were drawn for (`build(..., account=id)`), so a tap after the owner switched accounts
still acts on that account (if the presser owns it) and never on whichever is current."""

# ASCII only, spelled out: `\d` and `int()` also take other scripts' digits ("wd:٤٣١"), which
# `build` never makes. No leading zeros either, so each id has exactly one spelling.
_SHAPE = re.compile(r"([a-z]{2})((?::(?:0|[1-9][0-9]{0,15}))*)", re.ASCII)


class InvalidCallbackData(ValueError):
    """The button's data is not something this bot made (or made in an older version)."""


@dataclass(frozen=True)
class Callback:
    """A parsed button: what to do and the ids it names."""

    op: Op
    args: tuple[int, ...]
    account: int | None = None  # for `SCOPED` ops: the account the button was drawn for

    @property
    def target(self) -> int:
        """The first (usually only) id."""
        return self.args[0]


def build(op: Op, *args: int, account: int | None = None) -> str:
    """The callback_data string for a button (naming `account` last, for a `SCOPED` op); raises if
    it would break the schema."""
    if len(args) != ARITY[op]:
        raise ValueError(f"{op.name} takes {ARITY[op]} argument(s), got {len(args)}")
    if account is not None and op not in SCOPED:
        raise ValueError(f"{op.name} takes no account argument")
    if account is not None:
        args = (*args, account)
    if any(not 0 <= a < _MAX_ARG for a in args):
        raise ValueError(f"{op.name} arguments must be small non-negative integers: {args}")
    data = ":".join([op.value, *(str(a) for a in args)])
    if len(data.encode()) > MAX_BYTES:  # cannot happen with the bounds above; kept as the contract
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def parse(data: str | None) -> Callback:
    """Parse button data; raise `InvalidCallbackData` for anything `build` could not have made."""
    if not data or len(data.encode()) > MAX_BYTES:
        raise InvalidCallbackData("empty or oversized callback data")
    match = _SHAPE.fullmatch(data)
    if match is None:
        raise InvalidCallbackData("malformed callback data")
    try:
        op = Op(match.group(1))
    except ValueError:
        raise InvalidCallbackData("unknown button prefix") from None
    args = tuple(int(part) for part in match.group(2).split(":")[1:])
    arity = ARITY[op]
    allowed = (arity, arity + 1) if op in SCOPED else (arity,)
    if len(args) not in allowed or any(a >= _MAX_ARG for a in args):
        raise InvalidCallbackData("wrong arguments for this button")
    return Callback(op, args[:arity], args[arity] if len(args) > arity else None)


def pattern(op: Op) -> str:
    """The handler pattern for one prefix (the fallback handler catches what no pattern takes)."""
    return rf"^{op.value}(:|$)"
