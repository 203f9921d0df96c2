"""A member's profile: the top card's name, headline and what our relationship with them is, and
what the whole page tells a note drafter (`read_context`, parsed in `profile_context`)."""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page

from automation.config import AutomationConfig
from automation.errors import LayoutChanged
from automation.pages.common import one_of, open_url, same_person
from automation.pages.profile_context import parse_profile, read_raw_profile
from automation.slugs import profile_path
from automation.text import clean_text
from automation.types import Profile, ProfileContext, ProfileState

# Accessible names of the top card's controls (E4 measured in English and German; Ember used the same
# sentences on buttons). Each one-name group is the member's full name, checked against the heading.
PENDING_LABEL = re.compile(
    r"^(?:Pending, click to withdraw invitation sent to (.+)"
    r"|Ausstehend, klicken, um die Einladung an (.+) zurückzuziehen"
    r"|In afwachting, klik om uitnodiging aan (.+) in te trekken"
    r"|En attente, cliquez pour retirer l[’']invitation envoy[ée]e à (.+)"
    r"|Pendiente, haz clic para retirar la invitaci[oó]n enviada a (.+))$"
)
PENDING_TEXT = re.compile(
    rf"^\s*(?:{one_of('Pending', 'Ausstehend', 'In afwachting', 'En attente', 'Pendiente')})\s*$"
)
INVITE_LABEL = re.compile(
    r"^(?:Invite (.+) to connect|(.+) als Kontakt einladen|(.+) uitnodigen om te connecten"
    r"|Inviter (.+) à (?:rejoindre votre réseau|se connecter)|Invitar a (.+) a conectar)$"
)
CONNECT_TEXT = re.compile(
    rf"^\s*(?:{one_of('Connect', 'Vernetzen', 'Connectie maken', 'Se connecter', 'Conectar')})\s*$"
)
_MESSAGE_WORDS = one_of("Message", "Nachricht", "Bericht", "Envoyer un message", "Mensaje", "Enviar mensaje")
MESSAGE = re.compile(rf"^\s*(?:{_MESSAGE_WORDS})\b")
MORE = re.compile(rf"^\s*(?:{one_of('More', 'More actions', 'Mehr', 'Meer', 'Plus', 'Más')})\s*$")
# "Follow <Name>" leads with the verb; German and Dutch put it last ("<Name> folgen").
FOLLOW = re.compile(
    rf"^\s*(?:{one_of('Follow', 'Folgen', 'Volgen', 'Suivre', 'Seguir')})\b|\s(?:folgen|volgen)\s*$"
)
_REMOVE_CONNECTION_WORDS = one_of(
    "Remove connection", "Kontakt entfernen", "Connectie verwijderen", "Retirer la relation",
    "Eliminar contacto",
)  # fmt: skip
REMOVE_CONNECTION = re.compile(rf"^\s*(?:{_REMOVE_CONNECTION_WORDS})\s*$")
FIRST_DEGREE = re.compile(r"·\s*(?:1st|1\.|1e|1er)\b")


