"""The enricher registry: layers registered once, composed once, spaCy parsing at most once."""

from __future__ import annotations

from dataclasses import replace

import pytest

from propscan import enrich, layers
from propscan.domain import Analysis, Sentence, Span
from propscan.sentences import sentence_ranges
from propscan.errors import InputError

TEXT = ("Senator Hillary Clinton told voters in Ohio on Tuesday that unemployment fell by 40 percent since 2016. "
        "Later, Clinton viciously attacked the press again.\n")


def _analysis() -> Analysis:
    start = TEXT.index("viciously")
    end = start + len("viciously attacked")
    sentences = [Sentence(a, b, 0.5, TEXT[a:b]) for a, b in sentence_ranges(TEXT)]
    return Analysis("t", TEXT, [Span(start, end, "Loaded_Language", 0.9, TEXT[start:end])], sentences, 0.5,
                    "test")


class CountingNlp:
    """A real spaCy pipeline that counts how often it parses."""

    def __init__(self, nlp):
        self.nlp, self.calls = nlp, 0

    def __call__(self, text):
        self.calls += 1
        return self.nlp(text)


@pytest.fixture()
def scratch_layer():
    seen = []
    enrich.enrichers()   # the built-in layers first, as in any real process

    @enrich.register("scratch-test")
    def scratch(analysis, ctx):
        seen.append(ctx.doc)
        return replace(analysis, spans=[replace(s, voice="author") for s in analysis.spans])

    yield seen
    layers._REGISTRY.pop("scratch-test")


def test_the_built_in_layers_are_registered_in_run_order():
    import propscan.claims  # noqa: F401  (imported first on purpose: the run order must not follow imports)

    names = list(enrich.enrichers())
    assert names[:3] == ["targets", "voice", "claims"]
    assert enrich.check_names(["claims", "targets", "claims"]) == ["targets", "claims"]
    assert enrich.enrichers()["targets"].needs_spacy and not enrich.enrichers()["claims"].needs_spacy
    assert enrich.enrichers()["voice"].needs_spacy


def test_unknown_layer_names_are_an_input_error():
    with pytest.raises(InputError, match="unknown enricher 'nope'"):
        enrich.compose(_analysis(), ["claims", "nope"])


def test_no_layers_leaves_the_analysis_as_it_is():
    a = _analysis()
    assert enrich.compose(a, []) is a


def test_a_registered_layer_is_one_function_and_composes_with_the_built_in_ones(scratch_layer, monkeypatch):
    from propscan import targets
    from propscan.targets import TargetFinder, load_nlp

    # The targets layer with the shipped ranker at threshold 0, so that it names the best of the
    # span's candidates whatever today's weights make of its confidence.
    shipped = targets.load_ranker
    monkeypatch.setattr(targets, "load_ranker", lambda: shipped().with_threshold(0.0))
    nlp = CountingNlp(load_nlp())
    out = enrich.compose(_analysis(), ["scratch-test", "targets", "claims"], enrich.Resources(nlp=nlp))
    assert [s.voice for s in out.spans] == ["author"]
    span = _analysis().spans[0]
    candidates = [n for n, _ in TargetFinder(nlp.nlp).span_candidates(TEXT, [(span.start, span.end)])[0]]
    assert out.spans[0].target in candidates and out.spans[0].target in TEXT
    assert out.claims
    # three layers, one parse: the Doc the scratch layer saw is the one the others used
    assert nlp.calls == 1 and scratch_layer[0] is not None


def test_a_doc_given_by_the_caller_is_reused_without_parsing(scratch_layer):
    from propscan.targets import load_nlp

    nlp = CountingNlp(load_nlp())
    doc = nlp.nlp(TEXT)
    enrich.compose(_analysis(), ["targets", "scratch-test"], enrich.Resources(nlp=nlp), doc=doc)
    assert nlp.calls == 0 and scratch_layer == [doc]


def test_without_spacy_claims_fall_back_to_regexes_and_targets_say_how_to_install(scratch_layer):
    from propscan.errors import ModelError

    res = enrich.Resources(spacy=False)
    out = enrich.compose(_analysis(), ["claims", "scratch-test"], res)
    assert out.claims and "Ohio" in out.claims[0].entities and scratch_layer == [None]
    with pytest.raises(ModelError):
        enrich.compose(_analysis(), ["targets"], res)
