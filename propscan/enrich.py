"""Optional layers on top of an Analysis (claims, targets, ...), composed once.

Like spaCy's factories: a layer is one module that registers one function with
propscan.layers,

    from propscan.layers import register

    @register("targets", needs_spacy=True)
    def add_targets(analysis: Analysis, ctx) -> Analysis: ...   # ctx: propscan.enrich.Context

and every front end (CLI `analyze --claims --targets`, the server, the batch runner, the spaCy
component) calls `compose(analysis, names, resources)`, which runs the asked-for layers in
BUILTIN order (then any other registered layer) and parses the text with spaCy at most once for all of them.

The built-in layers live in the modules named in BUILTIN; they are imported by name on first
use (so `import propscan.enrich` pulls in neither spaCy nor ONNX Runtime). A new layer: write
its module, decorate its function with `@register`, add the module to BUILTIN.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any, Iterable

from propscan.domain import Analysis
from propscan.errors import InputError, ModelError
from propscan.layers import Enricher, register, registered

__all__ = ["BUILTIN", "Context", "Enricher", "Resources", "check_names", "compose", "enrich", "enrichers",
           "register", "spacy_available"]

BUILTIN = ("propscan.targets", "propscan.voice", "propscan.claims")
"""Modules whose import registers a layer. Order here is the order layers run in."""


_loaded = False
_load_lock = threading.Lock()


def enrichers() -> dict[str, Enricher]:
    """All registered layers, in the order they run."""
    global _loaded
    with _load_lock:
        if not _loaded:
            for module in BUILTIN:
                importlib.import_module(module)
            _loaded = True
    # the order of BUILTIN, whatever order other code happened to import those modules in;
    # layers registered elsewhere run after them, in registration order
    layers = list(registered().items())
    rank = {m: i for i, m in enumerate(BUILTIN)}
    order = sorted(range(len(layers)), key=lambda i: (rank.get(layers[i][1].apply.__module__, len(BUILTIN)), i))
    return {layers[i][0]: layers[i][1] for i in order}


class Resources:
    """What layers share across articles: spaCy's pipeline and the claims model, each loaded
    lazily, once, on first use. Thread-safe; one per process (or per server, or per spaCy
    component). Pass `nlp` to reuse a loaded pipeline, `spacy=False` never to use spaCy."""

    def __init__(self, *, nlp: Any = None, claims_model: Any = None, detector: Any = None,
                 spacy: bool | None = None):
        self._nlp = nlp
        self._spacy = True if nlp is not None else spacy
        self._claims_model = claims_model
        self._detector = detector
        self._lock = threading.Lock()
        self.spacy_problem: str | None = None
        """Why spaCy did not load, once has_spacy() has found it missing."""

    def has_spacy(self) -> bool:
        """Whether spaCy and its English pipeline load (tried once)."""
        with self._lock:
            if self._spacy is None:
                from propscan.targets import load_nlp

                try:
                    self._nlp = load_nlp()
                    self._spacy = True
                except Exception as e:   # ModelError (not installed), or a broken install
                    self._spacy = False
                    self.spacy_problem = str(e)
            return self._spacy

    def nlp(self) -> Any:
        """spaCy's pipeline; raises propscan.errors.ModelError (with the install hint) without it."""
        if not self.has_spacy():
            from propscan.targets import load_nlp

            load_nlp()   # raises the ModelError with the install hint when spaCy is missing
            raise ModelError("this layer needs spaCy, which was switched off here")
        return self._nlp

    def claim_detector(self) -> Any:
        """The claims model (propscan.claims.ClaimDetector)."""
        with self._lock:
            if self._detector is None:
                from propscan.claims import ClaimDetector

                self._detector = ClaimDetector(self._claims_model)
            return self._detector


class Context:
    """One article's view of the Resources: its spaCy parse is made at most once, on demand."""

    def __init__(self, text: str, resources: Resources, doc: Any = None):
        self.text = text
        self.resources = resources
        self._doc = doc

    @property
    def doc(self) -> Any:
        """The spaCy Doc of the text, or None when spaCy is not available."""
        if self._doc is None and self.resources.has_spacy():
            self._doc = self.resources.nlp()(self.text)
        return self._doc

    def require_doc(self) -> Any:
        """The spaCy Doc; raises ModelError with the install hint when spaCy is missing."""
        if self._doc is None:
            self._doc = self.resources.nlp()(self.text)
        return self._doc


def check_names(names: Iterable[str]) -> list[str]:
    """`names` in run order, with an InputError for a name that is not a registered layer."""
    known = enrichers()
    names = list(dict.fromkeys(names))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InputError(f"unknown enricher {unknown[0]!r}; known: {', '.join(known)}")
    return [n for n in known if n in names]


def compose(analysis: Analysis, names: Iterable[str], resources: Resources | None = None, *,
            doc: Any = None) -> Analysis:
    """The Analysis with the layers `names` applied, in run order (see enrichers). `doc`: a spaCy Doc
    of `analysis.text` that is already made (the spaCy component has one)."""
    names = check_names(names)
    if not names:
        return analysis
    ctx = Context(analysis.text, resources or Resources(), doc)
    known = enrichers()
    for name in names:
        analysis = known[name].apply(analysis, ctx)
    return analysis


def spacy_available() -> bool:
    return Resources().has_spacy()


def enrich(analysis: Analysis, *, claims: bool = True, targets: bool = True, voice: bool = False,
           detector: Any = None, nlp: Any = None, doc: Any = None) -> Analysis:
    """`compose` with the two original switches, kept for callers of the first API. Without
    spaCy, claims still work (their entities, numbers and dates then come from regular
    expressions); targets raise ModelError."""
    names = [n for n, on in (("claims", claims), ("targets", targets), ("voice", voice)) if on]
    return compose(analysis, names, Resources(nlp=nlp, detector=detector), doc=doc)
