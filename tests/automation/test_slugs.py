"""Profile slugs come out of any `/in/<slug>/` link, whatever its host or form."""

import pytest

from automation.slugs import profile_path, profile_slug


@pytest.mark.parametrize(
    ("href", "slug"),
    [
        ("https://www.linkedin.com/in/jane-doe-3f9a1c/", "jane-doe-3f9a1c"),
        ("https://www.linkedin.com/in/jane-doe-3f9a1c", "jane-doe-3f9a1c"),
        ("/in/jane-doe/", "jane-doe"),
        ("/in/jane-doe", "jane-doe"),
        ("http://127.0.0.1:8765/in/jane-doe/?miniProfileUrn=urn%3Ali", "jane-doe"),
        ("https://de.linkedin.com/in/jane-doe/#about", "jane-doe"),
        ("https://www.linkedin.com/in/j%C3%BCrgen-m%C3%BCller/", "jürgen-müller"),
        ("  /in/padded/  ", "padded"),
    ],
)
def test_slug_is_parsed_from_profile_links(href: str, slug: str) -> None:
    assert profile_slug(href) == slug


@pytest.mark.parametrize(
    "href",
    [
        "https://www.linkedin.com/",
        "https://www.linkedin.com/mynetwork/invitation-manager/sent/",
        "/company/northwind/",
        "/in/",
        "https://www.linkedin.com/feed/in/jane/",
        "",
    ],
)
def test_non_profile_links_have_no_slug(href: str) -> None:
    assert profile_slug(href) is None


def test_profile_path_round_trips() -> None:
    assert profile_slug(profile_path("maya-okafor-3f9a1c")) == "maya-okafor-3f9a1c"
