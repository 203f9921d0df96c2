"""Note templates: the documented variables, the owner's own templates, and their validation.

The owner keeps templates in `<data dir>/note_templates/<name>.txt.j2`, one file each. The first
line may name the template's conditions, the variables that must be known for it to apply, and
the language(s) it is written in:

    {# when: company, shared.schools, lang: en #}
    Hi {{ first_name }}, fellow {{ shared.schools[0] }} alum here ...

`lang: de` (or `lang: de nl`) makes the template compete only for drafts in that language (the
person's profile language, else the owner's), so an English template never wins for a German
profile; a template without `lang:` competes in every language, as built-ins of every language do
not (they are per language).

Owner templates are rendered in Jinja2's `SandboxedEnvironment` (no attribute tricks reach
Python's internals) with strict undefined variables, and are validated before they are saved:
the syntax, the variables (only `VARIABLES`), a sandbox-safe render, and the length of the
note for a long but typical person (`SAMPLE`) within the account's plan limit. The first
problem found is the one reported; nothing is saved on error.

The variables come from the person as stored and, when a profile was read, from its
`ProfileContext`; whatever is not known is None (or empty), so `{% if company %}` works.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from automation.types import ProfileContext
from bot.services.note_text import InvalidNote, validate_note

TEMPLATES_FOLDER = "note_templates"
SUFFIX = ".txt.j2"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
OWNER_PREFIX = "own:"
"""Owner template names are recorded as "own:<name>", so they never collide with a built-in's."""
MAX_SOURCE_LENGTH = 2000

LANGUAGES = ("en", "nl", "de", "fr", "es")
"""The draft languages (built-in templates exist in each); a `lang:` condition names some of them."""
LANG = "lang:"

_WHEN = re.compile(r"^\s*\{#\s*when:\s*(?P<names>[^#]*?)\s*#\}\s*\n?")


@dataclass(frozen=True)
class Shared:
    """What the person has in common with the owner (empty when unknown)."""

    companies: tuple[str, ...] = ()
    same_company_now: bool = False
    schools: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    mutual_connections: int | None = None


@dataclass(frozen=True)
class NoteValues:
    """Every variable a note template may use; unknown facts are None or empty."""

    first_name: str
    role: str | None = None
    company: str | None = None
    headline: str | None = None
    location: str | None = None
    about: str | None = None
    context: str | None = None  # the owner's own words about the person
    days_since_withdrawal: int | None = None
    original_note: str | None = None  # the note of the invitation that was withdrawn
    shared: Shared = field(default_factory=Shared)

    def as_context(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in VARIABLES}

    def known(self, condition: str) -> bool:
        """Whether `condition` ("company", "shared.schools") has a non-empty value."""
        head, _, attribute = condition.partition(".")
        value: Any = getattr(self, head)
        if attribute:
            value = getattr(value, attribute)
        return bool(value)


VARIABLES = (
    "first_name",
    "role",
    "company",
    "headline",
    "location",
    "about",
    "context",
    "days_since_withdrawal",
    "original_note",
    "shared",
)
CONDITIONS = frozenset(
    (
        *VARIABLES,
        "shared.companies",
        "shared.same_company_now",
        "shared.schools",
        "shared.languages",
        "shared.mutual_connections",
    )
) - {"shared"}


def values_from_profile(
    *,
    first_name: str,
    profile: ProfileContext | None = None,
    role: str | None = None,
    company: str | None = None,
    headline: str | None = None,
    context: str | None = None,
    days_since_withdrawal: int | None = None,
    original_note: str | None = None,
) -> NoteValues:
    """The template variables: the profile's facts when it was read, else what the store knows."""
    p = profile or ProfileContext()
    shared = Shared(
        companies=p.shared.companies,
        same_company_now=p.shared.same_company_now,
        schools=p.shared.schools,
        languages=p.shared.languages,
        mutual_connections=p.shared.mutual_connections,
    )
    return NoteValues(
        first_name=first_name,
        role=p.role or role or None,
        company=p.company or company or None,
        headline=p.headline or headline or None,
        location=p.location,
        about=p.about,
        context=context or None,
        days_since_withdrawal=days_since_withdrawal,
        original_note=original_note or None,
        shared=shared,
    )


