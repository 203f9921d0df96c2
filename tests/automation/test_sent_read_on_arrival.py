"""The listing reads rows as they arrive, in the page, and reads exactly what the role locator reads.

`SentInvitationsPage.list_all` no longer reads the whole list through
`main.get_by_role("listitem").filter(visible=True)` once it is loaded: each load round reads the
list items that are new since the last one, while the next batch is on its way. These tests hold
that in-page choice of list items to the locator's, on lists with items the locator leaves out.
"""

import pytest
from playwright.async_api import Page

from automation.config import AutomationConfig, Pacing
from automation.pages.rows import RawRow, read_raw_rows
from automation.pages.sent import SentInvitationsPage

pytestmark = pytest.mark.browser

# List items that are and are not the locator's, added to <main> after every batch that lands: an
# explicit listitem role on a div, an <li> whose role says it is none, items in an aria-hidden
# subtree, hidden by visibility or display, of no size, and a row nested inside another item.
ODD_ITEMS_SCRIPT = """
document.addEventListener("DOMContentLoaded", () => {
  const main = document.querySelector("main");
  if (!main) return;
  let round = 0;
  const add = () => {
    round += 1;
    const box = document.createElement("section");
    box.innerHTML = `
      <div role="listitem">Shown item ${round}</div>
      <ul><li role="none">Presentational item ${round}</li></ul>
      <div aria-hidden="true"><ul><li>Aria-hidden item ${round}</li></ul></div>
      <ul><li style="visibility: hidden">Invisible item ${round}</li></ul>
      <ul><li style="display: none">Undisplayed item ${round}</li></ul>
      <ul><li style="display: block; width: 0; height: 0; overflow: hidden">Empty item ${round}</li></ul>
      <ul><li>Outer item ${round}<ul><li>Inner item ${round}</li></ul></li></ul>`;
    main.append(box);
  };
  add();
  new MutationObserver(records => {
    const rowCame = n => n.nodeType === 1 && n.matches("[componentkey], li");
    if (records.some(r => [...r.addedNodes].some(rowCame))) add();
  }).observe(main, { childList: true, subtree: true });
});
"""


def _texts(raws: list[RawRow]) -> list[str]:
    return [" | ".join(raw["lines"]) for raw in raws]


@pytest.mark.parametrize("rendering", ["e4", "e2"])
async def test_rows_read_on_arrival_are_the_locators_rows_each_once(
    sandbox, sandbox_page: Page, rendering: str
) -> None:
    sandbox.reset(pending=230, rendering=rendering)  # three chunks of 100 rows
    await sandbox_page.context.add_init_script(ODD_ITEMS_SCRIPT)
    sent = SentInvitationsPage(sandbox_page, AutomationConfig(base_url=sandbox.base_url, pacing=Pacing.off()))
    await sent.open()
    globals_before = await sandbox_page.evaluate("() => Object.getOwnPropertyNames(window).sort()")
    arrived: list[RawRow] = []
    growth = await sent._load(230, 0, None, read_into=arrived)

    assert growth.complete
    on_the_page = await read_raw_rows(sent.list_items)
    # The same rows, read the same way; in the order they arrived, which puts the odd items of
    # each round (appended after the list) between the list's batches.
    assert sorted(_texts(arrived)) == sorted(_texts(on_the_page))
    assert sorted(arrived, key=repr) == sorted(on_the_page, key=repr)
    shown = [text for text in _texts(arrived) if "item" in text]
    assert len(shown) > 3  # odd items came with the batches, not only with the first load
    assert not [text for text in shown if not text.startswith(("Shown item", "Outer item", "Inner item"))]
    slugs = [raw["key"] for raw in arrived if raw["key"] is not None]
    assert slugs == sandbox.state.pending_slugs()  # every invitation row once, in order
    # What the listing kept between rounds lives in a handle the page cannot reach.
    assert await sandbox_page.evaluate("() => Object.getOwnPropertyNames(window).sort()") == globals_before


async def test_a_listing_reads_every_row_once_across_its_rounds(sandbox, sandbox_page: Page) -> None:
    sandbox.reset(pending=230)
    sent = SentInvitationsPage(sandbox_page, AutomationConfig(base_url=sandbox.base_url, pacing=Pacing.off()))
    progress: list[int] = []
    invitations, pill = await sent.list_all(on_progress=lambda n, _total: progress.append(n))
    assert pill == 230
    assert [i.slug for i in invitations] == sandbox.state.pending_slugs()
    assert progress[-1] == 230 and len(progress) >= 3  # reported chunk by chunk
