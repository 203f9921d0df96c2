"""A faithful local imitation of the LinkedIn pages InviteSweep automates (reference §8).

    from sandbox import SandboxConfig, SandboxServer
    with SandboxServer(SandboxConfig(pending=35)) as server:
        server.url("/mynetwork/invitation-manager/sent/")
        server.state.pending_slugs()

Pages: the Sent page (E4/E3/E2 renderings; en/de/nl/fr/es, and it as test data), the withdraw
confirmation, login and checkpoints, profiles and the custom-invite dialog. Faults and the
sandbox clock are switched through `SandboxServer` helpers, `SandboxState`, or the JSON API
under `/__sandbox/`.
"""

from sandbox.app import create_app
from sandbox.config import SandboxConfig
from sandbox.server import SandboxServer
from sandbox.state import SandboxState

__all__ = ["SandboxConfig", "SandboxServer", "SandboxState", "create_app"]
