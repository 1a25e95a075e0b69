"""What to check first: each claim lists the techniques of the spans overlapping it, and the
ranking by priority follows the rule the CLI and the page show (CLAIM_RANKING)."""

from __future__ import annotations

from propscan.claims import overlapping_techniques
from propscan.domain import CLAIM_RANKING, Claim, Span, ranked_claims


def test_a_claim_lists_the_techniques_of_overlapping_spans_once_in_text_order():
    claim = Claim("x" * 20, 10, 30, 0.5)
    spans = [Span(25, 40, "Doubt"), Span(0, 12, "Loaded_Language"), Span(12, 14, "Doubt"),
             Span(30, 35, "Slogans"), Span(0, 10, "Repetition")]
    assert overlapping_techniques(claim, spans) == ["Loaded_Language", "Doubt"]


def test_persuasion_around_a_claim_raises_its_priority_up_to_twice_the_score():
    plain = Claim("a", 0, 1, 0.6)
    wrapped = Claim("b", 2, 3, 0.5, techniques=["Doubt", "Loaded_Language"])
    heavy = Claim("c", 4, 5, 0.3, techniques=["Doubt", "Loaded_Language", "Slogans", "Repetition", "Flag-Waving"])
    assert plain.priority == 0.6 and wrapped.priority == 0.75 and heavy.priority == 0.6
    assert [c.text for c in ranked_claims([plain, wrapped, heavy])] == ["b", "a", "c"]
    assert "priority" in CLAIM_RANKING and "at most 4" in CLAIM_RANKING
    assert plain.to_dict()["priority"] == plain.priority
