"""`propscan bench`: how fast `predict` runs on this machine, against what users run today.

Figures are printed, never asserted: timings belong in benchmarks, not in tests.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

from propscan.io.ptc import read_articles

# Runs in a separate process so that torch's memory does not count against propscan's.
_BASELINE = r"""
import json, sys, time, torch
from transformers import BertConfig, BertForTokenClassification
from tokenizers import Tokenizer
torch.set_num_threads(int(sys.argv[2]))
torch.manual_seed(0)
tok = Tokenizer.from_file(sys.argv[1]); tok.no_padding()
tok.enable_truncation(max_length=512, stride=64, strategy="longest_first")
model = BertForTokenClassification(BertConfig(num_labels=15)).eval()   # BERT-base size, random weights
texts = json.loads(sys.stdin.read())
t0 = time.perf_counter()
with torch.inference_mode():
    for text in texts:
        enc = tok.encode(text)
        for e in [enc] + list(enc.overflowing):
            model(input_ids=torch.tensor([e.ids]), attention_mask=torch.tensor([e.attention_mask]))
print(json.dumps({"seconds": time.perf_counter() - t0}))
"""


def _peak_rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def run_bench(articles_dir: Path, model: Path | None = None, baseline: bool = True, threads: int = 2,
              echo=print, workers: int | None = None) -> dict:
    from propscan.analyzer import Analyzer
    from propscan.tasks import default_workers, predict_rows

    articles = read_articles(Path(articles_dir))
    chars = sum(len(a.text) for a in articles)
    t_load = time.perf_counter()
    analyzer = Analyzer(model, threads=threads)
    load_s = time.perf_counter() - t_load
    analyzer.analyze(articles[0])  # warm-up: first ONNX run allocates its arenas
    t0 = time.perf_counter()
    workers = default_workers(len(articles)) if workers is None else workers
    rows = predict_rows(analyzer, Path(articles_dir), workers=workers)   # worker start-up included
    seconds = time.perf_counter() - t0
    worker_rss = _peak_rss_mb(resource.RUSAGE_CHILDREN) if workers > 1 else 0.0
    from propscan import cpu

    model_name, flags = cpu.cpu_info()
    echo(f"CPU: {cpu.describe()}, {os.cpu_count()} cores")
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {threads} threads",
        "cpu_model": model_name,
        "cpu_flags": sorted(f for f in cpu.SPEED_FLAGS if f in flags),
        "articles": len(articles), "characters": chars, "spans": len(rows),
        "model_load_s": round(load_s, 2),
        "propscan_seconds": round(seconds, 2),
        "propscan_articles_per_s": round(len(articles) / seconds, 2),
        "workers": workers,
        "propscan_peak_rss_mb": round(_peak_rss_mb(), 1),
        "worker_peak_rss_mb": round(worker_rss, 1),
        "model_version": analyzer.version,
    }
    memory = f"peak RSS {result['propscan_peak_rss_mb']:.0f} MB"
    if workers > 1:
        memory += f" in the main process, {worker_rss:.0f} MB in the largest of {workers} worker processes"
    echo(f"propscan predict: {len(articles)} articles in {seconds:.1f}s = "
         f"{result['propscan_articles_per_s']:.1f} articles/s, {memory} (model load {load_s:.1f}s)")
    if baseline:
        tokenizer = analyzer.model.path / "tokenizer.json"
        proc = subprocess.run([sys.executable, "-c", _BASELINE, str(tokenizer), str(threads)],
                              input=json.dumps([a.text for a in articles]), capture_output=True, text=True)
        if proc.returncode != 0:
            echo("baseline failed (needs torch and transformers: pip install 'propscan[train]'): "
                 + proc.stderr.strip().splitlines()[-1])
        else:
            base = json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]
            result["bert_base_torch_seconds"] = round(base, 2)
            result["bert_base_articles_per_s"] = round(len(articles) / base, 2)
            result["speedup"] = round(base / seconds, 1)
            echo(f"BERT-base token classifier, transformers + torch fp32: {base:.1f}s = "
                 f"{result['bert_base_articles_per_s']:.2f} articles/s; propscan is {result['speedup']:.1f}x faster")
    echo(json.dumps(result))
    return result
