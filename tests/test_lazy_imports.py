"""The bot's process stays small until browser work is due: Playwright loads with the browser.

Checked in a fresh interpreter, since this test session has long imported everything.
"""

import json
import subprocess
import sys

HEAVY = ("playwright", "matplotlib")


def loaded_after(statement: str) -> list[str]:
    probe = (
        f"import sys\n{statement}\n"
        f"import json\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return list(json.loads(done.stdout.splitlines()[-1]))


def test_the_application_loads_no_browser_or_charts() -> None:
    assert loaded_after("import bot.app") == []


def test_the_probe_sees_what_is_loaded() -> None:
    # The same probe does report a module when something loads it.
    assert loaded_after("import automation.client") == ["playwright"]
