"""Reading the Sent page's server-rendered HTML (the withdrawal's readback without a tab)."""

from automation.pages.served import read_served_sent_page


def page(body: str) -> str:
    return f"<!doctype html><html><head><title>Sent</title></head><body>{body}</body></html>"


def test_the_pill_and_the_members_linked_to() -> None:
    served = read_served_sent_page(
        page(
            '<nav><a href="/mynetwork/invitation-manager/sent/CONNECTION/"><span>People</span>'
            " <span>(1,204)</span></a></nav><main><ul>"
            '<li><a href="https://www.linkedin.com/in/jane-doe/"><img alt=""></a><p>Jane Doe</p></li>'
            '<li><a href="/in/j%C3%BCrgen-m">Jürgen</a><br></li></ul></main>'
        )
    )
    assert served.pill == 1204
    assert served.linked_slugs == {"jane-doe", "jürgen-m"}


def test_a_pill_named_by_its_label_in_another_locale() -> None:
    served = read_served_sent_page(page('<nav><button aria-label="Personen (12)">12</button></nav>'))
    assert served.pill == 12


def test_scripts_and_templates_are_not_shown_text() -> None:
    served = read_served_sent_page(
        page(
            '<script>render("<a href=\\"/in/ghost/\\">People (99)</a>")</script>'
            '<template><a href="/in/also-ghost/">People (98)</a></template>'
            "<nav><a>People (7)</a></nav>"
        )
    )
    assert served.pills == {7} and served.pill == 7
    assert served.linked_slugs == set()


def test_disagreeing_pills_give_no_number() -> None:
    served = read_served_sent_page(page("<nav><a>People (7)</a></nav><aside><a>People (8)</a></aside>"))
    assert served.pills == {7, 8}
    assert served.pill is None


def test_no_pill_gives_no_number() -> None:
    served = read_served_sent_page(page("<main><p>People you may know</p><p>People (x)</p></main>"))
    assert served.pill is None


def test_unclosed_elements_still_close_with_their_parent() -> None:
    served = read_served_sent_page(page("<nav><a>People (3)<span>ignored</nav><a>People (3)</a>"))
    assert served.pill == 3
