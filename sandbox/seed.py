"""Deterministic people and invitations for a sandbox world, generated from a seed.

Names, headlines and companies are invented; slugs look like LinkedIn vanity names
(`maya-okafor-3f9a1c`). Ages run from minutes to two years, so every relative-time form
("Sent 12 minutes ago" … "Sent 2 years ago") appears in a large world.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import timedelta

FIRST_NAMES = (
    "Maya",
    "Liam",
    "Sofia",
    "Noah",
    "Amara",
    "Lucas",
    "Priya",
    "Mateo",
    "Hannah",
    "Kenji",
    "Elena",
    "Omar",
    "Chloe",
    "Jonas",
    "Aisha",
    "Daniel",
    "Ingrid",
    "Rafael",
    "Zoe",
    "Tobias",
    "Leila",
    "Marcus",
    "Freya",
    "Diego",
    "Nadia",
    "Ethan",
    "Yuki",
    "Samuel",
    "Clara",
    "Arjun",
    "Isabel",
    "Henrik",
    "Fatima",
    "Oliver",
    "Mei",
    "Gabriel",
    "Astrid",
    "Victor",
    "Lena",
    "Kwame",
)
LAST_NAMES = (
    "Okafor",
    "Bergström",
    "Nakamura",
    "Alvarez",
    "Schmidt",
    "Patel",
    "Dubois",
    "Kowalski",
    "Haddad",
    "Jansen",
    "Moreau",
    "Lindqvist",
    "Costa",
    "Fischer",
    "Ibrahim",
    "O'Connell",
    "Rossi",
    "Van Dijk",
    "Chen",
    "Novak",
    "Mensah",
    "Larsen",
    "Ferreira",
    "Weber",
    "Kapoor",
    "Sato",
    "Müller",
    "Quinn",
    "Romero",
    "De Vries",
    "Andersen",
    "Kim",
    "Silva",
    "Bakker",
    "Nguyen",
    "Hughes",
    "Petrov",
    "Ortiz",
)
ROLES = (
    "Head of Growth",
    "Founder & CEO",
    "Senior Product Manager",
    "Talent Acquisition Lead",
    "Engineering Manager",
    "VP Sales",
    "Staff Software Engineer",
    "Marketing Director",
    "Partner",
    "Data Scientist",
    "Customer Success Manager",
    "Chief Operating Officer",
    "Recruiter",
    "UX Research Lead",
    "Business Development Manager",
    "Fractional CFO",
)
COMPANIES = (
    "Northwind Labs",
    "Bluefin Analytics",
    "Copperleaf Health",
    "Tidewater Capital",
    "Lumen & Oak",
    "Brightpath Logistics",
    "Quillstone Media",
    "Harbor Robotics",
    "Greenfield Ventures",
    "Atlas Freight",
    "Juniper Systems",
    "Solstice Energy",
    "Redwood Talent",
    "Polaris Fintech",
    "Meridian Studio",
)
NOTES = (
    "Hi {first}, enjoyed your talk at the Denver Tech Conference. Would love to stay in touch.",
    "Hello {first} — we both work on growth at B2B startups; happy to swap notes sometime.",
    "Hi {first}, a mutual friend suggested I reach out about {company}. Let's connect!",
    "{first}, saw your post on hiring engineers remotely. Great points; keen to connect.",
)

MIN_AGE = timedelta(minutes=3)
MAX_AGE = timedelta(days=730)


@dataclass(frozen=True)
class PersonSeed:
    """A generated member: who they are and how we relate to them at the start."""

    slug: str
    first_name: str
    last_name: str
    headline: str
    company: str
    member_id: int

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class WorldSeed:
    """Everyone in a fresh world: pending invitees (newest first) with ages, connections, strangers."""

    pending: tuple[tuple[PersonSeed, timedelta, str | None], ...]
    connected: tuple[PersonSeed, ...]
    connectable: tuple[PersonSeed, ...]
    follow_only: tuple[PersonSeed, ...]  # creators who let others follow but not connect


def _slugify(text: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in text.lower())
    ascii_only = cleaned.encode("ascii", "ignore").decode()
    return "-".join(part for part in ascii_only.split("-") if part)


def _people(rng: random.Random, count: int) -> list[PersonSeed]:
    people: list[PersonSeed] = []
    slugs: set[str] = set()
    while len(people) < count:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        slug = f"{_slugify(first)}-{_slugify(last)}-{rng.getrandbits(24):06x}"
        if slug in slugs:
            continue
        slugs.add(slug)
        role, company = rng.choice(ROLES), rng.choice(COMPANIES)
        people.append(
            PersonSeed(
                slug=slug,
                first_name=first,
                last_name=last,
                headline=f"{role} at {company}",
                company=company,
                member_id=rng.randrange(10**8, 10**9),
            )
        )
    return people


def _ages(rng: random.Random, count: int) -> list[timedelta]:
    """Ages between three minutes and two years, youngest first, skewed old like a real backlog.

    On a log scale the position is u**0.3 for uniform u: about 9 % of invitations are under a
    day old, a handful under an hour, 45 % at least 90 days and 17 % over a year.
    """
    low, high = math.log(MIN_AGE.total_seconds()), math.log(MAX_AGE.total_seconds())
    seconds = sorted(math.exp(low + (high - low) * rng.random() ** 0.3) for _ in range(count))
    return [timedelta(seconds=round(s)) for s in seconds]


def generate(
    seed: int, pending: int, *, connected: int = 12, connectable: int = 12, follow_only: int = 3
) -> WorldSeed:
    """Generate a world: `pending` invitees newest first, plus connections and strangers."""
    rng = random.Random(seed)
    people = _people(rng, pending + connected + connectable)
    ages = _ages(rng, pending)
    rows: list[tuple[PersonSeed, timedelta, str | None]] = []
    for person, age in zip(people[:pending], ages, strict=True):
        note = None
        if rng.random() < 0.2:
            note = rng.choice(NOTES).format(first=person.first_name, company=person.company)
        rows.append((person, age, note))
    return WorldSeed(
        pending=tuple(rows),
        connected=tuple(people[pending : pending + connected]),
        connectable=tuple(people[pending + connected :]),
        # Drawn last, so adding them left every earlier member, age and note of a seed unchanged.
        follow_only=tuple(p for p in _people(rng, follow_only) if p.slug not in {q.slug for q in people}),
    )
