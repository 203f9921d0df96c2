"""An account's browser identity: its proxy, its browser's locale and time zone, its user agent.

What the automation needs is `automation.identity.BrowserIdentity`; this module keeps its parts
on the account, checks them before anything is stored, and builds it for `ClientProvider`.
The proxy's username and password are encrypted with the session vault, as the session is; the
address is stored plainly and may not carry credentials itself. Nothing here logs, and no
message repeats a password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from automation.identity import BrowserIdentity, Proxy
from bot.db.models import Account

if TYPE_CHECKING:  # the vault is handed in; cryptography loads with whoever makes one
    from bot.services.secrets import SessionVault

PROXY_SCHEMES = ("http", "https", "socks5")
_LOCALE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
PROXY_SERVER_MAX_LENGTH = 300
CREDENTIAL_MAX_LENGTH = 200


class InvalidIdentity(ValueError):
    """A browser-identity value was refused: `reason` is "proxy_server" (not scheme://host:port
    of http, https or socks5, or with credentials, a path or a query in it), "proxy_credentials"
    (a password without a username, or either too long or with line breaks), "locale" (not a
    language tag like en-US) or "timezone" (not a known time zone)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IdentityView:
    """What may be shown of an account's identity: never the proxy's password."""

    proxy_server: str | None
    proxy_username: str | None
    proxy_password_set: bool
    locale: str | None
    timezone: str | None
    user_agent: str | None


def check_proxy_server(server: str) -> str:
    """`server` if it is `scheme://host:port` of a proxy scheme and nothing more.

    Raises:
        InvalidIdentity: "proxy_server".
    """
    server = server.strip()
    try:
        parts = urlsplit(server)
        port = parts.port
    except ValueError:
        raise InvalidIdentity("proxy_server") from None
    extra = parts.username or parts.password or parts.path not in ("", "/") or parts.query or parts.fragment
    if (
        len(server) > PROXY_SERVER_MAX_LENGTH
        or parts.scheme not in PROXY_SCHEMES
        or not parts.hostname
        or port is None
        or extra
    ):
        raise InvalidIdentity("proxy_server")
    return server.rstrip("/")


def check_locale(locale: str) -> str:
    """`locale` if it looks like a language tag (en-US, nl-NL, de).

    Raises:
        InvalidIdentity: "locale".
    """
    if not _LOCALE.match(locale) or len(locale) > 35:
        raise InvalidIdentity("locale")
    return locale


def check_timezone(name: str) -> str:
    """`name` if it is a known IANA time zone.

    Raises:
        InvalidIdentity: "timezone".
    """
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidIdentity("timezone") from None
    return name


def _check_credential(value: str) -> str:
    if len(value) > CREDENTIAL_MAX_LENGTH or not value.isprintable():
        raise InvalidIdentity("proxy_credentials")
    return value


def set_proxy(
    account: Account,
    vault: SessionVault,
    server: str,
    username: str | None = None,
    password: str | None = None,
) -> None:
    """Route the account's browser through the proxy at `server`, with credentials if given.

    Everything is checked before anything changes; the credentials are stored encrypted.

    Raises:
        InvalidIdentity: "proxy_server" or "proxy_credentials".
    """
    server = check_proxy_server(server)
    if username is None and password is not None:
        raise InvalidIdentity("proxy_credentials")
    credentials = None
    if username is not None:
        secret = {"username": _check_credential(username), "password": _check_credential(password or "")}
        credentials = vault.encrypt(secret)
    account.proxy_server = server
    account.proxy_credentials = credentials


def clear_proxy(account: Account) -> bool:
    """Let the account's browser connect directly again; False if it had no proxy."""
    had = account.proxy_server is not None
    account.proxy_server = None
    account.proxy_credentials = None
    return had


def set_browser_settings(account: Account, *, locale: str | None = None, timezone: str | None = None) -> None:
    """Set the browser's locale and/or time zone for the account; "default" returns to the browser's own.

    Raises:
        InvalidIdentity: "locale" or "timezone"; then nothing changed.
    """
    new_locale = account.browser_locale
    new_timezone = account.browser_timezone
    if locale is not None:
        new_locale = None if locale == "default" else check_locale(locale)
    if timezone is not None:
        new_timezone = None if timezone == "default" else check_timezone(timezone)
    account.browser_locale = new_locale
    account.browser_timezone = new_timezone


def keep_user_agent(account: Account, user_agent: str | None) -> bool:
    """Store the user agent a flow chose for the account (the first one, or after a browser update)."""
    if user_agent is None or user_agent == account.user_agent:
        return False
    account.user_agent = user_agent
    return True


def _credentials(account: Account, vault: SessionVault) -> tuple[str | None, str | None]:
    if account.proxy_credentials is None:
        return None, None
    secret = vault.decrypt(account.proxy_credentials)
    return str(secret["username"]), str(secret["password"])


def browser_identity(account: Account, vault: SessionVault) -> BrowserIdentity:
    """The account's identity as the automation takes it (credentials decrypted, for the context only)."""
    proxy = None
    if account.proxy_server is not None:
        username, password = _credentials(account, vault)
        proxy = Proxy(account.proxy_server, username, password)
    return BrowserIdentity(
        label=account.name,
        proxy=proxy,
        locale=account.browser_locale,
        timezone_id=account.browser_timezone,
        user_agent=account.user_agent,
    )


def identity_view(account: Account, vault: SessionVault) -> IdentityView:
    """What `accounts identity` shows: everything but the password."""
    username, password = _credentials(account, vault)
    return IdentityView(
        proxy_server=account.proxy_server,
        proxy_username=username,
        proxy_password_set=bool(password),
        locale=account.browser_locale,
        timezone=account.browser_timezone,
        user_agent=account.user_agent,
    )
