"""One Sent-page row, read in the browser as raw strings, turned into a `SentInvitation` here.

What makes a list item an invitation row is what it holds, never where it sits or how it is
styled: a withdraw control (a link or button labelled "Withdraw invitation sent to <Name>", or
an unlabelled one whose text is "Withdraw") and profile links that all point at one member, the
one the control names. "People you may know" cards, rail items and ads hold no withdraw control;
hidden duplicates are invisible; sticky or responsive copies of a row are the same member, and
a member counts once.

Text is read without the controls inside it: an expander ("…more"), a "see more" link, a
visually-hidden label or an `aria-hidden` decoration never becomes part of a name, a headline or
a note. Which element is a control is decided by its role and structure, not by its words.

Reading happens in a single `evaluate_all` over the row locators (one round trip for hundreds of
rows); everything that decides what a string means is plain Python, testable without a browser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TypedDict, cast

from playwright.async_api import JSHandle, Locator

from automation.pages.common import WITHDRAW_LABEL, WITHDRAW_TEXT, name_in_withdraw_label, same_person
from automation.pages.page_text import TEXT_JS
from automation.slugs import profile_slug
from automation.text import clean_strings
from automation.timeparse import parse_age
from automation.types import SentInvitation

# The page-side helpers every row query shares (counting while loading, reading, expanding).
# `rowKey(el)` is the slug of the one member an invitation row is about, or null when `el` is not
# an invitation row; `lines(el)` is its rendered text line by line, controls and hidden parts left out.
ROW_HELPERS_JS = (
    f"""
  const withdrawLabel = new RegExp({json.dumps(WITHDRAW_LABEL.pattern)});
  const withdrawText = new RegExp({json.dumps(WITHDRAW_TEXT.pattern)});
