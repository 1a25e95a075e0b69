"""Sentence ranges: one or more per line, split after . ! ? before a capital, trimmed."""

from __future__ import annotations

from hypothesis import given

from propscan.sentences import sentence_ranges
from tests.strategies import texts


def sentences(text):
    return [text[a:b] for a, b in sentence_ranges(text)]


def test_each_line_of_a_ptc_article_is_a_sentence():
    text = "Title here\n\nFirst sentence of the body.\nSecond one, without a stop\n"
    assert sentences(text) == ["Title here", "First sentence of the body.", "Second one, without a stop"]


def test_free_text_is_split_after_end_punctuation_before_a_capital_or_digit():
    text = "It is a disaster. Nobody wants it! Do you? 300 people came."
    assert sentences(text) == ["It is a disaster.", "Nobody wants it!", "Do you?", "300 people came."]


def test_no_split_before_a_lower_case_word():
    assert sentences("Prices rose e.g. in town. and more") == ["Prices rose e.g. in town. and more"]


def test_closing_quotes_stay_with_their_sentence():
    text = "She said \u201cStop it.\u201d Then she left. \"Go.\" (Really.)"
    assert sentences(text) == ["She said \u201cStop it.\u201d", "Then she left.", "\"Go.\"", "(Really.)"]


def test_crlf_lines_and_surrounding_spaces_are_trimmed():
    text = "  One line.  \r\n\r\n\tTwo line.\r\n"
    assert sentences(text) == ["One line.", "Two line."]


def test_empty_and_blank_text_have_no_sentences():
    assert sentence_ranges("") == []
    assert sentence_ranges(" \r\n\n\t ") == []


def test_accents_and_emoji_keep_exact_offsets():
    text = "Caf\u00e9 cre\u0300me \U0001F642. \u00c9t\u00e9 \U0001F468\u200d\U0001F469 ok."
    assert sentences(text) == ["Caf\u00e9 cre\u0300me \U0001F642.", "\u00c9t\u00e9 \U0001F468\u200d\U0001F469 ok."]


@given(texts(max_size=80))
def test_sentences_are_sorted_disjoint_trimmed_and_within_one_line(text):
    ranges = sentence_ranges(text)
    prev = 0
    for a, b in ranges:
        assert prev <= a < b <= len(text)
        prev = b
        body = text[a:b]
        assert body == body.strip()
        assert "\n" not in body and "\r" not in body


@given(texts(max_size=80))
def test_every_visible_character_belongs_to_a_sentence(text):
    covered = set()
    for a, b in sentence_ranges(text):
        covered.update(range(a, b))
    for i, c in enumerate(text):
        if not c.isspace():
            assert i in covered, (c, i)
