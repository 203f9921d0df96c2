"""The owner's note templates: sandboxed rendering, validation on save, the folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from automation.types import ProfileContext, SharedFacts
from bot.services.note_templates import (
    SAMPLE,
    InvalidTemplate,
    NoteValues,
    TemplateProblem,
    TemplateStore,
    parse,
    render,
    validate,
    values_from_profile,
)


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("{{ ''.__class__ }}", TemplateProblem.UNSAFE),
        ("{{ first_name.__class__.__mro__[1].__subclasses__() }}", TemplateProblem.UNSAFE),
        ("{{ company.format.__globals__ }}", TemplateProblem.UNSAFE),
        ("Hi {{ first_name", TemplateProblem.SYNTAX),
        ("Hi {% if company %}{{ company }}", TemplateProblem.SYNTAX),
        ("Hi {{ firstname }}", TemplateProblem.UNKNOWN_VARIABLE),
        ("Hi {{ shared.hobbies }}", TemplateProblem.UNKNOWN_VARIABLE),
        ("{% for i in range(3) %}x{% endfor %}", TemplateProblem.UNKNOWN_VARIABLE),
        ("{# when: employer #}\nHi {{ first_name }}", TemplateProblem.UNKNOWN_CONDITION),
        ("{# when: company #}\n", TemplateProblem.EMPTY),
        ("{# when: lang: klingon #}\nHi {{ first_name }}", TemplateProblem.UNKNOWN_LANGUAGE),
        ("{# when: company, lang: #}\nHi {{ first_name }}", TemplateProblem.UNKNOWN_LANGUAGE),
        ("{# when: lang: de it #}\nHallo {{ first_name }}", TemplateProblem.UNKNOWN_LANGUAGE),
        ("   ", TemplateProblem.EMPTY),
        ("Hi {{ first_name }} " + "x" * 2000, TemplateProblem.TOO_BIG),
        ("Hi {{ first_name }}, {{ about }} {{ about }}", TemplateProblem.NOTE),
        ("Hi {{ first_name }}, see https://example.org", TemplateProblem.NOTE),
    ],
)
def test_hostile_and_broken_templates_are_refused_with_one_problem(
    source: str, problem: TemplateProblem, tmp_path: Path
) -> None:
    store = TemplateStore(tmp_path / "t")
    with pytest.raises(InvalidTemplate) as raised:
        store.save("bad", source, limit=200)
    assert raised.value.problem is problem
    assert store.names() == []  # nothing saved
    assert not (tmp_path / "t").exists() or list((tmp_path / "t").iterdir()) == []


def test_length_is_checked_against_the_plans_limit_for_a_long_typical_person() -> None:
    source = "Hi {{ first_name }}, {{ about }} {% if company %}Greetings to {{ company }}.{% endif %}"
    with pytest.raises(InvalidTemplate) as raised:
        validate("long", source, limit=100)
    assert raised.value.problem is TemplateProblem.NOTE
    assert raised.value.length == len(render(parse("long", source), SAMPLE)) > 100
    assert raised.value.limit == 100
    assert validate("long", source, limit=300).name == "long"


def test_a_bad_name_is_refused() -> None:
    for name in ("", "../etc", "Has Space", "x" * 41):
        with pytest.raises(InvalidTemplate) as raised:
            parse(name, "Hi {{ first_name }}")
        assert raised.value.problem is TemplateProblem.NAME


def test_conditions_decide_when_a_template_applies(tmp_path: Path) -> None:
    store = TemplateStore(tmp_path)
    saved = store.save(
        "alumni",
        "{# when: shared.schools, company #}\nHi {{ first_name }}, fellow {{ shared.schools[0] }} alum!",
        limit=200,
    )
    assert saved.when == ("shared.schools", "company")
    loaded = store.get("alumni")
    assert loaded == saved
    assert loaded.applies(SAMPLE)
    assert not loaded.applies(NoteValues(first_name="Jo", company="Acme"))
    assert render(loaded, SAMPLE) == "Hi Alexandra, fellow Delft University of Technology alum!"


def test_absent_facts_are_none_and_templates_can_test_them() -> None:
    template = parse(
        "opt",
        "Hi {{ first_name }}{% if company %} at {{ company }}{% endif %}"
        "{% if shared.mutual_connections %} ({{ shared.mutual_connections }} mutual){% endif %}.",
    )
    assert render(template, NoteValues(first_name="Jo")) == "Hi Jo."
    values = values_from_profile(
        first_name="Jo",
        profile=ProfileContext(company="Acme", shared=SharedFacts(mutual_connections=3)),
        company="Old Co",
    )
    assert render(template, values) == "Hi Jo at Acme (3 mutual)."


def test_the_folder_lists_shows_and_removes(tmp_path: Path) -> None:
    store = TemplateStore.in_data_dir(tmp_path)
    assert store.names() == [] and store.load() == []
    store.save("b", "Hello {{ first_name }}", limit=200)
    store.save("a", "Hi {{ first_name }}", limit=200)
    (store.folder / "broken.txt.j2").write_text("{{ oops", encoding="utf-8")  # hand-edited
    assert store.names() == ["a", "b", "broken"]
    assert [t.name for t in store.load()] == ["a", "b"]
    assert store.remove("a") and not store.remove("a")
    assert store.get("a") is None


def test_a_language_condition_keeps_a_template_to_drafts_in_its_language(tmp_path: Path) -> None:
    store = TemplateStore(tmp_path)
    saved = store.save(
        "hallo", "{# when: company, lang: de nl #}\nHallo {{ first_name }} bei {{ company }}!", limit=200
    )
    assert saved.when == ("company", "lang: de nl") and saved.languages == ("de", "nl")
    assert store.get("hallo") == saved  # the condition survives the file
    assert saved.applies(SAMPLE, "de") and saved.applies(SAMPLE, "nl")
    assert not saved.applies(SAMPLE, "en") and not saved.applies(SAMPLE, None)
    assert not saved.applies(NoteValues(first_name="Jo"), "de")  # the other condition still counts
    anywhere = parse("any", "Hi {{ first_name }}")
    assert anywhere.languages == () and anywhere.applies(SAMPLE, "fr")
