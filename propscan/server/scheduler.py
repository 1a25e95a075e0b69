"""Fair scheduling of analyses on a few worker threads (the analysis slots).

A request comes as pieces (propscan.longtext cuts long texts). Whenever a slot is free it runs
the next piece of the request that has had the least work so far (characters handed to the
slots), the earliest request first among equals. So a small request waits at most for the
pieces already running, however big the requests queued before it, while a big request still
gets every slot nobody else wants.

Each request has a time limit counted from its arrival. Past it, the caller gets
AnalysisTimeout and the request's pieces that have not started are dropped (a running piece
finishes and is thrown away). Requests wait in this queue, never in the server's request
threads.
"""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import Future, InvalidStateError
from typing import Any, Callable, Sequence

from propscan.server.problems import AnalysisTimeout


class _Job:
    def __init__(self, seq: int, pieces: Sequence[Any], sizes: Sequence[int], work: Callable[[Any], Any],
                 combine: Callable[[list[Any]], Any], deadline: float | None):
        self.seq, self.pieces, self.sizes, self.work, self.combine = seq, pieces, sizes, work, combine
        self.deadline = deadline
        self.future: Future = Future()
        self.next = 0            # index of the next piece to hand out
        self.left = len(pieces)  # pieces not finished yet
        self.attained = 0        # characters handed out so far
        self.results: list[Any] = [None] * len(pieces)

    def fail(self, exc: BaseException) -> None:
        self.next = len(self.pieces)   # hand out nothing more
        _settle(self.future, exc=exc)


def _settle(future: Future, result: Any = None, exc: BaseException | None = None) -> None:
    """Set a future that the caller may have cancelled in the meantime (its time was up)."""
    try:
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(result)
    except InvalidStateError:
        pass


class FairScheduler:
    def __init__(self, slots: int, name: str = "propscan-analysis"):
        self._cv = threading.Condition()
        self._queue: list[_Job] = []   # jobs with pieces still to hand out
        self._seq = itertools.count()
        self._closed = False
        self._threads = [threading.Thread(target=self._serve, name=f"{name}-{i}", daemon=True)
                         for i in range(max(1, slots))]
        for t in self._threads:
            t.start()

    def submit(self, pieces: Sequence[Any], work: Callable[[Any], Any], *, sizes: Sequence[int] | None = None,
               combine: Callable[[list[Any]], Any] = lambda results: results,
               time_limit: float | None = None) -> Future:
        """A Future of `combine([work(p) for p in pieces])`; `sizes` weigh the pieces (default 1
        each). Cancel the Future to drop the pieces not started yet."""
        sizes = list(sizes) if sizes is not None else [1] * len(pieces)
        deadline = time.monotonic() + time_limit if time_limit is not None else None
        with self._cv:
            if self._closed:
                raise RuntimeError("the scheduler is closed")
            job = _Job(next(self._seq), list(pieces), sizes, work, combine, deadline)
            if not pieces:
                _settle(job.future, combine([]))
                return job.future
            self._queue.append(job)
            self._cv.notify()
        return job.future

    def queued(self) -> int:
        """Requests with pieces not yet started (cancelled and failed ones not counted)."""
        with self._cv:
            return sum(1 for job in self._queue if not job.future.done())

    def close(self) -> None:
        """Stop the slots: queued requests fail, running pieces finish. Idempotent."""
        with self._cv:
            if self._closed:
                return
            self._closed = True
            for job in self._queue:
                job.fail(RuntimeError("the server is shutting down"))
            self._queue.clear()
            self._cv.notify_all()
        for t in self._threads:
            if t is not threading.current_thread():
                t.join()

    # -- the slots ---------------------------------------------------------------------------

    def _take(self) -> tuple[_Job, int] | None:
        """Under the lock: the next piece to run, dropping cancelled and expired requests."""
        now = time.monotonic()
        for job in list(self._queue):
            if job.future.done():                       # cancelled by the caller
                self._queue.remove(job)
            elif job.deadline is not None and now > job.deadline:
                job.fail(AnalysisTimeout())
                self._queue.remove(job)
        if not self._queue:
            return None
        job = min(self._queue, key=lambda j: (j.attained, j.seq))
        i = job.next
        job.next += 1
        job.attained += job.sizes[i]
        if job.next == len(job.pieces):
            self._queue.remove(job)
        return job, i

    def _serve(self) -> None:
        while True:
            with self._cv:
                while not self._closed and not self._queue:
                    self._cv.wait()
                if self._closed:
                    return
                taken = self._take()
            if taken is None:
                continue
            job, i = taken
            if job.future.done():
                continue
            try:
                result = job.work(job.pieces[i])
            except BaseException as e:   # noqa: BLE001 - handed to the caller, who reports it
                with self._cv:
                    job.fail(e)
                    if job in self._queue:
                        self._queue.remove(job)
                continue
            with self._cv:
                job.results[i] = result
                job.left -= 1
                finished = job.left == 0 and not job.future.done()
            if finished:
                try:
                    _settle(job.future, job.combine(job.results))
                except BaseException as e:   # noqa: BLE001
                    _settle(job.future, exc=e)
