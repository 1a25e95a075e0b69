"""The fair scheduler on its own, with work functions the test controls: a small request runs
between the pieces of a big one, pieces go to the request that has had the least work,
expired and cancelled requests are dropped, errors reach the caller, close() stops the slots."""

from __future__ import annotations

import threading

import pytest

from propscan.server.problems import AnalysisTimeout
from propscan.server.scheduler import FairScheduler

WAIT = 60   # seconds; only reached when something is broken


class Recorder:
    """Work that records the order pieces ran in; a piece named in `hold` waits for its gate."""

    def __init__(self, hold=()):
        self.ran: list[str] = []
        self.started = {name: threading.Event() for name in hold}
        self.gates = {name: threading.Event() for name in hold}
        self.lock = threading.Lock()

    def __call__(self, piece: str) -> str:
        if piece in self.gates:
            self.started[piece].set()
            assert self.gates[piece].wait(WAIT)
        with self.lock:
            self.ran.append(piece)
        return piece.upper()


@pytest.fixture
def one_slot():
    s = FairScheduler(1)
    yield s
    s.close()


def test_a_small_request_runs_between_the_pieces_of_a_big_one(one_slot):
    work = Recorder(hold=["big0"])
    big = one_slot.submit([f"big{i}" for i in range(5)], work, sizes=[100] * 5)
    assert work.started["big0"].wait(WAIT)
    small = one_slot.submit(["small"], work, sizes=[10])
    work.gates["big0"].set()
    assert small.result(WAIT) == ["SMALL"]
    assert big.result(WAIT) == ["BIG0", "BIG1", "BIG2", "BIG3", "BIG4"]
    assert work.ran == ["big0", "small", "big1", "big2", "big3", "big4"]


def test_the_request_with_the_least_work_so_far_goes_next(one_slot):
    work = Recorder(hold=["a0"])
    a = one_slot.submit(["a0", "a1", "a2"], work, sizes=[10, 10, 10])
    assert work.started["a0"].wait(WAIT)
    b = one_slot.submit(["b0", "b1"], work, sizes=[10, 10])
    c = one_slot.submit(["c0"], work, sizes=[25])
    work.gates["a0"].set()
    for f in (a, b, c):
        f.result(WAIT)
    # work handed out so far, earliest request first among equals:
    # a0 (a:10) | b0 (b:10) | c0 (c:25) | a1 (a:20) | b1 (b:20) | a2
    assert work.ran == ["a0", "b0", "c0", "a1", "b1", "a2"]


def test_combine_puts_the_pieces_back_in_order(one_slot):
    f = one_slot.submit(["x", "y", "z"], lambda p: p * 2, combine="".join)
    assert f.result(WAIT) == "xxyyzz"


def test_a_request_past_its_time_limit_fails_and_its_pieces_are_dropped(one_slot):
    work = Recorder(hold=["first"])
    blocker = one_slot.submit(["first"], work)
    assert work.started["first"].wait(WAIT)
    late = one_slot.submit(["never0", "never1"], work, time_limit=0.0)
    work.gates["first"].set()
    assert blocker.result(WAIT) == ["FIRST"]
    with pytest.raises(AnalysisTimeout):
        late.result(WAIT)
    assert one_slot.submit(["after"], work).result(WAIT) == ["AFTER"]
    assert "never0" not in work.ran and "never1" not in work.ran


def test_a_cancelled_request_runs_no_more_pieces(one_slot):
    work = Recorder(hold=["c0"])
    f = one_slot.submit(["c0", "c1", "c2"], work)
    assert work.started["c0"].wait(WAIT)
    assert f.cancel()
    work.gates["c0"].set()
    assert one_slot.submit(["next"], work).result(WAIT) == ["NEXT"]
    assert work.ran == ["c0", "next"]


def test_an_error_in_a_piece_reaches_the_caller_and_the_slot_carries_on(one_slot):
    def work(piece):
        if piece == "bad":
            raise MemoryError("out of memory in the model")
        return piece

    with pytest.raises(MemoryError):
        one_slot.submit(["ok", "bad", "unreached"], work).result(WAIT)
    assert one_slot.submit(["fine"], work).result(WAIT) == ["fine"]


def test_close_stops_the_slots_and_fails_what_is_queued():
    s = FairScheduler(2)
    work = Recorder(hold=["r0", "r1"])
    running = [s.submit([f"r{i}"], work) for i in range(2)]
    for i in range(2):
        assert work.started[f"r{i}"].wait(WAIT)
    queued = s.submit(["q"], work)
    closer = threading.Thread(target=s.close)
    closer.start()
    assert isinstance(queued.exception(WAIT), RuntimeError)   # failed by close(), never run
    for g in work.gates.values():
        g.set()
    closer.join(WAIT)
    assert not closer.is_alive()
    assert [f.result(WAIT) for f in running] == [["R0"], ["R1"]]   # running pieces finish
    assert "q" not in work.ran
    assert not any(t.is_alive() for t in s._threads)
    with pytest.raises(RuntimeError):
        s.submit(["x"], work)
    s.close()   # idempotent


def test_the_app_stops_its_analysis_and_fetch_threads_when_it_shuts_down(make_app):
    from fastapi.testclient import TestClient

    def ours():
        return {t for t in threading.enumerate() if t.name.startswith(("propscan-analysis", "propscan-fetch"))}

    before = ours()
    app = make_app()
    with TestClient(app) as c:
        assert c.post("/api/v1/analyses", json={"text": "They are traitors.", "save": False}).status_code == 201
        threads = ours() - before
        assert threads
    for t in threads:
        t.join(WAIT)
    assert not any(t.is_alive() for t in threads)
    with TestClient(app) as c:   # started again with the next lifespan (as schemathesis does)
        assert c.post("/api/v1/analyses", json={"text": "They are traitors.", "save": False}).status_code == 201
