"""Fidelity of the sandbox's profiles and custom-invite dialog (reference §4, §8.3)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.async_api import Locator, Page, expect

from sandbox import SandboxServer

pytestmark = pytest.mark.browser

TOPCARD = "[componentkey$='Topcard']"


def _slug_in(sandbox: SandboxServer, state: str) -> str:
    return next(p.slug for p in sandbox.state.people() if sandbox.state.profile_state(p.slug) == state)


def _name(sandbox: SandboxServer, slug: str) -> str:
    person = sandbox.state.person(slug)
    assert person is not None
    return person.name


async def _open_profile(page: Page, sandbox: SandboxServer, slug: str) -> Locator:
    await page.goto(sandbox.url(f"/in/{slug}/"))
    card = page.locator(TOPCARD)
    await expect(card.get_by_role("heading", level=1)).to_have_text(_name(sandbox, slug))
    return card


async def test_pending_profile_withdraws_from_the_top_card(
    sandbox: SandboxServer, sandbox_page: Page
) -> None:
    page = sandbox_page
    slug = sandbox.state.pending_slugs()[3]
    name = _name(sandbox, slug)
    card = await _open_profile(page, sandbox, slug)
    assert re.fullmatch(
        r"com\.linkedin\.sdui\.profile\.card\.ref\d+Topcard", await card.get_attribute("componentkey") or ""
    )
    assert (await card.get_attribute("id") or "").endswith("Topcard")
    await expect(card.get_by_text("· 2nd")).to_be_visible()
    await expect(card.get_by_text("· 1st")).to_be_hidden()
    pending = f"Pending, click to withdraw invitation sent to {name}"
    # The action row is duplicated in the sticky header; a hidden responsive copy sits in the top card.
    await expect(page.get_by_role("link", name=pending, exact=True)).to_have_count(2)
    await expect(page.locator(f"[aria-label='{pending}']")).to_have_count(3)

    await card.get_by_role("link", name=pending, exact=True).click()
    await (
        page.locator("dialog[open]").get_by_role("button", name=f"Withdraw invitation sent to {name}").click()
    )

    await expect(page.get_by_role("alert")).to_have_text(f"Invitation to {name.split()[0]} withdrawn.")
    connect = card.get_by_role("button", name=f"Invite {name} to connect")
    await expect(connect).to_have_text("Connect")
    assert await connect.get_attribute("href") is None
    assert sandbox.state.withdrawn_slugs() == [slug]


async def test_connectable_profile_links_to_the_custom_invite(
    sandbox: SandboxServer, sandbox_page: Page
) -> None:
    slug = _slug_in(sandbox, "connectable")
    card = await _open_profile(sandbox_page, sandbox, slug)
    connect = card.get_by_role("link", name=f"Invite {_name(sandbox, slug)} to connect")
    await expect(connect).to_have_text("Connect")
    await expect(connect).to_have_attribute("href", f"/preload/custom-invite/?vanityName={slug}")


async def test_connect_behind_more_is_a_menu_item(sandbox: SandboxServer, sandbox_page: Page) -> None:
    page = sandbox_page
    slug = _slug_in(sandbox, "connect_in_menu")
    card = await _open_profile(page, sandbox, slug)
    await expect(card.get_by_role("link", name=re.compile("to connect$"))).to_have_count(0)
    await expect(page.get_by_role("menu")).to_be_hidden()

    await card.get_by_role("button", name="More", exact=True).click()

    menu = page.get_by_role("menu")
    await expect(menu.get_by_role("menuitem", name="About this member")).to_be_visible()
    await expect(menu.get_by_role("menuitem", name="Connect", exact=True)).to_have_attribute(
        "href", f"/preload/custom-invite/?vanityName={slug}"
    )


async def test_connected_profile_offers_message_and_remove_connection(
    sandbox: SandboxServer, sandbox_page: Page
) -> None:
    page = sandbox_page
    slug = sandbox.state.connected_slugs()[0]
    card = await _open_profile(page, sandbox, slug)
    await expect(card.get_by_text("· 1st", exact=True).filter(visible=True)).to_have_count(1)
    await expect(card.get_by_role("link", name=re.compile("^Message"))).to_have_text("Message")
    await expect(card.get_by_role("link", name=re.compile("Pending|to connect"))).to_have_count(0)
    await card.get_by_role("button", name="More", exact=True).click()
    await expect(page.get_by_role("menuitem", name="Remove connection")).to_be_visible()


async def test_suggestions_carry_other_peoples_controls(sandbox: SandboxServer, sandbox_page: Page) -> None:
    page = sandbox_page
    slug = _slug_in(sandbox, "connectable")
    await _open_profile(page, sandbox, slug)
    suggestions = page.locator("aside")
    labels = await suggestions.get_by_role("link", name=re.compile("to connect$|^Pending")).evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))"
    )
    assert any(label.startswith("Pending, click to withdraw") for label in labels)
    assert labels and not any(_name(sandbox, slug) in label for label in labels)


async def test_invite_with_a_note_counts_and_spends_the_quota(
    sandbox: SandboxServer, sandbox_page: Page
) -> None:
    page = sandbox_page
    slug = _slug_in(sandbox, "connectable")
    await page.goto(sandbox.url(f"/preload/custom-invite/?vanityName={slug}"))
    modal = page.locator("div.artdeco-modal.send-invite[role=dialog][aria-labelledby=send-invite-modal]")
    await expect(modal.locator("h2#send-invite-modal")).to_have_text("Add a note to your invitation?")
    await expect(page.locator("dialog[open]")).to_have_count(0)
    await expect(page.locator("textarea#g-recaptcha-response-100000")).to_be_hidden()

    await modal.get_by_role("button", name="Add a note").click()

    await expect(modal.locator("h2#send-invite-modal")).to_have_text("Add a note to your invitation")
    await expect(modal).to_contain_text("5 personalized invitations remaining for this month.")
    note = modal.locator("textarea#custom-message[name=message]")
    assert await note.get_attribute("maxlength") is None
    await expect(modal.get_by_text("0/200")).to_be_visible()
    send = modal.get_by_role("button", name="Send invitation")
    await expect(send).to_be_disabled()
    await expect(send).to_have_text("Send")
    await expect(modal.get_by_role("button", name="Cancel adding a note")).to_be_visible()

    await note.fill("Hi there, let's connect")
    await expect(modal.get_by_text("23/200")).to_be_visible()
    await send.click()

    name = _name(sandbox, slug)
    await expect(page).to_have_url(sandbox.url(f"/in/{slug}/"))
    await expect(
        page.locator(TOPCARD).get_by_role(
            "link", name=f"Pending, click to withdraw invitation sent to {name}"
        )
    ).to_be_visible()
    assert sandbox.state.invited_slugs() == [slug]
    assert sandbox.state.notes_remaining == 4
    invitation = sandbox.state.invitation(slug)
    assert invitation is not None and invitation.note == "Hi there, let's connect"

    await page.goto(sandbox.url("/mynetwork/invitation-manager/sent/"))
    first_row = page.get_by_role("listitem").first
    await expect(first_row).to_contain_text(name)
    await expect(first_row).to_contain_text(re.compile(r"Sent (now|1 minute ago)"))


async def test_premium_counter_and_send_without_a_note(sandbox: SandboxServer, sandbox_page: Page) -> None:
    sandbox.reset(plan="premium")
    page = sandbox_page
    slug = _slug_in(sandbox, "connectable")
    await page.goto(sandbox.url(f"/preload/custom-invite/?vanityName={slug}"))
    await page.get_by_role("button", name="Add a note").click()
    await expect(page.get_by_text("0/300")).to_be_visible()
    await expect(page.get_by_text(re.compile("personalized invitations remaining"))).to_have_count(0)
    await page.get_by_role("button", name="Cancel adding a note").click()
    await page.get_by_role("button", name="Send without a note").click()
    await expect(page).to_have_url(sandbox.url(f"/in/{slug}/"))
    invitation = sandbox.state.invitation(slug)
    assert invitation is not None and invitation.note is None


async def test_note_quota_zero_shows_the_premium_upsell(sandbox: SandboxServer, sandbox_page: Page) -> None:
    sandbox.set_faults(notes_remaining=0)
    page = sandbox_page
    await page.goto(sandbox.url(f"/preload/custom-invite/?vanityName={_slug_in(sandbox, 'connectable')}"))
    await page.get_by_role("button", name="Add a note").click()
    await expect(page.get_by_text("Send unlimited personalized invites with Premium")).to_be_visible()
    await expect(page.locator("textarea#custom-message")).to_have_count(0)


async def test_weekly_limit_blocks_the_invitation(sandbox: SandboxServer, sandbox_page: Page) -> None:
    sandbox.set_faults(weekly_limit=True)
    page = sandbox_page
    slug = _slug_in(sandbox, "connectable")
    await page.goto(sandbox.url(f"/preload/custom-invite/?vanityName={slug}"))
    await page.get_by_role("button", name="Send without a note").click()
    await expect(
        page.get_by_role("heading", name="You’ve reached the weekly invitation limit")
    ).to_be_visible()
    await page.get_by_role("button", name="Got it").click()
    assert not sandbox.state.is_pending(slug)


async def test_over_long_note_is_rejected_by_the_server(sandbox: SandboxServer, sandbox_page: Page) -> None:
    page = sandbox_page
    slug = _slug_in(sandbox, "connectable")
    await page.goto(sandbox.url(f"/preload/custom-invite/?vanityName={slug}"))
    await page.get_by_role("button", name="Add a note").click()
    await page.locator("#custom-message").fill("x" * 201)
    await expect(page.get_by_text("201/200")).to_be_visible()
    await page.get_by_role("button", name="Send invitation").click()
    await expect(page.get_by_role("alert")).to_contain_text("Invitation not sent.")
    assert not sandbox.state.is_pending(slug)
    assert sandbox.state.notes_remaining == 5


async def test_reinvite_inside_the_cooldown_fails_until_the_clock_moves(
    sandbox: SandboxServer, sandbox_page: Page
) -> None:
    page = sandbox_page
    slug = sandbox.state.pending_slugs()[0]
    name = _name(sandbox, slug)
    sandbox.state.withdraw(slug)
    card = await _open_profile(page, sandbox, slug)
    await expect(card.get_by_role("button", name=f"Invite {name} to connect")).to_be_visible()

    await page.goto(sandbox.url(f"/preload/custom-invite/?vanityName={slug}"))
    await page.get_by_role("button", name="Send without a note").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "Invitation not sent. You can resend an invitation 3 weeks after withdrawing it."
    )
    assert not sandbox.state.is_pending(slug)

    sandbox.advance_clock(timedelta(days=21, minutes=1))
    card = await _open_profile(page, sandbox, slug)
    await expect(card.get_by_role("link", name=f"Invite {name} to connect")).to_be_visible()


async def test_follow_only_profile_has_no_connect_anywhere(
    sandbox: SandboxServer, sandbox_page: Page
) -> None:
    page = sandbox_page
    slug = _slug_in(sandbox, "follow_only")
    name = _name(sandbox, slug)
    card = await _open_profile(page, sandbox, slug)
    await expect(card.get_by_role("button", name=f"Follow {name}")).to_have_text("Follow")
    await card.get_by_role("button", name="More", exact=True).click()
    await expect(page.get_by_role("menuitem", name="About this member")).to_be_visible()
    await expect(page.get_by_role("menuitem", name="Connect")).to_have_count(0)
    await expect(card.get_by_role("link", name=re.compile("to connect$"))).to_have_count(0)
    assert slug not in {p.slug for p in sandbox.state.strangers(100)}


# ---- what the member tells about themselves (drafting context) ------------------------------


def _full_member(sandbox: SandboxServer) -> str:
    """A member whose profile has every part: location, mutuals, About, all three lists."""
    return next(
        p.slug
        for p in sandbox.state.people()
        if p.details.location
        and p.details.mutual > 3
        and p.details.about
        and p.details.positions
        and p.details.positions[0].end is None
        and p.details.schools
        and p.details.languages
    )


@pytest.mark.parametrize("rendering", ["e4", "e3", "e2"])
async def test_a_profile_shows_its_context_in_every_rendering(
    sandbox: SandboxServer, sandbox_page: Page, rendering: str
) -> None:
    sandbox.reset(rendering=rendering)
    page = sandbox_page
    slug = _full_member(sandbox)
    person = sandbox.state.person(slug)
    assert person is not None
    details = person.details
    card = await _open_profile(page, sandbox, slug)
    await expect(card.get_by_text(details.location or "", exact=True)).to_be_visible()
    await expect(card.get_by_role("link", name="Contact info")).to_be_visible()
    mutual = f"{', '.join(details.mutual_names)} and {details.mutual - 2} other mutual connections"
    await expect(card.get_by_role("link", name=mutual)).to_be_visible()
    await expect(card.locator(f"[lang='{details.language}']")).to_have_text(person.headline)

    for heading in ("About", "Experience", "Education", "Languages"):
        await expect(
            page.locator("main section").get_by_role("heading", name=heading, exact=True)
        ).to_be_visible()
    about = page.locator("section").filter(has=page.get_by_role("heading", name="About", exact=True))
    await expect(about.locator(f"[lang='{details.language}']")).to_contain_text(details.about.split("\n")[0])
    experience = page.locator("section").filter(
        has=page.get_by_role("heading", name="Experience", exact=True)
    )
    current = details.positions[0]
    first = experience.get_by_role("listitem").first
    await expect(first).to_contain_text(current.title)
    await expect(first).to_contain_text(current.company)
    await expect(first).to_contain_text(f"{current.start} – Present")
    if rendering == "e4":
        await expect(card.get_by_text(f"{person.company} · 500+ connections")).to_be_visible()
    else:
        company = card.get_by_role(
            "button", name=f"Current company: {current.company}. Click to skip to experience card"
        )
        await expect(company).to_have_text(current.company)
        school = card.get_by_role(
            "button", name=f"Education: {details.schools[0]}. Click to skip to education card"
        )
        await expect(school).to_have_text(details.schools[0])
    if rendering == "e3":
        # Ember's twice-told texts: once shown (aria-hidden), once for screen readers only.
        await expect(first.get_by_text(current.title, exact=True)).to_have_count(2)


@pytest.mark.parametrize("rendering", ["e4", "e3", "e2"])
async def test_roles_at_one_company_are_one_entry(
    sandbox: SandboxServer, sandbox_page: Page, rendering: str
) -> None:
    sandbox.reset(rendering=rendering)
    person = next(
        p
        for p in sandbox.state.people()
        if len(p.details.positions) > 1 and p.details.positions[0].company == p.details.positions[1].company
    )
    now, before = person.details.positions[:2]
    await _open_profile(sandbox_page, sandbox, person.slug)
    experience = sandbox_page.locator("section").filter(
        has=sandbox_page.get_by_role("heading", name="Experience", exact=True)
    )
    entries = experience.locator("xpath=./ul/li | ./div/ul/li")  # XPath: the top-level entries only
    await expect(entries.first.get_by_text(now.company, exact=True).first).to_be_visible()
    roles = entries.first.get_by_role("listitem")
    await expect(roles).to_have_count(2)
    await expect(roles.nth(0)).to_contain_text(f"{now.title}")
    await expect(roles.nth(0)).to_contain_text(f"{now.start} – Present")
    await expect(roles.nth(1)).to_contain_text(f"{before.title}")
    await expect(roles.nth(1)).to_contain_text(f"{before.start} – {before.end}")
    groups = len(
        [
            1
            for i, p in enumerate(person.details.positions)
            if i == 0 or p.company != person.details.positions[i - 1].company
        ]
    )
    await expect(entries).to_have_count(groups)


async def test_a_member_with_nothing_but_a_name_shows_no_sections(
    sandbox: SandboxServer, sandbox_page: Page
) -> None:
    page = sandbox_page
    bare = next(p for p in sandbox.state.people() if not p.headline and not p.details.positions)
    card = await _open_profile(page, sandbox, bare.slug)
    await expect(page.locator("main section h2")).to_have_text(["People you may know"])  # the aside only
    await expect(card.get_by_role("link", name=re.compile("mutual"))).to_have_count(0)
    await expect(card.locator("[lang]")).to_have_count(0)
    await expect(card.get_by_text("500+ connections", exact=True)).to_be_visible()


async def test_absence_is_part_of_the_world(sandbox: SandboxServer) -> None:
    """Some members have no About, no mutual connections, no location; one has nothing at all."""
    people = sandbox.state.people()
    details = [p.details for p in people]
    assert any(d.about is None for d in details) and any(d.about for d in details)
    assert any(d.mutual == 0 for d in details) and any(d.mutual > 0 for d in details)
    assert any(d.location is None for d in details) and any(d.location for d in details)
    assert any(not d.positions for d in details) and any(not d.schools for d in details)
    assert {d.language for d in details} >= {"en", "de", "nl", "fr", "es"}


def test_profiles_are_seeded_deterministically(sandbox: SandboxServer) -> None:
    first = {p.slug: p.details for p in sandbox.state.people()}
    sandbox.reset(seed=7)
    assert {p.slug: p.details for p in sandbox.state.people()} == first
    sandbox.reset(seed=8)
    assert {p.slug: p.details for p in sandbox.state.people()} != first


async def test_me_opens_the_owners_own_profile(sandbox: SandboxServer, sandbox_page: Page) -> None:
    page = sandbox_page
    owner = sandbox.state.owner()
    await page.goto(sandbox.url("/in/me/"))
    assert page.url == sandbox.url(f"/in/{owner.slug}/")
    card = page.locator(TOPCARD)
    await expect(card.get_by_role("heading", level=1)).to_have_text(owner.name)
    await expect(card.get_by_role("link", name=re.compile("to connect|^Pending"))).to_have_count(0)
    await expect(page.get_by_role("heading", name="Experience", exact=True)).to_be_visible()
    assert owner.slug not in {p.slug for p in sandbox.state.people()}


async def test_drift_varies_a_profiles_cards_and_adds_others(
    sandbox: SandboxServer, sandbox_page: Page
) -> None:
    """Across drift seeds the member's cards come in other orders, with others among them."""
    page = sandbox_page
    orders, extra_headings, hidden_copies = set(), set(), 0
    for seed in range(1, 9):
        sandbox.reset(drift=seed)
        slug = _full_member(sandbox)
        await _open_profile(page, sandbox, slug)
        headings = await page.locator("main section h2").filter(visible=True).all_inner_texts()
        mine = [h for h in headings if h in ("About", "Experience", "Education", "Languages")]
        assert sorted(mine) == ["About", "Education", "Experience", "Languages"], seed
        orders.add(tuple(mine))
        extra_headings |= set(headings) - set(mine)
        hidden_copies += await page.locator("main section h2").filter(visible=False).count()
    assert len(orders) > 2
    assert {"Interests", "Activity"} <= extra_headings
    assert hidden_copies > 0
