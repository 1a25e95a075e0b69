"""A batch run on a local Ray instance that is killed with SIGKILL takes its Ray processes with
it (gcs_server, raylet, the agents, the actors), and a re-run stores every article exactly once,
analysed as in an uninterrupted run. A clean run leaves none behind either.

Left to themselves, the raylet's children notice a dead raylet and exit, some of them only after
a minute (the agents retry the dead GCS for 60 s). That must not be what the clean-up rests on: a
process can be busy, hung or slow to notice. So the test freezes them (SIGSTOP) before the kill
and never lets them go; only a kill from outside ends a frozen process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import write_jsonl
from .helpers import assert_stored_once_as_uninterrupted, id_counts

pytestmark = pytest.mark.usefixtures("linux")

COPIES = 12


def _batch(src: Path, store: Path, err: Path) -> subprocess.Popen:
    # stderr to a file, not a pipe: Ray logs to it, and a pipe nobody reads until the run ends
    # stalls a run that writes more than the pipe holds
    with open(err, "wb") as sink:
        return subprocess.Popen([sys.executable, "-m", "propscan", "batch", str(src), "-o", str(store),
                                 "--engine", "ray", "--workers", "1", "--commit-every", "1", "--no-progress"],
                                stdout=subprocess.DEVNULL, stderr=sink, start_new_session=True)


def _session(sid: int) -> dict[int, str]:
    """pid → command line of every live process of session `sid`. The batch process leads its
    own session and Ray's processes never leave it, whatever their parent or process group."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid and fields[0] != "Z":
                out[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (OSError, IndexError, ValueError):
            pass
    return out


def _left_after(sid: int, within: float) -> dict[int, str]:
    """What is left of session `sid` once it is empty or `within` seconds have passed (that
    only bounds how long a failure takes); anything left is then killed."""
    deadline = time.monotonic() + within
    while (left := _session(sid)) and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


def _store_size(store: Path) -> int:
    return sum(p.stat().st_size for p in (store, Path(f"{store}.wal")) if p.exists())


def test_killed_ray_run_leaves_no_ray_process_and_resumes(tmp_path, records, analysed_store):
    copies = [dict(r, id=f"{r['id']}-copy{k}") for k in range(COPIES) for r in records]
    src = write_jsonl(tmp_path / "in.jsonl", records + copies)
    store = tmp_path / "corpus.duckdb"
    n = len(records) + len(copies)

    proc = _batch(src, store, tmp_path / "stderr-killed.txt")
    try:
        # until an actor is analysing and an article has been committed since it started
        deadline, grown_from = time.monotonic() + 600, None
        while proc.poll() is None and time.monotonic() < deadline:
            if grown_from is None:
                if any("Predictor" in cmd for cmd in _session(proc.pid).values()):
                    grown_from = _store_size(store)
            elif _store_size(store) > grown_from:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be killed mid-way"
        frozen = [pid for pid, cmd in _session(proc.pid).items() if cmd.startswith("ray::")]
        assert frozen, "no Ray worker or agent in the run's session"
        for pid in frozen:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        proc.send_signal(signal.SIGKILL)      # the batch process only
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    left = _left_after(proc.pid, within=120)
    assert not left, f"Ray processes outlived the killed batch run: {sorted(left.values())}"

    counts = id_counts(store)
    assert 0 < len(counts) < n and set(counts.values()) == {1}

    err = tmp_path / "stderr-final.txt"
    final = _batch(src, store, err)
    final.wait(timeout=900)
    assert final.returncode == 0, err.read_text(errors="replace")
    left = _left_after(final.pid, within=120)
    assert not left, f"Ray processes outlived a finished batch run: {sorted(left.values())}"
    assert_stored_once_as_uninterrupted(store, analysed_store, records, COPIES)
