"""Profile slugs from `/in/<slug>/` links, absolute or relative, whatever the host."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

_PROFILE_PATH = re.compile(r"^/in/(?P<slug>[^/?#]+)/?")


def profile_slug(href: str) -> str | None:
    """The member slug a profile link points to, or None if `href` is not a profile link.

    Works for `https://www.linkedin.com/in/jane-doe/`, `/in/jane-doe`, `http://127.0.0.1:8000/in/jane-doe/?x=1`;
    percent-escapes are decoded (LinkedIn escapes non-ASCII vanity names).
    """
    path = urlsplit(href.strip()).path
    match = _PROFILE_PATH.match(path)
    if match is None:
        return None
    slug = unquote(match["slug"]).strip()
    return slug or None


def profile_path(slug: str) -> str:
    """The site path of a member's profile, for `AutomationConfig.url`."""
    return f"/in/{slug}/"
