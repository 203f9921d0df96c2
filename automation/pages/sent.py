"""The Sent invitations page: load every row, read them, find a row by slug, open its withdraw dialog."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from automation.config import AutomationConfig
from automation.errors import InvitationNotFound, LayoutChanged, WithdrawNotVerified
from automation.pages.common import (
    LOAD_MORE,
    NEXT_PAGE,
    PILL,
    PREVIOUS_PAGE,
    WITHDRAW_LABEL,
    WITHDRAW_TEXT,
    ensure_signed_in,
    first_of,
    open_url,
    pill_number,
    same_person,
)
from automation.pages.friction import PageSignals, friction_in
from automation.pages.lazy_list import Growth, ListState, count_rows, grow, new_list_state
from automation.pages.rows import (
    RawRow,
    expand_note,
    has_withdraw_control,
    parse_row,
    read_raw_rows,
    row_name,
)
from automation.pages.served import ServedSentPage, read_served_sent_page
from automation.slugs import profile_path
from automation.text import clean_text
from automation.types import SentInvitation

SENT_PATH = "/mynetwork/invitation-manager/sent/"
INVITATION_MANAGER_PATH = "/mynetwork/invitation-manager/"

STABLE_ROUNDS = 3
"""Scroll attempts without a new row before the list counts as fully loaded (reference §8.5.5)."""

ERROR_TOAST = re.compile(
    r"Something went wrong|Etwas ist schiefgelaufen|Er is iets misgegaan|Une erreur s|Algo sali[oó] mal",
    re.IGNORECASE,
)
"""LinkedIn's generic error toast, as it answers a confirm that failed on the server."""

