"""Growing a lazy-loaded list of invitation rows from inside the page: scroll its container, wait.

One `evaluate` runs several load rounds in the page (a MutationObserver wakes it the moment rows
arrive), so a 1,000-row list costs about one fetch per batch, not a driver round trip per check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.async_api import Locator

from automation.pages.rows import ROW_HELPERS_JS

# Rows are invitation rows (`ROW_HELPERS_JS.rowKey`), counted once per member: a sticky or
# responsive copy of a row is the same invitation. The count is only a growth signal; the rows
# themselves are read afterwards through the role-based locator.
_COUNT = (
    ROW_HELPERS_JS
    + """
  // Each element is judged once, when first seen: re-checking 1,000 rows on every batch would
  // force style work on all of them.
  const seen = new WeakSet();
  const members = new Set();
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
COUNT_JS = "main => {" + _COUNT + " return count(); }"

GROW_JS = (
    """
async (main, o) => {"""
    + _COUNT
    + """
  const found = () => o.until !== null && members.has(o.until);
  const scroll = () => {
    const scroller = main.scrollHeight > main.clientHeight ? main : document.scrollingElement;
    scroller.scrollTo(0, scroller.scrollHeight);
  };
  const grows = (before) => new Promise(resolve => {
    if (count() > before) return resolve(true);
    let timer = null;
    const observer = new MutationObserver(() => {
      if (count() > before) { observer.disconnect(); clearTimeout(timer); resolve(true); }
    });
    observer.observe(main, { childList: true, subtree: true });
    timer = setTimeout(() => { observer.disconnect(); resolve(count() > before); }, o.idleMs);
  });
  const start = o.since === null ? count() : o.since;
  let stable = 0;
  for (;;) {
    const n = count();
    if (found() || (o.target !== null && n >= o.target)) return { count: n, complete: true, stalled: false };
    if (stable >= o.stableRounds) return { count: n, complete: true, stalled: true };
    if (n - start >= o.chunk) return { count: n, complete: false, stalled: false };
    if (o.scroll) scroll();
    if (await grows(o.scroll ? n : Math.min(n, start))) { stable = 0; } else { stable += 1; }
    if (!o.scroll) return { count: count(), complete: false, stalled: stable > 0 };
  }
}
"""
)


async def count_rows(main: Locator) -> int:
    """How many visible rows the list holds now."""
    return int(await main.evaluate(COUNT_JS))


@dataclass(frozen=True)
class Growth:
    """Where a growing round stopped: `complete` when the target/row was reached or rows stopped coming."""

    count: int
    complete: bool
    stalled: bool


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
    """
    options: dict[str, Any] = {
        "target": target,
        "until": until,
        "idleMs": idle_ms,
        "stableRounds": stable_rounds,
        "chunk": chunk,
        "scroll": scroll,
        "since": since,
    }
    result = await main.evaluate(GROW_JS, options)
    return Growth(
        count=int(result["count"]), complete=bool(result["complete"]), stalled=bool(result["stalled"])
    )
