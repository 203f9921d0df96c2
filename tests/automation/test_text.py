"""LinkedIn text loses control characters and terminal escape sequences, and nothing else."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from automation.text import clean_strings, clean_text

ESC, BEL = "\x1b", "\x07"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Ana \x1b[31mRed\x1b[0m", "Ana Red"),  # CSI colour
        ("Ana \x1b[2J\x1b[H", "Ana "),  # CSI clear screen, cursor home
        ("Ana\x07 Bell", "Ana Bell"),  # BEL
        ("Ana\x1b]0;owned\x07 Roe", "Ana Roe"),  # OSC window title, ended by BEL
        ("\x1b]8;;http://127.0.0.1/x\x1b\\Ana\x1b]8;;\x1b\\", "Ana"),  # OSC 8 hyperlink, ended by ST
        ("Ana\x1bP+q\x1b\\ Roe", "Ana Roe"),  # DCS
        ("Ana\x9b31m Roe", "Ana Roe"),  # one-byte C1 CSI
        ("Ana\x9d0;t\x9c Roe", "Ana Roe"),  # one-byte C1 OSC and ST
        ("Ana\x1b]0;never ends", "Ana"),  # an OSC cut short takes the rest with it
        ("Ana\x1b", "Ana"),  # a lone ESC
        ("Ana\x1bc Roe", "Ana Roe"),  # ESC c resets the terminal
        ("Ana\u202eeoR", "AnaeoR"),  # bidi override (Cf)
        ("\ufeffAna\u200b Roe\u00ad", "Ana Roe"),  # BOM, zero-width space, soft hyphen
        ("Ana\x00\x7f\x85Roe", "Ana Roe"),  # NUL, DEL; NEL is a line break
        ("Ana\tRoe\r\nNext", "Ana Roe Next"),
    ],
)
def test_escape_sequences_and_controls_are_removed(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    "text",
    [
        "Zoë O’Brien-Łukasiewicz",
        "李小龍 · محمد · Ελένη",
        "Family 👨\u200d👩\u200d👧 and ZWNJ می\u200cخواهم",  # joiners that emoji and scripts need
        "Ana\u00a0Roe",  # a no-break space is a space
        "[Ana] {Roe} 100% <b>",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert clean_text(text) == text


def test_a_note_keeps_its_lines_and_a_name_does_not() -> None:
    note = "Hi Ana,\r\nloved your talk.\u2028\x1b[1mThanks\x1b[0m"
    assert clean_text(note, multiline=True) == "Hi Ana,\nloved your talk.\nThanks"
    assert clean_text(note) == "Hi Ana, loved your talk. Thanks"


def test_clean_strings_cleans_every_string_of_a_row() -> None:
    raw = {"lines": ["Ana\x1b[31m", "Lead"], "note": "a\x07\nb", "time": None, "n": 3}
    assert clean_strings(raw) == {"lines": ["Ana", "Lead"], "note": "a\nb", "time": None, "n": 3}


@given(st.text(), st.booleans())
def test_nothing_unsafe_survives_and_cleaning_twice_changes_nothing(text: str, multiline: bool) -> None:
    clean = clean_text(text, multiline=multiline)
    for char in clean:
        category = unicodedata.category(char)
        assert (
            category not in ("Cc", "Cf", "Zl", "Zp") or char in "\u200c\u200d" or (multiline and char == "\n")
        ), repr(char)
    assert clean_text(clean, multiline=multiline) == clean
