"""The batch pipeline: read inputs → skip ids already stored → analyse (in this process,
in N local worker processes, or on Ray) → write whole articles in committed batches.

`run_batch` is what `propscan batch` calls; it is importable and has no CLI dependencies.
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from propscan.corpus.sources import BadRecord, count_inputs, read_inputs
from propscan.corpus.store import open_store
from propscan.corpus.worker import analyse_one, current_rss
from propscan.domain import Article
from propscan.errors import InputError

ENGINES = ("local", "ray")


@dataclass
class BatchSummary:
    run_id: str
    store: str
    engine: str
    workers: int
    total: int = 0
    written: int = 0
    skipped: int = 0
    bad: list[BadRecord] = field(default_factory=list)
    seconds: float = 0.0
    analyse_seconds: float = 0.0
    """From the moment the first article started being analysed to the moment the last one was
    done, over all workers (model loading and engine start-up excluded)."""
    model_version: str = ""
    worker_rss: dict[str, int] = field(default_factory=dict)
    """Peak resident memory (bytes) seen for each worker process, by pid."""

    @property
    def rate(self) -> float:
        """Articles/s while analysing (start-up excluded)."""
        return self.written / self.analyse_seconds if self.analyse_seconds else 0.0


def resolve_model(model: str | Path | None) -> tuple[str | None, Path, str]:
    """(the model argument to hand workers, the model folder, its version). Checks the folder."""
    from propscan.runtime import ModelConfig, check_model_dir, default_model_dir

    path = check_model_dir(Path(model) if model else default_model_dir())
    explicit = str(path.resolve()) if (model or os.environ.get("PROPSCAN_MODEL")) else None
    return explicit, path, ModelConfig.read(path / "config.json").version


# -- local worker processes --------------------------------------------------------------------

_WORKER_ANALYZER = None
_WORKER_LAYERS: tuple[str, ...] = ()
_WORKER_RESOURCES = None


_PR_SET_PDEATHSIG = 1


def _die_with_parent_signal() -> bool:
    """Linux: have the kernel SIGKILL this process when its parent dies, even mid-way through
    C code that holds the GIL. The signal follows the parent *thread* that spawned us; the pool
    only spawns from `submit`, i.e. from the thread running `local_engine`, which outlives the
    pool. False where prctl is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _exit_with_parent(parent: int) -> None:
    """A worker whose batch process `parent` died (even by SIGKILL) exits instead of lingering.
    `parent` comes from the batch process itself: by the time a slow worker gets here, its
    parent may already be gone and getppid() would name init or a subreaper."""
    import threading

    _die_with_parent_signal()
    # after arming the signal: a parent that died before it was armed is caught here
    if os.getppid() != parent:
        os._exit(0)

    def watch() -> None:   # the fallback where prctl is missing; harmless where it is not
        while True:
            if os.getppid() != parent:
                os._exit(0)
            time.sleep(0.5)

    threading.Thread(target=watch, name="propscan-parent-watch", daemon=True).start()


def _init_worker(parent: int, model: str | None, threads: int, layers: tuple[str, ...] = ()) -> None:
    global _WORKER_ANALYZER, _WORKER_LAYERS, _WORKER_RESOURCES
    _exit_with_parent(parent)   # before the slow part: imports and model loading
    from propscan.analyzer import Analyzer
    from propscan.enrich import Resources

    _WORKER_ANALYZER = Analyzer(model, threads=threads)
    _WORKER_LAYERS, _WORKER_RESOURCES = layers, Resources()


def _work(articles: list[Article]) -> tuple[int, int, list]:
    out = [analyse_one(_WORKER_ANALYZER, a, _WORKER_LAYERS, _WORKER_RESOURCES) for a in articles]
    return os.getpid(), current_rss(), out


def local_engine(articles: Iterable[Article], model: str | None, workers: int,
                 rss: dict[str, int], threads: int | None = None,
                 layers: tuple[str, ...] = ()) -> Iterator[dict[str, Any] | BadRecord]:
    """Results in completion order. One worker: this process (the model's default of
    min(2, CPU count) threads unless `threads`). N workers: N processes, each loading the model
    once with `threads` threads (default 1, so N workers use N cores)."""
    if workers <= 1:
        from propscan.analyzer import Analyzer

        from propscan.enrich import Resources

        analyzer, resources = Analyzer(model, threads=threads), Resources()
        for a in articles:
            yield analyse_one(analyzer, a, layers, resources)
            rss[str(os.getpid())] = max(rss.get(str(os.getpid()), 0), current_rss())
        return
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(os.getpid(), model, threads or 1, layers)) as pool:
        it = iter(articles)
        pending: set = set()
        exhausted = False
        while True:
            while not exhausted and len(pending) < 2 * workers:
                chunk = [a for _, a in zip(range(1), it)]
                if not chunk:
                    exhausted = True
                    break
                pending.add(pool.submit(_work, chunk))
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                pid, mem, out = fut.result()
                rss[str(pid)] = max(rss.get(str(pid), 0), mem)
                yield from out


# -- the pipeline ------------------------------------------------------------------------------

