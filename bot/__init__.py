"""InviteSweep: the Telegram front, the domain services and the store."""

import sys

# httpx imports its own command line, and with it rich and pygments (~4 MB of the idle bot), whenever
# rich is installed, as it is for our progress bars. Nothing here runs httpx's command line, so its
# module is marked absent before httpx loads; httpx then keeps a stub that only `httpx` the command
# would call.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # None: "not importable"
