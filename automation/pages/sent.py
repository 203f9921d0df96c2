"""The Sent invitations page: load every row, read them, find a row by slug, open its withdraw dialog."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import cast

from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from automation.config import AutomationConfig
from automation.errors import InvitationNotFound, LayoutChanged
from automation.pages.common import (
    LOAD_MORE,
    NEXT_PAGE,
    PILL,
    WITHDRAW_LABEL,
    WITHDRAW_TEXT,
    ensure_signed_in,
    name_in_withdraw_label,
    open_url,
    pill_number,
    same_person,
)
from automation.pages.rows import READ_ROWS_JS, RawRow, parse_row, row_name
from automation.slugs import profile_path
from automation.types import SentInvitation

SENT_PATH = "/mynetwork/invitation-manager/sent/"
INVITATION_MANAGER_PATH = "/mynetwork/invitation-manager/"

STABLE_ROUNDS = 3
"""Scroll attempts without a new row before the list counts as fully loaded (reference §8.5.5)."""

Progress = Callable[[int, int | None], None]


class SentInvitationsPage:
    """`/mynetwork/invitation-manager/sent/` in any known rendering."""

    def __init__(self, page: Page, config: AutomationConfig) -> None:
        self.page = page
        self.config = config
        self.main = page.get_by_role("main")
        # The withdraw control is an <a> in E4 and a <button> before; labelled with the member's
        # name, or (E3) only by its text. The data-view-name / Ember class fallbacks carry no role
        # name at all; CSS is the only handle those renderings offer.
        self.withdraw_controls = (
            page.get_by_role("link", name=WITHDRAW_LABEL)
            .or_(page.get_by_role("button", name=WITHDRAW_LABEL))
            .or_(page.get_by_role("button", name=WITHDRAW_TEXT))
            .or_(page.locator('button[data-view-name="sent-invitations-withdraw-single"]'))
            .or_(page.locator("button.invitation-card__action-btn"))
        )
        # A row is a visible list item inside <main> that holds a withdraw control: that excludes
        # hidden duplicate rows and right-rail or "People you may know" cards.
        self.rows = self.main.get_by_role("listitem").filter(visible=True).filter(has=self.withdraw_controls)
        self.pill = (
            page.get_by_role("link", name=PILL)
            .or_(page.get_by_role("button", name=PILL))
            .or_(page.get_by_role("navigation").get_by_text(PILL))
        )
        self.load_more_button = self.main.get_by_role("button", name=LOAD_MORE)
        self.next_page_control = page.get_by_role("button", name=NEXT_PAGE).or_(
            page.get_by_role("link", name=NEXT_PAGE)
        )

    async def open(self, page_number: int = 1) -> None:
        """Go to the Sent tab (a given page of the old paginated rendering)."""
        path = SENT_PATH if page_number == 1 else f"{SENT_PATH}?page={page_number}"
        await open_url(self.page, self.config.url(path))
        await self.main.wait_for()

    async def pill_count(self) -> int | None:
        """The `People (N)` pill's N, or None where the rendering shows no pill."""
        if await self.pill.count() == 0:
            return None
        # The pill can be rendered twice (sticky nav); both carry the same number.
        return pill_number(await self.pill.first.inner_text())

    async def list_all(self, on_progress: Progress | None = None) -> tuple[list[SentInvitation], int | None]:
        """Every pending invitation on the page (all lazy batches, all old-style pages) and the pill count."""
        await self.open()
        total = await self.pill_count()
        found: dict[str, SentInvitation] = {}
        page_number = 1
        while True:
            await self._load_all_rows(total, len(found), on_progress)
            for invitation in await self.read_rows():
                found.setdefault(invitation.slug, invitation)
            if on_progress:
                on_progress(len(found), total)
            if (total is not None and len(found) >= total) or not await self._has_next_page():
                break
            page_number += 1
            await self.open(page_number)
        return list(found.values()), total

    async def read_rows(self) -> list[SentInvitation]:
        """The rows loaded so far, parsed (rows that are not invitations are skipped)."""
        raws = cast(list[RawRow], await self.rows.evaluate_all(READ_ROWS_JS))
        parsed = (parse_row(raw, lambda slug: self.config.url(profile_path(slug))) for raw in raws)
        return [invitation for invitation in parsed if invitation is not None]

    def row_for(self, slug: str) -> Locator:
        """The visible row whose profile link points at `slug` (never a row chosen by position)."""
        # CSS: the slug lives only in the link's href (absolute or relative, with or without the slash).
        ends = [json.dumps(profile_path(slug)), json.dumps(profile_path(slug).rstrip("/"))]
        link = self.page.locator(", ".join(f"a[href$={end}]" for end in ends))
        return self.rows.filter(has=link)

    async def find_row(self, slug: str) -> Locator:
        """Load batches (and old-style pages) until the row for `slug` is there.

        Raises:
            InvitationNotFound: every row is loaded and none is for `slug`.
        """
        await self.open()
        total = await self.pill_count()
        page_number = 1
        row = self.row_for(slug)
        while True:
            if await row.count() > 0:
                return row
            loaded = await self.rows.count()
            if await self._load_next_batch(loaded):
                continue
            if await self._has_next_page():
                page_number += 1
                await self.open(page_number)
                continue
            if total is not None and loaded < total and page_number == 1:
                # The pill promises more rows than would load; try the stable-rounds wait once.
                await self._load_all_rows(total, 0, None)
                if await row.count() > 0:
                    return row
            raise InvitationNotFound(f"no pending invitation to {slug} on the Sent page")

    async def open_withdraw_dialog(self, row: Locator, slug: str, expected_name: str | None) -> str:
        """Click the row's withdraw control after checking it names the expected person; returns the name.

        Raises:
            LayoutChanged: the row is duplicated, or its control names someone else.
        """
        if await row.count() != 1:
            raise LayoutChanged(f"{await row.count()} visible rows for {slug}; refusing to guess")
        raw = cast(list[RawRow], await row.evaluate_all(READ_ROWS_JS))[0]
        control = row.locator(self.withdraw_controls)
        if await control.count() != 1:
            raise LayoutChanged(f"the row for {slug} has {await control.count()} withdraw controls")
        label = await control.get_attribute("aria-label") or ""
        name = name_in_withdraw_label(label) or row_name(raw)
        if name is None:
            raise LayoutChanged(f"the row for {slug} names nobody")
        if expected_name is not None and not same_person(name, expected_name):
            raise LayoutChanged(f"the row for {slug} names {name!r}, expected {expected_name!r}")
        await control.click()  # a trusted click: LinkedIn ignores keyboard and synthetic activation
        return name

    async def wait_until_row_gone(self, slug: str, pill_before: int | None) -> int | None:
        """Wait for the row to leave the page and the pill to drop by one; returns the new pill count.

        Raises:
            LayoutChanged: we are no longer on the invitation manager (the click navigated away).
        """
        row = self.row_for(slug)
        try:
            await row.wait_for(state="detached")
            if pill_before is not None:
                await self.pill.filter(has_text=_pill_text_pattern(pill_before - 1)).first.wait_for()
        except PlaywrightTimeoutError:
            self._ensure_on_invitation_manager()
            raise
        self._ensure_on_invitation_manager()
        return await self.pill_count()

    def _ensure_on_invitation_manager(self) -> None:
        ensure_signed_in(self.page)
        if INVITATION_MANAGER_PATH not in self.page.url:
            raise LayoutChanged(f"the withdraw click left the invitation manager for {self.page.url}")

    async def _load_all_rows(self, total: int | None, already: int, on_progress: Progress | None) -> None:
        """Scroll `<main>` / click "Load more" until the rows equal the pill or stop growing."""
        stable = 0
        while stable < STABLE_ROUNDS:
            loaded = await self.rows.count()
            if on_progress:
                on_progress(already + loaded, total)
            if total is not None and already + loaded >= total:
                return
            if await self._load_next_batch(loaded):
                stable = 0
            else:
                stable += 1
                if total is None or await self._has_next_page():
                    return  # no pill to compare with, or this is one page of a paginated list

    async def _load_next_batch(self, loaded: int) -> bool:
        """Ask for more rows; True if at least one more row appeared."""
        if await self.load_more_button.count() > 0 and await self.load_more_button.first.is_visible():
            await self.load_more_button.first.click()
        else:
            # The list scrolls inside <main>; scrolling the window does nothing (reference §1.2).
            await self.main.evaluate("main => main.scrollTo(0, main.scrollHeight)")
        try:
            # nth: wait for the row after the last one we have, i.e. for the list to grow.
            await self.rows.nth(loaded).wait_for(state="attached")
        except PlaywrightTimeoutError:
            return False
        return True

    async def _has_next_page(self) -> bool:
        return await self.next_page_control.count() > 0 and await self.next_page_control.first.is_enabled()


def _pill_text_pattern(count: int) -> re.Pattern[str]:
    """Matches a pill showing `count`, with or without a thousands separator."""
    digits = r"[.,\u00a0\u202f ]?".join(str(count))
    return re.compile(rf"\(\s*{digits}\s*\)")
