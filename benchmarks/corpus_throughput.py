"""Throughput of `propscan batch`: articles/s for 1 and 2 local workers and for Ray with 1 and
2 actors, and peak memory per worker.

    python benchmarks/corpus_throughput.py [--articles 24] [--articles-dir DIR]

Articles are the PTC dev articles (full length, read from shared/data/ptc/dev/articles). Each
configuration writes a fresh DuckDB store. "steady" is articles / (end of the last analysis −
start of the first, over all workers): model loading and Ray start-up excluded; "wall" is
articles / the whole run_batch call, start-up and store writes included. Scaling figures use one ONNX Runtime
thread per worker, so 2 workers use 2 cores; the default single-process run (ONNX Runtime's own
2 threads) is printed for reference.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DIR = ROOT.parent / "shared" / "data" / "ptc" / "dev" / "articles"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=24)
    ap.add_argument("--articles-dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--no-ray", action="store_true")
    args = ap.parse_args()

    from propscan.corpus.runner import run_batch
    from propscan.cpu import describe
    from propscan.io.ptc import read_articles

    arts = read_articles(args.articles_dir)[: args.articles]
    chars = sum(len(a.text) for a in arts)
    tmp = Path(tempfile.mkdtemp(prefix="propscan-bench-"))
    src = tmp / "in.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for a in arts:
            fh.write(json.dumps({"id": a.id, "text": a.text}) + "\n")
    print(f"{len(arts)} articles, {chars / len(arts):.0f} characters on average; {os.cpu_count()} CPUs, {describe()}")

    configs = [("local, 1 worker (2 ONNX threads, default)", "local", 1, None),
               ("local, 1 worker", "local", 1, 1),
               ("local, 2 workers", "local", 2, 1)]
    if not args.no_ray:
        configs += [("ray, 1 actor", "ray", 1, 1), ("ray, 2 actors", "ray", 2, 1)]
    results = {}
    ray_started = False
    for name, engine, workers, threads in configs:
        if engine == "ray" and not ray_started:
            import ray

            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
            ray_started = True
        store = tmp / f"{engine}-{workers}-{threads}.duckdb"
        t0 = time.perf_counter()
        s = run_batch([src], store, engine=engine, workers=workers, threads=threads)
        wall = time.perf_counter() - t0
        mem = sorted(v / 2**20 for v in s.worker_rss.values())
        results[name] = {"steady": s.rate, "wall": s.written / wall, "rss_mib": mem}
        print(f"{name:44s} steady {s.rate:6.2f} art/s   wall {s.written / wall:6.2f} art/s   "
              f"peak RSS per worker: {', '.join(f'{m:.0f}' for m in mem)} MiB", flush=True)
    base = results["local, 1 worker"]["steady"]
    print(f"speed-up, local 1 → 2 workers: {results['local, 2 workers']['steady'] / base:.2f}x")
    if not args.no_ray:
        print(f"speed-up, ray 1 → 2 actors:   "
              f"{results['ray, 2 actors']['steady'] / results['ray, 1 actor']['steady']:.2f}x")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