class ProfilePage:
    """`/in/<slug>/`, scoped to the top card: the sticky header repeats its action row, and
    "People you may know" cards carry other members' Connect and Pending controls."""

    def __init__(self, page: Page, config: AutomationConfig) -> None:
        self.page = page
        self.config = config
        # CSS: the top card has no role or accessible name; its componentkey/id suffix is the
        # handle LinkedIn keeps across renderings (reference §1.6, §8.3).
        self.top_card = page.locator('[componentkey$="Topcard"], [id$="Topcard"]').filter(visible=True)
        self.name_heading = self.top_card.get_by_role("heading").first  # the card's first heading is the name
        self.pending = self.top_card.get_by_role("link", name=PENDING_LABEL).or_(
            self.top_card.get_by_role("button", name=PENDING_LABEL)
        )
        self.pending_text = self.top_card.get_by_role("button", name=PENDING_TEXT).or_(
            self.top_card.get_by_role("link", name=PENDING_TEXT)
        )
        # CSS: the custom-invite URL is what the Connect link is, in any language (reference §4.1).
        self.connect_link = self.top_card.get_by_role("link", name=INVITE_LABEL).or_(
            self.top_card.locator('a[href*="/preload/custom-invite/"]')
        )
        self.connect_button = self.top_card.get_by_role("button", name=INVITE_LABEL)
        self.message = self.top_card.get_by_role("link", name=MESSAGE).or_(
            self.top_card.get_by_role("button", name=MESSAGE)
        )
        self.more_button = self.top_card.get_by_role("button", name=MORE)
        self.menu = page.get_by_role("menu")
        self.menu_connect = self.menu.get_by_role("menuitem", name=CONNECT_TEXT)
        self.menu_remove_connection = self.menu.get_by_role("menuitem", name=REMOVE_CONNECTION)
        self.follow = self.top_card.get_by_role("button", name=FOLLOW).or_(
            self.top_card.get_by_role("link", name=FOLLOW)
        )
        self.first_degree = self.top_card.get_by_text(FIRST_DEGREE).filter(visible=True)

    async def open(self, slug: str) -> None:
        """Go to the member's profile and wait for its top card."""
        await open_url(self.page, self.config.url(profile_path(slug)))
        await self.name_heading.wait_for()

    async def read(self, slug: str) -> Profile:
        """Open the profile and read the top card."""
        await self.open(slug)
        return await self.read_top_card(slug)

    async def read_context(self, slug: str) -> ProfileContext:
        """Open the profile (`me`: the owner's own) and read what it tells about the member."""
        await self.open(slug)
        if await self.top_card.count() != 1:
            raise LayoutChanged(f"the profile of {slug} has {await self.top_card.count()} top cards")
        return parse_profile(await read_raw_profile(self.top_card))

    async def read_after_invite(self, slug: str) -> Profile:
        """The profile the custom-invite flow returned to (opened afresh if it went elsewhere)."""
        if profile_path(slug) not in self.page.url:
            await self.open(slug)
        else:
            await self.name_heading.wait_for()
        return await self.read_top_card(slug)

    async def read_top_card(self, slug: str) -> Profile:
        """Name, headline and relationship state from the top card on screen."""
        if await self.top_card.count() != 1:
            raise LayoutChanged(f"the profile of {slug} has {await self.top_card.count()} top cards")
        name = " ".join((await self.name_heading.inner_text()).split())
        # Read as a person reads it: not the controls' words, not the location or network size.
        headline = parse_profile(await read_raw_profile(self.top_card)).headline or ""
        state = await self._state(name)
        return Profile(slug=slug, name=clean_text(name), headline=clean_text(headline), state=state)

    async def _state(self, name: str) -> ProfileState:
        if await self.pending.count() > 0:
            await self._check_named(self.pending, PENDING_LABEL, name)
            return ProfileState.PENDING
        if await self.pending_text.count() > 0:
            return ProfileState.PENDING
        if await self.connect_link.count() > 0:
            await self._check_named(self.connect_link, INVITE_LABEL, name)
            return ProfileState.CONNECTABLE
        if await self.connect_button.count() > 0:
            # After a withdrawal LinkedIn shows Connect as a plain button without the custom-invite link.
            return ProfileState.BLOCKED
        if await self.first_degree.count() > 0:
            return ProfileState.CONNECTED
        if await self.more_button.count() > 0:
            state = await self._state_from_menu()
            if state is not None:
                return state
        if await self.follow.count() > 0:
            return ProfileState.FOLLOW_ONLY
        if await self.message.count() > 0:
            return ProfileState.CONNECTED
        return ProfileState.UNKNOWN

    async def _state_from_menu(self) -> ProfileState | None:
        """Connect is often only behind "More"; the menu also says whether we are connected."""
        # first: the action row can repeat "More" for responsive layouts inside the card.
        await self.more_button.first.click()
        try:
            await self.menu.wait_for()
            if await self.menu_remove_connection.count() > 0:
                return ProfileState.CONNECTED
            if await self.menu_connect.count() > 0:
                # first: one Connect item per menu.
                tag = await self.menu_connect.first.evaluate("el => el.closest('a') ? 'a' : el.tagName")
                return ProfileState.CONNECTABLE if tag.lower() == "a" else ProfileState.BLOCKED
            return None
        finally:
            await self.page.keyboard.press("Escape")

    @staticmethod
    async def _check_named(control: Locator, pattern: re.Pattern[str], name: str) -> None:
        label = await control.first.get_attribute("aria-label") or ""  # first: copies share the label
        match = pattern.match(" ".join(label.split()))
        named = next((g for g in match.groups() if g), None) if match else None
        if named is not None and not same_person(named, name):
            raise LayoutChanged(f"the top card's control names {named!r}, not {name!r}")
