"""The one way the bot's messages reach Telegram: send, edit, send a document or a photo.

Handlers and jobs alike send through `Delivery` (`context.delivery`), so every failure is met in
one place and the same way. None of its methods raises a `TelegramError`: each returns a `Receipt`.

    Definite failures: nothing was delivered, so trying again is safe. A 5xx answer (but 504), a
        refused connection, a connect or pool timeout: retried with exponential backoff
        (`RetryPolicy`). A 429 is waited out and retried by PTB's `AIORateLimiter`, which also
        holds every other request back meanwhile; retrying it here as well would multiply the
        attempts, so a 429 that gets past the limiter is final.
    Ambiguous failures: the request went out and no answer came back (a read timeout, a
        connection dropped, a 504 from a gateway). Telegram may have delivered it. A send is never
        repeated then, because a duplicate is worse than a gap (it invites double taps); its receipt
        says `UNCERTAIN` and the caller decides. An edit is idempotent, so it is retried like a
        definite failure, and "message is not modified" counts as done.
    Refusals: Telegram answered 400, and the same request would be refused again. The reply turns
        into something Telegram takes, never silence: a text Telegram cannot parse goes out as
        plain text; an over-long one as plain text in parts; a refused caption is sent after its
        file; a refused file becomes a note naming it; an edit Telegram cannot apply (the message
        is gone) becomes a new message; anything else becomes a note with Telegram's reason.

When a message finally cannot be delivered, the owner is told with a short notice (if that gets
through). Each fault is one WARNING line in the log, never a traceback.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from html.parser import HTMLParser
from typing import Any, TypeVar

import httpx
from telegram import Bot, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import MessageLimit
from telegram.error import BadRequest, NetworkError, TelegramError

from bot.rendering import DEFAULT_LANGUAGE, Renderer

# One logger for the package: its log lines say "bot.delivery" wherever they come from.
logger = logging.getLogger("bot.delivery")

T = TypeVar("T")

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH
"""Telegram's limit for one message's text after entity parsing, in UTF-16 code units."""

# httpx errors that prove the request never reached Telegram: no connection, or none from the pool.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_NOT_MODIFIED = "message is not modified"
_GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")
_TOO_LONG = ("message is too long", "text is too long")
_UNPARSABLE = "can't parse entities"


class Status(enum.Enum):
    """What became of a message."""

    DELIVERED = "delivered"  # Telegram confirmed it (for an edit: the message shows it)
    UNCERTAIN = "uncertain"  # no answer came: it may have arrived; it was not sent again
    FAILED = "failed"  # it certainly did not arrive; the owner was told if that was possible


@dataclass(frozen=True)
class Receipt:
    """The outcome of one delivery; `message_id` is the message that carries the buttons."""

    status: Status
    message_id: int | None = None

    @property
    def delivered(self) -> bool:
        return self.status is Status.DELIVERED


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently definite failures are retried."""

    attempts: int = 5
    first_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 30.0

    def delays(self) -> Iterator[float]:
        """The pause before each retry (one fewer than `attempts`)."""
        delay = self.first_delay
        for _ in range(self.attempts - 1):
            yield min(delay, self.max_delay)
            delay *= self.factor


NOTICE_POLICY = RetryPolicy(attempts=2)
"""A notice about a failure gets one more try, not a second full round of backoff."""


class _Kind(enum.Enum):
    RETRY = "retry"  # certainly not delivered; another try may work
    AMBIGUOUS = "ambiguous"  # may have been delivered
    REFUSED = "refused"  # Telegram said no (400); the same request is refused again
    FINAL = "final"  # certainly not delivered, and trying again will not help (403, 401, 429 left over)


def _kind(error: TelegramError) -> _Kind:
    if isinstance(error, BadRequest):
        return _Kind.REFUSED
    if not isinstance(error, NetworkError):  # Forbidden, InvalidToken, RetryAfter, Conflict, ChatMigrated
        return _Kind.FINAL
    cause = error.__cause__
    if isinstance(cause, _NEVER_SENT):
        return _Kind.RETRY
    if isinstance(cause, httpx.HTTPError) or "Unknown error in HTTP implementation" in str(error):
        return _Kind.AMBIGUOUS  # read or write timeout, connection dropped or reset
    # PTB turns an error answer (a 5xx) into a NetworkError with no httpx cause. A 504 comes from
    # a gateway that stopped waiting for Telegram, which may have done the work anyway.
    return _Kind.AMBIGUOUS if str(error).endswith("(504)") else _Kind.RETRY


