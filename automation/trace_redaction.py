"""Scrubbing secrets out of a Playwright trace before it is left on disk.

A trace holds the operation's network entries (request headers carry the `li_at` and
`JSESSIONID` cookies) and DOM snapshots. Every cookie value of the context is replaced with
`[redacted]` in every member of the zip, in the forms it travels in: as set, without its
quotes (JSESSIONID is `"ajax:…"`; the csrf-token header repeats it bare), URL-encoded and
JSON-escaped. The caller deletes the trace when scrubbing fails: no trace beats a leaky one.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, quote_plus

from automation.private_files import PRIVATE_FILE

REDACTED = b"[redacted]"

MIN_SECRET_LENGTH = 8
"""Shorter cookie values (`lang=en`, flags) are not secrets, and replacing them would mangle
ordinary text and numbers throughout the trace."""


class TraceNotScrubbed(Exception):
    """Scrubbing could not guarantee a clean, well-formed trace."""


def secret_forms(values: Iterable[str]) -> list[bytes]:
    """Every form in which the cookie `values` may appear, in the order they must be replaced.

    The bare value comes first: replacing it inside `"value"` leaves `"[redacted]"`, which keeps
    JSON intact, where replacing the quoted form would have swallowed the JSON string's quotes.
    """
    forms: list[str] = []
    for value in values:
        bare = value.strip('"')
        for form in (
            bare,
            quote(bare, safe=""),
            quote(bare),
            quote_plus(bare),
            value,
            quote(value, safe=""),
            json.dumps(value)[1:-1],
        ):
            if len(form) >= MIN_SECRET_LENGTH and form not in forms:
                forms.append(form)
    return [form.encode() for form in forms]


def scrub_bytes(data: bytes, forms: list[bytes]) -> bytes:
    for form in forms:
        data = data.replace(form, REDACTED)
    return data


def scrub_trace(path: Path, destination: Path, secrets: Iterable[str]) -> None:
    """Write `path`'s trace to `destination` with every form of every secret redacted.

    Members that were JSON (a document or JSON lines, as trace.trace and trace.network are)
    must still be JSON afterwards, so the trace viewer still reads the scrubbed trace.

    Raises:
        TraceNotScrubbed: the zip could not be read or a member would no longer parse;
            `destination` is then not left behind.
    """
    forms = secret_forms(secrets)
    partial = destination.with_name(destination.name + ".partial")
    try:
        private = os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE), "wb")
        with (
            private,
            zipfile.ZipFile(path) as source,
            zipfile.ZipFile(private, "w", zipfile.ZIP_DEFLATED) as target,
        ):
            for member in source.infolist():
                original = source.read(member)
                scrubbed = scrub_bytes(original, forms)
                if scrubbed != original and json_shape(original) != json_shape(scrubbed):
                    raise TraceNotScrubbed(f"redacting {member.filename} would break its JSON")
                target.writestr(member, scrubbed)
        os.replace(partial, destination)
    except (OSError, zipfile.BadZipFile, TraceNotScrubbed) as exc:
        partial.unlink(missing_ok=True)
        if isinstance(exc, TraceNotScrubbed):
            raise
        raise TraceNotScrubbed(str(exc)) from exc


def json_shape(data: bytes) -> str:
    """Whether `data` is "json", "json-lines" or "other"; scrubbing must not change it."""
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return "other"
    try:
        json.loads(text)
    except ValueError:
        pass
    else:
        return "json"
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return "other"
    try:
        for line in lines:
            json.loads(line)
    except ValueError:
        return "other"
    return "json-lines"
