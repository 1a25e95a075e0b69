"""Long texts in pieces: the pieces cover the text exactly, are bounded, are cut at line breaks
where there are some, and the merged analysis has offsets into the whole text."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from propscan.domain import Article
from propscan.longtext import merge, piece_ranges, pieces
from propscan.sentences import sentence_ranges
from tests.strategies import texts


@settings(max_examples=300, deadline=None)
@given(texts(max_size=200), st.integers(1, 80))
def test_pieces_cover_the_text_in_order_and_are_bounded(text, max_chars):
    ranges = piece_ranges(text, max_chars)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(text)
    assert all(a < b or len(text) == 0 for a, b in ranges)
    assert all(b1 == a2 for (_, b1), (a2, _) in zip(ranges, ranges[1:]))
    assert all(b - a <= max_chars for a, b in ranges)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ab .", min_size=1, max_size=30), min_size=1, max_size=30), st.integers(31, 120))
def test_pieces_end_after_a_line_break_when_the_second_half_has_one(lines, max_chars):
    text = "\n".join(lines)
    for a, b in piece_ranges(text, max_chars)[:-1]:
        if "\n" in text[a + max_chars // 2:a + max_chars]:
            assert text[b - 1] == "\n"


def test_a_text_of_one_piece_is_analysed_exactly_as_before(analyzer):
    text = "They are traitors and liars.\nOur great nation will never forget this betrayal!\n"
    [(offset, piece)] = pieces(Article("a", text), 10_000)
    assert offset == 0 and piece.text == text
    assert analyzer.analyze(piece) == analyzer.analyze(Article("a", text))


def test_merged_pieces_have_offsets_into_the_whole_text(analyzer, dev_articles):
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(dev_articles.glob("*.txt"))[:3])
    article = Article("long", text, title="Three articles")
    parts = pieces(article, 1_500)
    assert len(parts) >= 3
    merged = merge(article, [(offset, analyzer.analyze(piece)) for offset, piece in parts])
    assert merged.text == text and merged.title == "Three articles" and merged.article_id == "long"
    for s in merged.spans:
        assert 0 <= s.start < s.end <= len(text) and text[s.start:s.end] == s.text
    # pieces end after line breaks and sentences never cross lines: the same sentences
    assert [(s.start, s.end) for s in merged.sentences] == sentence_ranges(text)
    assert all(text[s.start:s.end] == s.text for s in merged.sentences)
    assert sum(merged.technique_counts.values()) == len(merged.spans)
    assert 0.0 <= merged.score <= 1.0
    # the article score weighs sentences by length, as the Analyzer does
    total = sum(s.end - s.start for s in merged.sentences)
    assert abs(merged.score - sum(s.score * (s.end - s.start) for s in merged.sentences) / total) < 1e-4


def test_blank_pieces_are_left_out():
    article = Article("a", "Hello there.\n" + "\n" * 50 + "Bye now.")
    assert [p.text.strip() for _, p in pieces(article, 20)] == ["Hello there.", "Bye now."]


def test_analyze_runs_the_model_on_bounded_pieces_of_a_long_text_and_puts_them_back(analyzer, dev_articles):
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(dev_articles.glob("*.txt"))[:3])
    article = Article("long", text, title="Three articles")
    small = copy.copy(analyzer)   # the session's model, with small pieces
    small.piece_chars = 1_500
    seen: list[int] = []

    def find_instances(piece_text):
        seen.append(len(piece_text))
        return analyzer.find_instances(piece_text)

    small.find_instances = find_instances
    got = small.analyze(article)
    parts = pieces(article, 1_500)
    assert len(parts) >= 3 and len(seen) == len(parts) and max(seen) <= 1_500   # never the whole text
    # the pieces' analyses with offsets shifted into the whole text, in text order
    assert got == merge(article, [(offset, analyzer.analyze(piece)) for offset, piece in parts])
    for s in got.spans:
        assert 0 <= s.start < s.end <= len(text) and text[s.start:s.end] == s.text
    assert [(s.start, s.end) for s in got.sentences] == sentence_ranges(text)


def test_every_article_of_the_data_set_is_analysed_in_one_piece(dev_articles, train_dir):
    from propscan.analyzer import Analyzer

    longest = max(len(p.read_text(encoding="utf-8"))
                  for folder in (dev_articles, train_dir / "articles") for p in folder.glob("*.txt"))
    assert longest <= Analyzer.piece_chars
