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

from .conftest import write_jsonl
from .helpers import assert_stored_once_as_uninterrupted, id_counts

# enough copies that a run lasts several seconds: kills land mid-run even on a busy machine
COPIES = 6


def _batch(src: Path, store: Path, workers: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "propscan", "batch", str(src), "-o", str(store),
                             "--workers", str(workers), "--commit-every", "1", "--no-progress"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


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


def _wait_for_first_commit(proc: subprocess.Popen, store: Path, timeout: float) -> None:
    """Until the store has grown since the run started (DuckDB writes its WAL on commit), so a
    kill lands mid-run however long start-up takes on a busy machine."""
    def size() -> int:
        return sum(p.stat().st_size for p in (store, Path(f"{store}.wal")) if p.exists())

    start, deadline = size(), time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline and size() <= start:
        time.sleep(0.02)


def test_kill_minus_nine_then_resume_stores_every_article_exactly_once(tmp_path, records, analysed_store):
    copies = [dict(r, id=f"{r['id']}-copy{k}") for k in range(COPIES) for r in records]
    src = write_jsonl(tmp_path / "in.jsonl", records + copies)
    store = tmp_path / "corpus.duckdb"
    n = len(records) + len(copies)
    rng = random.Random(11)
    delay, partial_kills, rounds = 3.0, 0, 0
    while rounds < 12:
        rounds += 1
        proc = _batch(src, store, workers=1 + rounds % 2)
        _wait_for_first_commit(proc, store, timeout=delay * 20)
        time.sleep(rng.random() * delay / 3)
        if proc.poll() is not None:   # it finished before the kill
            _kill_group(proc)
            if partial_kills:
                break
            store.unlink()            # too fast for this delay: start again, kill sooner
            delay = max(0.5, delay * 0.6)
            continue
        proc.send_signal(signal.SIGKILL)     # the batch process only, not its workers
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        assert _group_gone(proc, within=120), "worker processes outlived the killed batch run"
        counts = id_counts(store) if store.exists() else {}
        assert all(c == 1 for c in counts.values())
        if 0 < len(counts) < n:
            partial_kills += 1
        elif not counts:
            delay += 1.0              # killed before the first commit: give it longer
        if len(counts) == n:
            break
    assert partial_kills >= 1, "no kill landed in the middle of a run"

    final = _batch(src, store, workers=2)
    _, err = final.communicate(timeout=600)
    assert final.returncode == 0, err.decode()
    # every article is whole, stored once, and analysed as in an uninterrupted run
    assert_stored_once_as_uninterrupted(store, analysed_store, records, COPIES)
