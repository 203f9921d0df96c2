"""Every sandbox locale defines the same texts, and every page template renders."""

from __future__ import annotations

import pytest

from sandbox.ages import Age
from sandbox.config import LOCALES
from sandbox.rendering import PageRenderer


def _macros(renderer: PageRenderer, locale: str) -> set[str]:
    module = renderer.strings(locale)
    return {name for name in dir(module) if not name.startswith("_")}


def test_every_locale_defines_the_english_texts() -> None:
    renderer = PageRenderer()
    english = _macros(renderer, "en")
    for locale in LOCALES:
        assert _macros(renderer, locale) == english, locale


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    "unit", ["now", "today", "yesterday", "minute", "hour", "day", "week", "month", "year"]
)
def test_every_age_unit_has_words_in_every_locale(locale: str, unit: str) -> None:
    strings = PageRenderer().strings(locale)
    for count in (1, 2):
        text = str(strings.sent_age(Age(unit, count)))
        assert (
            text.strip() and "{" not in text and str(count) in text or unit in {"now", "today", "yesterday"}
        )


def test_every_template_compiles() -> None:
    renderer = PageRenderer()
    names = renderer.env.list_templates(extensions=["j2"])
    assert "sent/e4.html.j2" in names
    for name in names:
        renderer.env.get_template(name)
