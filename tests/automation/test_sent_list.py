"""Listing the Sent page: every row, in order, matching the pill and the sandbox's truth."""

import pytest

from automation.client import LinkedInClient
from automation.errors import SessionExpired
from automation.types import SentList
from tests.fixtures.browser import PAGINATION_ONLY_SCRIPT

pytestmark = pytest.mark.browser

# Renderings and locales the listing must read (reference §1.2–1.5, §2).
RENDERINGS = ["e4", "e3", "e2"]
LOCALES = ["en", "de", "nl", "fr", "es"]


async def list_and_check(linkedin: LinkedInClient, sandbox, **kwargs) -> SentList:
    """List the Sent page and check it against the sandbox's truth at the time of listing."""
    started = sandbox.state.now()
    listed = await linkedin.list_sent(**kwargs)
    assert_matches_sandbox(listed, sandbox, started)
    return listed


def assert_matches_sandbox(listed: SentList, sandbox, started) -> None:
    """The listing is the sandbox's pending set, newest first, with true names, notes and ages.

    Each row was rendered between `started` and now, so its true age then lies in that window,
    and the parsed range must overlap it.
    """
    state = sandbox.state
    assert [i.slug for i in listed.invitations] == state.pending_slugs()
    assert listed.pill_count == len(state.pending_slugs())
    now = state.now()
    for invitation in listed.invitations:
        truth = state.invitation(invitation.slug)
        person = state.person(invitation.slug)
        assert invitation.name == person.name
        assert invitation.headline == person.headline
        assert invitation.note == truth.note
        assert invitation.profile_url == f"{sandbox.base_url}/in/{invitation.slug}/"
        youngest, oldest = started - truth.sent_at, now - truth.sent_at
        assert invitation.age.min_age <= oldest and youngest < invitation.age.max_age, (
            invitation.age_text,
            youngest,
            oldest,
        )


@pytest.mark.parametrize("rendering", RENDERINGS)
@pytest.mark.parametrize("locale", LOCALES)
async def test_lists_every_pending_invitation(
    linkedin: LinkedInClient, sandbox, rendering: str, locale: str
) -> None:
    sandbox.reset(pending=23, rendering=rendering, locale=locale)
    listed = await list_and_check(linkedin, sandbox)
    assert len(listed.invitations) == 23


async def test_520_rows_load_until_they_equal_the_pill(linkedin: LinkedInClient, sandbox) -> None:
    sandbox.reset(pending=520)
    progress: list[tuple[int, int | None]] = []
    listed = await list_and_check(linkedin, sandbox, on_progress=lambda n, total: progress.append((n, total)))
    assert len(listed.invitations) == 520 == listed.pill_count
    loaded_counts = [loaded for loaded, _ in progress]
    assert loaded_counts == sorted(loaded_counts), "progress never goes backwards"
    assert progress[-1] == (520, 520)
    assert len(progress) >= 5, "progress is reported while loading, not only at the end"


@pytest.mark.parametrize("rendering", ["e4", "e3"])
async def test_a_load_more_button_instead_of_scrolling(
    linkedin: LinkedInClient, sandbox, rendering: str
) -> None:
    sandbox.reset(pending=34, rendering=rendering)
    sandbox.set_faults(load_more_button=True)
    listed = await list_and_check(linkedin, sandbox)
    assert len(listed.invitations) == 34


async def test_old_pagination_is_followed_page_by_page(linkedin: LinkedInClient, sandbox) -> None:
    sandbox.reset(pending=27, rendering="e2")
    await linkedin.page.add_init_script(PAGINATION_ONLY_SCRIPT)
    listed = await list_and_check(linkedin, sandbox)
    assert len(listed.invitations) == 27
    assert "page=3" in linkedin.page.url


async def test_hidden_duplicates_and_side_cards_are_not_rows(linkedin: LinkedInClient, sandbox) -> None:
    listed = await linkedin.list_sent()
    slugs = [i.slug for i in listed.invitations]
    assert len(slugs) == len(set(slugs)) == 35
    assert not set(slugs) & set(sandbox.state.connected_slugs())


async def test_empty_list_has_a_zero_pill(linkedin: LinkedInClient, sandbox) -> None:
    sandbox.reset(pending=0)
    listed = await linkedin.list_sent()
    assert listed.invitations == () and listed.pill_count == 0


async def test_slow_pages_still_load_completely(linkedin: LinkedInClient, sandbox) -> None:
    sandbox.reset(pending=25)
    sandbox.set_faults(delay_ms=400)
    await list_and_check(linkedin, sandbox)


@pytest.mark.parametrize("redirect", ["login", "authwall"])
async def test_expired_session_is_reported(linkedin: LinkedInClient, sandbox, redirect: str) -> None:
    sandbox.set_faults(expire_sessions=True, auth_redirect=redirect)
    with pytest.raises(SessionExpired):
        await linkedin.list_sent()
    with pytest.raises(SessionExpired):
        await linkedin.check_session()


async def test_valid_session_passes_the_check(linkedin: LinkedInClient) -> None:
    await linkedin.check_session()
