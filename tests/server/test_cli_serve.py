"""`propscan serve` as a user runs it: a subprocess on a free port, loopback by default."""

from __future__ import annotations

import re
import select
import socket
import subprocess
import sys
import time

import httpx
import pytest

from propscan.server.settings import Settings
from tests.server.conftest import ROOT


def listening_addresses(pid: int, port: int) -> set[str]:
    """Local addresses with a LISTEN socket on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.rsplit(":", 1)
            if state == "0A" and int(p, 16) == port:
                found.add(addr)
    return found


def announced_port(proc, deadline: float) -> int:
    """The port in the "serving on" line `propscan serve --port 0` prints at start."""
    seen = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        line = proc.stdout.readline().decode(errors="replace")
        assert line, "propscan serve ended before serving:\n" + "".join(seen)
        seen.append(line)
        found = re.search(r"serving on http://127\.0\.0\.1:(\d+)", line)
        if found:
            return int(found.group(1))
    raise AssertionError("propscan serve named no port in 120 s:\n" + "".join(seen))


def test_serve_listens_on_loopback_by_default_and_saves_to_the_given_db(tmp_path):
    assert Settings().host == "127.0.0.1"
    db = tmp_path / "sub" / "analyses.db"
    # --port 0: the server takes a free port itself, so no other process can take it first
    proc = subprocess.Popen([sys.executable, "-m", "propscan", "serve", "--port", "0", "--db", str(db)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=0)
    try:
        deadline = time.monotonic() + 120
        port = announced_port(proc, deadline)
        with socket.create_connection(("127.0.0.1", port), timeout=30):
            pass   # listening by the time the line says so
        while True:
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "propscan serve did not start in 120 s"
                time.sleep(0.3)
        assert health.json()["status"] == "ok"
        assert listening_addresses(proc.pid, port) == {"0100007F"}  # 127.0.0.1 only
        r = httpx.post(f"http://127.0.0.1:{port}/api/v1/analyses", json={"text": "We must act now."}, timeout=120)
        assert r.status_code == 201
        assert db.is_file()
    finally:
        proc.terminate()
        proc.wait(timeout=120)


def test_serve_on_a_port_in_use_says_so_in_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "propscan", "serve", "--port", str(port)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 7
    errors = [line for line in done.stderr.splitlines() if line.startswith("propscan: error:")]
    assert len(errors) == 1 and "[E040]" in errors[0] and f"127.0.0.1:{port}" in errors[0], done.stderr
    assert "Traceback" not in done.stderr


def test_listen_refuses_an_empty_host_and_takes_a_free_port():
    from propscan.errors import InputError
    from propscan.server.app import listen

    with pytest.raises(InputError, match="--host is empty"):
        listen("  ", 0)
    with listen("localhost", 0) as sock:
        assert sock.getsockname()[1] > 0
        with socket.create_connection(sock.getsockname()[:2], timeout=10):
            pass


def test_serve_help_documents_every_setting():
    out = subprocess.run([sys.executable, "-m", "propscan", "serve", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60).stdout
    for option in ("--host", "--port", "--db", "--max-body-bytes", "--allow-private-urls",
                   "--fetch-timeout", "--fetch-max-bytes", "--analysis-slots", "--model"):
        assert option in out
    docs = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
    for field in Settings.__dataclass_fields__:
        assert f"`{field}`" in docs, f"Settings.{field} is not documented in docs/server.md"
