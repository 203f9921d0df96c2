"""/templates: the owner's own note templates — list, add <name> (the text comes next), show, remove.

Templates are files in the data dir (`bot.services.note_templates.TemplateStore`); saving
validates them and says what is wrong in one message, saving nothing. Removal asks first.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.callback_data import Op
from bot.context import Asking, Awaiting, BotContext
from bot.db.models import Account
from bot.handlers.common import Tap, any_data, on_button, reply, reply_view, show_text, with_account, with_tap
from bot.services.note_templates import InvalidTemplate, TemplateStore
from bot.services.notes import note_limit
from bot.services.stats import template_records
from bot.views.templates import name_token, remove_question, template_list


def _store(context: BotContext) -> TemplateStore:
    return TemplateStore.in_data_dir(context.settings.data_dir)


@with_account
async def templates_command(update: Update, context: BotContext, account: Account) -> None:
    """/templates [list | add <name> | show <name> | remove <name>]."""
    verb, name = ([*(context.args or []), "", ""])[:2]
    store = _store(context)
    try:
        if verb in ("", "list"):
            async with context.db() as session:
                records = await template_records(session, account, now=context.clock())
            view = template_list(context.render, account, store.load(), records, folder=str(store.folder))
            await reply_view(update, context, account, view)
        elif verb == "add" and name:
            store.check_name(name)
            await context.ask(update.effective_user, Awaiting(Asking.TEMPLATE, name=name), account)
            await reply(update, context, "templates/ask", account, name=name, limit=note_limit(account.plan))
        elif verb in ("show", "remove") and (template := store.get(name)) is not None:
            if verb == "show":
                await reply(update, context, "templates/show", account, template=template)
            else:
                await reply_view(update, context, account, remove_question(context.render, account, template))
        elif verb in ("show", "remove") and name:
            await reply(update, context, "templates/not_found", account, name=name)
        else:
            await reply(update, context, "templates/usage", account)
    except InvalidTemplate as problem:
        await reply(update, context, "templates/invalid", account, problem=problem)


async def answer_template(
    update: Update, context: BotContext, account: Account, awaiting: Awaiting, value: str
) -> None:
    """The text of the template being added: saved if valid, else one clear error and nothing saved."""
    try:
        template = _store(context).save(awaiting.name, value, limit=note_limit(account.plan))
    except InvalidTemplate as problem:
        await reply(update, context, "templates/invalid", account, problem=problem)
        return
    await reply(update, context, "templates/saved", account, template=template)


@with_tap(owns=None, plain=any_data)
async def remove_template(tap: Tap, context: BotContext) -> None:
    """[Yes, remove]: delete the template the question named."""
    store = _store(context)
    name = next((n for n in store.names() if name_token(n) == tap.target), None)
    removed = name is not None and store.remove(name)
    await tap.answer()
    await show_text(context, tap, "templates/removed", name=name or "", removed=removed)


@with_tap(owns=None, plain=any_data)
async def keep_template(tap: Tap, context: BotContext) -> None:
    """[Keep it]: nothing changes."""
    await tap.answer()
    await show_text(context, tap, "templates/kept")


HANDLERS = [
    CommandHandler("templates", templates_command),
    on_button(remove_template, Op.TEMPLATE_REMOVE),
    on_button(keep_template, Op.TEMPLATE_KEEP),
]
