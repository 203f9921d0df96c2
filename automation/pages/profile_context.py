"""What a profile tells about its member beyond the top card's controls, read in one round trip.

The page is read as a person reads it: visible text only (a visually-hidden label, a
screen-reader copy of a text or a `display: none` duplicate is not read; Ember's `aria-hidden`
copy that sighted people see is), and never the controls inside it ("…see more", Contact info,
skip links). Which part is which is decided by meaning, not by markup that changes per
rendering: a section is the `section` around a heading whose words name it in one of the
supported languages (About, Experience, Education, Languages); the location is the text beside
the top card's Contact-info link; mutual connections are the top card's link that says so;
Ember's current-company skip link is known by its accessible name. Whatever the page leaves
out stays None or empty.

`READ_PROFILE_JS` returns raw strings; everything that decides what a string means is plain
Python below, testable without a browser.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import TypedDict, cast

from playwright.async_api import Locator

from automation.pages.common import exactly, one_of
from automation.pages.page_text import TEXT_JS
from automation.text import clean_strings
from automation.types import ProfileContext, SharedFacts

# Section headings per language (Dutch and German share "Info" for About).
ABOUT = exactly("About", "Info", "Infos", "Acerca de")
EXPERIENCE = exactly("Experience", "Berufserfahrung", "Erfahrung", "Ervaring", "Expérience", "Experiencia")
EDUCATION = exactly("Education", "Ausbildung", "Opleiding", "Formation", "Educación", "Formación")
LANGUAGES = exactly("Languages", "Sprachen", "Talen", "Langues", "Idiomas")
_CONTACT_INFO_WORDS = one_of(
    "Contact info", "Kontaktinfo", "Kontaktinformationen", "Contactgegevens", "Contactinformatie",
    "Coordonnées", "Información de contacto",
)  # fmt: skip
CONTACT_INFO = re.compile(rf"^\s*(?:{_CONTACT_INFO_WORDS})\s*$")
# "500+ connections", "+ de 500 relations", "1.234 Follower": the size of the member's network.
NETWORK_COUNT = re.compile(
    r"(?:(?:\+|Plus|Más|Mas)\s+de\s+)?\d[\d.,\u00a0\u202f]*\+?\s*"
    r"(?:connections?|Kontakte?|connecties|connectie|relations?|contactos?"
    r"|followers?|Follower|volgers|abonnés|seguidores)\b",
    re.IGNORECASE,
)
MUTUAL = re.compile(
    r"mutual connections?|gemeinsame[rn]? Kontakte?|gemeenschappelijke connecties?"
    r"|relations? en commun|contactos? en común",
    re.IGNORECASE,
)
_PLURAL_VERB = re.compile(r"\b(?:are|sind|zijn|sont|son)\b", re.IGNORECASE)
CURRENT_COMPANY = re.compile(
    r"^(?:Current company|Aktuelles Unternehmen|Huidig bedrijf|Entreprise actuelle|Empresa actual)"
    r"\s*:\s*(.+?)\.\s+(?:Click|Klicken|Klik|Cliquez|Haz clic)",
    re.IGNORECASE,
)
_PRESENT = r"Present|Heute|heute|heden|aujourd[’']hui|actualidad|hoy"
# "2019 – Present", "janv. 2020 – aujourd’hui": group 1 is set when the role is current.
DATE_RANGE = re.compile(rf"\b\d{{4}}\s*[-–—]\s*(?:[^\W\d_]+\.?\s+)?(?:\d{{4}}|({_PRESENT}))\b", re.IGNORECASE)
ABOUT_LINE_MAX = 200
"""Longer than this, the About's first line is cut to its first sentence (or at a word)."""

# Which headings the page script looks for, and what it calls them in its answer.
_SECTIONS = {"about": ABOUT, "experience": EXPERIENCE, "education": EDUCATION, "languages": LANGUAGES}

