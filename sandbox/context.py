"""What every sandbox handler needs: the world, the templates, and a few request helpers."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, cast

from starlette.requests import Request

from sandbox.identities import SESSION_COOKIE, Identities
from sandbox.rendering import ClassNames, PageRenderer
from sandbox.state import SandboxState


@dataclass(frozen=True)
class Sandbox:
    """The app-wide objects, stored on `app.state.sandbox` by `create_app`.

    `state` is the world of the member a request acts as (`acting`): the default member's on the
    app, another member's on the view `sandbox_of` returns for a request with that member's session.
    """

    state: SandboxState
    pages: PageRenderer
    identities: Identities = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "identities", Identities(self.state))

    def acting(self, li_at: str | None) -> Sandbox:
        """This sandbox as the member whose session `li_at` is (the default member if none is)."""
        member = self.identities.of_session(li_at)
        if member is None or member[1] is self.state:
            return self
        view = dataclasses.replace(self, state=member[1])
        object.__setattr__(view, "identities", self.identities)
        return view

    def strings(self, locale: str | None = None) -> Any:
        """The locale's text macros; the world's locale unless one is given."""
        return self.pages.strings(locale or self.state.locale)

    def classes(self) -> ClassNames:
        return ClassNames(self.state.class_salt)


def sandbox_of(request: Request) -> Sandbox:
    """The sandbox as the member the request's session belongs to."""
    return cast(Sandbox, request.app.state.sandbox).acting(request.cookies.get(SESSION_COOKIE))


def base_url(request: Request) -> str:
    """The origin the browser used to reach us, e.g. `http://127.0.0.1:54321` (no trailing slash)."""
    return str(request.base_url).rstrip("/")
