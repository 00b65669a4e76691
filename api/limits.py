"""Limits of the endpoints: a time limit per query, a cap on queries at once, a cap on result size.

Queries run in a pool of threads of the server process (``QueryPool``), never in the event loop:
pyoxigraph releases the GIL while it evaluates and serializes, so a slow query holds one thread while the
event loop and the other threads answer. At most ``sparql_max_concurrent`` queries run at once; a query
waits for a free slot at most as long as its own time limit, and is then refused as busy.

pyoxigraph cannot interrupt a query, and a thread cannot be stopped from outside. So a watchdog timer
runs with every query: when the query is still running at its deadline, the client is told at once
(QueryTimeout) and ``on_runaway`` is called. The server process then asks its supervisor for a
replacement and ends once that one answers and its own other requests are done: exiting the process is
what stops the runaway thread (``govcat.api.supervisor``). Until then the runaway thread is left behind
(retired: it ends if its query ever does) and no longer counts as one of the queries at once; a new
thread takes its place, so the process keeps its full ``sparql_max_concurrent`` while it waits to be
replaced.

The hand-offs are kept short, as each costs a wake-up of a thread on the shared cores: the event loop
puts the job on a queue the idle threads wait on, and the thread hands the answer back with one
``call_soon_threadsafe`` as its last work (docs/performance.md, SPARQL endpoint).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from pathlib import Path
from typing import Callable

from govcat.api.query_jobs import Answer, Job, ReadOnlyStore, run_job
from govcat.errors import CatalogError, QueryTimeout

log = logging.getLogger("govcat.api")


class ServerBusy(CatalogError):
    """Every query slot is taken and none came free in time (HTTP 503)."""


class _Worker:
    """One query thread: takes calls from the pool's queue until told to stop, or until it is retired
    (its query ran over its time limit: it is given up for lost and ends if the query ever does)."""

    def __init__(self, calls: "queue.SimpleQueue[_Call | None]", name: str) -> None:
        self.calls = calls
        self.retired = False
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.retired:
            call = self.calls.get()
            if call is None:
                return
            try:
                call.run(self)
            except BaseException:  # noqa: BLE001 - the answer went back already (in_thread's finally)
                log.exception("query thread: unexpected error")


class _Call:
    """A job handed to a query thread, and what the event loop learns of it."""

    __slots__ = ("fn", "worker", "cancelled", "lock")

    def __init__(self, fn: Callable[[], None]) -> None:
        self.fn = fn
        self.worker: _Worker | None = None
        self.cancelled = False
        self.lock = threading.Lock()  # between the thread taking it and the watchdog giving it up

    def run(self, worker: _Worker) -> None:
        with self.lock:
            if self.cancelled:
                return
            self.worker = worker
        self.fn()

    def give_up(self) -> bool:
        """Called by the watchdog: True if a thread runs it (that thread is lost), False if none took it
        yet (none ever will)."""
        with self.lock:
            self.cancelled = True
            if self.worker is None:
                return False
            self.worker.retired = True
            return True


class QueryPool:
    """Runs jobs on the stores in ``paths`` (name -> directory, opened read-only) in ``size`` threads."""

    def __init__(self, paths: dict[str, str], size: int, on_runaway: Callable[[], None]) -> None:
        self.size = max(1, int(size))
        self.stores = {name: ReadOnlyStore(Path(p)) for name, p in paths.items()}
        self.on_runaway = on_runaway
        self.runaways = 0
        # The threads wait on one queue (a plain SimpleQueue: putting a job wakes one waiting thread, no
        # futures in between). There are always ``size`` threads that are not retired.
        self._calls: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._workers: list[_Worker] = []
        self._slots: asyncio.Semaphore | None = None

    def _add_worker(self) -> None:
        self._workers.append(_Worker(self._calls, f"govcat-query-{len(self._workers)}"))

    async def start(self) -> None:
        self._slots = asyncio.Semaphore(self.size)
        for _ in range(self.size):
            self._add_worker()

    def _busy(self) -> ServerBusy:
        return ServerBusy(
            f"服务器繁忙：{self.size} 个查询正在运行，请稍后再试 / the server is busy: {self.size} queries are "
            "running (setting sparql_max_concurrent); try again later"
        )

    async def run(self, job: Job, timeout_ms: int) -> Answer:
        """Run ``job`` within ``timeout_ms`` (waiting for a slot included), or raise QueryTimeout /
        ServerBusy."""
        slots = self._slots
        assert slots is not None, "QueryPool.start() was not awaited"
        timeout_s = max(0.001, timeout_ms / 1000.0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        if slots.locked():
            try:
                async with asyncio.timeout_at(deadline):
                    await slots.acquire()
            except TimeoutError:
                raise self._busy() from None
        else:
            await slots.acquire()  # free: returns at once
        # One timer per query, the watchdog, which belongs to the query and not to the request: it fires
        # even if the request is gone. Whichever comes first, the answer or the deadline, wakes the route.
        woken: asyncio.Future[Answer | None] = loop.create_future()
        held = True
        finished = False  # the thread has answered (woken may also be done by a cancelled request)

        def free_slot() -> None:
            # The slot comes free when the thread does, or when it is given up for lost; not when the
            # client stops waiting.
            nonlocal held
            if held:
                held = False
                slots.release()

        def answered(answer: Answer) -> None:
            # On the event loop, once the thread has its answer: one hand-back, straight from the thread.
            nonlocal finished
            finished = True
            watchdog.cancel()
            free_slot()
            if not woken.done():
                woken.set_result(answer)

        def in_thread() -> None:
            answer = None
            try:
                answer = run_job(job, self.stores)
            finally:
                # run_job returns every refusal in its Answer; None only if the thread itself is ending.
                # The hand-back is the thread's last work before it waits again, so that the event loop,
                # woken by it, finds the GIL free.
                if answer is None:
                    answer = Answer(error=CatalogError("内部错误 / internal error: the query thread failed"))
                try:
                    loop.call_soon_threadsafe(answered, answer)
                except RuntimeError:
                    pass  # the event loop is closed: the process is ending

        call = _Call(in_thread)

        def overdue() -> None:
            if finished:
                return
            self.runaways += 1
            log.warning("query over its time limit of %d ms, its process will be replaced: %s",
                        timeout_ms, job.query[:200])
            if call.give_up():
                # Its thread is lost until the process ends: another takes its place.
                self._add_worker()
            self.on_runaway()
            free_slot()
            if not woken.done():
                woken.set_result(None)

        watchdog = loop.call_at(max(deadline, loop.time() + 0.001), overdue)
        self._calls.put(call)
        answer = await woken
        if answer is None:
            raise QueryTimeout(
                f"查询超过 {timeout_ms} 毫秒的时限，已被终止 / the query ran over its time limit of {timeout_ms} ms "
                "and was stopped; narrow the query or add a LIMIT"
            )
        return answer

    def close(self) -> None:
        # Every thread that waits for a job ends; a runaway one never does: nothing waits for it (the
        # threads are daemons), the process exit stops it (os._exit).
        while True:  # jobs not taken yet are dropped
            try:
                self._calls.get_nowait()
            except queue.Empty:
                break
        for _ in self._workers:
            self._calls.put(None)
