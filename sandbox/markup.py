"""A small, lossless HTML tree for rewriting the sandbox's own pages (the drift mode's raw material).

Parses what our templates render (well-formed HTML with inline SVG) into `Element`s and raw text,
and serializes it back unchanged when nothing was touched. Not a general HTML parser: it never
repairs markup, and it needs none repaired.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)


@dataclass
class Element:
    """One element: its tag, attributes in order, children (elements and raw text)."""

    tag: str
    attrs: list[tuple[str, str | None]] = field(default_factory=list)
    children: list[Element | str] = field(default_factory=list)
    parent: Element | None = field(default=None, repr=False, compare=False)
    self_closing: bool = False

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.attrs if key == name), None)

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.attrs)

    def set(self, name: str, value: str | None) -> None:
        self.attrs = [(k, v) for k, v in self.attrs if k != name] + [(name, value)]

    def remove_attr(self, name: str) -> None:
        self.attrs = [(k, v) for k, v in self.attrs if k != name]

    def classes(self) -> list[str]:
        return (self.get("class") or "").split()

    def iter(self) -> Iterator[Element]:
        """This element and every element below it, in document order."""
        yield self
        for child in list(self.children):
            if isinstance(child, Element):
                yield from child.iter()

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def append(self, child: Element | str) -> None:
        self.insert(len(self.children), child)

    def insert(self, index: int, child: Element | str) -> None:
        if isinstance(child, Element):
            child.detach()
            child.parent = self
        self.children.insert(index, child)

    def detach(self) -> None:
        if self.parent is not None:
            self.parent.children = [c for c in self.parent.children if c is not self]
            self.parent = None

    def index(self) -> int:
        assert self.parent is not None
        return next(i for i, c in enumerate(self.parent.children) if c is self)

    def wrap(self, wrapper: Element) -> None:
        """Put `wrapper` where this element is and this element inside it."""
        assert self.parent is not None
        parent, position = self.parent, self.index()
        self.detach()
        parent.insert(position, wrapper)
        wrapper.append(self)

    def serialize(self) -> str:
        if self.tag == "":  # the document fragment
            return "".join(c if isinstance(c, str) else c.serialize() for c in self.children)
        attrs = "".join(
            f" {k}" if v is None else f' {k}="{html.escape(v, quote=True)}"' for k, v in self.attrs
        )
        if self.self_closing:
            return f"<{self.tag}{attrs} />"
        if self.tag in VOID:
            return f"<{self.tag}{attrs}>"
        inner = "".join(c if isinstance(c, str) else c.serialize() for c in self.children)
        return f"<{self.tag}{attrs}>{inner}</{self.tag}>"


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.root = Element("")
        self.open = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, list(attrs))
        self.open.append(element)
        if tag not in VOID:
            self.open = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.append(Element(tag, list(attrs), self_closing=tag not in VOID))

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.open
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.open = node.parent

    def handle_data(self, data: str) -> None:
        self.open.append(data)

    def handle_entityref(self, name: str) -> None:
        self.open.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.open.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.open.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.open.append(f"<!{decl}>")


def parse(markup: str) -> Element:
    """The document (or fragment) as a tree under an unnamed root element."""
    builder = _Builder()
    builder.feed(markup)
    builder.close()
    return builder.root