def _progress(enabled: bool, total: int):
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn,
                               TextColumn, TimeElapsedColumn, TimeRemainingColumn)
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text("-- art/s" if speed is None else f"{speed:.2f} art/s")

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    RateColumn(), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                    console=Console(file=sys.stderr), disable=not enabled, transient=False)


def run_batch(inputs: Iterable[str | Path], store: str | Path, *, fmt: str = "auto", workers: int = 1,
              engine: str = "local", address: str | None = None, model: str | Path | None = None,
              commit_every: int = 16, text_column: str = "text", progress: bool = False,
              on_bad: Callable[[BadRecord], None] | None = None, ray_wave: int = 2000,
              threads: int | None = None, layers: Iterable[str] = ()) -> BatchSummary:
    """Analyse every article of `inputs` not yet in `store` and store it exactly once.
    `threads`: model threads per worker (default: 1 when several workers or on Ray, else the
    model's default, min(2, CPU count), for one process). `layers`: enrichers (propscan.enrich) to
    apply to each article, e.g. ("targets",); their span fields are stored."""
    from propscan.enrich import Resources, check_names, enrichers
    from propscan._version import __version__

    inputs = [Path(p) for p in inputs]
    if not inputs:
        raise InputError("give at least one input (a folder of .txt files, .jsonl, .csv or .parquet)")
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; use local or ray")
    if workers < 1:
        raise InputError("--workers must be at least 1")
    model_arg, model_path, version = resolve_model(model)
    layers = tuple(check_names(layers))
    if any(enrichers()[n].needs_spacy for n in layers):
        Resources().nlp()   # fail here, once, rather than on every article in the workers
    total = count_inputs(inputs, text_column)
    t0 = time.perf_counter()
    run_id = f"{_dt.datetime.now(_dt.timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    summary = BatchSummary(run_id, str(store), engine, workers, total=total, model_version=version)
    st = open_store(Path(store), fmt)
    run: dict[str, Any] = {}
    try:
        done = st.done_ids()
        now = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)
        run = {"run_id": run_id, "started_at": now, "finished_at": None, "status": "running",
               "model_version": version, "model_path": str(model_path), "engine": engine,
               "workers": workers, "inputs": "\n".join(map(str, inputs)),
               "propscan_version": __version__, "articles_written": 0, "articles_skipped": 0,
               "bad_records": 0}
        st.start_run(run)
        bar = _progress(progress, total)
        task = bar.add_task("analysing", total=total)
        bad_buffer: list[BadRecord] = []

        def bad(b: BadRecord) -> None:
            summary.bad.append(b)
            bad_buffer.append(b)
            if on_bad:
                on_bad(b)
            bar.advance(task)

        def pending() -> Iterator[Article]:
            seen: set[str] = set()
            for item in read_inputs(inputs, text_column):
                if isinstance(item, BadRecord):
                    bad(item)
                elif item.id in done:
                    summary.skipped += 1
                    bar.advance(task)
                elif item.id in seen:
                    bad(BadRecord(item.id, "duplicate id: an earlier record of this run has it", item.id))
                else:
                    seen.add(item.id)
                    yield item

        if engine == "ray":
            from propscan.corpus.ray_engine import ray_engine

            results = ray_engine(pending(), model_arg, workers, address, summary.worker_rss, wave=ray_wave,
                                 threads=threads or 1, layers=layers)
        else:
            results = local_engine(pending(), model_arg, workers, summary.worker_rss, threads, layers)

        buffer: list[dict[str, Any]] = []
        last = time.monotonic()
        span = [float("inf"), 0.0]

        def flush() -> None:
            nonlocal last
            if buffer:
                summary.written += st.write_batch(buffer, run_id)
                bar.advance(task, len(buffer))
                buffer.clear()
            if bad_buffer:
                st.write_bad(run_id, [b.to_dict() for b in bad_buffer])
                bad_buffer.clear()
            last = time.monotonic()

        with bar:
            for res in results:
                if isinstance(res, BadRecord):
                    bad(res)
                else:
                    a0, a1 = res.pop("timing", (span[0], span[1]))
                    span[0], span[1] = min(span[0], a0), max(span[1], a1)
                    buffer.append(res)
                if len(buffer) >= commit_every or time.monotonic() - last > 5:
                    flush()
            flush()
        end = time.perf_counter()
        summary.seconds = end - t0
        summary.analyse_seconds = max(0.0, span[1] - span[0]) if span[1] else 0.0
        run.update(finished_at=_dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None), status="finished",
                   articles_written=summary.written, articles_skipped=summary.skipped,
                   bad_records=len(summary.bad))
        st.finish_run(run)
    except BaseException as e:
        if run.get("status") == "running":   # not a kill -9: say how the run ended
            _mark_ended(st, run, summary, "interrupted" if isinstance(e, KeyboardInterrupt) else "failed")
        raise
    finally:
        st.close()
    return summary


def _mark_ended(st, run: dict[str, Any], summary: BatchSummary, status: str) -> None:
    run.update(finished_at=_dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None), status=status,
               articles_written=summary.written, articles_skipped=summary.skipped, bad_records=len(summary.bad))
    try:
        st.finish_run(run)
    except Exception:   # noqa: BLE001 - the error that ended the run is the one to report
        pass
