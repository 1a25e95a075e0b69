"""`propscan serve` as a user runs it: a subprocess on a free port, loopback by default."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx

from propscan.server.settings import Settings
from tests.server.conftest import ROOT, free_port


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


def test_serve_listens_on_loopback_by_default_and_saves_to_the_given_db(tmp_path):
    assert Settings().host == "127.0.0.1"
    port = free_port()
    db = tmp_path / "sub" / "analyses.db"
    proc = subprocess.Popen([sys.executable, "-m", "propscan", "serve", "--port", str(port), "--db", str(db)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
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


def test_serve_help_documents_every_setting():
    out = subprocess.run([sys.executable, "-m", "propscan", "serve", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60).stdout
    for option in ("--host", "--port", "--db", "--max-body-bytes", "--allow-private-urls",
                   "--fetch-timeout", "--fetch-max-bytes", "--analysis-slots", "--model"):
        assert option in out
    docs = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
    for field in Settings.__dataclass_fields__:
        assert f"`{field}`" in docs, f"Settings.{field} is not documented in docs/server.md"