READ_PROFILE_JS = (
    r"""
(card, patterns) => {
  const contactInfo = new RegExp(patterns.contact);
  const headings = Object.fromEntries(Object.entries(patterns.sections).map(([k, p]) => [k, new RegExp(p)]));
"""
    + TEXT_JS
    + r"""
  const unseen = el => !el.checkVisibility({ visibilityProperty: true, checkVisibilityCSS: true })
    || clippedAway(el);
  const text = el => el.textContent.replace(/\s+/g, ' ').trim();
  const spoken = el => (el.getAttribute('aria-label') || '').replace(/\s+/g, ' ').trim();
  const langsIn = root => [...root.querySelectorAll('[lang]')].filter(el => !unseen(el))
    .map(el => el.getAttribute('lang'));

  // The text on the line of `control`, or on the line before it if that one ends in a "·"
  // separator: the location beside "Contact info", wherever wrappers put the link.
  const beside = (root, control) => {
    const marked = lines(root, { mark: control });
    const at = marked.findIndex(line => line.includes(MARK));
    if (at < 0) return null;
    const before = marked[at].split(MARK)[0].trim();
    if (before) return before;
    const previous = at > 0 ? marked[at - 1] : '';
    return /[·•|]$/.test(previous) ? previous : null;
  };
  const heading = [...card.querySelectorAll('h1, h2, [role="heading"]')].find(h => !unseen(h));
  const controls = [...card.querySelectorAll('a, button, [role="button"], [role="link"]')]
    .filter(el => !unseen(el)).map(el => ({ label: spoken(el), text: text(el) }));
  const contact = [...card.querySelectorAll('a, button')]
    .find(el => !unseen(el) && contactInfo.test(text(el)));
  const topcard = {
    name: heading ? text(heading) : '',
    lines: lines(card),
    controls,
    location: contact ? beside(card, contact) : null,
    langs: langsIn(card),
  };

  const sections = [];
  const seen = new Set();
  for (const h of document.querySelectorAll('h2, h3, [role="heading"]')) {
    if (card.contains(h) || unseen(h)) continue;
    const words = lines(h).join(' ');  // Ember says a heading twice: once shown, once for screen readers
    const kind = Object.keys(headings).find(k => headings[k].test(words));
    const root = kind && h.closest('section, [role="region"]');
    if (!root || seen.has(kind) || root.contains(card)) continue;
    seen.add(kind);
    // Top-level entries; one may hold a list of its own (several roles at one company).
    const ITEM = 'li, [role="listitem"]';
    const itemsOf = (scope, within) => [...scope.querySelectorAll(ITEM)]
      .filter(item => !unseen(item) && item.parentElement.closest(ITEM) === within);
    const items = itemsOf(root, null);
    sections.push({
      kind,
      lines: lines(root, { skip: [h] }),
      items: items.map(item => {
        const nested = itemsOf(item, item);
        return { lines: lines(item, { skip: nested }), nested: nested.map(inner => lines(inner)) };
      }),
      langs: langsIn(root),
    });
  }
  return JSON.stringify({ topcard, sections });
}
"""
)


class RawTopCard(TypedDict):
    name: str
    lines: list[str]
    controls: list[dict[str, str]]
    location: str | None
    langs: list[str]


class RawItem(TypedDict):
    lines: list[str]  # its own, without those of the entries it holds
    nested: list[list[str]]


class RawSection(TypedDict):
    kind: str
    lines: list[str]
    items: list[RawItem]
    langs: list[str]


class RawProfile(TypedDict):
    topcard: RawTopCard
    sections: list[RawSection]


async def read_raw_profile(top_card: Locator) -> RawProfile:
    """The raw strings of the profile whose top card `top_card` is, in one round trip."""
    patterns = {
        "contact": CONTACT_INFO.pattern,
        "sections": {kind: pattern.pattern for kind, pattern in _SECTIONS.items()},
    }
    return cast(RawProfile, clean_strings(json.loads(await top_card.evaluate(READ_PROFILE_JS, patterns))))


def parse_profile(raw: RawProfile) -> ProfileContext:
    """The drafting context in `raw`; a profile that shows nothing but a name gives an empty one."""
    card = raw["topcard"]
    sections = {section["kind"]: section for section in raw["sections"]}
    location = _location(card["location"])
    headline = _headline(card, location)
    role = company = None
    companies: list[str] = []
    if "experience" in sections:
        for item in sections["experience"]["items"]:
            for title, employer, current in _positions(item):
                if employer and employer not in companies:
                    companies.append(employer)
                if current and role is None:
                    role, company = title, employer
    if company is None:
        company = _top_card_company(card)
        if company and not companies:
            companies.append(company)
    langs = card["langs"] + [lang for section in raw["sections"] for lang in section["langs"]]
    return ProfileContext(
        headline=headline,
        role=role,
        company=company,
        location=location,
        about=about_line(sections["about"]["lines"]) if "about" in sections else None,
        companies=tuple(companies),
        schools=_first_lines(sections.get("education")),
        languages=_first_lines(sections.get("languages")),
        language=_profile_language(langs),
        shared=SharedFacts(mutual_connections=_mutual(card["controls"])),
    )


