"""What LinkedIn may put in front of any page: the one detector every operation consults.

A signed-in page can turn out to be something else than the page asked for: the sign-in wall (the
session is gone), a checkpoint or a captcha, the restriction interstitial, an "unusual activity"
warning, the weekly-limit notice, or a user interface in a language we have no words for. Each
means a person must act, and each has its own typed error (`automation.errors`).

The page is read in one round trip (`read_signals`); deciding what it means is plain Python
(`friction_in`), testable without a browser. Structure decides where it can (a captcha frame, a
visible code input, the URL, `<html lang>`); words only where nothing else tells (a restriction
and a warning look like any page). Texts other than English are our best knowledge of LinkedIn's
wording (reference §5.2 has the English ones), not from a dated source.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from automation.errors import (
    AccountRestricted,
    AutomationError,
    CaptchaRequired,
    LayoutChanged,
    SecurityCheckpoint,
    SessionExpired,
    UnsupportedLanguage,
    UnusualActivity,
    WeeklyLimit,
)

SUPPORTED_LANGUAGES = ("en", "de", "nl", "fr", "es")
"""The languages whose words the page objects carry (primary subtags of `<html lang>`)."""

SIGNED_OUT_PATHS = ("/login", "/uas/login", "/authwall", "/checkpoint/lg/")
"""Where LinkedIn sends a browser whose session is gone."""

CHECKPOINT_PATH = "/checkpoint/"
"""Every other checkpoint URL: LinkedIn wants the member to prove who they are."""

CAPTCHA = re.compile(
    r"quick security check|Verify you are not a robot|kurze Sicherheitsüberprüfung"
    r"|snelle beveiligingscontrole|vérification de sécurité rapide|comprobación de seguridad rápida",
    re.IGNORECASE,
)
APP_APPROVAL = re.compile(
    r"Check your LinkedIn app|Open your LinkedIn app|We sent a notification|Prüfen Sie Ihre LinkedIn App"
    r"|Controleer uw LinkedIn-app|Consultez votre application LinkedIn|Revisa tu aplicación de LinkedIn",
    re.IGNORECASE,
)
RESTRICTED = re.compile(
    r"account (?:has been|is|was) (?:temporarily )?restricted"
    r"|Konto wurde (?:vorübergehend )?eingeschränkt|account is (?:tijdelijk )?beperkt"
    r"|compte a été (?:temporairement )?restreint|cuenta (?:ha sido|está) (?:temporalmente )?restringida",
    re.IGNORECASE,
)
UNUSUAL_ACTIVITY = re.compile(
    r"unusual activity|ungewöhnliche Aktivität|ongebruikelijke activiteit|activité inhabituelle"
    r"|actividad inusual",
    re.IGNORECASE,
)
WEEKLY_LIMIT = re.compile(
    r"reached the weekly (?:invitation )?limit|weekly limit for connection"
    r"|wöchentliche Einladungslimit|wekelijkse uitnodigingslimiet"
    r"|limite hebdomadaire d[’']invitations|límite semanal de invitaciones",
    re.IGNORECASE,
)
"""The weekly-invitation-limit notice (reference §4.5), as a modal, a toast or a page."""

# Runs in the page. Texts are what a person would read first: visible headings, alerts and dialogs.
SIGNALS_JS = """
() => {
  const visible = el => el.checkVisibility ? el.checkVisibility() : el.offsetParent !== null;
  const texts = [...document.querySelectorAll(
      'h1, h2, [role="alert"], [role="alertdialog"], [role="dialog"], dialog[open]')]
    .filter(visible)
    .map(el => (el.innerText || '').replace(/\\s+/g, ' ').trim())
    .filter(Boolean)
    .slice(0, 40);
  return JSON.stringify({
    url: location.href,
    lang: document.documentElement.getAttribute('lang') || '',
    captcha: document.querySelector('iframe[src*="captcha"], #captcha-internal') !== null,
    code_input: [...document.querySelectorAll('input[name="pin"], input[autocomplete="one-time-code"]')]
      .some(visible),
    texts: texts,
  });
}
"""


@dataclass(frozen=True)
class PageSignals:
    """What the detector reads from a page."""

    url: str
    lang: str = ""
    captcha: bool = False
    code_input: bool = False
    texts: tuple[str, ...] = ()


def language_of(lang: str) -> str:
    """`<html lang>` → its primary subtag, lower case ("fr-FR" → "fr"; "" when absent)."""
    return lang.strip().split("-")[0].split("_")[0].lower()


def friction_in(signals: PageSignals) -> AutomationError | None:
    """The error the page stands for, or None when it is an ordinary page in a language we read."""
    path = urlsplit(signals.url).path
    text = " · ".join(signals.texts)
    if signals.captcha or CAPTCHA.search(text):
        return CaptchaRequired(f"LinkedIn shows a captcha at {path}")
    if RESTRICTED.search(text):
        return AccountRestricted(f"LinkedIn says the account is restricted (at {path})")
    if UNUSUAL_ACTIVITY.search(text):
        return UnusualActivity(f"LinkedIn warns of unusual activity on the account (at {path})")
    if WEEKLY_LIMIT.search(text):
        return WeeklyLimit(f"LinkedIn says the weekly invitation limit is reached (at {path})")
    if any(path == p.rstrip("/") or path.startswith(p) for p in SIGNED_OUT_PATHS):
        return SessionExpired(f"LinkedIn redirected to {path}: the session is no longer valid")
    if signals.code_input or APP_APPROVAL.search(text) or path.startswith(CHECKPOINT_PATH):
        return SecurityCheckpoint(f"LinkedIn stopped at a checkpoint ({path}) to verify the member")
    language = language_of(signals.lang)
    if language and language not in SUPPORTED_LANGUAGES:
        return UnsupportedLanguage(language, SUPPORTED_LANGUAGES)
    return None


async def read_signals(page: Page) -> PageSignals:
    """Read the page's signals in one round trip (waiting for a navigation in flight to land)."""
    for _ in range(3):
        try:
            await page.wait_for_load_state("domcontentloaded")
            raw: dict[str, Any] = json.loads(await page.evaluate(SIGNALS_JS))
            break
        except PlaywrightError as exc:
            # A navigation replaced the document while we read it: read the new one.
            if "context was destroyed" not in (exc.message or "") and "navigat" not in (exc.message or ""):
                raise
    else:
        return PageSignals(url=page.url)
    return PageSignals(
        url=str(raw["url"]),
        lang=str(raw["lang"]),
        captcha=bool(raw["captcha"]),
        code_input=bool(raw["code_input"]),
        texts=tuple(str(t) for t in raw["texts"]),
    )