class _Undelivered(Exception):
    """One request ended without a delivery; `kind` says whether it may still have arrived."""

    def __init__(self, kind: _Kind, error: TelegramError) -> None:
        super().__init__(str(error))
        self.kind = kind
        self.error = error

    @property
    def reason(self) -> str:
        return str(self.error) or type(self.error).__name__


def _plain_text_helps(problem: _Undelivered) -> bool:
    """Whether Telegram refused the text for its HTML or its length, which plain parts fix."""
    reason = problem.reason.lower()
    return _UNPARSABLE in reason or any(long in reason for long in _TOO_LONG)


class _PlainText(HTMLParser):
    """The text a Telegram-HTML string shows, read leniently (the input may be what Telegram refused)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html_text: str) -> str:
    """`html_text` without its tags and with its entities decoded."""
    parser = _PlainText()
    parser.feed(html_text)
    parser.close()
    return "".join(parser.parts)


def _length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in parts of at most `limit`, cut at line ends where possible; never an empty part."""
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while _length(line.rstrip("\n")) > limit:  # a single line longer than a message: cut it
            cut = limit
            while _length(line[:cut]) > limit:
                cut -= 1
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut])
            line = line[cut:]
        if current and _length((current + line).rstrip("\n")) > limit:
            parts.append(current)
            current = ""
        current += line
    if current:
        parts.append(current)
    return [part.strip("\n") for part in parts if part.strip()] or [text[:1] or " "]