"""
    + TEXT_JS
    + r"""
  const unseen = el => el.getAttribute('aria-hidden') === 'true'
    || !el.checkVisibility({ visibilityProperty: true, checkVisibilityCSS: true }) || clippedAway(el);
  const slugOf = href => {
    try {
      const match = new URL(href, location.href).pathname.match(/^\/in\/([^/?#]+)/);
      return match ? decodeURIComponent(match[1]).trim() || null : null;
    } catch (error) {
      return null;
    }
  };
  const labelName = el => {
    const match = (el.getAttribute('aria-label') || '').replace(/\s+/g, ' ').trim().match(withdrawLabel);
    return match ? match.slice(1).find(Boolean) : null;
  };
  const norm = text => text.replace(/[’']/g, "'").replace(/\s+/g, ' ').trim().toLowerCase();
  const controlsOf = row => [...row.querySelectorAll('a, button, [role="button"], [role="link"]')];
  const rowKey = row => {
    if (!row.checkVisibility()) return null;
    const links = [...row.querySelectorAll('a[href*="/in/"]')];
    const slugs = new Set(links.map(a => slugOf(a.getAttribute('href'))));
    slugs.delete(null);
    if (slugs.size !== 1) return null;
    for (const control of controlsOf(row)) {
      const named = labelName(control);
      if (named !== null) {
        const shown = norm(row.textContent) + ' ' + [...row.querySelectorAll('[aria-label], img[alt]')]
          .map(el => norm(el.getAttribute('aria-label') || el.getAttribute('alt') || '')).join(' ');
        if (shown.includes(norm(named))) return [...slugs][0];
      } else if (withdrawText.test(control.textContent)) {
        return [...slugs][0];
      }
    }
    return null;
  };
"""
)

# `readRow(el)`: one row's raw strings (a `RawRow`). Shared by `READ_ROWS_JS` and the lazy list,
# which reads rows as they arrive (automation/pages/lazy_list.py).
READ_ROW_JS = r"""
  const NOTE_BOX = '[data-testid="expandable-text-box"], .invitation-card__custom-message, [data-test-note]';
  const readRow = row => {
    const links = [...row.querySelectorAll('a[href*="/in/"]')];
    const noteBox = row.querySelector(NOTE_BOX);
    const noteLines = noteBox ? lines(noteBox) : [];
    // The note's expander: the nearest visible button around the note that is not the withdraw control.
    const buttons = [...row.querySelectorAll('button, [role="button"]')];
    let expander = null;
    for (let box = noteBox; box && expander === null && row.contains(box); box = box.parentElement) {
      expander = buttons.find(el => box.contains(el) && !unseen(el) && !labelName(el)
        && !withdrawText.test(el.textContent)) || null;
    }
    const time = row.querySelector('time');
    return {
      key: rowKey(row),
      profile_links: links.map(a => a.getAttribute('href')),
      link_texts: links.map(a => lines(a, { keepControls: true }).join(' ')),
      controls: controlsOf(row).map(el => ({
        label: (el.getAttribute('aria-label') || '').trim(),
        text: lines(el, { keepControls: true }).join(' ') || el.textContent.trim(),
      })),
      pictures: [...row.querySelectorAll('img[alt], [role="img"][aria-label], figure[aria-label]')]
        .map(el => el.getAttribute('alt') || el.getAttribute('aria-label') || ''),
      lines: lines(row),
      note: noteBox ? noteLines.join(' ') : null,
      note_lines: noteLines,
      // An expander beside a note that ends in an ellipsis: the rest is not on the page yet.
      note_expander: expander !== null && /(…|\.\.\.)$/.test(noteLines.join(' '))
        ? buttons.indexOf(expander) : null,
      time: time ? lines(time).join(' ') : null,
    };
  };
"""

READ_ROWS_JS = (
    "(rows, state) => {"
    + ROW_HELPERS_JS
    + READ_ROW_JS
    + r"""
  // With a list state, only the rows not read before on this page load (and they count as read now).
  if (state) {
    rows = rows.filter(row => !state.read.has(row));
    for (const row of rows) state.read.add(row);
  }
  return JSON.stringify(rows.map(readRow));
}"""
)


# Waits (on page mutations, not on a clock) until the row's note no longer ends in an ellipsis.
NOTE_EXPANDED_JS = (
    "(row, timeoutMs) => {"
    + ROW_HELPERS_JS
    + r"""
  const NOTE_BOX = '[data-testid="expandable-text-box"], .invitation-card__custom-message, [data-test-note]';
  const expanded = () => {
    const box = row.querySelector(NOTE_BOX);
    return box !== null && !/(…|\.\.\.)$/.test(lines(box).join(' '));
  };
  return new Promise(resolve => {
    if (expanded()) return resolve(true);
    const observer = new MutationObserver(() => {
      if (expanded()) { observer.disconnect(); clearTimeout(timer); resolve(true); }
    });
    const timer = setTimeout(() => { observer.disconnect(); resolve(expanded()); }, timeoutMs);
    observer.observe(row, { childList: true, subtree: true, characterData: true, attributes: true });
  });
}"""
)


async def expand_note(row: Locator, expander_index: int, timeout_ms: float) -> bool:
    """Click a truncated note's expander (a trusted click) and wait for the full text.

    Returns False if the full text never came."""
    # nth: the index READ_ROWS_JS found among the row's buttons; CSS because that is what it counted.
    await row.locator('button, [role="button"]').nth(expander_index).click()
    return bool(await row.evaluate(NOTE_EXPANDED_JS, timeout_ms))


async def read_raw_rows(rows: Locator, unread_in: JSHandle | None = None) -> list[RawRow]:
    """The raw strings of every row `rows` matches, in one round trip.

    The page returns one JSON string: Playwright's own value serialization costs far more than
    the reading itself for hundreds of rows (~0.5 s vs ~20 ms for 600).

    Args:
        rows: the rows to read.
        unread_in: a list state (`automation.pages.lazy_list.ListState`): read only the rows it
            has not seen read, and record them as read.
    """
    return cast(list[RawRow], clean_strings(json.loads(await rows.evaluate_all(READ_ROWS_JS, unread_in))))


class Control(TypedDict):
    label: str
    text: str


class RawRow(TypedDict):
    """What `READ_ROWS_JS` returns per row."""

    key: str | None
    profile_links: list[str]
    link_texts: list[str]
    controls: list[Control]
    pictures: list[str]
    lines: list[str]
    note: str | None
    note_lines: list[str]
    note_expander: int | None
    time: str | None


_PICTURE_NAME = re.compile(
    r"^(?:(?P<en>.+?)[’']s profile picture|Profilbild von (?P<de>.+)|Profielfoto van (?P<nl>.+)"
    r"|Photo de profil de (?P<fr>.+)|Foto del perfil de (?P<es>.+))$"
)


def squash_spaces(text: str) -> str:
    """One row text as we store it: whitespace runs become one space, the ends are trimmed."""
    return " ".join(text.split())


def has_withdraw_control(raw: RawRow) -> bool:
    """Whether the row carries a withdraw link or button (by its label, else its text)."""
    return any(name_in_withdraw_label(c["label"]) or WITHDRAW_TEXT.match(c["text"]) for c in raw["controls"])


def row_slug(raw: RawRow) -> str | None:
    """The one member this row is about (None if its profile links disagree or are missing)."""
    slugs = {s for s in (profile_slug(h) for h in raw["profile_links"]) if s}
    return slugs.pop() if len(slugs) == 1 else None


def _shown_names(raw: RawRow) -> list[str]:
    """The names the row shows besides its withdraw label: picture labels, profile link texts, lines."""
    names = []
    for picture in raw["pictures"]:
        match = _PICTURE_NAME.match(picture.strip())
        if match:
            names.append(next(v for v in match.groupdict().values() if v))
    names += [squash_spaces(text) for text in raw["link_texts"] if text.strip()]
    return names


def row_name(raw: RawRow) -> str | None:
    """The member's name: from the withdraw control's label (if the row shows that name too), else
    the picture label, else the profile link's text, else the first line."""
    shown = _shown_names(raw)
    for control in raw["controls"]:
        name = name_in_withdraw_label(control["label"])
        if name:
            named_elsewhere = any(same_person(name, other) for other in [*shown, *raw["lines"]])
            return squash_spaces(name) if named_elsewhere else None
    if shown:
        return shown[0]
    return raw["lines"][0] if raw["lines"] else None


def parse_row(raw: RawRow, profile_url: Callable[[str], str]) -> SentInvitation | None:
    """A `SentInvitation` from a raw row, or None if the row is not an invitation we can act on.

    The text lines come in the order every rendering shows them: the name, the headline (if
    any), the sent time, the note (if any).

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
    note = squash_spaces(raw["note"]) if raw["note"] else None
    note_lines = set(raw["note_lines"])
    lines = [line for line in raw["lines"] if line not in note_lines]
    candidates = [raw["time"]] if raw["time"] else []
    candidates += [line for line in lines if not same_person(line, name)]
    age_text, age = None, None
    for line in candidates:
        try:
            age = parse_age(line)
        except ValueError:
            continue
        age_text = line
        break
    if age_text is None or age is None:
        return None
    before_age = lines[: lines.index(age_text)] if age_text in lines else lines
    headline = next((line for line in before_age if not same_person(line, name)), "")
    return SentInvitation(
        slug=slug,
        name=name,
        headline=squash_spaces(headline),
        profile_url=profile_url(slug),
        age_text=age_text,
        age=age,
        note=note or None,
    )
