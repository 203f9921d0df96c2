"""Send and edit views for an account, and tell its owner when browser work was paused."""

from __future__ import annotations

from automation.errors import AutomationError
from bot.context import BotContext
from bot.db.models import Account
from bot.delivery.transport import Receipt
from bot.services.accounts import owns_several
from bot.services.secrets import SessionKeyError
from bot.services.session_health import PauseNotice, claim_pause_notice, pause_for
from bot.views import View, language_of
from bot.views.accounts import named
from bot.views.outcomes import paused_notice


async def naming(context: BotContext, account: Account | None, view: View) -> View:
    """`view`, headed by its account's name when the account's owner has several; else unchanged."""
    if account is None or account.owner_telegram_id is None:
        return view
    async with context.db() as session:
        several = await owns_several(session, account.owner_telegram_id)
    return named(context.render, account, view) if several else view


async def send(
    context: BotContext, account: Account | None, chat_id: int, view: View, *, notify: bool = True
) -> Receipt:
    """Send `view` to `chat_id`, naming the account if its owner has several; notices about a failure
    speak the account's language."""
    view = await naming(context, account, view)
    return await context.delivery.send(
        chat_id, view.text, markup=view.markup, language=language_of(account), notify=notify
    )


async def edit(
    context: BotContext, account: Account | None, chat_id: int, message_id: int, view: View
) -> Receipt:
    """Make message `message_id` show `view` (naming the account as `send` does); an identical edit
    (a double tap) is not an error."""
    view = await naming(context, account, view)
    return await context.delivery.edit(
        chat_id, message_id, view.text, markup=view.markup, language=language_of(account)
    )


async def tell_paused(
    context: BotContext, account: Account, notice: PauseNotice | None, error: str | None
) -> None:
    """Tell the owner why browser work stopped; callers make sure this happens once per pause."""
    if account.chat_id is not None:
        await send(context, account, account.chat_id, paused_notice(context.render, account, notice, error))


async def pause_for_error(
    context: BotContext, account_id: int, error: AutomationError | SessionKeyError
) -> None:
    """Pause the account for `error` and, the first time, tell its owner what to do."""
    async with context.db.begin() as session:
        account = await session.get_one(Account, account_id)
        notice = await pause_for(session, account, error, context.clock())
        first = claim_pause_notice(account, context.clock())
    if first:
        await tell_paused(context, account, notice, type(error).__name__)