CHUNK_ROWS = 100
"""Rows loaded between two progress reports."""

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
        # Rows are the visible list items inside <main>; which of them are invitation rows is
        # decided by what they hold (automation/pages/rows.py), in the page while loading and in
        # Python when read: a `has=` filter here would name every control of every row in the
        # browser on each query, seconds for a long list.
        self.list_items = self.main.get_by_role("listitem").filter(visible=True)
        self.pill = (
            page.get_by_role("link", name=PILL)
            .or_(page.get_by_role("button", name=PILL))
            .or_(page.get_by_role("navigation").get_by_text(PILL))
        )
        self.load_more_button = self.main.get_by_role("button", name=LOAD_MORE)
        # first: a toast region may stack several alerts; any error one means the confirm failed.
        self.error_toast = page.get_by_role("alert").filter(has_text=ERROR_TOAST)
        self.next_page_control = page.get_by_role("button", name=NEXT_PAGE).or_(
            page.get_by_role("link", name=NEXT_PAGE)
        )
        self.page_controls = self.next_page_control.or_(page.get_by_role("button", name=PREVIOUS_PAGE)).or_(
            page.get_by_role("link", name=PREVIOUS_PAGE)
        )

    async def open(self, page_number: int = 1) -> None:
        """Go to the Sent tab (a given page of the old paginated rendering)."""
        path = SENT_PATH if page_number == 1 else f"{SENT_PATH}?page={page_number}"
        await open_url(self.page, self.config.url(path))
        await self.main.wait_for()

    async def served(self) -> ServedSentPage | None:
        """The Sent page as the server renders its first load, fetched with the context's cookies
        but without a tab (no renderer, and the tab keeps what it has loaded).

        None when the answer is no signed-in HTML page (an error, a redirect to a login or
        checkpoint, a failed request): the caller then loads the page in the tab, which says why.
        """
        try:
            response = await self.page.request.get(
                self.config.url(SENT_PATH),
                headers={"Accept": "text/html"},
                timeout=self.config.navigation_timeout_ms,
            )
        except PlaywrightError:
            return None
        try:
            if (
                not response.ok
                or friction_in(PageSignals(url=response.url)) is not None
                or "html" not in response.headers.get("content-type", "")
            ):
                return None
            html = await response.text()
        finally:
            await response.dispose()
        # A real Sent page is hundreds of kilobytes: parse it off the event loop.
        return await asyncio.to_thread(read_served_sent_page, html)

    async def pill_count(self) -> int | None:
        """The `People (N)` pill's N, or None where the rendering shows no pill."""
        texts = await self.pill.all_inner_texts()  # one round trip; a sticky copy carries the same number
        return pill_number(texts[0]) if texts else None

    async def list_all(self, on_progress: Progress | None = None) -> tuple[list[SentInvitation], int | None]:
        """Every pending invitation on the page (all lazy batches, all old-style pages) and the pill count.

        Rows are read as they arrive, each once, in the order they arrived: the list only grows at
        its end while it loads, so that is the page's order.

        Raises:
            LayoutChanged: rows stopped loading before their number reached the pill's.
        """
        await self.open()
        total = await self.pill_count()
        found: dict[str, SentInvitation] = {}
        page_number = 1
        while True:
            # Rows are read as they arrive, while the next batch is on its way (see `_load`).
            raws: list[RawRow] = []
            await self._load(total, len(found), on_progress, read_into=raws)
            for invitation in await self._parsed(raws):
                found.setdefault(invitation.slug, invitation)
            if on_progress:
                on_progress(len(found), total)
            if total is not None and len(found) >= total:
                break
            if not await self._has_next_page():
                if total is not None:
                    raise LayoutChanged(f"the Sent page stopped loading at {len(found)} of {total} rows")
                break
            page_number += 1
            await self.open(page_number)
        return list(found.values()), total

    async def read_rows(self) -> list[SentInvitation]:
        """The rows loaded so far, parsed (rows that are not invitations are skipped)."""
        return await self._parsed(await read_raw_rows(self.list_items))

    async def _parsed(self, raws: list[RawRow]) -> list[SentInvitation]:
        """The invitations among raw rows, in their order.

        A note the page shows only in part (an ellipsis and an expander) is expanded first, with
        a trusted click on its expander, and its row read again.
        """
        for index, raw in enumerate(raws):
            if raw["note_expander"] is None or raw["key"] is None:
                continue
            row = self.row_for(raw["key"])
            if await row.count() != 1 or not await expand_note(
                row, raw["note_expander"], self.config.timeout_ms
            ):
                raise LayoutChanged(f"the note of the row for {raw['key']} did not expand")
            raws[index] = (await read_raw_rows(row))[0]
        parsed = (parse_row(raw, lambda slug: self.config.url(profile_path(slug))) for raw in raws)
        return [invitation for invitation in parsed if invitation is not None]

    def row_for(self, slug: str) -> Locator:
        """The visible invitation row whose profile link points at `slug` (never a row chosen by position).

        Only a list item holding a withdraw control counts (a "People you may know" card for the
        same member does not), and only the innermost one when list items are nested.
        """
        link = self.page.locator(self._link_selector(slug))
        return (
            self.list_items.filter(has=link)
            .filter(has_not=self.page.get_by_role("listitem").filter(has=link))
            .filter(has=self.withdraw_controls)
        )

    @staticmethod
    def _link_selector(slug: str) -> str:
        # CSS: the slug lives only in the link's href (absolute or relative, with or without the slash).
        ends = [json.dumps(profile_path(slug)), json.dumps(profile_path(slug).rstrip("/"))]
        return ", ".join(f"a[href$={end}]" for end in ends)

    async def find_row(self, slug: str, *, page_is_fresh: bool = False) -> Locator:
        """Load batches (and old-style pages) until the row for `slug` is there.

        Args:
            slug: the member whose row to find.
            page_is_fresh: the Sent page on screen is one we loaded and just withdrew from, so its
                rows can be searched without loading the list again; a miss there still gets a
                fresh page before giving up.

        Raises:
            InvitationNotFound: every row is loaded and none is for `slug`.
            LayoutChanged: rows stopped loading before their number reached the pill's.
        """
        if page_is_fresh and SENT_PATH in self.page.url:
            try:
                return await self._find_on_this_page(slug)
            except (InvitationNotFound, LayoutChanged):
                pass  # the page may be behind the server: look again on a fresh one
        await self.open()
        return await self._find_on_this_page(slug)

    async def _find_on_this_page(self, slug: str) -> Locator:
        total = await self.pill_count()
        row = self.row_for(slug)
        page_number, seen = 1, 0
        while True:
            growth = await self._load(total, seen, None, until=slug)
            if await row.count() > 0:
                return row
            seen += growth.count
            if await self._has_next_page():
                page_number += 1
                await self.open(page_number)
                continue
            if total is not None and seen < total:
                raise LayoutChanged(f"the Sent page stopped loading at {seen} of {total} rows")
            raise InvitationNotFound(f"no pending invitation to {slug} on the Sent page")

    async def open_withdraw_dialog(self, row: Locator, slug: str, expected_name: str | None) -> str:
        """Click the row's withdraw control after checking it names the expected person; returns the name.

        Raises:
            LayoutChanged: the row is duplicated, or its control names someone else.
        """
        raws = await read_raw_rows(row)  # one round trip for all the checks below
        if len(raws) != 1:
            raise LayoutChanged(f"{len(raws)} visible rows for {slug}; refusing to guess")
        if not has_withdraw_control(raws[0]):
            raise LayoutChanged(f"the row for {slug} has no withdraw control")
        name = row_name(raws[0])
        if name is None:
            raise LayoutChanged(f"the row for {slug} names nobody")
        if expected_name is not None and not same_person(name, expected_name):
            raise LayoutChanged(f"the row for {slug} names {name!r}, expected {expected_name!r}")
        control = row.locator(self.withdraw_controls)  # strict: the click fails on two controls
        await control.click()  # a trusted click: LinkedIn ignores keyboard and synthetic activation
        return name

    async def wait_until_row_gone(self, slug: str, pill_before: int | None) -> int | None:
        """Wait for the row to leave the page and the pill to drop by one; returns the new pill count.

        Raises:
            LayoutChanged: we are no longer on the invitation manager (the click navigated away).
        """
        row = self.row_for(slug)
        try:
            # first (toast): any error alert means the confirm failed.
            outcome = await first_of(
                gone=row.wait_for(state="detached"), failed=self.error_toast.first.wait_for()
            )
            if outcome == "failed":
                message = clean_text(await self.error_toast.first.inner_text())
                raise WithdrawNotVerified(
                    f"LinkedIn answered the withdrawal of {slug} with an error: {message}"
                )
            if pill_before is not None:
                # first: a sticky copy of the pill shows the same number.
                await self.pill.filter(has_text=_pill_text_pattern(pill_before - 1)).first.wait_for()
        except PlaywrightTimeoutError:
            self._ensure_on_invitation_manager()
            raise
        self._ensure_on_invitation_manager()
        # The pill was just seen showing exactly this; no need to read it again.
        return pill_before - 1 if pill_before is not None else None

    def _ensure_on_invitation_manager(self) -> None:
        ensure_signed_in(self.page)
        if INVITATION_MANAGER_PATH not in self.page.url:
            raise LayoutChanged(f"the withdraw click left the invitation manager for {self.page.url}")

    async def _load(
        self,
        total: int | None,
        already: int,
        on_progress: Progress | None,
        *,
        until: str | None = None,
        read_into: list[RawRow] | None = None,
    ) -> Growth:
        """Load rows on this page until they number `total - already`, the `until` row shows, or they stop.

        E4/E3 load on scrolling `<main>` (not the window); E2 has a "Load more" button, clicked
        with a trusted click while it shows.

        Args:
            total: the pill's count, if any.
            already: rows found on earlier pages (`?page=N`).
            on_progress: told the rows loaded after each chunk.
            until: stop once this member's row is loaded.
            read_into: append every row's raw strings here, each row read once, after each chunk
                of rows (while the next batch loads) and once the list is complete.
        """
        target = None if total is None else max(0, total - already)
        idle_ms = min(max(self.config.timeout_ms / 5, 500), 3_000)
        # Asked at once (one wait for three answers), cheap while few rows are loaded; "Load more"
        # is asked again only if scrolling stalls.
        state, load_more_mode, page_controls = await asyncio.gather(
            new_list_state(self.main), self._load_more_shown(), self.page_controls.count()
        )
        stalls, done = 0, False
        try:
            if not load_more_mode and page_controls > 0:
                # An old paginated page (`?page=N`) holds all its rows at once; nothing to scroll for.
                growth = Growth(count=await count_rows(self.main, state), complete=True, stalled=False)
                done = True
            while True:
                if load_more_mode:
                    growth = await self._click_load_more(
                        target, until, idle_ms, state, read=read_into is not None
                    )
                    stalls = stalls + 1 if growth.stalled else 0
                    done = growth.complete or stalls >= STABLE_ROUNDS or not await self._load_more_shown()
                elif not done:
                    growth = await grow(
                        self.main, target=target, until=until, idle_ms=idle_ms,
                        stable_rounds=STABLE_ROUNDS, chunk=CHUNK_ROWS, state=state,
                        read=read_into is not None,
                    )  # fmt: skip
                    done = growth.complete
                    if growth.stalled and await self._load_more_shown():
                        # Scrolling loads nothing here: this rendering pages with a "Load more" button.
                        load_more_mode, done = True, False
                if read_into is not None:
                    arrived = growth.rows  # read by the rounds as the rows came
                    if arrived is None:  # a page holding all its rows at once: no round ran
                        arrived = await read_raw_rows(self.list_items, unread_in=state)
                    read_into += arrived
                if on_progress:
                    on_progress(already + growth.count, total)
                if done:
                    return growth
        finally:
            await state.dispose()

    async def _load_more_shown(self) -> bool:
        # Only asked when scrolling stalls: naming every button of a long list is not free.
        # first: one button per list; a copy may sit in a footer.
        return await self.load_more_button.count() > 0 and await self.load_more_button.first.is_visible()

    async def _click_load_more(
        self, target: int | None, until: str | None, idle_ms: float, state: ListState, *, read: bool
    ) -> Growth:
        before = await count_rows(self.main, state)
        await self.load_more_button.first.click()  # first: one button per list; a copy may sit in a footer
        return await grow(
            self.main, target=target, until=until, idle_ms=idle_ms, stable_rounds=1, chunk=CHUNK_ROWS,
            scroll=False, since=before, state=state, read=read,
        )  # fmt: skip

    async def _has_next_page(self) -> bool:
        # first: "Next" may be a button and a link at once; both go to the same page.
        return await self.next_page_control.count() > 0 and await self.next_page_control.first.is_enabled()


def _pill_text_pattern(count: int) -> re.Pattern[str]:
    """Matches a pill showing `count`, with or without a thousands separator."""
    digits = r"[.,\u00a0\u202f ]?".join(str(count))
    return re.compile(rf"\(\s*{digits}\s*\)")
