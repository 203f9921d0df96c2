"""Deterministic people and invitations for a sandbox world, generated from a seed.

Names, headlines and companies are invented; slugs look like LinkedIn vanity names
(`maya-okafor-3f9a1c`). Ages run from minutes to two years, so every relative-time form
("Sent 12 minutes ago" … "Sent 2 years ago") appears in a large world.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sandbox.model import Position, ProfileDetails

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

CITIES = (
    "Amsterdam, North Holland, Netherlands",
    "Berlin, Germany",
    "Lisbon, Portugal",
    "Denver, Colorado, United States",
    "Lyon, Auvergne-Rhône-Alpes, France",
    "Madrid, Community of Madrid, Spain",
    "Utrecht, Netherlands",
    "London, England, United Kingdom",
)
SCHOOLS = (
    "University of Amsterdam",
    "Technische Universität München",
    "Universidad Complutense de Madrid",
    "Sciences Po",
    "University of Colorado Boulder",
    "Delft University of Technology",
)
PROFILE_LANGUAGES = ("en", "en", "en", "de", "nl", "fr", "es")
"""The language a member writes their profile in, weighted as the sandbox's members do."""
# One line a member might open their About with, per profile language; {company} and {field} fill in.
ABOUT_OPENERS = {
    "en": (
        "I help B2B teams turn {field} into steady growth.",
        "Building {company} with a small, curious team.",
        "Twelve years in {field}; still learning every week.",
    ),
    "de": (
        "Ich helfe B2B-Teams, aus {field} nachhaltiges Wachstum zu machen.",
        "Mit einem kleinen, neugierigen Team baue ich {company} auf.",
    ),
    "nl": (
        "Ik help B2B-teams om van {field} duurzame groei te maken.",
        "Samen met een klein, nieuwsgierig team bouw ik {company}.",
    ),
    "fr": (
        "J’aide les équipes B2B à faire de la {field} une croissance durable.",
        "Je construis {company} avec une petite équipe curieuse.",
    ),
    "es": (
        "Ayudo a equipos B2B a convertir {field} en crecimiento constante.",
        "Construyo {company} con un equipo pequeño y curioso.",
    ),
}
ABOUT_MORE = (
    " Previously I led teams across three continents, and I still mentor first-time managers in my"
    " spare time. Ask me about pricing, hiring or cycling.",
    "\nOutside work: trail running, sourdough and too many podcasts.",
)
FIELDS = ("growth", "data", "hiring", "logistics", "design research", "sales")
MUTUAL_COUNTS = (1, 2, 3, 7, 12, 48)
OWNER_SLUG = "alex-morgan-000001"

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
    details: ProfileDetails = ProfileDetails()

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
    bare: tuple[PersonSeed, ...] = ()  # members whose profile shows nothing but their name
    owner: PersonSeed = field(default_factory=lambda: owner_of(0))  # the signed-in member


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


def _details(seed: int, person: PersonSeed, connected: list[PersonSeed]) -> ProfileDetails:
    """A member's profile beyond the top card, from its own generator: adding it left every
    member, age and note of a seed unchanged. Each part is missing for some members."""
    rng = random.Random(f"{seed}:profile:{person.slug}")
    language = rng.choice(PROFILE_LANGUAGES)
    role = person.headline.removesuffix(f" at {person.company}")
    positions: tuple[Position, ...] = ()
    if rng.random() < 0.85:
        joined = rng.randint(2014, 2024)
        current = Position(role, person.company, joined, None, rng.random() < 0.5)
        earlier = []
        start = joined
        if rng.random() < 0.3:  # promoted: an earlier role at the same company
            start = joined - rng.randint(1, 3)
            earlier.append(Position(rng.choice(ROLES), person.company, start, joined, current.full_time))
        for _ in range(rng.randint(0, 2)):
            end = start - rng.randint(0, 1)
            start = end - rng.randint(1, 4)
            earlier.append(Position(rng.choice(ROLES), rng.choice(COMPANIES), start, end, rng.random() < 0.5))
        positions = (current, *earlier)
    about = None
    if rng.random() < 0.7:
        opener = rng.choice(ABOUT_OPENERS[language])
        about = opener.format(company=person.company, field=rng.choice(FIELDS))
        if rng.random() < 0.5:
            about += rng.choice(ABOUT_MORE)
    mutual = rng.choice(MUTUAL_COUNTS) if connected and rng.random() < 0.6 else 0
    return ProfileDetails(
        location=rng.choice(CITIES) if rng.random() < 0.8 else None,
        about=about,
        positions=positions,
        schools=tuple(rng.sample(SCHOOLS, rng.randint(1, 2))) if rng.random() < 0.7 else (),
        languages=tuple(dict.fromkeys((language, *rng.sample(("en", "de", "nl", "fr", "es"), 2))))
        if rng.random() < 0.6
        else (),
        mutual=mutual,
        mutual_names=tuple(p.name for p in rng.sample(connected, min(2, mutual, len(connected)))),
        language=language,
    )


def owner_of(seed: int) -> PersonSeed:
    """The signed-in member (`/in/me/`): a profile to share companies, schools and languages with."""
    rng = random.Random(f"{seed}:owner")
    company, before = rng.sample(COMPANIES, 2)
    details = ProfileDetails(
        location="Amsterdam, North Holland, Netherlands",
        about="Independent consultant for B2B growth teams.",
        positions=(
            Position("Growth Consultant", company, 2021, None, True),
            Position("Marketing Director", before, 2016, 2021, True),
        ),
        schools=(rng.choice(SCHOOLS),),
        languages=("en", "nl"),
        language="en",
    )
    return PersonSeed(
        slug=OWNER_SLUG,
        first_name="Alex",
        last_name="Morgan",
        headline=f"Growth Consultant at {company}",
        company=company,
        member_id=100_000_001,
        details=details,
    )


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
    # Drawn last, so adding them left every earlier member, age and note of a seed unchanged.
    followed = [p for p in _people(rng, follow_only) if p.slug not in {q.slug for q in people}]
    bare = [
        replace(p, headline="", company="")
        for p in _people(rng, 1)
        if p.slug not in {q.slug for q in people + followed}
    ]
    friends = people[pending : pending + connected]

    def detailed(person: PersonSeed) -> PersonSeed:
        return replace(person, details=_details(seed, person, friends))

    return WorldSeed(
        pending=tuple((detailed(person), age, note) for person, age, note in rows),
        connected=tuple(map(detailed, friends)),
        connectable=tuple(map(detailed, people[pending + connected :])),
        follow_only=tuple(map(detailed, followed)),
        bare=tuple(bare),
        owner=owner_of(seed),
    )
