"""Load benchmark for `propscan serve` (not a test): starts the server as a subprocess on
127.0.0.1, posts a ~1,000-word article from concurrent clients, and prints latency percentiles,
throughput, errors and the server's peak RSS. Then it posts one big text (1 MB by default) and,
while that one runs, small articles one after the other: how long the big one took, and the
latency of the small ones meanwhile.

    python benchmarks/load_server.py                      # 1 client for 10 s, 50 for 30 s, 1 MB
    python benchmarks/load_server.py --clients 50 --duration 30 --low-duration 10 --big-chars 0

It only ever talks to 127.0.0.1. The model is the default one ($PROPSCAN_MODEL or the shipped
weights) unless --model is given. Requests still in flight when the time is up are waited for and
counted (their latency included), so queueing shows in the percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from propscan.cpu import describe

HOST = "127.0.0.1"  # never anything else
ROOT = Path(__file__).resolve().parents[1]


def article(words: int) -> str:
    """About `words` words of news prose, built from the example article."""
    base = (ROOT / "examples" / "article.txt").read_text(encoding="utf-8").split("\n")
    lines, count, i = [], 0, 0
    while count < words:
        line = base[i % len(base)]
        i += 1
        if not line.strip():
            continue
        lines.append(line)
        count += len(line.split())
    return "\n".join(lines)


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_kib(self.pid), rss_kib(self.pid, "VmHWM"))
            time.sleep(0.1)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


async def phase(base: str, text: str, clients: int, duration: float) -> dict:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    late = 0
    payload = {"text": text}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=600, limits=limits) as client:
        end = time.monotonic() + duration

        async def worker():
            nonlocal late
            while time.monotonic() < end:
                t0 = time.monotonic()
                try:
                    r = await client.post("/api/v1/analyses", json=payload)
                    if r.status_code != 201:
                        errors[f"HTTP {r.status_code}"] = errors.get(f"HTTP {r.status_code}", 0) + 1
                        continue
                except httpx.HTTPError as e:
                    errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                    continue
                t1 = time.monotonic()
                latencies.append(t1 - t0)
                if t1 > end:
                    late += 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.monotonic() - started
    return {"clients": clients, "duration_s": duration, "elapsed_s": round(elapsed, 1),
            "requests": len(latencies), "completed_after_window": late,
            "errors": sum(errors.values()), "error_kinds": errors,
            "throughput_rps": round(len(latencies) / elapsed, 3) if elapsed else 0.0,
            "p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "p95_ms": round(percentile(latencies, 95) * 1000, 1),
            "p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else float("nan")}


async def big_and_small(base: str, big: str, small: str) -> dict:
    """One big analysis, and small ones one after the other until it is done."""
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(base_url=base, timeout=3600) as client:
        t0 = time.monotonic()
        task = asyncio.create_task(client.post("/api/v1/analyses", json={"text": big, "save": False}))
        await asyncio.sleep(0.5)   # let the big one reach the queue first
        while not task.done():
            s0 = time.monotonic()
            r = await client.post("/api/v1/analyses", json={"text": small, "save": False})
            if r.status_code == 201:
                latencies.append(time.monotonic() - s0)
            else:
                errors += 1
        r = await task
        big_s = time.monotonic() - t0
    return {"big_chars": len(big), "big_status": r.status_code, "big_s": round(big_s, 1),
            "small_requests": len(latencies), "small_errors": errors,
            "small_p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "small_p95_ms": round(percentile(latencies, 95) * 1000, 1),
            "small_max_ms": round(max(latencies) * 1000, 1) if latencies else float("nan")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--low-clients", type=int, default=1, help="clients in the low-concurrency phase")
    ap.add_argument("--low-duration", type=float, default=10.0, help="0 skips the low-concurrency phase")
    ap.add_argument("--words", type=int, default=1000)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--analysis-slots", type=int, default=None)
    ap.add_argument("--big-chars", type=int, default=1_000_000,
                    help="characters of the big text posted while small ones are timed (0 skips)")
    ap.add_argument("--analysis-timeout", type=float, default=3600.0, help="the server's --analysis-timeout")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = ap.parse_args()

    text = article(args.words)
    with tempfile.TemporaryDirectory() as tmp:
        # --port 0: the server takes a free port and names it in its start line (a port chosen
        # here and freed could be taken by another process first)
        cmd = [sys.executable, "-m", "propscan", "serve", "--host", HOST, "--port", "0",
               "--db", str(Path(tmp) / "bench.db"), "--analysis-timeout", str(args.analysis_timeout),
               "--max-body-bytes", str(max(2 * 1024 * 1024, 4 * args.big_chars + 1024))]
        if args.model:
            cmd += ["--model", str(args.model)]
        if args.analysis_slots:
            cmd += ["--analysis-slots", str(args.analysis_slots)]
        # its log to a file, not a pipe: a pipe nobody reads fills up with the access log and
        # stalls the server
        log_path = Path(tmp) / "server.log"
        with open(log_path, "wb") as log_file:
            server = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log_file)
        sampler = RssSampler(server.pid)
        sampler.start()
        try:
            deadline = time.monotonic() + 180
            base = None
            while True:
                if server.poll() is not None:
                    print(log_path.read_text(errors="replace"), file=sys.stderr)
                    raise SystemExit("the server exited before it was ready")
                try:
                    if base is None:
                        found = re.search(r"serving on (http://\S+)", log_path.read_text(errors="replace"))
                        if found is None:
                            raise ValueError("no start line yet")
                        base = found.group(1)
                    health = httpx.get(f"{base}/api/v1/health", timeout=2).json()
                    break
                except (httpx.HTTPError, ValueError):
                    if time.monotonic() > deadline:
                        raise SystemExit("the server did not become ready in 180 s")
                    time.sleep(0.25)
            idle_rss = rss_kib(server.pid)
            print(f"server pid {server.pid} on {base}, model {health['model_version']}, "
                  f"article {len(text.split())} words / {len(text)} chars, {os.cpu_count()} CPU cores, {describe()}")
            results = []
            httpx.post(f"{base}/api/v1/analyses", json={"text": text, "save": False}, timeout=600)  # warm-up
            if args.low_duration > 0:
                results.append(asyncio.run(phase(base, text, args.low_clients, args.low_duration)))
            if args.duration > 0:
                results.append(asyncio.run(phase(base, text, args.clients, args.duration)))
            big = None
            if args.big_chars > 0:
                big_text = (text + "\n") * (args.big_chars // (len(text) + 1) + 1)
                big = asyncio.run(big_and_small(base, big_text[:args.big_chars], text))
            healthy = httpx.get(f"{base}/api/v1/health", timeout=10).status_code == 200
        finally:
            sampler.stop.set()
            peak = max(sampler.peak, rss_kib(server.pid, "VmHWM"))
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    print(f"{'clients':>7} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'late':>5}")
    for r in results:
        print(f"{r['clients']:>7} {r['requests']:>8} {r['errors']:>6} {r['throughput_rps']:>7} "
              f"{r['p50_ms']:>8} {r['p95_ms']:>8} {r['p99_ms']:>8} {r['completed_after_window']:>5}")
    if big:
        print(f"big text: {big['big_chars']} chars, HTTP {big['big_status']} after {big['big_s']} s; meanwhile "
              f"{big['small_requests']} small analyses, p50 {big['small_p50_ms']} ms, p95 {big['small_p95_ms']} ms, "
              f"max {big['small_max_ms']} ms, {big['small_errors']} errors")
    print(f"server RSS: {idle_rss / 1024:.0f} MB after start-up, peak {peak / 1024:.0f} MB; "
          f"healthy after the run: {healthy}")
    if args.json:
        print(json.dumps({"results": results, "big": big, "idle_rss_mb": round(idle_rss / 1024, 1),
                          "peak_rss_mb": round(peak / 1024, 1), "healthy_after": healthy}, indent=2))
    big_ok = big is None or (big["big_status"] == 201 and big["small_errors"] == 0)
    return 0 if healthy and big_ok and all(r["errors"] == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
