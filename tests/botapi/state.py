"""What the fake Bot API knows: chats, messages, pending updates, recorded calls.

Everything here is plain, synchronous and guarded by one lock, because the HTTP server runs in
its own thread while tests read and inject from the test's event loop. The server module turns
HTTP requests into calls on `BotApiState`; tests use the same object to look at chats and to act
as users.
"""

from __future__ import annotations

import enum
import html
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

BOT_USER = {
    "id": 700000001,
    "is_bot": True,
    "first_name": "InviteSweep",
    "username": "invitesweep_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
# The tags Telegram's HTML parse mode accepts; anything else is a "can't parse entities" error.
ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    }
)


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional `parameters`."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass(frozen=True)
class Button:
    """One inline keyboard button as the bot sent it."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass
class ChatMessage:
    """A message in a chat, as a Telegram client would show it now."""

    chat_id: int
    message_id: int
    from_bot: bool
    date: int
    text: str | None = None
    html: str | None = None
    reply_markup: dict[str, Any] | None = None
    document: tuple[str, bytes] | None = None
    photo: bytes | None = None
    caption: str | None = None
    deleted: bool = False
    edits: int = 0
    from_user_id: int | None = None

    @property
    def buttons(self) -> list[Button]:
        """Every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [Button(b["text"], b.get("callback_data"), b.get("url")) for row in rows for b in row]

    @property
    def button_texts(self) -> list[str]:
        return [b.text for b in self.buttons]

    def to_api(self, user: dict[str, Any]) -> dict[str, Any]:
        """The Message object the Bot API would return for this message."""
        sender = BOT_USER if self.from_bot else user
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": {"id": self.chat_id, "type": "private", "first_name": user["first_name"]},
            "from": sender,
        }
        if self.text is not None:
            data["text"] = self.text
            if not self.from_bot and self.text.startswith("/"):
                command = self.text.split(maxsplit=1)[0]
                data["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if self.reply_markup:
            data["reply_markup"] = self.reply_markup
        if self.document is not None:
            name, content = self.document
            data["document"] = {
                "file_id": f"doc-{self.chat_id}-{self.message_id}",
                "file_unique_id": f"d{self.chat_id}{self.message_id}",
                "file_name": name,
                "file_size": len(content),
            }
        if self.photo is not None:
            data["photo"] = [
                {
                    "file_id": f"photo-{self.chat_id}-{self.message_id}",
                    "file_unique_id": f"p{self.chat_id}{self.message_id}",
                    "width": 1,
                    "height": 1,
                    "file_size": len(self.photo),
                }
            ]
        if self.caption is not None:
            data["caption"] = self.caption
        return data


@dataclass(frozen=True)
class RecordedCall:
    """One request the bot made: method, decoded parameters, when, and the HTTP status we gave."""

    method: str
    params: dict[str, Any]
    at: float
    status: int


@dataclass
class CallbackRecord:
    """A callback query we delivered and, once the bot answered it, the answer."""

    query_id: str
    user_id: int
    data: str
    sent_at: float
    answered_at: float | None = None
    answer_text: str | None = None
    show_alert: bool = False


class _HtmlChecker(HTMLParser):
    """Checks Telegram HTML the way the real server does (allowed tags, balanced) and extracts the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.parts: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = self.error or f'unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f'unexpected end tag "{tag}"'
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def parse_html(text: str) -> str:
    """The plain text of a Telegram-HTML string, or `ApiError` 400 like the real server."""
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.stack and checker.error is None:
        checker.error = f'can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    if checker.error:
        raise ApiError(400, f"Bad Request: can't parse entities: {checker.error}")
    return "".join(checker.parts)


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "en"}


class FaultKind(enum.StrEnum):
    """What goes wrong with a call, as a bot meets it on the real network."""

    TOO_MANY_REQUESTS = "429"  # answered 429 with `retry_after`; nothing done
    ERROR = "error"  # answered with `status` and `description` (a 5xx, a 400 refusal); nothing done
    DELAY = "delay"  # done, answered `seconds` later (past the bot's read timeout: it never hears)
    DROP_BEFORE = "drop-before"  # the connection closes before anything is done: no answer
    DROP_AFTER = "drop-after"  # done (the message is in the chat), then the connection closes: no answer


@dataclass
class Fault:
    """One armed fault: the next `remaining` calls of `method` meet it."""

    method: str
    kind: FaultKind
    remaining: int
    status: int = 502
    description: str = "Bad Gateway"
    retry_after: int = 1
    seconds: float = 0.0

    def error(self) -> ApiError:
        """The error answer of a 429 or ERROR fault."""
        if self.kind is FaultKind.TOO_MANY_REQUESTS:
            return ApiError(
                429, f"Too Many Requests: retry after {self.retry_after}", {"retry_after": self.retry_after}
            )
        return ApiError(self.status, self.description)


@dataclass
class BotApiState:
    """The server's memory. All public methods are thread-safe."""

    token: str
    on_update: Callable[[], None] = lambda: None
    lock: threading.RLock = field(default_factory=threading.RLock)
    calls: list[RecordedCall] = field(default_factory=list)
    chats: dict[int, dict[int, ChatMessage]] = field(default_factory=dict)
    callbacks: dict[str, CallbackRecord] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _query_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _message_ids: dict[int, itertools.count[int]] = field(default_factory=dict)
    _faults: list[Fault] = field(default_factory=list)

    # --- what tests do as users ---------------------------------------------------------------

    def send_text(self, user_id: int, text: str) -> ChatMessage:
        """The user types `text` in their private chat with the bot (commands get their entity)."""
        with self.lock:
            message = self._store(user_id, from_bot=False, text=text, from_user_id=user_id)
            self._push({"message": message.to_api(_user(user_id))})
            return message

    def press(self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None) -> str:
        """Deliver a callback query with arbitrary `data` for a message (forged data allowed)."""
        with self.lock:
            message = self.chats[chat_id][message_id]
            presser = user_id if user_id is not None else chat_id
            query_id = f"q{next(self._query_ids)}"
            self.callbacks[query_id] = CallbackRecord(query_id, presser, data, time.monotonic())
            self._push(
                {
                    "callback_query": {
                        "id": query_id,
                        "from": _user(presser),
                        "message": message.to_api(_user(chat_id)),
                        "chat_instance": f"ci{chat_id}",
                        "data": data,
                    }
                }
            )
            return query_id

    def tap(
        self, chat_id: int, text: str, *, user_id: int | None = None, message_id: int | None = None
    ) -> str:
        """Tap the button labelled `text` on the newest message that shows it; returns the query id."""
        with self.lock:
            message = self.find_button_message(chat_id, text, message_id=message_id)
            button = next(b for b in message.buttons if _label_matches(b.text, text))
            if button.callback_data is None:
                raise AssertionError(f"button {text!r} is a URL button")
            return self.press(chat_id, message.message_id, button.callback_data, user_id=user_id)

    def message_with_button(self, chat_id: int, text: str) -> ChatMessage | None:
        """The newest message showing a button labelled `text`, or None (for polling)."""
        with self.lock:
            for message in reversed(self.messages(chat_id)):
                if any(_label_matches(b.text, text) for b in message.buttons):
                    return message
            return None

    def find_button_message(self, chat_id: int, text: str, *, message_id: int | None = None) -> ChatMessage:
        with self.lock:
            for message in reversed(self.messages(chat_id)):
                if message_id is not None and message.message_id != message_id:
                    continue
                if any(_label_matches(b.text, text) for b in message.buttons):
                    return message
            shown = {m.message_id: m.button_texts for m in self.messages(chat_id) if m.buttons}
            raise AssertionError(f"no message in chat {chat_id} has a button {text!r}; buttons: {shown}")

    def fail_next(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with 429 Too Many Requests and `retry_after`."""
        self.inject(method, FaultKind.TOO_MANY_REQUESTS, retry_after=retry_after, times=times)

    def inject(
        self,
        method: str,
        kind: FaultKind,
        *,
        times: int = 1,
        status: int = 502,
        description: str | None = None,
        retry_after: int = 1,
        seconds: float = 0.0,
    ) -> None:
        """The fault switch: the next `times` calls of `method` meet `kind` (see `FaultKind`).

        Faults armed for the same method are met in the order they were armed.
        """
        if description is None:
            description = "Bad Gateway" if status == 502 else f"Error {status}"
        with self.lock:
            self._faults.append(Fault(method, kind, times, status, description, retry_after, seconds))

    # --- what tests read ------------------------------------------------------------------------

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[ChatMessage]:
        with self.lock:
            chat = self.chats.get(chat_id, {})
            return [m for m in chat.values() if include_deleted or not m.deleted]

    def bot_messages(self, chat_id: int) -> list[ChatMessage]:
        return [m for m in self.messages(chat_id) if m.from_bot]

    def message(self, chat_id: int, message_id: int) -> ChatMessage:
        with self.lock:
            return self.chats[chat_id][message_id]

    def calls_of(self, method: str) -> list[RecordedCall]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def answer(self, query_id: str) -> CallbackRecord:
        with self.lock:
            return self.callbacks[query_id]

    # --- the Bot API methods --------------------------------------------------------------------

    def take_fault(self, method: str) -> Fault | None:
        """The fault this call of `method` meets, if a test armed one (each is met `times` times)."""
        with self.lock:
            for fault in self._faults:
                if fault.method == method and fault.remaining > 0:
                    fault.remaining -= 1
                    return fault
            return None

    def record(self, method: str, params: dict[str, Any], status: int) -> None:
        with self.lock:
            self.calls.append(RecordedCall(method, params, time.monotonic(), status))

    def take_updates(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        """Confirm updates below `offset` (as Telegram does) and return the next ones."""
        with self.lock:
            if offset is not None:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            return list(self._updates[:limit])

    def call(self, method: str, params: dict[str, Any]) -> Any:
        """Run one synchronous Bot API method; `getUpdates` is handled by the server (it waits)."""
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        with self.lock:
            return handler(params)

    def _api_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        return True  # recorded in `calls`; updates are then POSTed to the bot by the test itself

    def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands = list(params.get("commands") or [])
        return True

    def _api_getMyCommands(self, params: dict[str, Any]) -> Any:
        return self.commands

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        text, raw = self._text(params, "text")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        markup = self._markup(params)
        message = self._store(chat_id, from_bot=True, text=text, html=raw, reply_markup=markup)
        return message.to_api(_user(chat_id))

    def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        message = self._editable(params)
        text, raw = self._text(params, "text")
        markup = self._markup(params)
        if text == message.text and markup == message.reply_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup of the message",
            )
        message.text, message.html, message.reply_markup = text, raw, markup
        message.edits += 1
        return message.to_api(_user(message.chat_id))

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        message = self._editable(params)
        markup = self._markup(params)
        if markup == message.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message.reply_markup = markup
        message.edits += 1
        return message.to_api(_user(message.chat_id))

    def _api_deleteMessage(self, params: dict[str, Any]) -> Any:
        chat = self.chats.get(int(params["chat_id"]), {})
        message = chat.get(int(params["message_id"]))
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        message.deleted = True
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        record = self.callbacks.get(str(params["callback_query_id"]))
        if record is None or record.answered_at is not None:
            raise ApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        record.answered_at = time.monotonic()
        record.answer_text = params.get("text")
        record.show_alert = bool(params.get("show_alert", False))
        return True

    def _api_sendDocument(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        upload = params.get("document")
        if not isinstance(upload, tuple):
            raise ApiError(400, "Bad Request: there is no document in the request")
        if not upload[1]:
            raise ApiError(400, "Bad Request: file must be non-empty")
        caption, _ = self._text(params, "caption") if params.get("caption") else (None, None)
        message = self._store(
            chat_id, from_bot=True, document=upload, caption=caption, reply_markup=self._markup(params)
        )
        return message.to_api(_user(chat_id))

    def _api_sendPhoto(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        upload = params.get("photo")
        if not isinstance(upload, tuple):
            raise ApiError(400, "Bad Request: there is no photo in the request")
        if not upload[1].startswith(b"\x89PNG") and not upload[1].startswith(b"\xff\xd8"):
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        caption, _ = self._text(params, "caption") if params.get("caption") else (None, None)
        message = self._store(
            chat_id, from_bot=True, photo=upload[1], caption=caption, reply_markup=self._markup(params)
        )
        return message.to_api(_user(chat_id))

    # --- helpers --------------------------------------------------------------------------------

    def _store(self, chat_id: int, *, from_bot: bool, **fields: Any) -> ChatMessage:
        ids = self._message_ids.setdefault(chat_id, itertools.count(1))
        message = ChatMessage(
            chat_id=chat_id, message_id=next(ids), from_bot=from_bot, date=int(time.time()), **fields
        )
        self.chats.setdefault(chat_id, {})[message.message_id] = message
        return message

    def _push(self, update: dict[str, Any]) -> None:
        self._updates.append({"update_id": next(self._update_ids), **update})
        self.on_update()

    def _editable(self, params: dict[str, Any]) -> ChatMessage:
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: inline messages are not supported by this test server")
        chat = self.chats.get(int(params["chat_id"]), {})
        message = chat.get(int(params["message_id"]))
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not message.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    @staticmethod
    def _text(params: dict[str, Any], name: str) -> tuple[str, str]:
        raw = str(params.get(name, ""))
        mode = str(params.get("parse_mode") or "").upper()
        text = parse_html(raw) if mode == "HTML" else raw
        if len(text) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        return text, raw

    @staticmethod
    def _markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if not markup:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        return markup


def _label_matches(label: str, wanted: str) -> bool:
    return label == wanted or html.unescape(label) == wanted
