"""/accounts over real HTTP: switch, add and sign in the new account, rename, remove with its data;
forged and foreign buttons; a question answered after a switch; every message naming its account."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.callback_data import Op, build
from bot.db.models import Account, Action, ActionKind, ActionState, Invitation, Owner, SessionStatus
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.services.rhythm import ALWAYS
from bot.services.secrets import SessionVault
from bot.services.session_health import adopt_session
from bot.settings import Settings
from sandbox import SandboxServer
from tests.bot.conftest import ClientFactory
from tests.bot.seed import seed_pending
from tests.botapi import BotApiServer, ChatMessage
from tests.fixtures.botapi import OWNER, STRANGER, run_job, running_bot, wait_until
from tests.services.test_reminders import add_reminder


def _texts(botapi: BotApiServer) -> list[str]:
    return [m.text or "" for m in botapi.bot_messages(OWNER)]


async def _say(botapi: BotApiServer, text: str, expect: str, *, within: float = 10) -> str:
    before = len(botapi.bot_messages(OWNER))
    botapi.send_text(OWNER, text)
    return await wait_until(
        lambda: next((t for t in _texts(botapi)[before:] if expect in t), None), within=within, what=expect
    )


async def _tap(botapi: BotApiServer, label: str, expect: str) -> str:
    """Tap the newest button `label` and wait for a message (new or edited) holding `expect`."""
    before = {m.message_id: m.text for m in botapi.bot_messages(OWNER)}
    botapi.tap(OWNER, label)

    def changed() -> str | None:
        return next(
            (
                m.text
                for m in botapi.bot_messages(OWNER)
                if m.text and expect in m.text and before.get(m.message_id) != m.text
            ),
            None,
        )

    return await wait_until(changed, what=expect)


async def _second(db: SessionFactory, name: str = "sales-2", owner: int = OWNER) -> Account:
    async with db.begin() as session:
        account = Account(name=name, owner_telegram_id=owner, chat_id=owner, **ALWAYS)
        account.digest_weekday, account.digest_hour = 6, 20  # not due at the tests' "now"
        session.add(account)
    return account


async def _current_id(db: SessionFactory) -> int | None:
    async with db() as session:
        return await session.scalar(select(Owner.current_account_id).where(Owner.telegram_user_id == OWNER))


async def test_switching_accounts_moves_every_command_and_names_the_account(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, owned: Account, clock: FrozenClock
) -> None:
    second = await _second(db)
    await seed_pending(db, owned, clock(), [10, 100])
    await seed_pending(db, second, clock(), [50, 60, 70], prefix="s")
    async with running_bot(settings, clock=clock):
        listing = await _say(botapi, "/accounts", "Your LinkedIn accounts")
        assert "▶ default (current) — not signed in; 2 pending" in listing
        assert "• sales-2 — not signed in; 3 pending" in listing
        assert listing.startswith("Account: default")
        status = await _say(botapi, "/status", "pending")
        assert status.startswith("Account: default") and "2 / 500 pending" in status

        assert "Now working on sales-2" in await _tap(botapi, "Switch to sales-2", "Now working on")
        assert await _current_id(db) == second.id
        status = await _say(botapi, "/status", "pending")
        assert status.startswith("Account: sales-2") and "3 / 500 pending" in status
        header = await _say(botapi, "/pending", "Account: sales-2")
        assert header.startswith("Account: sales-2")

    async with running_bot(settings, clock=clock):  # another process, or a restart: the same choice
        status = await _say(botapi, "/status", "3 / 500 pending")
        assert status.startswith("Account: sales-2")


async def test_with_one_account_nothing_names_it(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, owned: Account, clock: FrozenClock
) -> None:
    await seed_pending(db, owned, clock(), [100])
    await add_reminder(db, owned, "jane", due_at=clock() - timedelta(minutes=1))
    async with running_bot(settings, clock=clock) as app:
        await _say(botapi, "/digest", "Your weekly invitation digest")
        await run_job(app, "due-reminders")
        await wait_until(lambda: botapi.message_with_button(OWNER, "Edit note"), what="the reminder")
        listing = await _say(botapi, "/accounts", "Your LinkedIn accounts")
    assert listing.startswith("Your LinkedIn accounts")
    assert not any("Account:" in text for text in _texts(botapi))


async def test_digests_and_reminders_say_which_account_they_are_for(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, owned: Account, clock: FrozenClock
) -> None:
    second = await _second(db)
    await seed_pending(db, second, clock(), [100])
    await add_reminder(db, owned, "jane", due_at=clock() - timedelta(minutes=1))
    async with db.begin() as session:  # sales-2's weekly digest is due (Monday 09:00; now Tuesday 09:30)
        (await session.get_one(Account, second.id)).digest_weekday = 0
        (await session.get_one(Account, second.id)).digest_hour = 9
    async with running_bot(settings, clock=clock) as app:
        await run_job(app, "weekly-digest")
        digest = await wait_until(
            lambda: next((t for t in _texts(botapi) if "Your weekly invitation digest" in t), None),
            what="sales-2's digest",
        )
        assert digest.startswith("Account: sales-2\nYour weekly invitation digest")
        await run_job(app, "due-reminders")
        card = await wait_until(lambda: botapi.message_with_button(OWNER, "Edit note"), what="the reminder")
    assert (card.text or "").startswith("Account: default")


async def test_an_added_account_is_current_and_login_signs_in_that_account(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    signed_in: Account,
    sandbox: SandboxServer,
    sandbox_clients: ClientFactory,
) -> None:
    acme = sandbox.add_identity("acme", pending=7)
    vault = SessionVault.from_settings(settings)
    before = signed_in.session_state
    async with running_bot(settings, linkedin_client_factory=sandbox_clients):
        await _say(botapi, "/accounts", "Your LinkedIn accounts")
        await _tap(botapi, "Add an account", "What should the new account be called?")
        refused = await _say(botapi, "default", "nothing changed")
        assert "There is already an account called default" in refused
        await _tap(botapi, "Add an account", "What should the new account be called?")
        added = await _say(botapi, "sales-2", "Added sales-2")
        assert "/login" in added and added.startswith("Account: sales-2")

        li_at = next(c["value"] for c in sandbox.mint_session("acme") if c["name"] == "li_at")
        result = await _say(botapi, f"/login {li_at}", "LinkedIn is connected", within=60)
        assert result.startswith("Account: sales-2")
        digest = await _say(botapi, "/digest", "Your weekly invitation digest", within=60)
        assert digest.startswith("Account: sales-2")
        assert f"{len(acme.pending_slugs())} / 500 pending" in digest

    async with db() as session:
        new = await session.scalar(select(Account).where(Account.name == "sales-2"))
        old = await session.get_one(Account, signed_in.id)
        assert new is not None
        on_new = await session.scalar(select(func.count()).where(Invitation.account_id == new.id))
        on_old = await session.scalar(select(func.count()).where(Invitation.account_id == old.id))
    assert new.owner_telegram_id == OWNER and new.chat_id == OWNER
    assert new.session_status is SessionStatus.VALID
    state = vault.load_session(new)
    assert state is not None and any(c["name"] == "li_at" and c["value"] == li_at for c in state["cookies"])
    assert old.session_state == before  # the first account's session is untouched
    assert on_new == len(acme.pending_slugs()) and on_old == 0  # acme's invitations, on the new account


async def test_a_question_asked_on_one_account_is_answered_there_after_a_switch(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, owned: Account, clock: FrozenClock
) -> None:
    second = await _second(db)
    async with running_bot(settings, clock=clock):
        await _say(botapi, "/accounts", "Your LinkedIn accounts")
        await _tap(botapi, "Rename default", "What should default be called from now on?")
        await _tap(botapi, "Switch to sales-2", "Now working on sales-2")  # before answering
        clash = await _say(botapi, "sales-2", "nothing changed")
        assert "There is already an account called sales-2" in clash
        await _say(botapi, "/accounts", "sales-2 (current)")
        await _tap(botapi, "Switch to default", "Now working on default")
        await _say(botapi, "/accounts", "default (current)")
        await _tap(botapi, "Rename default", "What should default be called from now on?")
        await _tap(botapi, "Switch to sales-2", "Now working on sales-2")
        renamed = await _say(botapi, "sales-1", "is now called")
        assert "default is now called sales-1" in renamed and renamed.startswith("Account: sales-1")
    async with db() as session:
        names = {row.id: row.name for row in await session.scalars(select(Account))}
    assert names == {owned.id: "sales-1", second.id: "sales-2"}
    assert await _current_id(db) == second.id  # the answer did not switch back


async def test_removing_an_account_asks_then_deletes_its_data_only(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, owned: Account, clock: FrozenClock
) -> None:
    second = await _second(db)
    await seed_pending(db, owned, clock(), [10, 100])
    await seed_pending(db, second, clock(), [50, 60, 70], prefix="s")
    async with running_bot(settings, clock=clock):
        await _say(botapi, "/accounts", "Your LinkedIn accounts")
        await _tap(botapi, "Switch to sales-2", "Now working on sales-2")
        await _say(botapi, "/accounts", "sales-2 (current)")
        question = await _tap(botapi, "Remove sales-2", "Remove sales-2 and everything")
        assert "3 invitations, 3 people, 0 actions" in question
        assert await _tap(botapi, "Keep it", "Kept sales-2")
        await _say(botapi, "/accounts", "sales-2 (current)")
        await _tap(botapi, "Remove sales-2", "Remove sales-2 and everything")
        removed = await _tap(botapi, "Yes, remove sales-2 and its data", "are removed")
        assert "sales-2 and all its data are removed. Now working on default." in removed
        status = await _say(botapi, "/status", "pending")
        assert "2 / 500 pending" in status and "Account:" not in status  # one account again: no header
    async with db() as session:
        assert await session.get(Account, second.id) is None
        left = await session.scalar(select(func.count()).where(Invitation.account_id == second.id))
        kept = await session.scalar(select(func.count()).where(Invitation.account_id == owned.id))
    assert (left, kept) == (0, 2)


async def test_an_account_with_a_running_action_is_not_removed(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, owned: Account, clock: FrozenClock
) -> None:
    second = await _second(db)
    (invitation,) = await seed_pending(db, second, clock(), [100], prefix="s")
    async with db.begin() as session:
        session.add(
            Action(
                account_id=second.id, kind=ActionKind.WITHDRAW, invitation_id=invitation.id,
                state=ActionState.RUNNING, not_before=clock(), created_at=clock(), started_at=clock(),
            )
        )  # fmt: skip
    async with running_bot(settings, clock=clock):
        await _say(botapi, "/accounts", "Your LinkedIn accounts")
        await _tap(botapi, "Switch to sales-2", "Now working on sales-2")
        await _say(botapi, "/accounts", "sales-2 (current)")
        await _tap(botapi, "Remove sales-2", "Remove sales-2 and everything")
        query = botapi.tap(OWNER, "Yes, remove sales-2 and its data")
        answer = await wait_until(lambda: botapi.answer(query).answer_text, what="the refusal")
    assert "sales-2 was not removed: an action of it is running" in answer
    assert botapi.answer(query).show_alert
    async with db() as session:
        assert await session.get(Account, second.id) is not None


async def test_forged_and_foreign_account_buttons_change_nothing(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, owned: Account, clock: FrozenClock
) -> None:
    theirs = await _second(db, "theirs", owner=STRANGER)
    async with running_bot(settings, clock=clock):
        await _say(botapi, "/accounts", "Your LinkedIn accounts")
        listing: ChatMessage = botapi.find_button_message(OWNER, "Add an account")
        forged = [
            build(Op.ACCOUNT_SWITCH, theirs.id),  # someone else's account
            build(Op.ACCOUNT_REMOVE_YES, theirs.id),
            build(Op.ACCOUNT_RENAME, theirs.id),
            build(Op.ACCOUNT_SWITCH, 987_654),  # no such account
            "as:1:2",  # not a shape we make
        ]
        for data in forged:
            query = botapi.press(OWNER, listing.message_id, data)
            answer = await wait_until(lambda q=query: botapi.answer(q).answer_text, what=f"answer to {data}")
            assert answer == "This button is no longer valid. Nothing was changed."
        await _say(botapi, "theirs-renamed", "/help")  # no question was opened: the text is not an answer
    async with db() as session:
        still = await session.get_one(Account, theirs.id)
    assert still.name == "theirs"
    assert await _current_id(db) is None  # no choice was recorded


async def test_buttons_drawn_for_an_account_act_on_it_after_a_switch(
    botapi: BotApiServer,
    settings: Settings,
    db: SessionFactory,
    owned: Account,
    clock: FrozenClock,
    sandbox: SandboxServer,
) -> None:
    second = await _second(db)
    await seed_pending(db, owned, clock(), [100, 120])
    await seed_pending(db, second, clock(), [100], prefix="s")
    vault = SessionVault.from_settings(settings)
    async with db.begin() as session:
        for account_id in (owned.id, second.id):
            row = await session.get_one(Account, account_id)
            await adopt_session(session, row, vault, sandbox.storage_state(), clock())
    async with running_bot(settings, clock=clock):
        await _say(botapi, "/withdraw 90", "Withdraw all 2 pending invitations")  # drawn for default
        await _say(botapi, "/logout", "Forget your LinkedIn session?")  # drawn for default
        await _say(botapi, "/accounts", "Your LinkedIn accounts")
        await _tap(botapi, "Switch to sales-2", "Now working on sales-2")
        queued = await _tap(botapi, "Yes, withdraw 2", "Queued 2 withdrawals")
        assert queued.startswith("Account: default")
        await _tap(botapi, "Yes, forget my session", "Your LinkedIn session is forgotten")
    async with db() as session:
        per_account = dict(
            (await session.execute(select(Action.account_id, func.count()).group_by(Action.account_id))).all()
        )
        sessions = {
            row.name: row.session_status
            for row in await session.scalars(select(Account).order_by(Account.id))
        }
    assert per_account == {owned.id: 2}  # the batch the button was drawn for, not the current account's
    assert sessions == {"default": SessionStatus.NONE, "sales-2": SessionStatus.VALID}
    assert await _current_id(db) == second.id


async def test_a_scoped_button_naming_someone_elses_account_changes_nothing(
    botapi: BotApiServer, settings: Settings, db: SessionFactory, owned: Account, clock: FrozenClock
) -> None:
    theirs = await _second(db, "theirs", owner=STRANGER)
    await seed_pending(db, theirs, clock(), [100], prefix="t")
    async with running_bot(settings, clock=clock):
        await _say(botapi, "/withdraw 90", "No pending invitations")
        message = botapi.bot_messages(OWNER)[-1]
        for data in (build(Op.BULK_YES, 90, 1, account=theirs.id), build(Op.LOGOUT_ACCOUNT, theirs.id)):
            query = botapi.press(OWNER, message.message_id, data)
            answer = await wait_until(lambda q=query: botapi.answer(q).answer_text, what=f"answer to {data}")
            assert answer == "This button is no longer valid. Nothing was changed."
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Action)) == 0
