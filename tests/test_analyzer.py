"""The Analyzer on the default model: offsets stay exact on any text, long articles are
windowed without duplicate or overlapping spans, and one Analyzer serves many threads.

These assert invariants and contracts only, never particular predictions."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from propscan.analyzer import Analyzer
from propscan.domain import Analysis, Article
from propscan.errors import EmptyTextError, InputError
from propscan.io.ptc import read_articles
from propscan.techniques import LABELS
from propscan.tokens import pieces, windows
from tests.strategies import nonblank_texts

SLOW = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
                deadline=None, max_examples=40)


def check_analysis(a: Analysis, text: str) -> None:
    assert a.text == text
    ends: dict[str, int] = {}
    assert a.spans == sorted(a.spans, key=lambda s: (s.start, s.end, s.technique)), "spans out of order"
    for s in a.spans:
        assert 0 <= s.start < s.end <= len(text)
        assert text[s.start:s.end] == s.text
        # spans of different techniques may overlap; two of the same technique never do
        assert s.start >= ends.get(s.technique, 0), f"two {s.technique} spans overlap or repeat"
        ends[s.technique] = s.end
        assert s.technique in LABELS
        assert 0.0 <= s.confidence <= 1.0
    for x in a.sentences:
        assert 0 <= x.start < x.end <= len(text)
        assert text[x.start:x.end] == x.text
        assert 0.0 <= x.score <= 1.0
    assert 0.0 <= a.score <= 1.0
    counts: dict[str, int] = {}
    for s in a.spans:
        counts[s.technique] = counts.get(s.technique, 0) + 1
    assert a.technique_counts == counts


@SLOW
@given(nonblank_texts(max_size=60))
def test_span_text_is_exactly_the_text_between_its_offsets(analyzer, text):
    check_analysis(analyzer.analyze(text), text)


def test_the_example_article_with_crlf_line_endings_keeps_exact_offsets(analyzer):
    from tests.conftest import ROOT

    text = (ROOT / "examples" / "article.txt").read_text(encoding="utf-8")
    crlf = text.replace("\n", "\r\n") + " Caf\u00e9 cre\u0300me \U0001F642 \U0001F469\u200d\U0001F4BB!"
    for t in (text, crlf):
        check_analysis(analyzer.analyze(t), t)


@pytest.fixture(scope="module")
def long_article(dev_articles, tokenizer, analyzer):
    """Dev articles joined until the text needs more than four windows."""
    cfg = analyzer.model.config
    parts = []
    for article in read_articles(dev_articles):
        parts.append(article.text)
        text = "\n".join(parts)
        if len(windows(len(pieces(tokenizer, text)), cfg.window, cfg.stride)) > 4:
            return text
    pytest.fail("the dev articles are too short to build a long article")


def test_a_long_article_over_several_windows_has_no_duplicate_or_overlapping_spans_of_one_technique(
        analyzer, long_article):
    a = analyzer.analyze(Article(id="long", text=long_article))
    check_analysis(a, long_article)
    keys = [(s.start, s.end, s.technique) for s in a.spans]
    assert len(keys) == len(set(keys))


def test_the_tagger_gives_any_span_inside_and_begin_per_technique(analyzer, long_article):
    p, scores = analyzer.model.piece_scores(long_article)
    assert scores.shape == (len(p), 1 + 2 * len(LABELS))
    assert np.isfinite(scores).all() and (scores >= 0).all() and (scores <= 1).all()


def test_window_merging_gives_one_probability_per_piece(analyzer, long_article):
    p, probs = analyzer.model.piece_probs(long_article)
    assert probs.shape == (len(p),)
    assert np.isfinite(probs).all() and (probs >= 0).all() and (probs <= 1).all()


@pytest.mark.parametrize("text", ["", " ", "\r\n\n\t  "])
def test_empty_text_raises_empty_text_error(analyzer, text):
    with pytest.raises(EmptyTextError) as e:
        analyzer.analyze(text)
    assert e.value.code == "E002" and "empty" in str(e.value)


def test_one_analyzer_shared_across_threads_gives_identical_results(analyzer, dev_articles):
    articles = read_articles(dev_articles)[:6]
    serial = [analyzer.analyze(a).to_dict() for a in articles]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda a: analyzer.analyze(a).to_dict(), articles * 2))
    assert threaded == serial * 2


def test_an_article_keeps_its_id_and_title(analyzer):
    a = analyzer.analyze(Article(id="42", text="They are traitors, all of them.", title="T"))
    assert (a.article_id, a.title, a.model_version) == ("42", "T", analyzer.version)
    assert analyzer.analyze("Some words.").article_id == "text"


def test_analysis_round_trips_through_json(analyzer):
    text = "Every true Lindenfelder knows what is at stake: our heritage, our flag, our children! \U0001F642"
    a = analyzer.analyze(text)
    again = Analysis.from_dict(json.loads(json.dumps(a.to_dict(), ensure_ascii=False)))
    assert again == a


def test_filtered_keeps_spans_at_or_above_the_threshold_and_recounts(analyzer):
    a = analyzer.analyze("Either we stop these greedy outsiders now, or we lose Lindenfeld forever.")
    for t in (0.0, 0.01, 0.5, 1.0):
        f = a.filtered(t)
        assert f.spans == [s for s in a.spans if s.confidence >= t]
        assert sum(f.technique_counts.values()) == len(f.spans)
        assert f.sentences == a.sentences


def test_classify_returns_a_distribution_per_span(analyzer):
    text = "The greedy outsiders are corporate vultures."
    probs = analyzer.classify(text, [(4, 20), (25, 43), (4, 20)])
    assert probs.shape == (3, len(analyzer.labels))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-3)
    assert analyzer.classify(text, []).shape == (0, len(analyzer.labels))


def test_repeated_spans_get_different_techniques(analyzer):
    text = "The greedy outsiders are corporate vultures."
    labels = analyzer.classify_labels(text, [(4, 20)] * 3 + [(25, 43)])
    assert len(labels) == 4
    assert len({t for t, _ in labels[:3]}) == 3
    assert all(t in LABELS and 0 <= p <= 1 for t, p in labels)


@pytest.mark.parametrize("span", [(-1, 3), (3, 3), (5, 2), (0, 10_000)])
def test_classify_refuses_spans_outside_the_text(analyzer, span):
    with pytest.raises(InputError, match="outside the text"):
        analyzer.classify("short text", [span])


def test_a_missing_model_folder_is_a_model_error(tmp_path):
    from propscan.errors import ModelError

    with pytest.raises(ModelError) as e:
        Analyzer(tmp_path)
    assert str(tmp_path) in str(e.value) and "tagger.onnx" in str(e.value)
