"""Claims inside the Analysis: real article text, the real core model and the real claims model."""

from __future__ import annotations

import json

from propscan.claims import mentions
from propscan.domain import Analysis
from propscan.enrich import enrich
from tests.claims.conftest import run_module

TEXT = ("Senator Smith Lies Again\n\n"
        "Senator John Smith told voters in Ohio on Tuesday that unemployment fell by 40 percent "
        "since 2016. The real figure, according to the Bureau of Labor Statistics, is 4 percent. "
        "This shameless liar will say anything to keep his corrupt friends in power. "
        "Wake up, America!\n")


def test_enrich_turns_check_worthy_sentences_into_claims_with_mentions(analyzer, detector):
    analysis = enrich(analyzer.analyze(TEXT), targets=False, detector=detector)
    assert analysis.claims, "the factual sentences should be claims"
    for c in analysis.claims:
        assert TEXT[c.start:c.end] == c.text
        assert c.score >= detector.threshold
    first = next(c for c in analysis.claims if "unemployment" in c.text)
    assert "40 percent" in first.numbers
    assert any("2016" in d for d in first.dates) and any("Tuesday" in d for d in first.dates)
    assert any("Smith" in e for e in first.entities) and "Ohio" in first.entities
    assert not any("Wake up" in c.text for c in analysis.claims)


def test_claims_survive_the_json_round_trip_and_filtering(analyzer, detector):
    analysis = enrich(analyzer.analyze(TEXT), targets=False, detector=detector)
    again = Analysis.from_dict(json.loads(json.dumps(analysis.to_dict())))
    assert again.claims == analysis.claims
    assert analysis.filtered(0.99).claims == analysis.claims


def test_analyses_without_claims_keep_their_old_json_shape(analyzer):
    data = analyzer.analyze(TEXT).to_dict()
    assert data["claims"] == [] and data["target_summary"] == data["targets"] == {}
    assert all(s["target"] is None for s in data["spans"])
    old = {k: v for k, v in data.items() if k not in ("claims", "targets", "target_summary")}
    old["spans"] = [{k: v for k, v in s.items() if k not in ("target", "voice", "speaker")} for s in data["spans"]]
    assert Analysis.from_dict(old).claims == []


def test_analyze_cli_shows_claims_in_json_and_in_the_terminal(tmp_path):
    src = tmp_path / "article.txt"
    src.write_text(TEXT, encoding="utf-8")
    res = run_module("analyze", src, "--json", "--claims")
    assert res.rc == 0, res.err
    data = json.loads(res.out)
    assert any("unemployment" in c["text"] for c in data["claims"])
    res = run_module("analyze", src, "--claims")
    assert res.rc == 0, res.err
    assert "Check-worthy claims" in res.out and "40 percent" in res.out


def test_regex_mentions_work_without_spacy():
    ents, nums, dates = mentions("Barack Obama promised $4 billion to Iran in January 2016 and 12 percent more.")
    assert "Barack Obama" in ents and "Iran" in ents
    assert "$4 billion" in nums and "12 percent" in nums
    assert "January 2016" in dates
