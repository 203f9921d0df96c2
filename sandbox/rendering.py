"""The sandbox's own Jinja environment over `templates/sandbox/` (no import of `bot`).

The top-level `templates/` folder ships as the package `invitesweep_templates` (see pyproject.toml).
"""

from __future__ import annotations

import hashlib
from typing import Any

import jinja2
from starlette.responses import HTMLResponse

TEMPLATES_PACKAGE = "invitesweep_templates"
TEMPLATES_FOLDER = "sandbox"


class ClassNames:
    """Hashed class names like LinkedIn's (`_970c3eec`): `c.row` is stable within one world.

    The salt changes at every reset, so automation that keys on class names breaks in tests,
    as it would on the live site after a deploy.
    """

    def __init__(self, salt: str) -> None:
        self._salt = salt

    def __getattr__(self, purpose: str) -> str:
        digest = hashlib.sha256(f"{self._salt}:{purpose}".encode()).hexdigest()
        return f"_{digest[:8]} _{digest[8:16]}"

    def hook(self, purpose: str) -> str:
        """One hashed class the page's own script finds elements by (never a stable test hook)."""
        return "_" + hashlib.sha256(f"{self._salt}:hook:{purpose}".encode()).hexdigest()[:10]


def _thousands(value: int, separator: str = ",") -> str:
    """1234 → '1,234' (or '1.234' with `separator="."`), as the `People (N)` pill writes it."""
    return f"{value:,}".replace(",", separator)


def build_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(TEMPLATES_PACKAGE, TEMPLATES_FOLDER),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["thousands"] = _thousands
    return env


class PageRenderer:
    """Renders sandbox templates to strings and HTML responses."""

    def __init__(self, env: jinja2.Environment | None = None) -> None:
        self.env = env or build_environment()

    def render(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**context)

    def page(self, name: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.render(name, **context), status_code=status_code)

    def strings(self, locale: str) -> Any:
        """The locale's text macros (`templates/sandbox/strings/<locale>.html.j2`) as a module."""
        return self.env.get_template(f"strings/{locale}.html.j2").module
