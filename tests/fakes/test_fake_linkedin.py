"""What the in-memory LinkedIn does beyond the world (failures on demand, unmodelled faults refused),
and how it reads profiles in the renderings the contract test does not run."""

from __future__ import annotations

import pytest

from automation.errors import SessionExpired, WeeklyLimit, WithdrawNotVerified
from sandbox import SandboxServer
from tests.automation.test_profile_context import _members, expected_context
from tests.fakes.linkedin import FakeLinkedInSite


async def test_fail_next_raises_once_for_that_operation_only(
    fake_site: FakeLinkedInSite, sandbox: SandboxServer
) -> None:
    slug = sandbox.state.pending_slugs()[-1]
    fake_site.fail_next("withdraw", WithdrawNotVerified("the row is back"))
    async with fake_site.open(sandbox.storage_state()) as client:
        assert (await client.list_sent()).pill_count == 35
        with pytest.raises(WithdrawNotVerified):
            await client.withdraw(slug)
        assert sandbox.state.is_pending(slug)
        assert (await client.withdraw(slug)).pill_after == 34
    assert not sandbox.state.is_pending(slug)
    assert client.operations == ["list_sent", f"withdraw {slug}", f"withdraw {slug}"]


async def test_fail_next_counts_times_and_knows_the_operations(
    fake_site: FakeLinkedInSite, sandbox: SandboxServer
) -> None:
    with pytest.raises(ValueError, match="operation must be one of"):
        fake_site.fail_next("withdraw_all", WeeklyLimit("no"))
    fake_site.fail_next("check_session", SessionExpired("gone"), times=2)
    async with fake_site.open(sandbox.storage_state()) as client:
        for _ in range(2):
            with pytest.raises(SessionExpired):
                await client.check_session()
        await client.check_session()


async def test_page_only_faults_are_refused_not_ignored(
    fake_site: FakeLinkedInSite, sandbox: SandboxServer
) -> None:
    sandbox.set_faults(dialog_wrong_person=True)
    async with fake_site.open(sandbox.storage_state()) as client:
        with pytest.raises(NotImplementedError, match="dialog_wrong_person"):
            await client.withdraw(sandbox.state.pending_slugs()[0])


async def test_a_client_is_used_inside_async_with(
    fake_site: FakeLinkedInSite, sandbox: SandboxServer
) -> None:
    client = fake_site.open(sandbox.storage_state())
    with pytest.raises(RuntimeError, match="async with"):
        await client.list_sent()
    with pytest.raises(SessionExpired):
        await client.storage_state()
    assert fake_site.opened == [client]


@pytest.mark.parametrize("locale", ["en", "de"])
@pytest.mark.parametrize("rendering", ["e4", "e3", "e2"])
async def test_read_profile_answers_as_the_world_holds_profiles_in_every_rendering(
    fake_site: FakeLinkedInSite, sandbox: SandboxServer, rendering: str, locale: str
) -> None:
    # The contract test compares with Chromium in one rendering; what differs per rendering
    # (only e4's top card names a company without a current role) is checked here.
    sandbox.reset(rendering=rendering, locale=locale)
    slugs = [*_members(sandbox, 6), sandbox.state.owner().slug]
    async with fake_site.open(sandbox.storage_state()) as client:
        for slug in slugs:
            assert await client.read_profile(slug) == expected_context(sandbox, slug), slug
        assert await client.read_profile() == expected_context(sandbox, sandbox.state.owner().slug)
