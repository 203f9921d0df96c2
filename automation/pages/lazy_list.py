"""Growing a lazy-loaded list of invitation rows from inside the page: scroll its container, wait.

One `evaluate` runs several load rounds in the page (a MutationObserver wakes it the moment rows
arrive), so a 1,000-row list costs about one fetch per batch, not a driver round trip per check.

The page asks for one batch at a time, and only once its container is scrolled after the last
batch landed, so the time between one batch's answer and the next request is spent by the
listing alone. Two things keep it short. When listing (not looking for one row), the container
is scrolled the moment the page changes, before the new rows are judged, so the next request is
on its way while they are counted and read. And what the page has judged (`ListState`) lives in
the page between evaluates, a handle Playwright holds and the page cannot reach: each round
judges only the rows that are new, not every row again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from playwright.async_api import JSHandle, Locator

from automation.pages.rows import READ_ROW_JS, ROW_HELPERS_JS, RawRow
from automation.text import clean_strings

# Rows are invitation rows (`ROW_HELPERS_JS.rowKey`), counted once per member: a sticky or
# responsive copy of a row is the same invitation. The count is only a growth signal; the rows
# themselves are read afterwards through the role-based locator.
_COUNT = (
    ROW_HELPERS_JS
    + """
  // Each element is judged once, when first seen: re-checking 1,000 rows on every batch would
  // force style work on all of them. `state` (a `ListState`) keeps that across evaluates.
  const { seen, members } = state || { seen: new WeakSet(), members: new Set() };
  const count = () => {
    for (const el of main.querySelectorAll('[role="listitem"], li')) {
      if (seen.has(el)) continue;
      seen.add(el);
      const key = rowKey(el);
      if (key !== null) members.add(key);
    }
    return members.size;
  };
"""
)
COUNT_JS = "(main, state) => {" + _COUNT + " return count(); }"
NEW_STATE_JS = "() => ({ seen: new WeakSet(), members: new Set(), read: new WeakSet() })"

GROW_JS = (
    """
async (main, o) => {
  const state = o.state;"""
    + _COUNT
    + READ_ROW_JS
    + """
  const found = () => o.until !== null && members.has(o.until);
  const scroll = () => {
    const scroller = main.scrollHeight > main.clientHeight ? main : document.scrollingElement;
    scroller.scrollTo(0, scroller.scrollHeight);
  };
  // The rows `main.get_by_role("listitem").filter(visible=True)` matches (what `read_raw_rows` is
  // given), told here without a driver round trip: an explicit role wins over the tag, nothing
  // inside an aria-hidden subtree, and only what has a box and is not visibility-hidden.
  const isListItem = el => {
    const role = (el.getAttribute('role') || '').trim().split(/\\s+/)[0];
    return role ? role === 'listitem' : el.tagName === 'LI';
  };
  const shown = el => {
    if (el.closest('[aria-hidden="true"]') || !el.checkVisibility({ visibilityProperty: true })) return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const read = [];
  // Reads the list items not read yet; given an idle deadline, only while the page is idle (so
  // never holding up a frame, in which the page may act on the scroll), then again when idle.
  const readNew = deadline => {
    if (!o.read) return;
    for (const el of main.querySelectorAll('[role~="listitem"], li')) {
      if (deadline && deadline.timeRemaining() < 1) { requestIdleCallback(whenIdle); return; }
      if (state.read.has(el) || !isListItem(el) || !shown(el)) continue;
      state.read.add(el);
      read.push(readRow(el));
    }
  };
  const whenIdle = deadline => { if (!finished) readNew(deadline); };
  let finished = false;
  const result = (count, complete, stalled) => {
    readNew(null);
    finished = true;  // a read still scheduled must not take rows this result does not carry
    return { count, complete, stalled, rows: o.read ? JSON.stringify(read) : null };
  };
  const grows = (before) => new Promise(resolve => {
    if (count() > before) return resolve(true);
    let timer = null;
    const observer = new MutationObserver(() => {
      // Listing: ask for the next batch first (the page fetches it only once this one landed).
      if (o.scroll && o.until === null) scroll();
      if (count() > before) { observer.disconnect(); clearTimeout(timer); resolve(true); }
    });
    observer.observe(main, { childList: true, subtree: true });
    timer = setTimeout(() => { observer.disconnect(); resolve(count() > before); }, o.idleMs);
  });
  const start = o.since === null ? count() : o.since;
  let stable = 0;
  for (;;) {
    const n = count();
    if (found() || (o.target !== null && n >= o.target)) return result(n, true, false);
    if (stable >= o.stableRounds) return result(n, true, true);
    if (n - start >= o.chunk) return result(n, false, false);
    if (o.scroll) scroll();
    const growing = grows(o.scroll ? n : Math.min(n, start));
    if (o.read) requestIdleCallback(whenIdle);  // read what came while the next batch is on its way
    if (await growing) { stable = 0; } else { stable += 1; }
    if (!o.scroll) return result(count(), false, stable > 0);
  }
}
"""
)


ListState = JSHandle
"""The page-side record of the rows judged and read so far (`new_list_state`); valid for one page load."""


async def new_list_state(main: Locator) -> ListState:
    """A fresh record of judged and read rows, kept in the page for this page load."""
    return await main.evaluate_handle(NEW_STATE_JS)


async def count_rows(main: Locator, state: ListState | None = None) -> int:
    """How many visible invitation rows (members) the list holds now."""
    return int(await main.evaluate(COUNT_JS, state))


@dataclass(frozen=True)
class Growth:
    """Where a growing round stopped: `complete` when the target/row was reached or rows stopped coming."""

    count: int
    complete: bool
    stalled: bool
    rows: list[RawRow] | None = None
    """With `read`: every row that arrived (or was first seen) during the round, read once per page load."""


async def grow(
    main: Locator,
    *,
    target: int | None,
    until: str | None,
    idle_ms: float,
    stable_rounds: int,
    chunk: int,
    scroll: bool = True,
    since: int | None = None,
    state: ListState | None = None,
    read: bool = False,
) -> Growth:
    """Run load rounds until `target` rows, the `until` member's row, `chunk` new rows, or a stall.

    Args:
        main: the list's scroll container (`<main>`).
        target: stop once this many rows are loaded (the pill's count), if known.
        until: stop once an invitation row for this member slug is loaded (a row we look for).
        idle_ms: how long one round waits for new rows before it counts as stable.
        stable_rounds: rounds without growth before the list counts as complete.
        chunk: return after this many new rows, so the caller can report progress.
        scroll: scroll the container each round; False to only wait (after clicking "Load more").
        since: the row count before the caller's own action, when not scrolling.
        state: the rows judged so far on this page load, carried from round to round.
        read: read each list item not read before on this page load (needs `state`), while the
            next batch loads, and return them in `Growth.rows`.
    """
    options: dict[str, Any] = {
        "target": target,
        "until": until,
        "idleMs": idle_ms,
        "stableRounds": stable_rounds,
        "chunk": chunk,
        "scroll": scroll,
        "since": since,
        "state": state,
        "read": read,
    }
    result = await main.evaluate(GROW_JS, options)
    rows = None if result["rows"] is None else cast(list[RawRow], clean_strings(json.loads(result["rows"])))
    return Growth(
        count=int(result["count"]),
        complete=bool(result["complete"]),
        stalled=bool(result["stalled"]),
        rows=rows,
    )
