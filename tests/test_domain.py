"""The plain data: titles, and payloads from other versions."""

from __future__ import annotations

from propscan.domain import TITLE_CHARS, Analysis, Article, Span, headline


def test_headline_is_the_title_else_the_first_line_cut_to_one_length():
    assert headline("  A title ", "First line\nrest") == "A title"
    assert headline(None, "\n  First line  \nrest") == "First line"
    assert headline("", "x" * 500) == "x" * TITLE_CHARS
    assert headline("t" * 500, "") == "t" * TITLE_CHARS
    assert headline(None, "   ", "fallback") == "fallback"
    assert Article("1", "Line one\nLine two").full_title == "Line one"


def test_from_dict_reads_older_and_newer_payloads():
    a = Analysis("a", "Only traitors.", [Span(0, 4, "Doubt", 0.5, "Only", target="x")], [], 0.5, "v")
    data = a.to_dict()
    old = {k: v for k, v in data.items() if k not in ("claims", "target_summary", "targets")}
    old["spans"] = [{"start": 0, "end": 4, "technique": "Doubt", "confidence": 0.5, "text": "Only"}]
    assert Analysis.from_dict(old).spans == [Span(0, 4, "Doubt", 0.5, "Only")]
    newer = {**data, "added_later": 1, "spans": [{**data["spans"][0], "added_later": 2}]}
    assert Analysis.from_dict(newer) == a
