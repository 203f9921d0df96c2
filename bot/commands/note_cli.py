"""CLI: `note draft|check` — connection notes: draft one for a person, check one you wrote."""

from __future__ import annotations

import click

from bot.commands.console import CliContext, find_account, pass_cli, run
from bot.commands.outcomes import BadInput, WorkFailed
from bot.commands.params import ContextText, ProfileSlug, account_option
from bot.commands.texts import say
from bot.services.note_model import NoteModelConfig, note_for_person
from bot.services.note_templates import TemplateStore
from bot.services.notes import InvalidNote, note_length, note_limit, note_quota, validate_note
from bot.services.people import person_by_slug
from bot.services.reminders import set_context


@click.group()
def note() -> None:
    """Connection notes."""


@note.command("draft")
@account_option
@click.argument("profile", type=ProfileSlug())
@click.option(
    "--context",
    type=ContextText(),
    help='What you know about them, e.g. "met at Denver Tech Conference" (saved).',
)
@pass_cli
def note_draft(cli: CliContext, account_name: str, profile: str, context: str | None) -> None:
    """Draft a personal connection note for someone from your invitations."""

    async def _draft() -> None:
        async with cli.store() as db:
            account = await find_account(db, account_name)
            async with db() as session:
                person = await person_by_slug(session, account, profile)
            if person is None:
                raise WorkFailed("not_found", slug=profile)
            async with db.begin() as session:
                if context is not None:
                    person = await set_context(session, person.id, context, account_id=account.id)
                quota = await note_quota(session, account, now=cli.clock())
            model = NoteModelConfig.from_settings(cli.settings)
            templates = TemplateStore.in_data_dir(cli.settings.data_dir).load()
            outcome = await note_for_person(
                db, account, person, model, cli.renderer, now=cli.clock(), owner_templates=templates
            )
            draft = outcome.draft
            say(
                "note_draft",
                person=person,
                draft=draft,
                model_verdict=outcome.verdict,
                fallback_reason=outcome.fallback_reason,
                length=note_length(draft.text),
                limit=note_limit(account.plan),
                quota=quota,
            )

    run(_draft())


@note.command("check")
@account_option
@click.argument("text")
@pass_cli
def note_check(cli: CliContext, account_name: str, text: str) -> None:
    """Check a note you wrote: within your plan's limit, no links or control characters."""

    async def _check() -> None:
        async with cli.store() as db:
            account = await find_account(db, account_name)
        limit = note_limit(account.plan)
        try:
            checked = validate_note(text, limit)
        except InvalidNote as exc:
            raise BadInput("note_invalid", error=exc) from None
        say("note_ok", length=note_length(checked), limit=limit)

    run(_check())
