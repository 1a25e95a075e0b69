"""Optional layers on top of an Analysis: check-worthy claims and technique targets.

The core Analyzer stays small; front ends (CLI `analyze --claims --targets`, the server, the
spaCy component) call `enrich` on its result. Claims need only the claims model (ONNX);
targets, and spaCy-quality entities in claims, need spaCy (pip install 'propscan[claims]').
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from propscan.domain import Analysis


def spacy_available() -> bool:
    try:
        from propscan.targets import load_nlp

        load_nlp()
        return True
    except Exception:
        return False


def enrich(analysis: Analysis, *, claims: bool = True, targets: bool = True, detector: Any = None,
           nlp: Any = None, doc: Any = None) -> Analysis:
    """The Analysis with `claims` and/or span `target`s filled in. Parses the text with spaCy at
    most once (pass `doc` if you already have it). Without spaCy, claims still work (their
    entities, numbers and dates then come from regular expressions); targets raise ModelError."""
    if targets:
        from propscan.targets import TargetFinder, load_nlp

        nlp = nlp or load_nlp()
        doc = doc if doc is not None else nlp(analysis.text)
        found = TargetFinder(nlp).find(analysis.text, [(s.start, s.end) for s in analysis.spans], doc)
        analysis = replace(analysis, spans=[replace(s, target=t) for s, t in zip(analysis.spans, found)])
    if claims:
        from propscan.claims import ClaimDetector, enrich as add_claims

        if nlp is None and doc is None and spacy_available():
            from propscan.targets import load_nlp

            nlp = load_nlp()
        if doc is None and nlp is not None:
            doc = nlp(analysis.text)
        analysis = add_claims(analysis, detector or ClaimDetector(), nlp, doc)
    return analysis
