"""Withdrawing one invitation: the right row, the right dialog, verified on the server."""

import json
from pathlib import Path
from random import Random

import pytest
from playwright.async_api import Browser

from automation.client import LinkedInClient
from automation.config import Pacing
from automation.errors import InvitationNotFound, LayoutChanged, SessionExpired, WithdrawNotVerified
from tests.fixtures.browser import PAGINATION_ONLY_SCRIPT, sandbox_automation_config

pytestmark = pytest.mark.browser

RENDERINGS = ["e4", "e3", "e2"]
LOCALES = ["en", "de", "nl", "fr", "es"]


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def oldest_pending(sandbox) -> str:
    """The stalest invitation: the last row, reachable only after loading every batch."""
    return sandbox.state.pending_slugs()[-1]


@pytest.mark.parametrize("rendering", RENDERINGS)
@pytest.mark.parametrize("locale", LOCALES)
async def test_withdraws_exactly_the_named_invitation(
    linkedin: LinkedInClient, sandbox, rendering: str, locale: str
) -> None:
    sandbox.reset(pending=25, rendering=rendering, locale=locale)
    before = sandbox.state.pending_slugs()
    target = oldest_pending(sandbox)
    name = sandbox.state.person(target).name

    result = await linkedin.withdraw(target, name=name)

    assert result.slug == target and result.name == name
    assert (result.pill_before, result.pill_after) == (25, 24)
    assert sandbox.state.withdrawn_slugs() == [target]
    assert sandbox.state.pending_slugs() == [s for s in before if s != target]


async def test_withdraw_behind_load_more_buttons(linkedin: LinkedInClient, sandbox) -> None:
    sandbox.set_faults(load_more_button=True)
    target = oldest_pending(sandbox)
    await linkedin.withdraw(target)
    assert sandbox.state.withdrawn_slugs() == [target]


async def test_withdraw_on_the_last_page_of_old_pagination(linkedin: LinkedInClient, sandbox) -> None:
    sandbox.reset(pending=27, rendering="e2")
    await linkedin.page.add_init_script(PAGINATION_ONLY_SCRIPT)
    target = oldest_pending(sandbox)
    await linkedin.withdraw(target)
    assert sandbox.state.withdrawn_slugs() == [target]


async def test_withdraw_without_a_name_uses_the_rows_own(linkedin: LinkedInClient, sandbox) -> None:
    target = sandbox.state.pending_slugs()[0]  # the server-rendered first row, which has a hidden duplicate
    result = await linkedin.withdraw(target)
    assert result.name == sandbox.state.person(target).name
    assert sandbox.state.withdrawn_slugs() == [target]


async def test_a_row_naming_someone_else_is_refused(linkedin: LinkedInClient, sandbox) -> None:
    target = sandbox.state.pending_slugs()[3]
    with pytest.raises(LayoutChanged, match="names"):
        await linkedin.withdraw(target, name="Somebody Else")
    assert sandbox.state.withdrawn_slugs() == []


async def test_missing_row_is_invitation_not_found(linkedin: LinkedInClient, sandbox) -> None:
    stranger = sandbox.state.connected_slugs()[0]
    with pytest.raises(InvitationNotFound):
        await linkedin.withdraw(stranger)
    assert sandbox.state.withdrawn_slugs() == []


async def test_withdrawing_twice_finds_nothing_the_second_time(linkedin: LinkedInClient, sandbox) -> None:
    target = sandbox.state.pending_slugs()[5]
    await linkedin.withdraw(target)
    with pytest.raises(InvitationNotFound):
        await linkedin.withdraw(target)
    assert sandbox.state.withdrawn_slugs() == [target]


async def test_a_confirm_that_does_nothing_is_not_verified(browser: Browser, sandbox) -> None:
    sandbox.set_faults(confirm_noop=True)
    target = sandbox.state.pending_slugs()[2]
    # A short timeout: the row never goes, so the check waits for all of it.
    config = sandbox_automation_config(sandbox.base_url, timeout_ms=1_500)
    async with LinkedInClient(browser, config, sandbox.storage_state()) as client:
        with pytest.raises(WithdrawNotVerified):
            await client.withdraw(target)
    assert sandbox.state.is_pending(target)


