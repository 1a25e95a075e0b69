"""Worker processes of a batch run go when the batch process dies, whatever they were doing:
still starting up, loading the model, or analysing. Each worker is frozen (SIGSTOP) at its
phase, the batch process is killed with SIGKILL, then the worker is let go (SIGCONT): it must
not carry on as an orphan."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from .conftest import write_jsonl
from .helpers import maps_onnxruntime, store_size

pytestmark = pytest.mark.usefixtures("linux")


def _workers(batch: psutil.Process) -> list[psutil.Process]:
    """The batch process's pool workers (not multiprocessing's resource tracker)."""
    out = []
    for child in batch.children():
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                out.append(child)
        except psutil.NoSuchProcess:
            pass
    return out


def _group_gone(pgid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("phase", ["spawning", "loading", "analysing"])
def test_workers_exit_when_the_batch_process_is_killed(tmp_path, records, phase):
    src = write_jsonl(tmp_path / "in.jsonl", [dict(r, id=f"{r['id']}-{k}") for k in range(4) for r in records])
    store = tmp_path / "corpus.duckdb"
    proc = subprocess.Popen([sys.executable, "-m", "propscan", "batch", str(src), "-o", str(store),
                             "--workers", "2", "--commit-every", "1", "--no-progress"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    batch = psutil.Process(proc.pid)
    frozen: list[psutil.Process] = []
    loaded_at: int | None = None   # the store's size once a worker had the model loading
    try:
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            workers = _workers(batch)
            loaded = [] if phase == "spawning" else [w for w in workers if maps_onnxruntime(w.pid)]
            if phase == "spawning":
                ready = workers
            elif phase == "loading":
                ready = loaded
            else:
                # The run writes its run row before it starts any worker, so only growth past
                # the size seen once a worker is loading the model is an analysed article.
                if loaded_at is None and loaded:
                    loaded_at = store_size(store)
                ready = workers if loaded_at is not None and store_size(store) > loaded_at else []
            if ready:
                for w in ready:
                    try:
                        w.suspend()
                        frozen.append(w)
                    except psutil.NoSuchProcess:
                        pass
                break
            time.sleep(0.005)
        assert frozen, f"no worker reached the {phase} phase while the run was alive"
        proc.send_signal(signal.SIGKILL)   # the batch process only
        proc.wait()
        for w in frozen:
            try:
                w.resume()
            except psutil.NoSuchProcess:
                pass
        assert _group_gone(proc.pid, within=60), f"a worker outlived the killed batch run ({phase})"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
