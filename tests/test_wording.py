"""The one-line messages count and name things as a person writes them."""

from __future__ import annotations

import pytest

from grunt_archive.wording import counted, listed, quoted


@pytest.mark.parametrize(
    ("number", "noun", "expected"),
    [
        (1, "match", "1 match"),
        (0, "match", "0 matches"),
        (40, "new match", "40 new matches"),
        (2, "later match", "2 later matches"),
        (1, "request", "1 request"),
        (279, "request", "279 requests"),
        (3, "raw document", "3 raw documents"),
    ],
)
def test_a_count_takes_its_nouns_form(number, noun, expected):
    assert counted(number, noun) == expected


def test_up_to_three_names_are_listed_and_more_are_counted():
    assert listed(["Lone Wolf24"], "player") == "Lone Wolf24"
    assert listed(["A", "B"], "player") == "A and B"
    assert listed(["A", "B", "C"], "player") == "A, B and C"
    assert listed(["A", "B", "C", "D"], "player") == "4 players"
    assert listed([], "player") == "0 players"


def test_a_value_is_quoted_whole_up_to_40_characters_then_cut():
    assert quoted("not-a-match") == "'not-a-match'"
    assert quoted("a" * 40) == repr("a" * 40)
    assert quoted("a" * 41) == repr("a" * 40) + "…"
    assert quoted("é\x1b" * 5000) == repr("é\x1b" * 20) + "…"  # escapes shown, never sent
    assert quoted("abcdef", at_most=3) == "'abc'…"
    assert quoted(None) == "None"
    assert quoted(list(range(100))) == repr(list(range(100)))[:40] + "…"
