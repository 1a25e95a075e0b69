"""One batch step, the same in every engine: analyse an article (and enrich it) into the plain
record the store writes, in whatever process runs it (this one, a local worker, a Ray actor).
"""

from __future__ import annotations

import time
from typing import Any

from propscan.corpus.sources import BadRecord
from propscan.corpus.store import result_record
from propscan.domain import Article
from propscan.enrich import Resources, compose
from propscan.errors import PropscanError


def current_rss() -> int:
    """Resident memory of this process in bytes (0 when psutil is missing)."""
    try:
        import psutil

        return psutil.Process().memory_info().rss
    except Exception:
        return 0


def analyse_one(analyzer, article: Article, layers: tuple[str, ...] = (),
                resources: Resources | None = None) -> dict[str, Any] | BadRecord:
    """The worker record of one article (with the wall-clock interval it took), or a BadRecord.
    `layers`: enrichers to apply (propscan.enrich), sharing `resources` across articles."""
    t0 = time.time()
    try:
        rec = result_record(article, compose(analyzer.analyze(article), layers, resources))
    except PropscanError as e:
        return BadRecord(article.id, e.message, article.id)
    except Exception as e:   # noqa: BLE001 - an ONNX Runtime error, MemoryError: this record only
        return BadRecord(article.id, f"analysis failed: {_one_line(e)}", article.id)
    rec["timing"] = [t0, time.time()]
    return rec


def _one_line(e: BaseException, limit: int = 300) -> str:
    text = " ".join(f"{type(e).__name__}: {e}".split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
