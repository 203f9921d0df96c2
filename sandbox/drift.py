"""The drift mode: pages that vary everything that carries no meaning, reproducibly per seed.

LinkedIn's markup changes under us: hashed class names per deploy, wrappers, A/B-tested layouts,
cards and ads among the rows. A world started with `SandboxConfig(drift=SEED)` (or
`invitesweep sandbox --drift SEED`) serves every HTML page through `Drift.transform`, which
rewrites whatever the templates rendered, so a new rendering gets drift for free:

- class names: every hashed class is hashed again, differently on each load;
- wrapper depth: elements inside `<main>` (or a fragment) get extra `<div>` wrappers;
- element order: the parts of each row, and `<main>` against its side column, are shuffled;
- list items that are not invitations, among the rows: "People you may know" cards (for strangers,
  and for members whose own row is elsewhere), promoted items, hidden duplicates of rows, and a
  "People you may know" rail inside `<main>`;
- long notes (the world's notes grow past 100 characters) shown cut with an ellipsis, the rest
  behind an expander in the page's language, inside or beside the note's box, sometimes after a
  visually-hidden label;
- a sticky header repeating the heading and the `People (N)` pill;
- toasts and closed dialogs in other places, and the toast region moved;
- optional parts missing: headlines (in the world), profile pictures (per member);
- on profiles: the member's cards (About, Experience, …) in another order, a hidden copy of
  one, cards that are not the member's story among them ("Interests" listing companies they
  follow, "Activity" with a shared post), "Show all" links under lists;
- the month convention of the ages (`sandbox.ages`);
- lazy-load pages of 5–20 rows, answered with jittered latency.

Each choice comes from `random.Random` seeded with the drift seed and what it is about (the
load number, the member, the cursor), so one seed replays the same pages for the same requests.
"""

from __future__ import annotations

import html
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sandbox.ages import MONTH_CONVENTIONS
from sandbox.markup import Element, parse
from sandbox.seed import COMPANIES, WorldSeed

# Added to some of the world's notes so they pass the ~100 characters LinkedIn shows uncut.
_NOTE_TAILS = (
    " I'm putting together a small round table on pricing for early-stage SaaS teams next month"
    " and your perspective would be really valuable.",
    " No pitch, promise: I read your article on onboarding twice and would love to compare notes on"
    " what worked for your team.",
    " We met briefly after the panel in Lisbon; I was the one asking about distributed on-call. Happy"
    " to share the write-up we did afterwards!",
)
_HASHED_CLASS = re.compile(r"(?<![0-9A-Za-z_-])_[0-9a-f]{8}(?![0-9A-Za-z_-])")
_WRAPPABLE = frozenset({"div", "p", "a", "figure", "section", "ul", "nav", "button", "header", "h1", "h2"})
_WRAP_PARENTS = frozenset({"", "div", "section", "main", "aside", "li", "header", "nav", "article"})
_NO_DRIFT_INSIDE = frozenset({"dialog", "template", "form", "svg", "script", "style", "head"})
_NOTE_BOX = "expandable-text-box"
_NOTE_BOX_CLASS = "invitation-card__custom-message"


@dataclass(frozen=True)
class DriftPage:
    """What a transform needs to know about the page it rewrites."""

    load: int
    origin: str
    locale: str
    hook: Callable[[str], str]  # the page script's hook class for a purpose
    more_text: str  # the expander's words in the page's language
    decoys: Any  # the decoys template module (templates/sandbox/drift/decoys.html.j2)
    strangers: list[Any]  # members to show in cards (not pending)
    pending: list[Any]  # pending members, for cards about someone whose row is elsewhere


