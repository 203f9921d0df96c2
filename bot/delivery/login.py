"""Signing in to LinkedIn from the chat: the one sign-in code path, wherever its browser runs.

    run:     /login ─► sign_in_and_tell (a task of the process that received the message)
    web:     /login ─► hand_over_login (credentials sealed in the store, NOTIFY) ─► "a worker is opening…"
    worker:  take_handed_over_logins (its wait loop) ─► the account's lease ─► take ─► sign_in_and_tell
    web:     tell_lapsed_logins (every few seconds) ─► "no worker took the sign-in", once it lapsed

`sign_in_and_tell` signs in in the browser as the account's identity and under its lease; when
LinkedIn asks for a code it records the checkpoint in the store (`bot.services.login_checkpoints`),
asks the owner ("LinkedIn emailed you a code — reply with it") and waits in the same page for
the code, which any `web` process may receive and relay through the store (NOTIFY wakes the
wait; it polls as the fallback). The outcome goes to the chat: signed in, wrong password or
cookie, code timed out, LinkedIn wants a person, another process on the account, or failed.
The credentials are never logged, and never stored in the clear.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from automation.errors import AutomationError, BadLogin, CheckpointRequired, HumanRequired, SessionExpired
from bot.context import Asking, Awaiting, BotContext
from bot.db.models import Account
from bot.delivery.chat import send
from bot.services import login_handovers
from bot.services.identity import browser_identity
from bot.services.linkedin import AccountBusy, exclusive_browser
from bot.services.login_checkpoints import close_checkpoint, open_checkpoint, wait_for_code
from bot.services.login_handovers import Credentials
from bot.services.secrets import SessionKeyError
from bot.services.session_health import adopt_session
from bot.views import View, text

if TYPE_CHECKING:
    # Types only: Playwright loads with the browser, not with the bot (docs/benchmarks.md).
    from automation.client import StorageState

logger = logging.getLogger(__name__)

PIN_WAIT = timedelta(minutes=5)  # LinkedIn's codes live about this long
PIN_ATTEMPTS = 3

# What the owner is told for each way a sign-in fails (the first that matches; else "failed").
_FAILURES: tuple[tuple[type[AutomationError], str], ...] = (
    (BadLogin, "bad_login"),
    (SessionExpired, "bad_cookie"),
    (HumanRequired, "human_required"),
)


async def sign_in_and_tell(context: BotContext, account: Account, credentials: Credentials) -> None:
    """Sign in in the browser, relay a checkpoint, store the session encrypted, tell the owner."""
    assert account.chat_id is not None
    outcome, detail = "failed", ""
    try:
        state = await _sign_in(context, account, credentials)
        if state is not None:
            await _store(context, account, state)
        outcome = "connected" if state is not None else "pin_timeout"
    except AutomationError as error:
        outcome = next((name for kind, name in _FAILURES if isinstance(error, kind)), "failed")
        detail = type(error).__name__ if outcome == "failed" else ""
    except AccountBusy:
        outcome = "busy"  # a worker drives the account: a second browser session is what the lease forbids
    finally:
        await close_checkpoint(context.db, account.id)
    if outcome == "pin_timeout" and not context.application.running:
        outcome = "interrupted"  # the page goes with this process; a code sent later is told so
    else:
        await context.conversations.forget(account.owner_telegram_id or 0, Asking.PIN)
    await _tell(context, account, outcome, detail)


async def _tell(context: BotContext, account: Account, outcome: str, detail: str = "") -> None:
    assert account.chat_id is not None
    result = text(context.render, "login/result", account, outcome=outcome, detail=detail)
    await send(context, account, account.chat_id, View(result))


async def _sign_in(context: BotContext, account: Account, credentials: Credentials) -> StorageState | None:
    """The signed-in session, relaying a checkpoint to the owner; None if no right code came in time.

    The sign-in goes out as the account's browser identity (its proxy, locale, time zone, user
    agent), as all its later work will: LinkedIn sees one member from one place; and under the
    account's lease, so it never shares the account with a worker's browser session.
    """
    lease = context.linkedin.lease
    async with (
        exclusive_browser(context.db, account.id, context.clock, lease),
        context.browsers.open(None, browser_identity(account, context.vault)) as client,
    ):
        try:
            if credentials.cookie:
                return await client.login_with_cookie(credentials.cookie)
            return await client.login(credentials.email, credentials.password)
        except CheckpointRequired as checkpoint:
            return await _relay_checkpoint(context, account, checkpoint)


async def _relay_checkpoint(
    context: BotContext, account: Account, checkpoint: CheckpointRequired
) -> StorageState | None:
    """Ask the owner for the code and finish the login with it; None if no right code came in time.

    A wrong code makes LinkedIn ask again on the same page; the owner is asked again, a few times.
    """
    template = "login/ask_pin"
    for _ in range(PIN_ATTEMPTS):
        question = text(context.render, template, account, kind=checkpoint.kind)
        code = await _wait_for_code(context, account, checkpoint.kind, question)
        if code is None:
            await checkpoint.cancel()
            return None
        try:
            return dict(await checkpoint.submit(code))
        except CheckpointRequired as again:
            checkpoint, template = again, "login/pin_rejected"
    await checkpoint.cancel()
    return None


async def _wait_for_code(context: BotContext, account: Account, kind: str, question: str) -> str | None:
    """Send `question` and wait for the owner's code, which `relay_code` stores, whoever receives it."""
    assert account.chat_id is not None and account.owner_telegram_id is not None
    await open_checkpoint(context.db, account.id, kind, context.clock(), PIN_WAIT)
    awaiting = Awaiting(Asking.PIN, target=account.id, account_id=account.id)
    await context.conversations.ask(account.owner_telegram_id, awaiting, within=PIN_WAIT)
    await send(context, account, account.chat_id, View(question))
    return await wait_for_code(
        context.db,
        context.vault,
        account.id,
        context.clock,
        within=PIN_WAIT.total_seconds(),
        stopping=lambda: not context.application.running,
        database_url=context.settings.resolved_database_url,
    )


