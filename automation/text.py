"""Text from LinkedIn made safe to print: no control characters, no terminal escape sequences.

A member's name, headline, company or note is whatever they typed. Printed raw, `ESC [ 2 J`
clears the owner's terminal, an OSC sequence retitles the window or plants a hyperlink, BEL rings,
a newline forges a log line and a bidi override reverses what a message seems to say. Every such
sequence is removed whole (its parameters too), then every remaining control (Unicode Cc) and
format character (Cf), except the zero-width (non-)joiners that emoji and some scripts need.
Newlines survive only where a text may span lines (a note); elsewhere, like tabs, they become a
space.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TypeVar

T = TypeVar("T")

# ESC or its one-byte C1 form, then the rest of the sequence:
# - CSI (ESC [ or 0x9b): parameter and intermediate bytes, then a final byte;
# - OSC, DCS, SOS, PM, APC (ESC ] P X ^ _ or 0x9d 0x90 0x98 0x9e 0x9f): up to BEL or the string
#   terminator (ESC \ or 0x9c), or to the end of the text if it never ends;
# - any other ESC: the one character after it.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b.?",
    re.DOTALL,
)
_KEPT_FORMAT = frozenset("\u200c\u200d")  # zero-width non-joiner and joiner
_LINE_BREAKS = frozenset("\n\r\v\f\x85\u2028\u2029")


def clean_text(text: str, *, multiline: bool = False) -> str:
    """`text` without escape sequences and control or format characters.

    With `multiline`, line breaks become `\\n`; without it, they become a space, like tabs.
    """
    if text.isprintable():
        return text  # the common case: nothing to remove
    text = _ESCAPE_SEQUENCE.sub("", text.replace("\r\n", "\n"))
    kept = []
    for char in text:
        if char in _LINE_BREAKS:
            kept.append("\n" if multiline else " ")
        elif char == "\t":
            kept.append(" ")
        elif unicodedata.category(char) not in ("Cc", "Cf") or char in _KEPT_FORMAT:
            kept.append(char)
    return "".join(kept)


def clean_strings(value: T) -> T:
    """`value` (JSON-like: dicts, lists, strings) with every string cleaned, line breaks kept."""
    if isinstance(value, str):
        return clean_text(value, multiline=True)  # type: ignore[return-value]
    if isinstance(value, list):
        return [clean_strings(item) for item in value]  # type: ignore[return-value]
    if isinstance(value, dict):
        return {key: clean_strings(item) for key, item in value.items()}  # type: ignore[return-value]
    return value
