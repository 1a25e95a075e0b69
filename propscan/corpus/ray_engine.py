"""The batch pipeline on Ray Data: read → map_batches over an actor pool (each actor loads
the model once) → write through the same exactly-once store writer as the local engine.

Runs on a local Ray instance (started for this run with as many CPUs as actors, by a keeper
process that takes it down when this process ends, even by SIGKILL: corpus/ray_head.py) or on an
existing cluster (`address`, e.g. "ray://head:10001" or "auto"). The driver reads the inputs and writes
the store, so inputs and store only need to be visible to the driver; the model must be
installed on every node (the shipped one is, with propscan), or `--model` must be a path
that exists on every node.
"""

from __future__ import annotations

import json
import os
from contextlib import ExitStack
from typing import Any, Iterable, Iterator

from propscan.corpus.ray_head import local_ray
from propscan.corpus.sources import BadRecord
from propscan.corpus.worker import analyse_one, current_rss
from propscan.domain import Article

COLUMNS = ("id", "text", "title", "source", "date", "url")


class Predictor:
    """One per Ray actor: the model is loaded once, in the constructor."""

    def __init__(self, model: str | None, threads: int = 1, layers: tuple[str, ...] = ()):
        from propscan.analyzer import Analyzer
        from propscan.enrich import Resources

        self.analyzer = Analyzer(model, threads=threads)
        self.layers, self.resources = layers, Resources()

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np


        records, errors = [], []
        n = len(batch["id"])
        for i in range(n):
            fields = {c: _text(batch[c][i]) for c in COLUMNS}
            res = analyse_one(self.analyzer, Article(**fields), self.layers, self.resources)
            if isinstance(res, BadRecord):
                records.append("")
                errors.append(res.reason)
            else:
                records.append(json.dumps(res, ensure_ascii=False))
                errors.append("")
        return {"id": np.array([str(x) for x in batch["id"]], dtype=object),
                "record": np.array(records, dtype=object), "error": np.array(errors, dtype=object),
                "pid": np.full(n, os.getpid()), "rss": np.full(n, current_rss())}


def _text(value: Any) -> str | None:
    """A string cell of a Ray batch; Ray turns missing strings into None or NaN."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value)


def _chunks(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    chunk: list[Article] = []
    for a in articles:
        chunk.append(a)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ray_engine(articles: Iterable[Article], model: str | None, actors: int, address: str | None,
               rss: dict[str, int], wave: int = 2000, batch_size: int = 2, threads: int = 1,
               layers: tuple[str, ...] = ()) -> Iterator[dict[str, Any] | BadRecord]:
    """Results in completion order. Articles are sent in waves of `wave` (so the driver never
    holds the whole corpus); each wave is one Ray Dataset."""
    from propscan.corpus._deps import need

    ray = need("ray")
    need("ray.data")

    with ExitStack() as stack:
        if not ray.is_initialized():   # a session already open (e.g. the caller's) is used as it is
            if address:
                ray.init(address=address, log_to_driver=False)
                stack.callback(ray.shutdown)
            else:
                stack.enter_context(local_ray(ray, max(actors, 1)))
        yield from _run(ray, articles, model, actors, rss, wave, batch_size, threads, layers)


def _run(ray, articles: Iterable[Article], model: str | None, actors: int, rss: dict[str, int], wave: int,
         batch_size: int, threads: int, layers: tuple[str, ...]) -> Iterator[dict[str, Any] | BadRecord]:
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False      # the batch command shows its own
    for chunk in _chunks(articles, wave):
        items = [{c: getattr(a, c) for c in COLUMNS} for a in chunk]
        # small blocks: results stream back (and get committed) a few articles at a time
        blocks = min(len(items), max(actors * 2, -(-len(items) // (batch_size * 4))))
        ds = ray.data.from_items(items, override_num_blocks=blocks)
        ds = ds.map_batches(Predictor, fn_constructor_kwargs={"model": model, "threads": threads, "layers": layers},
                            batch_size=batch_size, compute=ray.data.ActorPoolStrategy(size=actors),
                            num_cpus=1, batch_format="numpy")
        by_id = {a.id: a for a in chunk}
        for out in ds.iter_batches(batch_size=None, batch_format="numpy"):
            for aid, rec, err, pid, mem in zip(out["id"], out["record"], out["error"], out["pid"], out["rss"]):
                rss[str(pid)] = max(rss.get(str(pid), 0), int(mem))
                if err:
                    yield BadRecord(str(aid), str(err), str(aid))
                else:
                    res = json.loads(rec)
                    a = by_id[res["article"]["id"]]       # metadata as read, not as Ray carried it
                    res["article"] = {c: getattr(a, c) for c in COLUMNS if c != "text"}
                    res["analysis"]["title"] = a.title
                    yield res
