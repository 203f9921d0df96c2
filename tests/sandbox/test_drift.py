"""Property tests over drifted sandbox worlds: markup we did not write by hand, many seeds per rendering.

Each seed varies everything on the pages that carries no meaning (see sandbox/drift.py).
For every seed and rendering: `list_sent` returns exactly the pending set with exact names, notes
and ages that contain the truth; `withdraw` changes only its target; `invite` sends exactly the
note. A failure names the command that serves the same world by hand.

CI runs `DRIFT_SEEDS` seeds per rendering (5 by default); `DRIFT_SEEDS=50 pytest
tests/automation/test_drift.py` runs the full set. One sandbox and one Chromium serve them all;
each seed gets a fresh browser context.
"""

import os
import random
import re
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from automation.client import LinkedInClient
from automation.pages.friction import SUPPORTED_LANGUAGES
from sandbox.config import LOCALES
from sandbox.sent import SENT_PATH
from tests.automation.test_sent_list import list_and_check

pytestmark = pytest.mark.browser

DRIFT_SEEDS = int(os.environ.get("DRIFT_SEEDS", "5"))
RENDERINGS = ["e4", "e3", "e2"]
READABLE = [locale for locale in LOCALES if locale in SUPPORTED_LANGUAGES]
"""The sandbox's languages the automation reads (its test-only language is named, not read)."""


def world_of(seed: int) -> dict[str, object]:
    """The world a drift seed tests: a small pending count and a locale, both from the seed."""
    rng = random.Random(f"world:{seed}")
    return {"pending": rng.randint(6, 32), "locale": rng.choice(READABLE)}


@contextmanager
def replayable(seed: int, rendering: str, world: dict[str, object]) -> Iterator[None]:
    """Add the command that serves this drifted world to any failure inside."""
    try:
        yield
    except Exception as error:
        command = (
            f"invitesweep sandbox --drift {seed} --rendering {rendering} "
            f"--pending {world['pending']} --locale {world['locale']} --seed 7"
        )
        raise AssertionError(
            f"drift seed {seed} ({rendering}) failed: {error!r}\n  replay: {command}"
        ) from error


@pytest.mark.parametrize("seed", range(1, DRIFT_SEEDS + 1), ids=lambda seed: f"drift{seed}")
@pytest.mark.parametrize("rendering", RENDERINGS)
async def test_a_drifted_world_lists_withdraws_and_invites_exactly(
    linkedin: LinkedInClient, sandbox, rendering: str, seed: int
) -> None:
    world = world_of(seed)
    sandbox.reset(drift=seed, rendering=rendering, **world)
    rng = random.Random(f"actions:{seed}")
    with replayable(seed, rendering, world):
        listed = await list_and_check(linkedin, sandbox)
        assert len(listed.invitations) == world["pending"]

        before = sandbox.state.pending_slugs()
        target = rng.choice([before[-1], rng.choice(before)])  # the oldest (deepest) or any
        result = await linkedin.withdraw(target)
        assert result.slug == target
        assert sandbox.state.pending_slugs() == [slug for slug in before if slug != target]

        stranger = sandbox.state.strangers(1)[0]
        note = f"Hi {stranger.first_name}, we met at the meetup on pricing — happy to stay in touch!"
        await linkedin.invite(stranger.slug, note)
        invitation = sandbox.state.invitation(stranger.slug)
        assert invitation is not None and invitation.note == note
        assert sandbox.state.pending_slugs() == [stranger.slug, *(s for s in before if s != target)]


def test_drift_is_reproducible_per_seed(sandbox) -> None:
    """The same seed and the same requests give the same pages; another seed gives other pages."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in sandbox.mint_session())

    def first_page(drift: int) -> str:
        sandbox.reset(pending=20, drift=drift)
        request = urllib.request.Request(sandbox.url(SENT_PATH), headers={"cookie": cookie})
        with urllib.request.urlopen(request) as response:
            page = response.read().decode()
        # Only the world's member ids and the per-reset class salt may differ between two resets.
        return re.sub(r"auto-component-\d+-[0-9a-f]+|_[0-9a-f]{10}", "", page)

    assert first_page(4) == first_page(4)
    assert first_page(4) != first_page(5)