SAMPLE = NoteValues(
    first_name="Alexandra",
    role="Senior Product Marketing Manager",
    company="Northwind Analytics International",
    headline="Senior Product Marketing Manager at Northwind Analytics International | Speaker",
    location="Amsterdam, North Holland, Netherlands",
    about="I help B2B software teams find their voice and tell their product story to those who need it.",
    context="we met at the Data Council meetup in Amsterdam last spring",
    days_since_withdrawal=23,
    original_note="Hi Alexandra, I enjoyed your talk on product positioning and would be glad to connect.",
    shared=Shared(
        companies=("Bluefin Analytics",),
        same_company_now=False,
        schools=("Delft University of Technology",),
        languages=("Dutch", "English"),
        mutual_connections=12,
    ),
)
"""A long but typical person: an owner template's note for them must fit the plan's limit."""


class TemplateProblem(enum.StrEnum):
    NAME = "name"
    EMPTY = "empty"
    TOO_BIG = "too_big"
    SYNTAX = "syntax"
    UNKNOWN_VARIABLE = "unknown_variable"
    UNKNOWN_CONDITION = "unknown_condition"
    UNKNOWN_LANGUAGE = "unknown_language"  # a `lang:` condition naming no draft language
    UNSAFE = "unsafe"
    RENDER = "render"
    NOTE = "note"  # the rendered note is not sendable (too long, a link, ...)


class InvalidTemplate(ValueError):
    """A template that cannot be saved: `problem` and `detail` say why (rendered by the caller)."""

    def __init__(
        self, problem: TemplateProblem, detail: str = "", *, length: int = 0, limit: int = 0
    ) -> None:
        self.problem = problem
        self.detail = detail
        self.length = length
        self.limit = limit
        super().__init__(f"{problem.value}: {detail}")