class Delivery:
    """Sends and edits through one retrying, refusal-aware path (see the module docstring)."""

    def __init__(
        self,
        bot: Bot,
        renderer: Renderer,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.bot = bot
        self.renderer = renderer
        self.policy = policy or RetryPolicy()
        self._sleep = sleep

    async def send(
        self,
        chat_id: int,
        text: str,
        *,
        markup: InlineKeyboardMarkup | None = None,
        language: str = DEFAULT_LANGUAGE,
        notify: bool = True,
    ) -> Receipt:
        """Send the HTML `text` (with `markup`) to `chat_id`.

        `notify=False` for a message whose loss the owner need not hear about (an acknowledgement
        that the work itself follows).
        """
        call = partial(self.bot.send_message, chat_id, text, reply_markup=markup)
        try:
            message = await self._attempt("sendMessage", chat_id, call, idempotent=False)
        except _Undelivered as problem:
            if problem.kind is _Kind.REFUSED:
                return await self._send_refused(chat_id, text, markup, language, problem)
            return await self._undelivered(chat_id, language, problem, notify=notify)
        return Receipt(Status.DELIVERED, message.message_id)

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        markup: InlineKeyboardMarkup | None = None,
        language: str = DEFAULT_LANGUAGE,
    ) -> Receipt:
        """Make message `message_id` show `text` and `markup`; repeating an edit is harmless."""
        call = partial(
            self.bot.edit_message_text, text, chat_id=chat_id, message_id=message_id, reply_markup=markup
        )
        try:
            await self._attempt("editMessageText", chat_id, call, idempotent=True)
        except _Undelivered as problem:
            if problem.kind is not _Kind.REFUSED:
                return await self._undelivered(chat_id, language, problem, notify=True)
            reason = problem.reason.lower()
            if _NOT_MODIFIED in reason:
                return Receipt(Status.DELIVERED, message_id)
            if any(gone in reason for gone in _GONE):
                logger.warning(
                    "message %s in chat %s cannot be edited (%s); sent anew", message_id, chat_id, reason
                )
                return await self.send(chat_id, text, markup=markup, language=language)
            return await self._edit_refused(chat_id, message_id, text, markup, language, problem)
        return Receipt(Status.DELIVERED, message_id)

    async def remove_buttons(self, chat_id: int, message_id: int) -> Receipt:
        """Take the buttons off a message (its text stays); already without buttons is fine."""
        call = partial(self.bot.edit_message_reply_markup, chat_id=chat_id, message_id=message_id)
        try:
            await self._attempt("editMessageReplyMarkup", chat_id, call, idempotent=True)
        except _Undelivered as problem:
            if problem.kind is _Kind.REFUSED:
                return Receipt(Status.DELIVERED, message_id)  # not modified, or gone: no buttons either way
            return Receipt(Status.FAILED)  # stale buttons are harmless: every tap is re-checked
        return Receipt(Status.DELIVERED, message_id)

    async def send_document(
        self,
        chat_id: int,
        content: bytes,
        filename: str,
        *,
        caption: str | None = None,
        language: str = DEFAULT_LANGUAGE,
    ) -> Receipt:
        """Send `content` as the file `filename`, with an HTML `caption`."""

        def call(with_caption: str | None) -> Awaitable[Message]:
            document = InputFile(content, filename=filename)
            return self.bot.send_document(chat_id, document, caption=with_caption)

        return await self._send_file("sendDocument", chat_id, call, filename, caption, language)

    async def send_photo(
        self,
        chat_id: int,
        content: bytes,
        filename: str,
        *,
        caption: str | None = None,
        language: str = DEFAULT_LANGUAGE,
    ) -> Receipt:
        """Send the image `content` (PNG or JPEG) as a photo, with an HTML `caption`."""

        def call(with_caption: str | None) -> Awaitable[Message]:
            return self.bot.send_photo(chat_id, InputFile(content, filename=filename), caption=with_caption)

        return await self._send_file("sendPhoto", chat_id, call, filename, caption, language)

    async def notice(
        self, chat_id: int, template: str, language: str = DEFAULT_LANGUAGE, **kwargs: Any
    ) -> Receipt:
        """Send a short notice from `templates/telegram/<language>/<template>`; a failure is only logged."""
        body = self.renderer.telegram(template, language, **kwargs)
        call = partial(self.bot.send_message, chat_id, body)
        try:
            message = await self._attempt(
                "sendMessage", chat_id, call, idempotent=False, policy=NOTICE_POLICY
            )
        except _Undelivered as problem:
            logger.warning("could not tell chat %s that a message failed either: %s", chat_id, problem.reason)
            return Receipt(Status.UNCERTAIN if problem.kind is _Kind.AMBIGUOUS else Status.FAILED)
        return Receipt(Status.DELIVERED, message.message_id)

    # --- the retry loop -------------------------------------------------------------------------

    async def _attempt(
        self,
        method: str,
        chat_id: int,
        call: Callable[[], Awaitable[T]],
        *,
        idempotent: bool,
        policy: RetryPolicy | None = None,
    ) -> T:
        """Run `call`, retrying what is safe to retry; raise `_Undelivered` when it gives up."""
        delays = (policy or self.policy).delays()
        attempt = 1
        while True:
            try:
                return await call()
            except TelegramError as error:
                kind = _kind(error)
                reason = str(error) or type(error).__name__
                if kind is _Kind.AMBIGUOUS and idempotent:
                    kind = _Kind.RETRY  # the same edit again is harmless
                if kind is _Kind.REFUSED:
                    raise _Undelivered(kind, error) from None  # the caller decides; it logs what it does
                if kind is _Kind.AMBIGUOUS:
                    logger.warning(
                        "%s to chat %s got no answer (%s); it may have arrived, so it is not sent again",
                        method,
                        chat_id,
                        reason,
                    )
                    raise _Undelivered(kind, error) from None
                delay = next(delays, None) if kind is _Kind.RETRY else None
                if delay is None:
                    logger.warning(
                        "%s to chat %s failed for good after %d attempt(s): %s",
                        method,
                        chat_id,
                        attempt,
                        reason,
                    )
                    raise _Undelivered(_Kind.FINAL, error) from None
                logger.warning(
                    "%s to chat %s failed (%s); retrying in %.1f s (attempt %d)",
                    method,
                    chat_id,
                    reason,
                    delay,
                    attempt,
                )
                await self._sleep(delay)
                attempt += 1

    async def _undelivered(
        self, chat_id: int, language: str, problem: _Undelivered, *, notify: bool
    ) -> Receipt:
        if problem.kind is _Kind.AMBIGUOUS:
            return Receipt(Status.UNCERTAIN)
        if notify:
            await self.notice(chat_id, "delivery/undelivered", language, reason=problem.reason)
        return Receipt(Status.FAILED)

    # --- refusals -------------------------------------------------------------------------------

    async def _send_refused(
        self,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None,
        language: str,
        problem: _Undelivered,
    ) -> Receipt:
        """Deliver what Telegram refused in a form it takes: plain text, in parts if need be."""
        if not _plain_text_helps(problem):
            return await self._refused(chat_id, language, problem, "a message")
        logger.warning(
            "Telegram refused a message to chat %s (%s); sent as plain text", chat_id, problem.reason
        )
        return await self._send_plain(chat_id, split_text(plain_text(text)), markup, language)

    async def _refused(self, chat_id: int, language: str, problem: _Undelivered, what: str) -> Receipt:
        """Give up on a refused request: one log line, and the owner is told Telegram's reason."""
        logger.warning("Telegram refused %s in chat %s: %s", what, chat_id, problem.reason)
        await self.notice(chat_id, "delivery/refused", language, reason=problem.reason)
        return Receipt(Status.FAILED)

    async def _send_plain(
        self, chat_id: int, parts: list[str], markup: InlineKeyboardMarkup | None, language: str
    ) -> Receipt:
        """Send `parts` as plain text, the buttons on the last; stop at the first part that fails."""
        last: Message | None = None
        for index, part in enumerate(parts):
            buttons = markup if index == len(parts) - 1 else None
            call = partial(self.bot.send_message, chat_id, part, parse_mode=None, reply_markup=buttons)
            try:
                last = await self._attempt("sendMessage", chat_id, call, idempotent=False)
            except _Undelivered as problem:
                if problem.kind is _Kind.REFUSED:  # plain text within the limit: only the buttons are left
                    return await self._refused(chat_id, language, problem, "plain text too")
                return await self._undelivered(chat_id, language, problem, notify=True)
        assert last is not None
        return Receipt(Status.DELIVERED, last.message_id)

    async def _edit_refused(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None,
        language: str,
        problem: _Undelivered,
    ) -> Receipt:
        """The message shows the plain first part (its old buttons gone); the rest follows as new messages."""
        if not _plain_text_helps(problem):
            return await self._refused(chat_id, language, problem, "an edit")
        logger.warning(
            "Telegram refused an edit in chat %s (%s); shown as plain text", chat_id, problem.reason
        )
        first, *rest = split_text(plain_text(text))
        call = partial(
            self.bot.edit_message_text,
            first,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=None,
            reply_markup=None if rest else markup,
        )
        try:
            await self._attempt("editMessageText", chat_id, call, idempotent=True)
        except _Undelivered as again:
            if again.kind is not _Kind.REFUSED or _NOT_MODIFIED not in again.reason.lower():
                return await self._undelivered(chat_id, language, again, notify=True)
        if not rest:
            return Receipt(Status.DELIVERED, message_id)
        return await self._send_plain(chat_id, rest, markup, language)

    async def _send_file(
        self,
        method: str,
        chat_id: int,
        call: Callable[[str | None], Awaitable[Message]],
        filename: str,
        caption: str | None,
        language: str,
    ) -> Receipt:
        """Send a file; a refused caption goes out after it, a refused file is named in a notice."""
        try:
            message = await self._attempt(method, chat_id, partial(call, caption), idempotent=False)
        except _Undelivered as problem:
            if problem.kind is not _Kind.REFUSED:
                return await self._undelivered(chat_id, language, problem, notify=True)
            reason = problem.reason.lower()
            if caption is None or ("caption" not in reason and _UNPARSABLE not in reason):
                logger.warning(
                    "Telegram refused the file %s for chat %s: %s", filename, chat_id, problem.reason
                )
                await self.notice(
                    chat_id, "delivery/file_refused", language, name=filename, reason=problem.reason
                )
                return Receipt(Status.FAILED)
            logger.warning(
                "Telegram refused the caption of %s (%s); it follows the file", filename, problem.reason
            )
            receipt = await self._send_file(method, chat_id, call, filename, None, language)
            if receipt.delivered:
                await self.send(chat_id, caption, language=language)
            return receipt
        return Receipt(Status.DELIVERED, message.message_id)
