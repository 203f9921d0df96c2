"""What every sandbox handler needs: the world, the templates, and a few request helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from starlette.requests import Request

from sandbox.rendering import ClassNames, PageRenderer
from sandbox.state import SandboxState


@dataclass(frozen=True)
class Sandbox:
    """The app-wide objects, stored on `app.state.sandbox` by `create_app`."""

    state: SandboxState
    pages: PageRenderer

    def strings(self, locale: str | None = None) -> Any:
        """The locale's text macros; the world's locale unless one is given."""
        return self.pages.strings(locale or self.state.locale)

    def classes(self) -> ClassNames:
        return ClassNames(self.state.class_salt)


def sandbox_of(request: Request) -> Sandbox:
    return cast(Sandbox, request.app.state.sandbox)


def base_url(request: Request) -> str:
    """The origin the browser used to reach us, e.g. `http://127.0.0.1:54321` (no trailing slash)."""
    return str(request.base_url).rstrip("/")
