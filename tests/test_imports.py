"""Data flows one way (read -> analyse -> enrich -> render/store/serve -> front ends): no module
imports a module of a higher layer, and no modules import each other in a circle.

Imports are read from the source (module level and inside functions alike), so a lazy import
cannot hide a circle. docs/architecture.md draws these layers.
"""

from __future__ import annotations

import ast
import fnmatch
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "propscan"

# Lowest first. A module may import modules of its own layer or of the layers below it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("core: plain data, errors, the layer registry",
     ("propscan._version", "propscan.domain", "propscan.errors", "propscan.techniques", "propscan.layers")),
    ("read and prepare text", ("propscan.io", "propscan.io.*", "propscan.sentences", "propscan.tokens",
                               "propscan.features", "propscan.decoding", "propscan.lexical", "propscan.claims_lexical", "propscan.metrics",
                               "propscan.onnx_session", "propscan.cpu", "propscan.longtext")),
    ("analyse", ("propscan.runtime", "propscan.instances", "propscan.repetition", "propscan.analyzer")),
    ("enrich", ("propscan.claims", "propscan.targets", "propscan.targets_ranker", "propscan.voice", "propscan.enrich")),
    ("task contracts, render, store, serve, train",
                                    ("propscan.tasks", "propscan.bench",
                                     "propscan.render", "propscan.render_claims", "propscan.spacy_component",
                                     "propscan.corpus", "propscan.corpus.*", "propscan.server", "propscan.server.*",
                                     "propscan.training", "propscan.training.*")),
    ("front ends", ("propscan", "propscan.__main__", "propscan.cli", "propscan.cli.*")),
]


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The propscan modules `path` imports (`from propscan.x import y` counts y when y is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                found.add(sub if sub in modules else node.module)
    return {m for m in found if m in modules}


def _layer(name: str) -> int:
    hits = [i for i, (_, pats) in enumerate(LAYERS) if any(fnmatch.fnmatchcase(name, p) for p in pats)]
    assert hits, f"{name} is in no layer of tests/test_imports.py: add it where it belongs"
    return hits[0]


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def test_no_module_imports_a_higher_layer(graph):
    upward = [f"{m} ({LAYERS[_layer(m)][0]}) imports {d} ({LAYERS[_layer(d)][0]})"
              for m, deps in sorted(graph.items()) for d in sorted(deps) if _layer(d) > _layer(m)]
    assert not upward, "\n".join(upward)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circles(graph):
    assert _cycles(graph) == []


def test_the_checks_catch_an_upward_import_and_a_circle():
    fake = {"propscan.domain": {"propscan.analyzer"}, "propscan.analyzer": {"propscan.domain"}}
    assert _cycles(fake) == [["propscan.analyzer", "propscan.domain"]]
    assert _layer("propscan.analyzer") > _layer("propscan.domain")
