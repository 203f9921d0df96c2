"""Views are pure: data in, text and buttons out, checked without Telegram or a running bot."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from bot.callback_data import Op, build
from bot.db.models import Account, ActionKind, ActionState, Person
from bot.db.session import SessionFactory
from bot.rendering import Renderer
from bot.services.actions.worker import ActionOutcome, Result
from bot.services.chat_lookups import ActionSubject, invitation_view
from bot.services.digest import build_digest
from bot.services.notes import first_name
from bot.views import View
from bot.views.cards import PAGE_SIZE, invitation_card, page_of_cards
from bot.views.outcomes import action_outcome
from bot.views.withdraw import confirm_withdrawal
from tests.bot.seed import seed_pending

NOW = datetime(2026, 3, 3, 9, 30, tzinfo=UTC)


def callbacks(view: View) -> list[str]:
    assert view.markup is not None
    return [str(b.callback_data) for row in view.markup.inline_keyboard for b in row]


def outcome(result: Result, *, action_id: int = 7, batch_id: str | None = None) -> ActionOutcome:
    return ActionOutcome(
        action_id=action_id,
        account_id=1,
        kind=ActionKind.WITHDRAW,
        state=ActionState.FAILED if result is Result.FAILED else ActionState.DONE,
        result=result,
        person_name="Jane Doe",
        error_kind="Timeout" if result is Result.FAILED else None,
        error_message=None,
        not_before=None,
        batch_id=batch_id,
        batch_done=1,
        batch_total=3,
        batch_kept=0,
        batch_next=None,
        chat_id=1,
        message_id=2,
    )


def test_the_one_first_name_rule_skips_honorifics() -> None:
    assert first_name("Dr. Jane Doe") == "Jane"
    assert first_name("prof Ada Lovelace") == "Ada"
    assert first_name("Jane") == "Jane"
    assert first_name("") == ""


async def test_a_card_and_its_page(db: SessionFactory, account: Account) -> None:
    render = Renderer()
    invitations = await seed_pending(db, account, NOW, [200 - day for day in range(PAGE_SIZE + 2)])
    async with db() as session:
        digest = await build_digest(session, account, now=NOW, page_size=PAGE_SIZE, stale_min_days=0)
    card = invitation_card(render, account, digest.stale[0])
    assert "Person P0" in card.text
    assert callbacks(card) == [build(Op.WITHDRAW, invitations[0].id), build(Op.KEEP, invitations[0].id)]
    page = page_of_cards(render, account, digest, more=Op.DIGEST_MORE)
    assert len(page) == PAGE_SIZE + 1  # the cards, then the footer that asks for the next page
    assert callbacks(page[-1]) == [build(Op.DIGEST_MORE, 1)]


async def test_the_confirmation_names_the_person_by_first_name(db: SessionFactory, account: Account) -> None:
    (invitation,) = await seed_pending(db, account, NOW, [100])
    async with db.begin() as session:
        await session.execute(update(Person).values(name="Dr. Jane Doe"))
    async with db() as session:
        view = await invitation_view(session, account, invitation.id, now=NOW)
    assert view is not None and view.first_name == "Jane"
    confirmation = confirm_withdrawal(Renderer(), account, view)
    assert "re-invite Jane from" in confirmation.text
    assert callbacks(confirmation) == [
        build(Op.WITHDRAW_YES, invitation.id),
        build(Op.WITHDRAW_NO, invitation.id),
    ]


def test_a_failed_action_offers_retry_and_a_done_one_nothing(account: Account) -> None:
    render = Renderer()
    failed = action_outcome(render, account, outcome(Result.FAILED), None, now=NOW)
    assert callbacks(failed) == [build(Op.RETRY, 7)]
    subject = ActionSubject(
        name="Jane Doe",
        first_name="Jane",
        cooldown_ends_at=datetime(2026, 3, 24, tzinfo=UTC),
        note=None,
        invitation_id=3,
        kind=ActionKind.WITHDRAW,
        reminder_id=None,
    )
    done = action_outcome(render, account, outcome(Result.WITHDRAWN), subject, now=NOW)
    assert done.markup is None
    assert "Jane Doe" in done.text and "re-invite Jane from 24 Mar" in done.text
    batch = action_outcome(render, account, outcome(Result.WITHDRAWN, batch_id="b1"), None, now=NOW)
    assert batch.markup is None and "1/3" in batch.text
