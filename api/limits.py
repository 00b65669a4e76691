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
with its thread pool and no longer counts as one of the queries at once; later queries get a fresh pool,
so the process keeps its full ``sparql_max_concurrent`` while it waits to be replaced.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from govcat.api.query_jobs import Answer, Job, ReadOnlyStore, run_job
from govcat.errors import CatalogError, QueryTimeout

log = logging.getLogger("govcat.api")


class ServerBusy(CatalogError):
    """Every query slot is taken and none came free in time (HTTP 503)."""


class QueryPool:
    """Runs jobs on the stores in ``paths`` (name -> directory, opened read-only) in ``size`` threads."""

    def __init__(self, paths: dict[str, str], size: int, on_runaway: Callable[[], None]) -> None:
        self.size = max(1, int(size))
        self.stores = {name: ReadOnlyStore(Path(p)) for name, p in paths.items()}
        self.on_runaway = on_runaway
        self.runaways = 0
        self._threads = self._new_threads()
        self._slots: asyncio.Semaphore | None = None

    def _new_threads(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="govcat-query")

    async def start(self) -> None:
        self._slots = asyncio.Semaphore(self.size)

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
        try:
            running = loop.run_in_executor(self._threads, run_job, job, self.stores)
        except BaseException:
            slots.release()
            raise
        # One timer per query, the watchdog, which belongs to the query and not to the request: it fires
        # even if the request is gone. Whichever comes first, the answer or the deadline, wakes the route.
        woken = loop.create_future()
        held = True

        def free_slot() -> None:
            # The slot comes free when the thread does, or when it is given up for lost; not when the
            # client stops waiting.
            nonlocal held
            if held:
                held = False
                slots.release()
            if not woken.done():
                woken.set_result(None)

        def overdue() -> None:
            if running.done():
                return
            self.runaways += 1
            log.warning("query over its time limit of %d ms, its process will be replaced: %s",
                        timeout_ms, job.query[:200])
            # Its thread is lost until the process ends: leave it to the old pool, take a new one.
            self._threads.shutdown(wait=False)
            self._threads = self._new_threads()
            self.on_runaway()
            free_slot()

        watchdog = loop.call_at(max(deadline, loop.time() + 0.001), overdue)

        def finished(_: object) -> None:
            watchdog.cancel()
            free_slot()

        running.add_done_callback(finished)
        await woken
        if not running.done():
            raise QueryTimeout(
                f"查询超过 {timeout_ms} 毫秒的时限，已被终止 / the query ran over its time limit of {timeout_ms} ms "
                "and was stopped; narrow the query or add a LIMIT"
            )
        return running.result()

    def close(self) -> None:
        # A runaway thread never ends: nothing waits for it; the process exit stops it (os._exit).
        self._threads.shutdown(wait=False, cancel_futures=True)