async def test_a_withdrawal_that_does_not_hold_is_caught_on_reload(linkedin: LinkedInClient, sandbox) -> None:
    sandbox.set_faults(withdraw_holds=False)
    target = sandbox.state.pending_slugs()[2]
    with pytest.raises(WithdrawNotVerified, match="did not hold"):
        await linkedin.withdraw(target)
    assert sandbox.state.is_pending(target)


async def test_a_dialog_naming_someone_else_is_never_confirmed(linkedin: LinkedInClient, sandbox) -> None:
    sandbox.set_faults(dialog_wrong_person=True)
    before = sandbox.state.pending_slugs()
    with pytest.raises(LayoutChanged, match="dialog names"):
        await linkedin.withdraw(before[6])
    assert sandbox.state.withdrawn_slugs() == []
    assert sandbox.state.pending_slugs() == before


async def test_a_server_error_on_confirm_is_not_verified(linkedin: LinkedInClient, sandbox) -> None:
    sandbox.set_faults(withdraw_error=True)
    target = sandbox.state.pending_slugs()[1]
    with pytest.raises(WithdrawNotVerified, match="error"):
        await linkedin.withdraw(target)
    assert sandbox.state.is_pending(target)


async def test_slow_pages_still_withdraw(linkedin: LinkedInClient, sandbox) -> None:
    sandbox.set_faults(delay_ms=300)
    target = oldest_pending(sandbox)
    await linkedin.withdraw(target)
    assert sandbox.state.withdrawn_slugs() == [target]


async def test_expired_session_stops_the_withdrawal(linkedin: LinkedInClient, sandbox) -> None:
    sandbox.set_faults(expire_sessions=True)
    target = sandbox.state.pending_slugs()[0]
    with pytest.raises(SessionExpired):
        await linkedin.withdraw(target)
    assert sandbox.state.is_pending(target)


async def test_failure_keeps_a_trace(browser: Browser, sandbox, tmp_path: Path) -> None:
    config = sandbox_automation_config(sandbox.base_url, trace_dir=tmp_path)
    async with LinkedInClient(browser, config, sandbox.storage_state()) as client:
        with pytest.raises(InvitationNotFound) as raised:
            await client.withdraw("nobody-at-all")
        listed = await client.list_sent()  # a success keeps nothing
    trace = raised.value.trace_path
    assert trace is not None and trace.is_file() and trace.parent == tmp_path
    assert files_in(tmp_path) == [trace.name]
    assert len(listed.invitations) == 35


async def test_several_withdrawals_in_one_session(linkedin: LinkedInClient, sandbox) -> None:
    targets = sandbox.state.pending_slugs()[-3:]
    for slug in targets:
        await linkedin.withdraw(slug)
    assert sorted(sandbox.state.withdrawn_slugs()) == sorted(targets)
    assert len(sandbox.state.pending_slugs()) == 32
    assert json.dumps(await linkedin.storage_state())  # the session survives and stays serialisable
    # Readbacks open no tab: a batch does not pile up tabs (and their renderers).
    assert linkedin.page.context.pages == [linkedin.page]


async def test_a_held_withdrawal_is_read_back_without_a_tab(linkedin: LinkedInClient, sandbox) -> None:
    # The server's HTML of a fresh load is the readback: no second tab (and renderer) opens, and
    # the working tab is not reloaded, so its loaded rows serve the next withdrawal. That it is a
    # real check is test_a_withdrawal_that_does_not_hold_is_caught_on_reload.
    first, second = sandbox.state.pending_slugs()[-2:]
    await linkedin.withdraw(first)
    opened: list[object] = []
    navigated: list[str] = []
    linkedin.page.context.on("page", lambda page: opened.append(page))
    linkedin.page.on("framenavigated", lambda frame: navigated.append(frame.url))

    result = await linkedin.withdraw(second)

    assert (result.pill_before, result.pill_after) == (34, 33)
    assert sorted(sandbox.state.withdrawn_slugs()) == sorted([first, second])
    assert opened == [] and navigated == []


async def test_withdrawal_is_paced_between_its_clicks(browser: Browser, sandbox) -> None:
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    config = sandbox_automation_config(sandbox.base_url, pacing=Pacing(2.0, 6.0))
    async with LinkedInClient(
        browser, config, sandbox.storage_state(), sleep=record, rng=Random(3)
    ) as client:
        await client.withdraw(sandbox.state.pending_slugs()[0])
    assert len(slept) == 2, "a pause before opening the dialog and one before confirming"
    assert all(2.0 <= s <= 6.0 for s in slept)
