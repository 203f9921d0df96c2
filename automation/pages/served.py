"""What the server's own HTML of the Sent page says, read without a browser tab.

The Sent page's first load is rendered on the server (reference §3.2: "cold load is
server-rendered"), pill and first rows included. Reading that HTML through the context's request
API (same cookies, no renderer) is the cheapest fresh look at the server's state, and it is what a
withdrawal's readback needs: did the pill drop, and is the member gone from the rows it serves.

The reading is deliberately narrow: it answers only when the HTML is unambiguous (one pill
number, outside scripts and templates), and callers fall back to a real page load otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from automation.pages.common import pill_number
from automation.slugs import profile_slug

# Text inside these is data or inert markup, never something the page shows as it loads.
_NOT_SHOWN = frozenset({"script", "style", "template", "noscript"})
# Elements that never have content or an end tag.
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)


@dataclass(frozen=True)
class ServedSentPage:
    """The pill numbers and the members linked to, as the server's HTML has them."""

    pills: frozenset[int]
    linked_slugs: frozenset[str]

    @property
    def pill(self) -> int | None:
        """The one pill number, or None when there is none or copies disagree."""
        return next(iter(self.pills)) if len(self.pills) == 1 else None


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, list[str]]] = []  # open elements and the text inside each
        self.hidden_depth = 0
        self.pills: set[int] = set()
        self.slugs: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _NOT_SHOWN:
            self.hidden_depth += 1
            return
        if self.hidden_depth:
            return
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            slug = profile_slug(values["href"] or "")
            if slug is not None:
                self.slugs.add(slug)
        label = values.get("aria-label")
        if label and tag in {"a", "button"}:
            self._pill(label)
        if tag not in _VOID:
            self.stack.append((tag, []))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and tag not in _NOT_SHOWN and not self.hidden_depth and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in _NOT_SHOWN:
            self.hidden_depth = max(0, self.hidden_depth - 1)
            return
        if self.hidden_depth:
            return
        # Close up to the matching element (HTML tolerates unclosed ones); a stray end tag is ignored.
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                while len(self.stack) > depth:
                    _, parts = self.stack.pop()
                    text = "".join(parts)
                    self._pill(text)
                    if self.stack:
                        self.stack[-1][1].append(text)
                return

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth and self.stack:
            self.stack[-1][1].append(data)

    def _pill(self, text: str) -> None:
        number = pill_number(" ".join(text.split()))
        if number is not None:
            self.pills.add(number)


def read_served_sent_page(html: str) -> ServedSentPage:
    """The pill numbers and profile links in the Sent page's server-rendered HTML."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return ServedSentPage(frozenset(reader.pills), frozenset(reader.slugs))
