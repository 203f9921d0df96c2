"""The one Jinja2 environment: every user-visible text is a template under `templates/`.

Telegram texts live in `templates/telegram/<lang>/`, falling back to English; CLI texts in
`templates/cli/`; connection-note drafts in `templates/notes/`. The folder ships as the package
`invitesweep_templates` (see pyproject.toml), so the texts are found through the import system
in an editable install, a wheel or a source install alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from automation.text import clean_text

TEMPLATES_PACKAGE = "invitesweep_templates"
DEFAULT_LANGUAGE = "en"


def _short_date(value: date | datetime) -> str:
    """'17 Dec', the way the product names days (no year: everything is within months)."""
    return f"{value.day} {value.strftime('%b')}"


def _local(value: datetime, timezone: str) -> datetime:
    """The instant on the wall clock of `timezone` (the account's), for "today at 14:35"."""
    return value.astimezone(ZoneInfo(timezone))


def _printable(value: Any) -> Any:
    """What a template prints of `value`: without control characters or escape sequences.

    Names, headlines and notes come from LinkedIn; the automation cleans them as it reads them,
    and this is the second line of defence for whatever reaches a terminal or a chat from the store.
    """
    if value is None or isinstance(value, int | float):
        return value
    cleaned = clean_text(str(value), multiline=True)
    return Markup(cleaned) if isinstance(value, Markup) else cleaned


def build_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(TEMPLATES_PACKAGE, ""),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        finalize=_printable,
    )
    env.filters["short_date"] = _short_date
    env.filters["local"] = _local
    return env


class Renderer:
    """Renders templates by name; Telegram names resolve per language with an English fallback."""

    def __init__(self, env: jinja2.Environment | None = None) -> None:
        self.env = env or build_environment()

    def render(self, name: str, context: Mapping[str, Any] | None = None, /, **kwargs: Any) -> str:
        return self.env.get_template(name).render({**(context or {}), **kwargs}).strip()

    def telegram(self, name: str, language: str = DEFAULT_LANGUAGE, /, **kwargs: Any) -> str:
        """`telegram/<language>/<name>.html.j2`, else the English one.

        The template name and language are positional-only, so a template may use any variable
        name (`name`, `language`) for its own context.
        """
        candidates = [f"telegram/{language}/{name}.html.j2", f"telegram/{DEFAULT_LANGUAGE}/{name}.html.j2"]
        return self.env.select_template(candidates).render(**kwargs).strip()

    def cli(self, name: str, /, **kwargs: Any) -> str:
        return self.render(f"cli/{name}.txt.j2", **kwargs)
