"""propscan: find propaganda techniques in news, character by character, offline."""

from propscan._version import __version__
from propscan.domain import Analysis, Article, Sentence, Span
from propscan.errors import PropscanError
from propscan.techniques import LABELS, TECHNIQUES, Technique


def __getattr__(name):
    # The Analyzer pulls in ONNX Runtime; import it only when asked for.
    if name == "Analyzer":
        from propscan.analyzer import Analyzer

        return Analyzer
    raise AttributeError(name)


__all__ = ["Analysis", "Analyzer", "Article", "LABELS", "PropscanError", "Sentence", "Span",
           "TECHNIQUES", "Technique", "__version__"]