# Runs in the page: list items in <main> that link to a profile, whatever their words say.
_PROFILE_ITEMS_JS = """
() => [...document.querySelectorAll('main [role="listitem"], main li')]
  .filter(el => el.querySelector('a[href*="/in/"]') !== null && el.checkVisibility()).length
"""


async def unreadable_list(page: Page) -> AutomationError | None:
    """Why a list that shows people yielded no invitation and no count, if it shows any.

    Called when the Sent page read as empty with no `People (N)` pill: if list items linking
    to profiles are on screen, our words matched none of them. Without a `<html lang>` to name
    the language, that failure to match any table is how a language we cannot read shows.

    Returns:
        UnsupportedLanguage: the page names no language, or one we do not read.
        LayoutChanged: the page claims a language we read, yet nothing on it matched.
        None: there is nothing on the page to read (an empty list).
    """
    if int(await page.evaluate(_PROFILE_ITEMS_JS)) == 0:
        return None
    language = language_of(str(await page.evaluate("document.documentElement.getAttribute('lang') || ''")))
    if language not in SUPPORTED_LANGUAGES:
        return UnsupportedLanguage(language or "unknown", SUPPORTED_LANGUAGES)
    return LayoutChanged("people are listed on the Sent page, but no row and no count could be read")


async def check_page(page: Page) -> None:
    """Raise the error for whatever LinkedIn put in front of the page; return if it is the page."""
    friction = friction_in(await read_signals(page))
    if friction is not None:
        raise friction


async def friction_on(page: Page) -> AutomationError | None:
    """Like `check_page`, but returns the error, and None when the page cannot even be read.

    It is asked after a step failed, often because a redirect replaced the page mid-step ("the
    execution context was destroyed"): the new document may still be loading then, so it is read
    once it has loaded, and once more if it was replaced again while being read.
    """
    for _ in range(2):
        try:
            await page.wait_for_load_state("domcontentloaded")
            return friction_in(await read_signals(page))
        except PlaywrightError:
            continue
    return None
