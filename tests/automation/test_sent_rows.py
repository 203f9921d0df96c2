"""Rows are invitations by what they hold, and their text is the text (not the controls inside it).

Each test adds markup the sandbox does not render by itself, with an init script in the page, to
reproduce a page shape met outside our sandbox: a "People you may know" card inside the scrolling
`<main>`, an expander inside the note's text box, a visually-hidden label inside the name.
"""

import json

import pytest

from automation.client import LinkedInClient
from automation.errors import InvitationNotFound
from tests.automation.test_sent_list import list_and_check

pytestmark = pytest.mark.browser


def people_you_may_know_script(people: list[tuple[str, str]]) -> str:
    """Cards with other members' profile links and a Connect button, at the end of `<main>`."""
    return f"const people = {json.dumps(people)};\n" + (
        """
document.addEventListener("DOMContentLoaded", () => {
  const main = document.querySelector("main");
  if (!main) return;
  const section = document.createElement("section");
  section.innerHTML = "<h2>People you may know</h2><ul></ul>";
  for (const [slug, name] of people) {
    const li = document.createElement("li");
    li.innerHTML = `<a href="/in/${slug}/"><img alt="${name}’s profile picture" width="1" height="1"></a>`
      + `<p>${name}</p><p>Works somewhere</p>`
      + `<button type="button" aria-label="Invite ${name} to connect">Connect</button>`;
    section.querySelector("ul").append(li);
  }
  main.append(section);
});
"""
    )


@pytest.mark.parametrize("pending", [11, 21, 61])
async def test_a_people_you_may_know_card_inside_main_is_not_a_row(
    linkedin: LinkedInClient, sandbox, pending: int
) -> None:
    """The card once stopped loading one row short whenever the pending count ended in 1."""
    sandbox.reset(pending=pending)
    strangers = [(p.slug, p.name) for p in sandbox.state.strangers(2)]
    await linkedin.page.context.add_init_script(people_you_may_know_script(strangers))
    progress: list[tuple[int, int | None]] = []
    listed = await list_and_check(linkedin, sandbox, on_progress=lambda n, total: progress.append((n, total)))
    assert len(listed.invitations) == pending
    assert all(total is not None and n <= total for n, total in progress), progress


async def test_the_oldest_row_is_found_past_a_card_for_someone_pending(
    linkedin: LinkedInClient, sandbox
) -> None:
    """A card linking to a pending member further down must not stop the search at the card."""
    sandbox.reset(pending=21)
    oldest = sandbox.state.pending_slugs()[-1]
    card = [(oldest, sandbox.state.person(oldest).name)]
    await linkedin.page.context.add_init_script(people_you_may_know_script(card))
    result = await linkedin.withdraw(oldest)
    assert result.slug == oldest
    assert not sandbox.state.is_pending(oldest)
    assert len(sandbox.state.pending_slugs()) == 20


async def test_withdrawing_a_cards_member_is_not_pending(linkedin: LinkedInClient, sandbox) -> None:
    sandbox.reset(pending=11)
    stranger = sandbox.state.strangers(1)[0]
    await linkedin.page.context.add_init_script(people_you_may_know_script([(stranger.slug, stranger.name)]))
    with pytest.raises(InvitationNotFound):
        await linkedin.withdraw(stranger.slug)
    assert len(sandbox.state.pending_slugs()) == 11


# The live page's note box holds its own "…more" button; names carry visually-hidden extras.
CONTROLS_INSIDE_TEXT_SCRIPT = """
document.addEventListener("DOMContentLoaded", () => {
  const rework = (root) => {
    for (const box of root.querySelectorAll('[data-testid="expandable-text-box"]')) {
      const more = box.parentElement.querySelector('[data-testid="expandable-text-button"]');
      if (more && !box.contains(more)) box.append(more);
      if (!box.querySelector(".visually-hidden")) {
        box.insertAdjacentHTML("afterbegin", '<span class="visually-hidden">Invitation message:</span>');
      }
    }
    for (const row of root.querySelectorAll('[role="listitem"]')) {
      const name = row.querySelector("p");
      if (name && !name.querySelector("[aria-hidden]")) {
        name.insertAdjacentHTML("beforeend",
          '<span class="visually-hidden">, Premium member</span><span aria-hidden="true"> · 2nd</span>');
      }
    }
  };
  rework(document);
  new MutationObserver(() => rework(document)).observe(document.querySelector("main"), {
    childList: true, subtree: true,
  });
});
"""


@pytest.mark.parametrize("rendering", ["e4", "e3"])
async def test_names_and_notes_leave_out_the_controls_inside_them(
    linkedin: LinkedInClient, sandbox, rendering: str
) -> None:
    sandbox.reset(pending=23, rendering=rendering)
    assert any(i.note for i in sandbox.state.pending()), "the world must hold notes to read"
    await linkedin.page.context.add_init_script(CONTROLS_INSIDE_TEXT_SCRIPT)
    listed = await list_and_check(linkedin, sandbox)
    assert len(listed.invitations) == 23
