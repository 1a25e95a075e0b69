"""Checks shared by the voice front-end tests (CLI, API, spaCy component): each span carries
the voice and speaker that propscan.voice finds for it, on an article written for the tests
(tests/data/voice_article.txt: quotes split by attributions, a pronoun attribution, reported
speech, "according to", and the author's own loaded words)."""

from __future__ import annotations

from pathlib import Path

from propscan.targets import load_nlp
from propscan.voice import find_voices

ARTICLE = Path(__file__).parent / "data" / "voice_article.txt"
def check_voices(analysis: dict) -> None:
    text = analysis["text"]
    spans = analysis["spans"]
    assert spans, "the model should find spans in the test article"
    expected = find_voices(text, [(s["start"], s["end"]) for s in spans], load_nlp()(text))
    for s, (voice, speaker) in zip(spans, expected):
        assert s["voice"] == voice and s.get("speaker") == speaker, s
    summary = analysis["speaker_summary"]
    assert sum(r["spans"] for r in summary) == len(spans)
    for r in summary:
        assert r["voice"] in ("author", "quoted") and (r["voice"] == "quoted" or r["speaker"] is None)
        assert sum(r["techniques"].values()) == r["spans"]


