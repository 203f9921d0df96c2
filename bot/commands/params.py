"""What the command line accepts: click parameter types that refuse bad input with one line.

Each type checks its value before a command runs, so a refused value changes nothing; the
message is `templates/cli/invalid.txt.j2` for its reason.
"""

from __future__ import annotations

import re
from typing import Any

import click

from automation.slugs import profile_slug
from bot.commands.texts import invalid
from bot.services.accounts import DEFAULT_ACCOUNT_NAME, InvalidAccountName, check_account_name
from bot.services.identity import InvalidIdentity, check_locale, check_proxy_server, check_timezone
from bot.services.reminders import CONTEXT_MAX_LENGTH

_DURATION = re.compile(r"^\s*(\d{1,4})\s*(d|day|days|w|wk|week|weeks)\s*$", re.IGNORECASE)
_SLUG = re.compile(r"^[\w-]{2,100}$")
MAX_DAYS = 3650
MAX_EMAIL_LENGTH = 254  # the longest address mail servers accept


class AccountName(click.ParamType[str]):
    """An account's name: 1–64 printable characters."""

    name = "name"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return check_account_name(str(value))
        except InvalidAccountName as exc:
            raise invalid("account_name", value, problem=exc.reason) from None


class ProxyServer(click.ParamType[str]):
    """A proxy's address: http://, https:// or socks5:// host:port, without credentials in it."""

    name = "server"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return check_proxy_server(str(value))
        except InvalidIdentity:
            # The value is not repeated: a mistyped address may hold a password.
            raise invalid("proxy_server", "") from None


class BrowserSetting(click.ParamType[str]):
    """A browser locale (en-US) or time zone (Europe/Amsterdam), or "default" for the browser's own."""

    def __init__(self, kind: str) -> None:
        self.name = kind
        self._check = check_locale if kind == "locale" else check_timezone

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        if text == "default":
            return text
        try:
            return self._check(text)
        except InvalidIdentity as exc:
            raise invalid(exc.reason, text) from None


account_option = click.option(
    "--account",
    "account_name",
    type=AccountName(),
    default=DEFAULT_ACCOUNT_NAME,
    show_default=True,
    help="Which LinkedIn account (self-hosting usually has one; `invitesweep accounts list`).",
)


class Duration(click.ParamType[int]):
    """An age like 90d or 12w, as whole days."""

    name = "age"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        match = _DURATION.match(str(value))
        if match is None:
            raise invalid("duration", value)
        days = int(match[1]) * (7 if match[2].lower().startswith("w") else 1)
        if not 1 <= days <= MAX_DAYS:
            raise invalid("duration", value)
        return days


class Email(click.ParamType[str]):
    """A LinkedIn sign-in email: something@somewhere, one line, no spaces."""

    name = "email"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        local, at, domain = text.rpartition("@")
        if not (at and local and domain) or len(text) > MAX_EMAIL_LENGTH:
            raise invalid("email", value)
        if any(char.isspace() or not char.isprintable() for char in text):
            raise invalid("email", value)
        return text


class ContextText(click.ParamType[str]):
    """What the owner knows about a person: one line of plain text that fits the store."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = " ".join(str(value).split())
        if len(text) > CONTEXT_MAX_LENGTH:
            raise invalid("context", value, length=len(text), limit=CONTEXT_MAX_LENGTH)
        return text


class ProfileSlug(click.ParamType[str]):
    """A member's profile: the slug (jane-doe) or the profile URL."""

    name = "profile"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        slug = profile_slug(text) if "/" in text else text
        if slug is None or not _SLUG.match(slug):
            raise invalid("slug", value)
        return slug
