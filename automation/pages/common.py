"""What every page shares: navigation with the friction check, and the localized words we match."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Response

from automation.errors import NavigationFailed, ProxyFailed, SecurityCheckpoint, SessionExpired
from automation.pages.friction import PageSignals, check_page, friction_in
from automation.text import clean_text


def ensure_signed_in(page: Page) -> None:
    """Raise if the page's URL alone says it is not ours any more: the sign-in wall or a checkpoint.

    Raises:
        SessionExpired: the login form or the auth wall.
        SecurityCheckpoint: any other checkpoint URL.
    """
    friction = friction_in(PageSignals(url=page.url))
    if isinstance(friction, (SessionExpired, SecurityCheckpoint)):
        raise friction


async def open_url(page: Page, url: str, *, signed_in: bool = True) -> Response | None:
    """Navigate and wait for the document; check what it is unless this is the login flow itself.

    Raises:
        SessionExpired: the navigation ended on /login or /authwall.
        SecurityCheckpoint, CaptchaRequired, AccountRestricted, UnusualActivity, WeeklyLimit,
            UnsupportedLanguage: LinkedIn put something else in front of the page (`friction`).
        NavigationFailed: the page did not load or the server answered with an error.
        ProxyFailed: the context's proxy refused its credentials or could not be reached.
    """
    try:
        response = await page.goto(url, wait_until="domcontentloaded")
    except PlaywrightError as exc:
        first_line = exc.message.splitlines()[0] if exc.message else type(exc).__name__
        proxy_error = PROXY_NET_ERRORS.search(first_line)
        if proxy_error is not None:
            raise ProxyFailed(f"cannot be reached ({proxy_error.group(0)})") from None
        raise NavigationFailed(f"could not open {urlsplit(url).path}: {first_line}") from exc
    if response is not None and response.status == PROXY_AUTHENTICATION_REQUIRED:
        # Chromium shows the proxy's own answer as the page: nothing of LinkedIn is behind it.
        raise ProxyFailed("refused its credentials (HTTP 407)")
    if signed_in:
        await check_page(page)
    if response is not None and response.status >= 500:
        raise NavigationFailed(f"{urlsplit(url).path} answered HTTP {response.status}")
    return response


PROXY_AUTHENTICATION_REQUIRED = 407
PROXY_NET_ERRORS = re.compile(r"net::ERR_(?:PROXY|TUNNEL|SOCKS)_[A-Z_]+")
"""Chromium's network errors that mean the proxy, not the site, failed."""


def one_of(*alternatives: str) -> str:
    """A regex alternation of literal words."""
    return "|".join(re.escape(a) for a in alternatives)


def exactly(*alternatives: str, flags: int = 0) -> re.Pattern[str]:
    """A pattern matching one of the words as the whole (trimmed) text: for names like "Withdraw"."""
    return re.compile(rf"^\s*(?:{one_of(*alternatives)})\s*$", flags)


# Patterns below go to Playwright (`name=`), which runs them as JavaScript regexes: no named groups.

# The withdraw control's accessible name, per locale; the one non-empty group is the member's full
# name. E3's confirm button said "Withdrawn invitation …", so both spellings count (reference §1.3, §8.5).
WITHDRAW_LABEL = re.compile(
    r"^(?:Withdrawn? invitation sent to (.+)"
    r"|Einladung an (.+) zur(?:ü|ue)ck(?:ziehen|gezogen)"
    r"|Uitnodiging aan (.+) (?:intrekken|ingetrokken)"
    r"|Retirer l[’']invitation envoy[ée]e à (.+)"
    r"|Retirar (?:la )?invitaci[oó]n enviada a (.+))$"
)
WITHDRAW_TEXT = re.compile(
    rf"^\s*(?:{one_of('Withdraw', 'Zurückziehen', 'Intrekken', 'Retirer', 'Retirar')})\s*$"
)
"""The control's visible text when it has no aria-label (E2/E3 rows, E2 confirm buttons)."""

_PEOPLE = one_of("People", "Personen", "Mensen", "Personnes", "Personas")
PILL = re.compile(rf"^\s*(?:{_PEOPLE})\s*\((\d[\d.,\u00a0\u202f ]*)\)\s*$")
"""The `People (N)` filter pill, whose N is the page's only count of pending invitations."""

_LOAD_MORE_WORDS = one_of(
    "Load more", "Show more", "See more", "Mehr anzeigen", "Mehr laden", "Meer laden", "Meer weergeven",
    "Afficher plus", "Ver más", "Cargar más",
)  # fmt: skip
LOAD_MORE = re.compile(rf"^\s*(?:{_LOAD_MORE_WORDS})\s*$", re.IGNORECASE)

NEXT_PAGE = exactly("Next", "Weiter", "Nächste", "Volgende", "Suivant", "Siguiente", flags=re.IGNORECASE)
"""E1/E2 pagination's "Next" control."""

PREVIOUS_PAGE = exactly(
    "Previous", "Zurück", "Vorherige", "Vorige", "Précédent", "Anterior", flags=re.IGNORECASE
)
"""E1/E2 pagination's "Previous" control."""


def name_in_withdraw_label(label: str) -> str | None:
    """The member name a withdraw control's accessible name carries, if it is one."""
    match = WITHDRAW_LABEL.match(" ".join(label.split()))
    if match is None:
        return None
    return next(g for g in match.groups() if g)


def pill_number(text: str) -> int | None:
    """`People (1,234)` → 1234; None if the text is not the pill."""
    match = PILL.match(text)
    if match is None:
        return None
    return int(re.sub(r"\D", "", match[1]))


def same_person(a: str, b: str) -> bool:
    """Names compare equal ignoring case, spacing and the typographic/ASCII apostrophe."""

    def norm(name: str) -> str:
        return " ".join(clean_text(name).replace("’", "'").casefold().split())

    return norm(a) == norm(b)


async def first_of(**waits: Awaitable[Any]) -> str:
    """Wait for whichever of several page conditions comes first; returns its keyword.

    The others are cancelled. If the first to finish failed (a Playwright timeout), that error is raised.
    """
    tasks = {asyncio.ensure_future(wait): name for name, wait in waits.items()}
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    finished = done.pop()
    finished.result()  # re-raises the failure of the one that finished first
    return tasks[finished]
