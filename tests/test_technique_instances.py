"""One span per technique instance, end to end on the shipped model, on a hand-made article:
overlapping spans of different techniques and each occurrence of a thrice-repeated phrase
come back as their own spans, and survive JSON, the `predict` TSV and the corpus store.

The model's decisions are forced through in-memory config overrides (every line is both
Loaded_Language and Name_Calling, every repeated phrase is Repetition), so this tests the
pipeline, not today's weights; a model without per-technique outputs fails it."""

from __future__ import annotations

import json

import pytest

from propscan.analyzer import Analyzer
from propscan.corpus.store import connect_read, open_store, result_record
from propscan.domain import Analysis, Article
from propscan.techniques import LABELS
from propscan.tasks import predict

ARTICLE = ("Brave patriots will never bow to the rotten cabal.\n"
           "The rotten cabal lies to you every single day.\n"
           "Ask yourself who pays the rotten cabal, then act.\n")
PHRASE = "rotten cabal"


def forced(model_dir) -> dict:
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    techniques = config["techniques"]
    n = len(LABELS)
    never = {"high": 2.0, "low": 2.0, "max_gap": 0, "begin": 1.01, "keep": 0.0}
    always = {"high": 0.0, "low": 0.0, "max_gap": 0, "begin": 1.01, "keep": 0.0}
    decode = [dict(never) for _ in range(n)]
    for label in ("Loaded_Language", "Name_Calling,Labeling"):
        decode[LABELS.index(label)] = dict(always)
    # "channels": each technique decoded on its own tagger output, here forced on or off
    return {"techniques": {**techniques, "source": "channels", "decode": decode,
                           "repetition": {"mode": "detector", "threshold": 0.0}}}


@pytest.fixture(scope="module")
def forced_analyzer(analyzer):
    if not analyzer.model.per_technique:
        pytest.fail("the shipped model has no per-technique outputs")
    a = Analyzer(analyzer.model.path, threads=1, overrides=forced(analyzer.model.path))
    yield a
    a.close()


def test_overlapping_techniques_and_each_repeated_occurrence_are_their_own_spans(forced_analyzer):
    analysis = forced_analyzer.analyze(Article("handmade", ARTICLE))
    lines = [ln for ln in ARTICLE.split("\n") if ln]
    by = lambda label: [(s.start, s.end) for s in analysis.spans if s.technique == label]  # noqa: E731
    starts = [ARTICLE.index(ln) for ln in lines]
    # each line but its full stop, which annotators leave out of spans
    whole_lines = [(a, a + len(ln.rstrip("."))) for a, ln in zip(starts, lines)]
    assert by("Loaded_Language") == whole_lines
    assert by("Name_Calling,Labeling") == whole_lines          # the same text carries two techniques
    reps = [s for s in analysis.spans if s.technique == "Repetition" and s.text.lower() == PHRASE]
    assert len(reps) == 3 and len({(s.start, s.end) for s in reps}) == 3
    # the repetition spans nest inside the line spans of the other two techniques
    for s in reps:
        assert any(a <= s.start and s.end <= b for a, b in whole_lines)
    assert analysis.technique_counts["Repetition"] >= 3
    for s in analysis.spans:
        assert ARTICLE[s.start:s.end] == s.text and 0 <= s.confidence <= 1


def test_the_instances_survive_json_tsv_and_the_store(forced_analyzer, tmp_path):
    analysis = forced_analyzer.analyze(Article("handmade", ARTICLE))
    expected = sorted((s.technique, s.start, s.end) for s in analysis.spans)

    again = Analysis.from_dict(json.loads(json.dumps(analysis.to_dict())))
    assert sorted((s.technique, s.start, s.end) for s in again.spans) == expected

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "article1.txt").write_text(ARTICLE, encoding="utf-8")
    predict(forced_analyzer, folder, tmp_path / "out.tsv", workers=1)
    rows = [ln.split("\t") for ln in (tmp_path / "out.tsv").read_text(encoding="utf-8").splitlines() if ln]
    assert all(len(r) == 4 and r[0] == "1" for r in rows)                      # one row per instance
    assert sorted((t, int(s), int(e)) for _, t, s, e in rows) == expected

    path = tmp_path / "store.duckdb"
    with open_store(path) as store:
        store.write_batch([result_record(Article("1", ARTICLE), analysis)], "r1")
    con = connect_read(path)
    try:
        stored = con.execute("SELECT technique, start_char, end_char FROM spans ORDER BY 1, 2, 3").fetchall()
    finally:
        con.close()
    assert sorted(stored) == expected