def mutual_count(text: str) -> int | None:
    """How many mutual connections a top card's sentence names, or None if it is not one.

    "A, B and 12 other mutual connections" → 14; "A and B are mutual connections" → 2;
    "A is a mutual connection" → 1; "12 mutual connections" → 12.
    """
    if not MUTUAL.search(text):
        return None
    number = re.search(r"\d[\d.,]*", text)
    if number is not None:
        count = int(re.sub(r"\D", "", number[0]))
        return count if text.lstrip().startswith(number[0]) else count + 2
    return 2 if _PLURAL_VERB.search(text) else 1


def about_line(lines: list[str]) -> str | None:
    """One line of an About section: its first, cut to a sentence (or a word) if long."""
    first = next((line for line in lines if line.strip()), None)
    if first is None or len(first) <= ABOUT_LINE_MAX:
        return first
    sentence = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
    if len(sentence) <= ABOUT_LINE_MAX:
        return sentence
    return sentence[:ABOUT_LINE_MAX].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _location(text: str | None) -> str | None:
    location = re.sub(r"^[\s·•|]+|[\s·•|]+$", "", text or "")
    return location or None


def _headline(card: RawTopCard, location: str | None) -> str | None:
    """The first line of the top card that is neither the name, nor a degree, location or count."""
    lines = card["lines"]
    name = card["name"]
    after = lines[lines.index(name) + 1 :] if name in lines else lines
    for line in after:
        stripped = line.strip(" ·")
        if line.startswith("·") or not stripped or NETWORK_COUNT.search(line):
            continue
        if location is not None and stripped == location:
            continue
        return line
    return None


def _positions(item: RawItem) -> list[tuple[str | None, str | None, bool]]:
    """(title, company, current) of each role in one Experience entry.

    A plain entry reads title, company line, date range; an entry holding several roles at one
    company reads the company first, then each role's title and date range.
    """
    if not item["nested"]:
        return [_position(item["lines"])]
    company = _company(item["lines"][0]) if item["lines"] else None
    return [(title, company, current) for title, _, current in map(_position, item["nested"])]


def _position(lines: list[str]) -> tuple[str | None, str | None, bool]:
    current = False
    texts = []
    for line in lines:
        dates = DATE_RANGE.search(line)
        if dates is not None:
            current = current or dates[1] is not None
        else:
            texts.append(line)
    return (texts[0] if texts else None), (_company(texts[1]) if len(texts) > 1 else None), current


def _company(line: str) -> str | None:
    """The company a company line names: "Northwind Labs · Full-time" → "Northwind Labs"."""
    return line.split(" · ")[0].strip() or None


def _top_card_company(card: RawTopCard) -> str | None:
    """The current company the top card names: Ember's skip link, or "<Company> · 500+ connections"."""
    for control in card["controls"]:
        match = CURRENT_COMPANY.match(control["label"])
        if match:
            return match[1].strip()
    for line in card["lines"]:
        before, dot, after = line.partition(" · ")
        if dot and NETWORK_COUNT.match(after.strip()) and before.strip():
            return before.strip()
    return None


def _first_lines(section: RawSection | None) -> tuple[str, ...]:
    if section is None:
        return ()
    return tuple(dict.fromkeys(item["lines"][0] for item in section["items"] if item["lines"]))


def _mutual(controls: list[dict[str, str]]) -> int | None:
    for control in controls:
        for text in (control["text"], control["label"]):
            count = mutual_count(text)
            if count is not None:
                return count
    return None


def _profile_language(langs: list[str]) -> str | None:
    """The most used `lang` of the member's own text ("fr" for `fr-CA`), whatever language it is."""
    codes = Counter(lang.split("-")[0].lower() for lang in langs if lang.strip())
    best = next(iter(codes.most_common(1)), None)
    return best[0] if best is not None else None
