"""Profiles and invitations: the top card's state, and sending (or being refused) an invitation."""

from datetime import timedelta

import pytest

from automation.client import LinkedInClient
from automation.errors import (
    AutomationError,
    InviteBlocked,
    NoteQuotaExhausted,
    NoteTooLong,
    SessionExpired,
    WeeklyLimit,
)
from automation.types import ProfileState
from tests.fixtures.sandbox import seed_hostile_names

pytestmark = pytest.mark.browser


def stranger(sandbox, *, in_menu: bool = False) -> str:
    """A member we never invited; `in_menu` picks one whose Connect hides behind "More"."""
    invited = set(sandbox.state.pending_slugs()) | set(sandbox.state.connected_slugs())
    for person in sandbox.state.people():
        if person.slug not in invited and not person.follow_only and person.connect_in_menu == in_menu:
            return person.slug
    raise AssertionError("the sandbox world has no such stranger")


@pytest.mark.parametrize("locale", ["en", "de", "nl", "fr", "es"])
@pytest.mark.parametrize(
    ("pick", "expected"),
    [
        (lambda sb: sb.state.pending_slugs()[4], ProfileState.PENDING),
        (lambda sb: sb.state.connected_slugs()[0], ProfileState.CONNECTED),
        (lambda sb: stranger(sb), ProfileState.CONNECTABLE),
        (lambda sb: stranger(sb, in_menu=True), ProfileState.CONNECTABLE),
        (lambda sb: next(p.slug for p in sb.state.people() if p.follow_only), ProfileState.FOLLOW_ONLY),
    ],
    ids=["pending", "connected", "connectable", "connect-behind-more", "follow-only"],
)
async def test_profile_reads_the_top_card(
    linkedin: LinkedInClient, sandbox, pick, expected: ProfileState, locale: str
) -> None:
    sandbox.reset(locale=locale)
    slug = pick(sandbox)
    person = sandbox.state.person(slug)
    profile = await linkedin.profile(slug)
    assert (profile.slug, profile.name, profile.headline) == (slug, person.name, person.headline)
    assert profile.state is expected


async def test_invite_without_a_note(linkedin: LinkedInClient, sandbox) -> None:
    slug = stranger(sandbox)
    result = await linkedin.invite(slug, None)
    assert result.slug == slug and not result.note_sent
    assert sandbox.state.invited_slugs() == [slug]
    assert sandbox.state.invitation(slug).note is None
    assert (await linkedin.profile(slug)).state is ProfileState.PENDING


@pytest.mark.parametrize(("plan", "limit"), [("free", 200), ("premium", 300)])
async def test_invite_with_a_note_reads_the_limits(
    linkedin: LinkedInClient, sandbox, plan: str, limit: int
) -> None:
    sandbox.reset(plan=plan, notes_quota=4)
    slug = stranger(sandbox, in_menu=True)
    note = "Hi, we met at the Denver Tech Conference; " + "x" * (limit - 60)
    result = await linkedin.invite(slug, note)
    assert result.note_sent and result.note_limit == limit
    assert result.notes_remaining == (3 if plan == "free" else None)
    assert sandbox.state.invited_slugs() == [slug]
    assert sandbox.state.invitation(slug).note == note


async def test_a_note_over_the_counter_limit_is_refused_before_typing(
    linkedin: LinkedInClient, sandbox
) -> None:
    slug = stranger(sandbox)
    with pytest.raises(NoteTooLong) as raised:
        await linkedin.invite(slug, "n" * 201)
    assert (raised.value.limit, raised.value.length) == (200, 201)
    assert sandbox.state.invited_slugs() == []


async def test_no_notes_left_this_month(linkedin: LinkedInClient, sandbox) -> None:
    sandbox.reset(notes_quota=0)
    slug = stranger(sandbox)
    with pytest.raises(NoteQuotaExhausted):
        await linkedin.invite(slug, "Hello there")
    assert sandbox.state.invited_slugs() == []
    result = await linkedin.invite(slug, None)  # without a note it still goes through
    assert not result.note_sent and sandbox.state.invited_slugs() == [slug]


async def test_weekly_limit(linkedin: LinkedInClient, sandbox) -> None:
    sandbox.set_faults(weekly_limit=True)
    slug = stranger(sandbox)
    with pytest.raises(WeeklyLimit):
        await linkedin.invite(slug, None)
    assert sandbox.state.invited_slugs() == []


async def test_reinvite_inside_the_cooldown_is_blocked_until_it_ends(
    linkedin: LinkedInClient, sandbox
) -> None:
    slug = sandbox.state.pending_slugs()[-1]
    await linkedin.withdraw(slug)
    assert (await linkedin.profile(slug)).state is ProfileState.BLOCKED

    with pytest.raises(InviteBlocked):
        await linkedin.invite(slug, None)
    assert not sandbox.state.is_pending(slug)

    sandbox.advance_clock(timedelta(days=22))
    assert (await linkedin.profile(slug)).state is ProfileState.CONNECTABLE
    result = await linkedin.invite(slug, "Good to reconnect")
    assert result.note_sent
    assert sandbox.state.is_pending(slug)
    assert sandbox.state.invitation(slug).note == "Good to reconnect"


async def test_inviting_someone_already_pending_is_not_reported_as_sent(
    linkedin: LinkedInClient, sandbox
) -> None:
    slug = sandbox.state.pending_slugs()[2]
    with pytest.raises(AutomationError, match="did not send") as raised:
        await linkedin.invite(slug, "Hello again")
    assert type(raised.value) is AutomationError
    assert sandbox.state.invited_slugs() == []


@pytest.mark.parametrize("redirect", ["login", "authwall"])
async def test_expired_session_stops_profile_reads_and_invites(
    linkedin: LinkedInClient, sandbox, redirect
) -> None:
    sandbox.set_faults(expire_sessions=True, auth_redirect=redirect)
    slug = stranger(sandbox)
    with pytest.raises(SessionExpired):
        await linkedin.profile(slug)
    with pytest.raises(SessionExpired):
        await linkedin.invite(slug, None)
    assert sandbox.state.invited_slugs() == []


async def test_a_hostile_name_and_headline_are_read_as_plain_text(linkedin: LinkedInClient, sandbox) -> None:
    (slug,) = seed_hostile_names(sandbox, 1)
    profile = await linkedin.profile(slug)
    assert (profile.name, profile.headline) == ("Ana0 Red", "Head of People")
    assert profile.state is ProfileState.PENDING
