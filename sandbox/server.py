"""`SandboxServer`: the sandbox on uvicorn in a background thread with its own event loop.

It works the same from sync code, the CLI and inside any asyncio loop (tests run one
session-wide loop; the server never touches it).
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import threading
from datetime import timedelta
from types import TracebackType
from typing import Any, cast
from urllib.parse import urlsplit

import uvicorn

from sandbox.app import create_app
from sandbox.config import SandboxConfig
from sandbox.context import Sandbox
from sandbox.control import apply_switches, member_config
from sandbox.identities import DEFAULT_IDENTITY, Identities
from sandbox.model import Faults
from sandbox.state import SandboxState

_START_TIMEOUT_SECONDS = 10.0


class _NotifyingServer(uvicorn.Server):
    """A uvicorn server that tells another thread when it is accepting connections."""

    def __init__(self, config: uvicorn.Config, started: threading.Event) -> None:
        super().__init__(config)
        self._started_event = started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self._started_event.set()


class SandboxServer:
    """A running sandbox. `start()` returns its base URL; `state` is the live world."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.state = SandboxState(self.config)
        self.app = create_app(self.config, state=self.state)
        self.base_url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Listen (port 0 picks a free one) and return the base URL, e.g. `http://127.0.0.1:54321`."""
        if self._thread is not None:
            return self.base_url
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.config.host, self.config.port))
        host, port = sock.getsockname()[:2]
        uv_config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",
            http="h11",
            # Browsers keep connections open; stopping must not wait on them for long.
            timeout_graceful_shutdown=2,
        )
        started = threading.Event()
        server = _NotifyingServer(uv_config, started)

        def serve() -> None:
            try:
                asyncio.run(server.serve(sockets=[sock]))
            finally:
                started.set()  # also when serving failed, so start() never waits in vain

        self._server = server
        self._thread = threading.Thread(target=serve, name=f"sandbox-{port}", daemon=True)
        self._thread.start()
        if not started.wait(_START_TIMEOUT_SECONDS) or not server.started:
            self.stop()
            raise RuntimeError(f"the sandbox did not start on {host}:{port}")
        self.base_url = f"http://{host}:{port}"
        return self.base_url

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=_START_TIMEOUT_SECONDS)
        self._server = None
        self._thread = None

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ---- helpers for tests and the demo ------------------------------------------------------

    def url(self, path: str) -> str:
        """Absolute URL of a site path such as `/mynetwork/invitation-manager/sent/`."""
        return self.base_url + "/" + path.lstrip("/")

    def reset(self, **overrides: Any) -> None:
        """Rebuild the world with `overrides` of `SandboxConfig` fields; faults go back to off.

        Members added with `add_identity` are forgotten, and so are the overlaps seen.
        """
        self.state.reset(**overrides)
        self.identities.clear()

    @property
    def identities(self) -> Identities:
        """The sandbox's members (`sandbox.identities`): the default one is `state`."""
        return cast(Sandbox, self.app.state.sandbox).identities

    def add_identity(self, name: str, **overrides: Any) -> SandboxState:
        """A new member called `name` with a world of its own (`SandboxConfig` overrides; its own seed)."""
        return self.identities.add(
            name, member_config(self.state.config, len(self.identities.names()), overrides)
        )

    def sessions_at_once(self) -> dict[str, int]:
        """Per member, the most page loads and actions of its sessions seen at once."""
        return self.identities.most_at_once()

    def browser_sessions(self) -> dict[str, int]:
        """Per member, how many browser sessions (contexts) it had; members without any are absent."""
        return self.identities.browser_sessions.sessions()

    def session_overlaps(self) -> dict[str, int]:
        """Per member, how many pairs of its browser sessions were open at once (exact; see
        `sandbox.browser_sessions`); members without sessions are absent."""
        return self.identities.browser_sessions.overlaps()

    def set_faults(self, **flags: Any) -> Faults:
        """Switch faults (see `Faults` and the control API's `/__sandbox/faults` keys)."""
        apply_switches(self.state, flags)
        return self.state.faults

    def advance_clock(self, delta: timedelta) -> None:
        self.state.advance_clock(delta)

    def mint_session(self, identity: str = DEFAULT_IDENTITY) -> list[dict[str, Any]]:
        """Playwright cookie dicts (li_at, JSESSIONID) of a new valid session of the member `identity`."""
        li_at, jsessionid = self.identities.get(identity).sessions.mint()
        host = urlsplit(self.base_url).hostname or self.config.host
        common = {"domain": host, "path": "/", "expires": -1, "secure": False, "sameSite": "Lax"}
        return [
            {"name": "li_at", "value": li_at, "httpOnly": True, **common},
            {"name": "JSESSIONID", "value": jsessionid, "httpOnly": False, **common},
        ]

    def storage_state(self, identity: str = DEFAULT_IDENTITY) -> dict[str, Any]:
        """A Playwright storage_state with a fresh session (of the member `identity`), for
        `browser.new_context(storage_state=...)`."""
        return {"cookies": self.mint_session(identity), "origins": []}

    def with_config(self, **overrides: Any) -> SandboxConfig:
        return dataclasses.replace(self.config, **overrides)
