"""A batch run killed with SIGKILL at arbitrary moments, then re-run, ends with every article
stored exactly once and analysed the same as an uninterrupted run."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from .conftest import write_jsonl
from .helpers import assert_stored_once_as_uninterrupted, id_counts, maps_onnxruntime, store_size

pytestmark = pytest.mark.usefixtures("linux")

# enough copies that a run lasts several seconds after its first commit
COPIES = 6
KILLS = 4      # runs killed mid-way (alternately one and two workers) before the final run
ROUNDS = 12    # runs started at most to get them
PATIENCE = 600  # seconds: only bounds how long a run that never commits takes to fail


def _batch(src: Path, store: Path, workers: int, err: Path) -> subprocess.Popen:
    # stderr to a file, not a pipe: a pipe nobody reads until the run ends stalls a run that
    # writes more than the pipe holds
    with open(err, "wb") as sink:
        return subprocess.Popen([sys.executable, "-m", "propscan", "batch", str(src), "-o", str(store),
                                 "--workers", str(workers), "--commit-every", "1", "--no-progress"],
                                stdout=subprocess.DEVNULL, stderr=sink, start_new_session=True)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)   # worker processes of this run, if any are left
    except ProcessLookupError:
        pass


def _group_gone(proc: subprocess.Popen, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    _kill_group(proc)
    return False


def _model_loading(proc: subprocess.Popen) -> bool:
    """Whether the run (the batch process with one worker, its worker processes with more) has
    started loading the model."""
    try:
        family = [proc.pid] + [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return False
    return any(maps_onnxruntime(pid) for pid in family)


def _wait_for_an_article(proc: subprocess.Popen, store: Path) -> bool:
    """Until the run has committed an analysed article: True then, False if it ended first.
    The run writes the store and its run row before it loads the model, so only growth past
    the store's size once the model is loading is an article (DuckDB writes its WAL on commit)."""
    loading_at, deadline = None, time.monotonic() + PATIENCE
    while proc.poll() is None:
        if time.monotonic() > deadline:
            pytest.fail(f"the batch run committed no article in {PATIENCE} s", pytrace=False)
        if loading_at is None:
            if _model_loading(proc):
                loading_at = store_size(store)
        elif store_size(store) > loading_at:
            return True
        time.sleep(0.02)
    return False


def _reset(store: Path) -> None:
    for p in (store, Path(f"{store}.wal")):
        p.unlink(missing_ok=True)


def test_kill_minus_nine_then_resume_stores_every_article_exactly_once(tmp_path, records, analysed_store):
    copies = [dict(r, id=f"{r['id']}-copy{k}") for k in range(COPIES) for r in records]
    src = write_jsonl(tmp_path / "in.jsonl", records + copies)
    store = tmp_path / "corpus.duckdb"
    n = len(records) + len(copies)
    rng = random.Random(11)
    delay, partial_kills = 1.0, 0   # delay: the longest wait after the first commit before a kill
    for rounds in range(1, ROUNDS + 1):
        err = tmp_path / f"stderr-{rounds}.txt"
        proc = _batch(src, store, workers=1 + rounds % 2, err=err)
        try:
            if _wait_for_an_article(proc, store):
                time.sleep(rng.random() * delay)
            sent = proc.poll() is None
            if sent:
                proc.send_signal(signal.SIGKILL)     # the batch process only, not its workers
            proc.wait()
            killed = sent and proc.returncode == -signal.SIGKILL   # else it ended just before
            if killed:
                assert _group_gone(proc, within=120), "worker processes outlived the killed batch run"
            else:
                assert proc.returncode == 0, err.read_text(errors="replace")
        finally:
            _kill_group(proc)   # what a failed check left running
        counts = id_counts(store) if store.exists() else {}
        assert all(c == 1 for c in counts.values()), "an article was stored twice"
        assert killed or len(counts) == n, "a finished run left articles out of the store"
        if killed and 0 < len(counts) < n:
            partial_kills += 1
            if partial_kills == KILLS:
                break
        elif len(counts) == n:   # every article was stored before the kill could land
            if partial_kills:
                break            # a run resumed after a kill completed the store
            _reset(store)        # too fast for this delay: start again, kill sooner
            delay /= 2
        # else: killed as its first commit was being written; the next run starts afresh
    else:
        assert partial_kills, (f"no kill landed in the middle of a run in {ROUNDS} runs: each stored all "
                               f"{n} articles before it was killed, even {delay * 2:.3f} s at most after "
                               "its first commit")

    err = tmp_path / "stderr-final.txt"
    final = _batch(src, store, workers=2, err=err)
    final.wait(timeout=600)
    assert final.returncode == 0, err.read_text(errors="replace")
    # every article is whole, stored once, and analysed as in an uninterrupted run
    assert_stored_once_as_uninterrupted(store, analysed_store, records, COPIES)
