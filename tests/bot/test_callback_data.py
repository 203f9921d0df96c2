"""The button-data schema: round trips, the 64-byte limit, and refusal of anything else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.callback_data import (
    ARITY,
    MAX_BYTES,
    SCOPED,
    Callback,
    InvalidCallbackData,
    Op,
    build,
    parse,
    pattern,
)

LARGEST_ID = 2**53 - 1


@given(st.sampled_from(list(Op)), st.data())
def test_round_trip(op: Op, data: st.DataObject) -> None:
    args = tuple(data.draw(st.integers(0, LARGEST_ID)) for _ in range(ARITY[op]))
    assert parse(build(op, *args)) == Callback(op, args)


@pytest.mark.parametrize("op", list(Op))
def test_every_button_fits_telegrams_limit_with_the_largest_ids(op: Op) -> None:
    assert len(build(op, *([LARGEST_ID] * ARITY[op])).encode()) <= MAX_BYTES


def test_every_op_has_an_arity_and_a_unique_two_letter_prefix() -> None:
    assert set(ARITY) == set(Op)
    assert all(len(op.value) == 2 for op in Op)
    assert len({op.value for op in Op}) == len(Op)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "wd",  # missing id
        "wd:",
        "wd:1:2",  # too many
        "wd:-1",
        "wd:abc",
        "zz:1",  # unknown prefix
        "WD:1",
        "wd:1 ",
        "wd:" + "9" * 16,  # above the id bound
        "wd:" + "1" * 70,  # oversized
        "by:90",  # missing the count
        "lo:1",
        "wd:1\n",
        "wd:٤٣١",  # Arabic-Indic digits: int() would take them
        "wd:４２",  # fullwidth digits
        "by:90:١٢",  # in a later argument
        "wd:007",  # leading zeros: build never makes them
        "wd:²",  # superscript: a digit to str.isdigit
    ],
)
def test_anything_build_cannot_make_is_refused(data: str | None) -> None:
    with pytest.raises(InvalidCallbackData):
        parse(data)


def test_build_refuses_wrong_arity_and_negative_ids() -> None:
    with pytest.raises(ValueError, match="argument"):
        build(Op.WITHDRAW)
    with pytest.raises(ValueError, match="non-negative"):
        build(Op.WITHDRAW, -5)


def test_patterns_do_not_overlap() -> None:
    import re

    for op in Op:
        data = build(op, *([1] * ARITY[op]))
        assert [other for other in Op if re.match(pattern(other), data)] == [op]


@pytest.mark.parametrize("op", list(Op))
def test_every_prefix_refuses_non_ascii_digits(op: Op) -> None:
    if not ARITY[op]:
        return  # no arguments to spell
    args = ["7"] * ARITY[op]
    assert parse(":".join([op.value, *args])) == Callback(op, (7,) * ARITY[op])
    for position in range(ARITY[op]):
        forged = list(args)
        forged[position] = "\u0667"  # ARABIC-INDIC DIGIT SEVEN: int("\u0667") == 7
        with pytest.raises(InvalidCallbackData):
            parse(":".join([op.value, *forged]))


@pytest.mark.parametrize("op", sorted(SCOPED))
def test_a_scoped_button_may_name_its_account_last(op: Op) -> None:
    args = (7,) * ARITY[op]
    assert parse(build(op, *args, account=42)) == Callback(op, args, account=42)
    assert parse(build(op, *args)) == Callback(op, args)  # drawn before it named one: the current account
    assert len(build(op, *([LARGEST_ID] * ARITY[op]), account=LARGEST_ID).encode()) <= MAX_BYTES
    with pytest.raises(InvalidCallbackData):
        parse(":".join([op.value, *(["7"] * (ARITY[op] + 2))]))


def test_only_scoped_buttons_name_an_account() -> None:
    with pytest.raises(ValueError, match="account"):
        build(Op.WITHDRAW, 1, account=2)
    with pytest.raises(InvalidCallbackData):
        parse("lo:1")