async def _store(context: BotContext, account: Account, state: StorageState) -> None:
    async with context.db.begin() as session:
        fresh = await session.get_one(Account, account.id)
        await adopt_session(session, fresh, context.vault, state, context.clock())


# --- split processes: web hands the sign-in over, a worker takes it ------------------------------


async def hand_over_login(context: BotContext, account: Account, credentials: Credentials) -> None:
    """(web) Leave the sign-in for a worker, sealed in the store, until the hand-over bound."""
    within = timedelta(seconds=context.settings.login_handover_seconds)
    await login_handovers.hand_over(
        context.db, context.vault, account.id, credentials, context.clock(), within
    )


async def take_handed_over_logins(context: BotContext) -> None:
    """(worker) Start a sign-in task for every hand-over waiting; each takes its own under the lease.

    An account whose sign-in already runs in this process is left alone; one whose lease another
    process holds is left for later (the hand-over lapses if the account stays busy).
    """
    running = context.bot_data.signing_in
    for account_id in await login_handovers.waiting(context.db, context.clock()):
        if account_id in running:
            continue
        running.add(account_id)
        task = context.application.create_task(
            _take_and_sign_in(context, account_id), name=f"login-{account_id}"
        )
        task.add_done_callback(_forget_when_done(running, account_id))


def _forget_when_done(running: set[int], account_id: int) -> Callable[[asyncio.Task[None]], None]:
    return lambda _task: running.discard(account_id)


async def _take_and_sign_in(context: BotContext, account_id: int) -> None:
    """Take the account's lease, then its credentials (erased as read), then sign in as `run` does."""
    try:
        async with exclusive_browser(context.db, account_id, context.clock, context.linkedin.lease):
            async with context.db() as session:
                account = await session.get_one(Account, account_id)
            try:
                credentials = await login_handovers.take(
                    context.db, context.vault, account_id, context.clock()
                )
            except SessionKeyError:
                logger.warning("a handed-over sign-in of account %s was sealed under another key", account_id)
                await _tell(context, account, "failed", "SessionKeyError")
                return
            if credentials is None:
                return  # lapsed, or taken by another worker between the look and the lease
            await sign_in_and_tell(context, account, credentials)
    except AccountBusy as busy:
        if busy.lost:  # taken, then another process took the account: this sign-in ended
            async with context.db() as session:
                await _tell(context, await session.get_one(Account, account_id), "busy")
        # Else not taken: the hand-over waits for the account's holder to finish, or lapses.


async def tell_lapsed_logins(context: BotContext) -> None:
    """(web) Tell each owner whose handed-over sign-in no worker took in time; its credentials are gone."""
    for account_id in await login_handovers.lapse(context.db, context.clock()):
        async with context.db() as session:
            account = await session.get(Account, account_id)
        if account is not None and account.chat_id is not None:
            seconds = round(context.settings.login_handover_seconds)
            view = View(text(context.render, "login/not_taken", account, seconds=seconds))
            await send(context, account, account.chat_id, view)