@dataclass(frozen=True)
class OwnerTemplate:
    """One of the owner's templates: its name, conditions, and Jinja2 body (without the header)."""

    name: str
    when: tuple[str, ...]
    body: str

    @property
    def key(self) -> str:
        """The name recorded with the invitations it drafted."""
        return f"{OWNER_PREFIX}{self.name}"

    @property
    def source(self) -> str:
        header = f"{{# when: {', '.join(self.when)} #}}\n" if self.when else ""
        return header + self.body

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages its `lang:` condition names; empty: any language."""
        return tuple(code for c in self.when if c.startswith(LANG) for code in c[len(LANG) :].split())

    def applies(self, values: NoteValues, language: str | None = None) -> bool:
        """Whether its conditions hold for `values` and a draft in `language` (None: language unknown)."""
        languages = self.languages
        if languages and language not in languages:
            return False
        return all(values.known(condition) for condition in self.when if not condition.startswith(LANG))


def sandbox() -> SandboxedEnvironment:
    """The environment owner templates render in: sandboxed, strict, plain text."""
    env = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
    )
    env.globals.clear()  # no range/lipsum/cycler: the documented variables are all there is
    return env


_ENV = sandbox()


def parse(name: str, source: str) -> OwnerTemplate:
    """The template in `source` (header and body), checked for name, syntax, variables and safety.

    Raises `InvalidTemplate` with the first problem found. Does not check the length: that
    depends on the account's plan (see `validate`).
    """
    if not NAME_PATTERN.match(name):
        raise InvalidTemplate(TemplateProblem.NAME, name)
    source = source.replace("\r\n", "\n").strip()
    if len(source) > MAX_SOURCE_LENGTH:
        raise InvalidTemplate(TemplateProblem.TOO_BIG, length=len(source), limit=MAX_SOURCE_LENGTH)
    when: tuple[str, ...] = ()
    header = _WHEN.match(source)
    if header:
        when = tuple(part.strip() for part in header["names"].split(",") if part.strip())
        source = source[header.end() :].strip()
        for condition in when:
            if condition.startswith(LANG):
                codes = condition[len(LANG) :].split()
                if not codes or any(code not in LANGUAGES for code in codes):
                    raise InvalidTemplate(TemplateProblem.UNKNOWN_LANGUAGE, condition)
            elif condition not in CONDITIONS:
                raise InvalidTemplate(TemplateProblem.UNKNOWN_CONDITION, condition)
    if not source:
        raise InvalidTemplate(TemplateProblem.EMPTY)
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as error:
        raise InvalidTemplate(TemplateProblem.SYNTAX, f"line {error.lineno}: {error.message}") from None
    unknown = sorted(meta.find_undeclared_variables(tree) - set(VARIABLES))
    if unknown:
        raise InvalidTemplate(TemplateProblem.UNKNOWN_VARIABLE, unknown[0])
    template = OwnerTemplate(name=name, when=when, body=source)
    render(template, SAMPLE)  # unsafe attributes and misspelt `shared.*` fail here
    return template


def render(template: OwnerTemplate, values: NoteValues) -> str:
    """The note `template` gives for `values`, on one line; raises `InvalidTemplate` if it cannot."""
    try:
        text = _ENV.from_string(template.body).render(values.as_context())
    except SecurityError as error:
        raise InvalidTemplate(TemplateProblem.UNSAFE, str(error)) from None
    except UndefinedError as error:
        if "unsafe" in str(error):
            raise InvalidTemplate(TemplateProblem.UNSAFE, str(error)) from None
        raise InvalidTemplate(TemplateProblem.UNKNOWN_VARIABLE, str(error)) from None
    except Exception as error:  # a template's own mistake (e.g. indexing an empty list): one message
        raise InvalidTemplate(TemplateProblem.RENDER, f"{type(error).__name__}: {error}") from None
    return " ".join(text.split())


def validate(name: str, source: str, *, limit: int) -> OwnerTemplate:
    """`parse`, then the note for `SAMPLE` must be a sendable note within `limit`."""
    template = parse(name, source)
    text = render(template, SAMPLE)
    try:
        validate_note(text, limit)
    except InvalidNote as error:
        raise InvalidTemplate(
            TemplateProblem.NOTE, error.problem.value, length=error.length, limit=error.limit
        ) from None
    return template


# --- the folder -------------------------------------------------------------------------------


class TemplateStore:
    """The owner's templates in a folder, one `<name>.txt.j2` file each."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> TemplateStore:
        return cls(data_dir / TEMPLATES_FOLDER)

    @staticmethod
    def check_name(name: str) -> None:
        """Raise `InvalidTemplate` unless `name` can name a template (a-z, 0-9, - and _, up to 40)."""
        if not NAME_PATTERN.match(name):
            raise InvalidTemplate(TemplateProblem.NAME, name)

    def _path(self, name: str) -> Path:
        self.check_name(name)
        return self.folder / f"{name}{SUFFIX}"

    def names(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(
            path.name.removesuffix(SUFFIX)
            for path in self.folder.glob(f"*{SUFFIX}")
            if NAME_PATTERN.match(path.name.removesuffix(SUFFIX))
        )

    def get(self, name: str) -> OwnerTemplate | None:
        path = self._path(name)
        if not path.is_file():
            return None
        return parse(name, path.read_text(encoding="utf-8"))

    def load(self) -> list[OwnerTemplate]:
        """Every template that still parses (a hand-edited file with a mistake is skipped)."""
        templates: list[OwnerTemplate] = []
        for name in self.names():
            try:
                template = self.get(name)
            except InvalidTemplate:
                continue
            if template is not None:
                templates.append(template)
        return templates

    def save(self, name: str, source: str, *, limit: int) -> OwnerTemplate:
        """Validate and write; raises `InvalidTemplate` and writes nothing on error."""
        template = validate(name, source, limit=limit)
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._path(name)
        partial = path.with_suffix(".tmp")
        partial.write_text(template.source + "\n", encoding="utf-8")
        partial.replace(path)
        return template

    def remove(self, name: str) -> bool:
        path = self._path(name)
        if not path.is_file():
            return False
        path.unlink()
        return True


def applicable(
    templates: Iterable[OwnerTemplate], values: NoteValues, language: str | None = None
) -> list[OwnerTemplate]:
    """The templates whose conditions hold for `values` and a draft in `language`."""
    return [template for template in templates if template.applies(values, language)]
