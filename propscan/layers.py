"""The enricher registry: what an optional layer on top of an Analysis is, and how it registers.

A layer module (propscan.claims, propscan.targets, ...) imports only this module to register
itself; propscan.enrich, above the layers, composes them, so imports run one way:
layers -> propscan.layers, propscan.enrich -> layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from propscan.domain import Analysis

Layer = Callable[[Analysis, Any], Analysis]
"""fn(analysis, ctx) -> Analysis; ctx is a propscan.enrich.Context (the article's text, its
spaCy parse on demand, and the shared Resources)."""


@dataclass(frozen=True)
class Enricher:
    name: str
    apply: Layer
    needs_spacy: bool
    """True: the layer cannot run without spaCy (ModelError). False: it uses a parse when one
    is available and falls back to something simpler otherwise."""


_REGISTRY: dict[str, Enricher] = {}


def register(name: str, *, needs_spacy: bool = False):
    """Decorator: make `fn(analysis, ctx) -> Analysis` the layer called `name`."""
    def deco(fn: Layer):
        _REGISTRY[name] = Enricher(name, fn, needs_spacy)
        return fn
    return deco


def registered() -> dict[str, Enricher]:
    """The layers registered so far, in registration order."""
    return dict(_REGISTRY)