class Drift:
    """The drift of one world, from its seed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def rng(self, *about: object) -> random.Random:
        return random.Random(":".join(str(part) for part in (self.seed, *about)))

    # ---- the world -------------------------------------------------------------------------

    def month_convention(self) -> str:
        return self.rng("months").choice(MONTH_CONVENTIONS)

    def vary_world(self, world: WorldSeed) -> WorldSeed:
        """Long notes and missing headlines in a generated world."""
        rng = self.rng("world")
        pending = []
        for person, age, note in world.pending:
            if note is not None and rng.random() < 0.6:
                note = note + rng.choice(_NOTE_TAILS)
            elif note is None and rng.random() < 0.15:
                note = f"Hi {person.first_name}," + rng.choice(_NOTE_TAILS)
            if rng.random() < 0.2:
                person = replace(person, headline="")
            pending.append((person, age, note))
        return replace(world, pending=tuple(pending))

    def page_size(self, cursor: object) -> int:
        """Rows in the lazy-load page after `cursor` (None: the first page), 5 to 20."""
        return self.rng("page", cursor).randint(5, 20)

    def latency_seconds(self, cursor: object) -> float:
        return self.rng("latency", cursor).uniform(0.0, 0.25)

    # ---- the markup ------------------------------------------------------------------------

    def transform(self, markup: str, page: DriftPage) -> str:
        rng = self.rng("load", page.load)
        doc = parse(markup)
        main = next((el for el in doc.iter() if el.tag == "main"), None)
        rows = [el for el in doc.iter() if _is_row(el)]
        for row in rows:
            self._drop_photo(row)
            self._cut_note(row, page, rng)
        self._add_list_decoys(rows, page, rng)
        self._vary_profile_cards(doc, page, rng)
        if main is not None:
            self._add_rail(main, page, rng)
            self._add_sticky_header(doc, main, page, rng)
        for row in rows:
            _shuffle_parts(row, rng)
        if main is not None and main.parent is not None and main.parent.tag != "body" and rng.random() < 0.5:
            _shuffle_children(main.parent, rng)
        self._wrap(main or doc, rng)
        if main is not None:
            self._place_toasts_and_dialogs(doc, main, page, rng)
        return self._rehash_classes(doc.serialize(), page.load)

    def _drop_photo(self, row: Element) -> None:
        link = next((el for el in row.iter() if "/in/" in (el.get("href") or "")), None)
        if link is None or self.rng("photo", link.get("href")).random() >= 0.25:
            return
        for el in list(row.iter()):
            if el.tag in ("svg", "img"):
                el.detach()
            elif el.tag == "figure":
                el.remove_attr("aria-label")

    def _cut_note(self, row: Element, page: DriftPage, rng: random.Random) -> None:
        box = next(
            (
                el
                for el in row.iter()
                if el.get("data-testid") == _NOTE_BOX or _NOTE_BOX_CLASS in el.classes()
            ),
            None,
        )
        if box is None or box.parent is None:
            return
        expander = next((el for el in row.iter() if page.hook("note_more") in el.classes()), None)
        full = html.unescape(box.text())
        if len(full) > 100:
            shown = full[: rng.randint(60, 100)].rstrip() + "…"
            box.children = []
            box.append(html.escape(shown, quote=False))
            box.append(Element("template", children=[html.escape(full, quote=False)]))
            if expander is None:
                expander = Element(
                    "button", [("type", "button"), ("class", page.hook("note_more"))], [page.more_text]
                )
        if rng.random() < 0.3:
            box.insert(0, parse(page.decoys.hidden_label("message_label")).children[0])
        if expander is not None:
            if rng.random() < 0.5:
                box.append(expander)
            elif expander.parent is None or expander.parent is box:
                box.parent.insert(box.index() + 1, expander)

    def _add_list_decoys(self, rows: list[Element], page: DriftPage, rng: random.Random) -> None:
        if not rows or rows[0].parent is None:
            return
        container, tag = rows[0].parent, "li" if rows[0].tag == "li" else "div"
        decoys: list[Element] = []
        for _ in range(rng.randint(1, 4)):
            kind = rng.choice(("card", "card", "promoted", "hidden"))
            if kind == "hidden":
                copy = _clone(rng.choice(rows))
                # Inline: a row's own class may set `display`, which beats the `hidden` attribute.
                copy.set("style", rng.choice(("display:none", "display:none !important")))
                if rng.random() < 0.5:
                    copy.set("hidden", None)
                decoys.append(copy)
                continue
            people = page.strangers + (page.pending if kind == "card" else [])
            if not people:
                continue
            person = rng.choice(people)
            markup = (
                page.decoys.pymk_card(person, tag) if kind == "card" else page.decoys.promoted(person, tag)
            )
            decoys += [c for c in parse(str(markup)).children if isinstance(c, Element)]
        for decoy in decoys:
            container.insert(rng.randint(0, len(container.children)), decoy)

    def _vary_profile_cards(self, doc: Element, page: DriftPage, rng: random.Random) -> None:
        """Reorder the cards after a profile's top card, hide a copy of one, add cards that are not
        the member's own (interests, activity) and "Show all" links under lists."""
        top = next((el for el in doc.iter() if (el.get("id") or "").endswith("Topcard")), None)
        if top is None or top.parent is None:
            return
        column = top.parent
        cards = [c for c in column.children if isinstance(c, Element) and c.tag == "section" and c is not top]
        for card in cards:
            lists = [el for el in card.iter() if el.tag == "ul"]
            if lists and rng.random() < 0.5:
                link = parse(str(page.decoys.show_all(f"{page.origin}/in/details/"))).children[0]
                card.append(link)
        if cards and rng.random() < 0.4:
            copy = _clone(rng.choice(cards))
            copy.set("style", "display:none")
            cards.insert(rng.randint(0, len(cards)), copy)
        others = []
        if rng.random() < 0.6:
            others.append(page.decoys.interests(rng.sample(COMPANIES, rng.randint(1, 3))))
        if page.strangers and rng.random() < 0.5:
            others.append(page.decoys.activity(rng.choice(page.strangers)))
        cards += [c for markup in others for c in parse(str(markup)).children if isinstance(c, Element)]
        rng.shuffle(cards)
        position = top.index() + 1
        for card in cards:
            card.detach()
        for offset, card in enumerate(cards):
            column.insert(position + offset, card)

    def _add_rail(self, main: Element, page: DriftPage, rng: random.Random) -> None:
        if rng.random() < 0.5 or not page.strangers:
            return
        people = rng.sample(page.strangers, min(len(page.strangers), 3))
        rail = parse(str(page.decoys.rail(people))).children[0]
        if isinstance(rail, Element):
            main.append(rail)

    def _add_sticky_header(self, doc: Element, main: Element, page: DriftPage, rng: random.Random) -> None:
        pills = [el for el in doc.iter() if page.hook("pill") in el.classes()]
        if not pills or rng.random() < 0.4:
            return
        heading = next((el for el in main.iter() if el.tag == "h1"), None)
        bar = parse(str(page.decoys.sticky_bar(caller=lambda: ""))).children[0]
        if not isinstance(bar, Element):
            return
        for original in [heading, pills[0]]:
            if original is not None:
                bar.append(_clone(original))
        main.insert(0, bar)

    def _place_toasts_and_dialogs(
        self, doc: Element, main: Element, page: DriftPage, rng: random.Random
    ) -> None:
        body = next((el for el in doc.iter() if el.tag == "body"), None)
        if body is None:
            return
        places = [body, main]
        toasts = next((el for el in doc.iter() if page.hook("toasts") in el.classes()), None)
        if toasts is not None and rng.random() < 0.5:
            place = rng.choice(places)
            place.insert(rng.choice((0, _before_scripts(place))), toasts)
        for markup in (page.decoys.toast(), page.decoys.closed_dialog()):
            if rng.random() < 0.6:
                place = rng.choice(places)
                for element in parse(str(markup)).children:
                    place.insert(rng.randint(0, _before_scripts(place)), element)

    def _wrap(self, scope: Element, rng: random.Random) -> None:
        for el in list(scope.iter()):
            if el is scope or el.tag not in _WRAPPABLE or el.parent is None:
                continue
            if (
                el.parent.tag not in _WRAP_PARENTS
                or _inside(el, _NO_DRIFT_INSIDE)
                or el.get("role") == "dialog"
            ):
                continue
            if rng.random() < 0.2:
                for _ in range(rng.randint(1, 2)):
                    el.wrap(Element("div"))

    def _rehash_classes(self, markup: str, load: int) -> str:
        # Numbered by first appearance, so the same seed and load give the same names in every
        # world, whatever salt the templates' own hashes had.
        names: dict[str, str] = {}

        def rehash(match: re.Match[str]) -> str:
            if match[0] not in names:
                names[match[0]] = "_" + format(self.rng("class", load, len(names)).getrandbits(32), "08x")
            return names[match[0]]

        return _HASHED_CLASS.sub(rehash, markup)


