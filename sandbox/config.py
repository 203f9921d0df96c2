"""How a sandbox world starts: one frozen dataclass that `create_app` and `SandboxServer` take."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.ages import MONTH_CONVENTIONS

RENDERINGS = ("e4", "e3", "e2")
LOCALES = ("en", "de", "nl", "fr", "es", "it")
"""Languages the sandbox renders. The automation reads all but "it", which is test data: a LinkedIn UI
in a language the automation has no strings for must be named to the owner, never misread."""
PLANS = ("free", "premium")

DEFAULT_EMAIL = "demo@invitesweep.test"
DEFAULT_PASSWORD = "sandbox"  # a documented fake credential for the local imitation
DEFAULT_PIN = "123456"


@dataclass(frozen=True)
class SandboxConfig:
    """The seed and switches of a sandbox world.

    Attributes:
        seed: seeds the generated people and invitation ages, so two worlds with one seed match.
        pending: how many pending sent invitations the world starts with (520 exceeds the 500 ceiling).
        rendering: which era of the Sent page to serve: "e4" (2026), "e3" (early 2026), "e2" (Ember).
        locale: one of `LOCALES`, for every page's texts.
        plan: "free" (200-character notes, monthly note quota) or "premium" (300, unlimited).
        notes_quota: personalized notes left this month on the free plan.
        email, password, pin: the one member's credentials and the checkpoint PIN.
        host, port: where `SandboxServer` listens; port 0 picks a free port.
        month_convention: how the Sent page counts months and years ("fixed" 30/365 days,
            "average" 30.44/365.25 days, "calendar"); see `sandbox.ages`.
        drift: a drift seed, or None. With one, every page varies what carries no meaning
            (see `sandbox.drift`), reproducibly per seed.
        fragment_latency: (low, high) seconds, or None. With it, each lazy-loading fragment of
            the Sent page is answered after a delay drawn uniformly from that range, seeded by
            `seed` and the fragment's cursor (the same world answers the same fragment as late
            every time): the live site's latency, which the default's instant answers leave out.
    """

    seed: int = 7
    pending: int = 520
    rendering: str = "e4"
    locale: str = "en"
    plan: str = "free"
    notes_quota: int = 5
    email: str = DEFAULT_EMAIL
    password: str = DEFAULT_PASSWORD
    pin: str = DEFAULT_PIN
    host: str = "127.0.0.1"
    port: int = 0
    month_convention: str = "fixed"
    drift: int | None = None
    fragment_latency: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.rendering not in RENDERINGS:
            raise ValueError(f"rendering must be one of {RENDERINGS}, not {self.rendering!r}")
        if self.locale not in LOCALES:
            raise ValueError(f"locale must be one of {LOCALES}, not {self.locale!r}")
        if self.plan not in PLANS:
            raise ValueError(f"plan must be one of {PLANS}, not {self.plan!r}")
        if self.month_convention not in MONTH_CONVENTIONS:
            raise ValueError(
                f"month_convention must be one of {MONTH_CONVENTIONS}, not {self.month_convention!r}"
            )
        if self.pending < 0 or self.notes_quota < 0:
            raise ValueError("pending and notes_quota cannot be negative")
        if self.fragment_latency is not None:
            low, high = self.fragment_latency
            if not 0 <= low <= high:
                raise ValueError(
                    f"fragment_latency must be (low, high), 0 <= low <= high, not {self.fragment_latency!r}"
                )
