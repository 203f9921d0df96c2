"""One Sent-page row, read in the browser as raw strings, turned into a `SentInvitation` here.

Reading happens in a single `evaluate_all` over the row locators (one round trip for hundreds of
rows); everything that decides what a string means is plain Python, testable without a browser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TypedDict, cast

from playwright.async_api import Locator

from automation.pages.common import WITHDRAW_TEXT, name_in_withdraw_label
from automation.slugs import profile_slug
from automation.timeparse import parse_age
from automation.types import SentInvitation

# Runs in the page over the visible rows. Only structure every rendering shares is used: the row's
# profile links, the labels of its links/buttons, its rendered lines, and the note box.
READ_ROWS_JS = """
rows => JSON.stringify(rows.map(row => {
  const profileLinks = [...row.querySelectorAll('a[href*="/in/"]')].map(a => a.getAttribute('href'));
  const controls = [...row.querySelectorAll('a, button')].map(el => ({
    label: (el.getAttribute('aria-label') || '').trim(),
    text: el.textContent.trim(),
  }));
  const pictures = [...row.querySelectorAll('img[alt], [role="img"][aria-label], figure[aria-label]')]
    .map(el => el.getAttribute('alt') || el.getAttribute('aria-label') || '');
  const noteBox = row.querySelector(
    '[data-testid="expandable-text-box"], .invitation-card__custom-message, [data-test-note]');
  const time = row.querySelector('time, .time-badge');
  return {
    profile_links: profileLinks,
    controls: controls,
    pictures: pictures,
    lines: (row.innerText || '').split('\\n').map(s => s.trim()).filter(Boolean),
    note: noteBox ? noteBox.textContent.trim() : null,
    note_lines: noteBox ? [noteBox.textContent.trim()] : [],
    time: time ? time.textContent.trim() : null,
  };
}))
"""


async def read_raw_rows(rows: Locator) -> list[RawRow]:
    """The raw strings of every row `rows` matches, in one round trip.

    The page returns one JSON string: Playwright's own value serialization costs far more than
    the reading itself for hundreds of rows (~0.5 s vs ~20 ms for 600).
    """
    return cast(list[RawRow], json.loads(await rows.evaluate_all(READ_ROWS_JS)))


class Control(TypedDict):
    label: str
    text: str


class RawRow(TypedDict):
    """What `READ_ROWS_JS` returns per row."""

    profile_links: list[str]
    controls: list[Control]
    pictures: list[str]
    lines: list[str]
    note: str | None
    note_lines: list[str]
    time: str | None


_PICTURE_NAME = re.compile(
    r"^(?:(?P<en>.+?)[’']s profile picture|Profilbild von (?P<de>.+)|Profielfoto van (?P<nl>.+))$"
)


def has_withdraw_control(raw: RawRow) -> bool:
    """Whether the row carries a withdraw link or button (by its label, else its text)."""
    return any(name_in_withdraw_label(c["label"]) or WITHDRAW_TEXT.match(c["text"]) for c in raw["controls"])


def row_slug(raw: RawRow) -> str | None:
    """The one member this row is about (None if its profile links disagree or are missing)."""
    slugs = {s for s in (profile_slug(h) for h in raw["profile_links"]) if s}
    return slugs.pop() if len(slugs) == 1 else None


def row_name(raw: RawRow) -> str | None:
    """The member's name: from the withdraw control's label, else the picture label, else the first line."""
    for control in raw["controls"]:
        name = name_in_withdraw_label(control["label"])
        if name:
            return name
    for picture in raw["pictures"]:
        match = _PICTURE_NAME.match(picture.strip())
        if match:
            return next(v for v in match.groupdict().values() if v)
    return raw["lines"][0] if raw["lines"] else None


def parse_row(raw: RawRow, profile_url: Callable[[str], str]) -> SentInvitation | None:
    """A `SentInvitation` from a raw row, or None if the row is not an invitation we can act on.

    Args:
        raw: the strings read from the row.
        profile_url: the absolute profile URL for a slug (built from the configured base URL).
    """
    if not has_withdraw_control(raw):
        return None  # a card, not a pending invitation we could withdraw
    slug = row_slug(raw)
    name = row_name(raw)
    if slug is None or name is None:
        return None
    note = " ".join(raw["note"].split()) if raw["note"] else None
    skip = {name, *(c["text"] for c in raw["controls"] if WITHDRAW_TEXT.match(c["text"])), *raw["note_lines"]}
    age_text, age = None, None
    headline = ""
    candidates = [raw["time"]] if raw["time"] else []
    candidates += [line for line in raw["lines"] if line not in skip]
    for line in candidates:
        try:
            age = parse_age(line)
        except ValueError:
            continue
        age_text = line
        break
    if age_text is None or age is None:
        return None
    for line in raw["lines"]:
        if line not in skip and line != age_text and not _is_more_button(line):
            headline = line
            break
    return SentInvitation(
        slug=slug,
        name=name,
        headline=headline,
        profile_url=profile_url(slug),
        age_text=age_text,
        age=age,
        note=note,
    )


def _is_more_button(line: str) -> bool:
    return line.lstrip("…. ").casefold() in {"more", "mehr", "meer", "plus", "más"}
