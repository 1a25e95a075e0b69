"""A local Ray instance that goes when the batch process that asked for it goes, even by SIGKILL.

`ray.init()` in the batch process would start gcs_server, raylet and the rest as its children,
each armed with PR_SET_PDEATHSIG; but the raylet starts its own children (ray::DashboardAgent,
ray::RuntimeEnvAgent, the actor workers). When a SIGKILL takes the batch process and with it the
raylet, those are orphaned: the agents go on retrying the dead GCS for Ray's
gcs_rpc_server_reconnect_timeout_s (60 s by default) before they exit.

So a keeper process (`python -m propscan.corpus.ray_head N`) starts the instance instead. It is a
child subreaper, so every process of the instance that loses its parent becomes its child; it
tells the batch process the instance's address and then waits on a pipe from it. When the pipe
closes, because the batch process is done or because it died, the keeper kills every process
below it, orphans included, and exits. Only an instance started here is handled like this;
a cluster given by address is not ours to stop.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from propscan.errors import PropscanError

_PR_SET_CHILD_SUBREAPER = 36
_STOP = "stop\n"


def _keeper_supported() -> bool:
    return sys.platform.startswith("linux")


@contextmanager
def local_ray(ray, num_cpus: int) -> Iterator[None]:
    """This process connected to a fresh local Ray instance with `num_cpus` CPUs, for the
    duration of the block; the instance is gone afterwards, and also if this process dies."""
    if not _keeper_supported():   # no subreaper: Ray's own clean-up, as good as it gets there
        ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
        try:
            yield
        finally:
            ray.shutdown()
        return
    keeper = subprocess.Popen([sys.executable, "-m", "propscan.corpus.ray_head", str(num_cpus)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True)
    try:
        line = keeper.stdout.readline()
        reply = json.loads(line) if line.strip() else {"error": "the Ray keeper process exited"}
        if "address" not in reply:
            raise PropscanError(f"could not start a local Ray instance: {reply.get('error')}")
        _same_auth_as(reply.get("auth_mode"))
        ray.init(address=reply["address"], log_to_driver=False)
        try:
            yield
        finally:
            ray.shutdown()
    finally:
        try:
            keeper.stdin.write(_STOP)
            keeper.stdin.close()
        except OSError:   # the keeper is already gone
            pass
        keeper.stdout.close()
        try:
            keeper.wait(timeout=300)
        except subprocess.TimeoutExpired:   # it kills with SIGKILL; only a stuck kernel gets here
            keeper.kill()


def _same_auth_as(mode: str | None) -> None:
    """Connect the way the keeper's instance expects. A new local instance turns Ray's token
    authentication on (the token lives in ~/.ray/auth_token), as ray.init() here would have;
    a connection to an explicit address only uses it when told to."""
    if mode != "token" or os.environ.get("RAY_AUTH_MODE", "").lower() == "token":
        return
    try:   # what ray.init() does for a new local instance: set the mode and reload Ray's config
        from ray._private.authentication.authentication_token_setup import _enable_token_auth
    except ImportError:   # a Ray without token authentication
        return
    _enable_token_auth()


# -- the keeper process ------------------------------------------------------------------------

def _descendants(root: int) -> list[int]:
    """Pids of every process below `root` (from /proc: children by parent pid)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):   # gone meanwhile
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        kids = children.get(todo.pop(), [])
        out += kids
        todo += kids
    return out


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _kill_all_below(limit_s: float = 120.0) -> None:
    """SIGKILL every descendant until none is left. Orphans of the killed ones are re-parented
    to this subreaper, so the next round finds them. `limit_s` only bounds a pathological case
    (a process stuck in the kernel); each round is normally the last but one."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        pids = _descendants(os.getpid())
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _reap()
        time.sleep(0.05)


def _make_subreaper() -> bool:
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C reaches the batch process, which stops us
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    # private copies of the pipes; Ray's processes inherit 0-2, so those point to /dev/null
    # (an inherited pipe end would keep the batch process waiting, or read our stop line)
    pipe_in, pipe_out = os.fdopen(os.dup(0), "r"), os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    try:
        try:
            if not _make_subreaper():
                raise OSError("prctl(PR_SET_CHILD_SUBREAPER) failed")
            import ray

            ray.init(num_cpus=int(argv[0]), include_dashboard=False, log_to_driver=False)
            reply = {"address": ray.get_runtime_context().gcs_address,
                     "auth_mode": os.environ.get("RAY_AUTH_MODE", "")}
        except Exception as e:   # noqa: BLE001 - told to the batch process, which reports it
            reply = {"error": " ".join(f"{type(e).__name__}: {e}".split())[:300]}
        pipe_out.write(json.dumps(reply) + "\n")
        pipe_out.close()
        if "address" in reply and pipe_in.readline() == _STOP:
            ray.shutdown()   # a clean end: Ray stops its processes first
        return 0 if "address" in reply else 1
    finally:                 # whatever is left, and all of it if the batch process died
        _kill_all_below()

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