def _is_row(el: Element) -> bool:
    key = el.get("componentkey") or ""
    return (el.tag == "li" and el.has("data-componentkey")) or (
        el.get("role") == "listitem" and key.startswith("auto-component-")
    )


def _inside(el: Element, tags: frozenset[str]) -> bool:
    node = el.parent
    while node is not None:
        if node.tag in tags or node.get("role") in ("dialog", "alertdialog", "menu"):
            return True
        node = node.parent
    return False


def _before_scripts(el: Element) -> int:
    """The last position in `el` where an element still exists when the page's scripts run."""
    return next(
        (i for i, c in enumerate(el.children) if isinstance(c, Element) and c.tag == "script"),
        len(el.children),
    )


def _shuffle_children(el: Element, rng: random.Random) -> None:
    elements = [c for c in el.children if isinstance(c, Element)]
    rng.shuffle(elements)
    el.children = []
    for child in elements:
        el.append(child)


def _shuffle_parts(row: Element, rng: random.Random) -> None:
    """Shuffle the parts of a row: its children, or those of its only element child."""
    node = row
    while len(kids := [c for c in node.children if isinstance(c, Element)]) == 1:
        node = kids[0]
    if len(kids) > 1:
        _shuffle_children(node, rng)


def _clone(el: Element) -> Element:
    copy = Element(el.tag, list(el.attrs), self_closing=el.self_closing)
    for child in el.children:
        copy.append(child if isinstance(child, str) else _clone(child))
    return copy
