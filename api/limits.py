"""Limits of the endpoints: a time limit per query, a cap on queries at once, a cap on result size.

Queries run in a pool of worker processes (``govcat.api.worker``), never in the event loop: a slow
query holds one worker while the others answer. pyoxigraph cannot interrupt a query, so a query that
runs over its time limit is stopped by killing its worker; a fresh worker takes its place in the
background. At most ``sparql_max_concurrent`` queries run at once; a query waits for a free worker at
most as long as its own time limit, and is then refused as busy.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from govcat.api.worker import Answer, Job, main as worker_main
from govcat.errors import CatalogError, QueryTimeout, StoreError

_START_TIMEOUT_S = 60.0


class ServerBusy(CatalogError):
    """Every worker is busy and none came free in time (HTTP 503)."""


class _Worker:
    def __init__(self, ctx: Any, paths: dict[str, str]) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=worker_main, args=(child, paths), daemon=True, name="govcat-sparql-worker")
        self.process.start()
        child.close()

    def wait_ready(self) -> None:
        if not self.conn.poll(_START_TIMEOUT_S) or self.conn.recv() != "ready":
            raise StoreError("查询进程未能启动 / a query worker process did not start")

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(2)
        self.kill()


class WorkerPool:
    """``size`` worker processes, each opening the stores in ``paths`` (name -> directory) read-only."""

    def __init__(self, paths: dict[str, str], size: int) -> None:
        self.paths = paths
        self.size = max(1, int(size))
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        # One thread per worker waits on its pipe, so waiting never blocks the event loop.
        self._threads = ThreadPoolExecutor(max_workers=self.size * 2 + 1, thread_name_prefix="govcat-sparql")
        self._closed = False
        self.replaced = 0

    def _spawn(self) -> _Worker:
        w = _Worker(self._ctx, self.paths)
        with self._lock:
            self._all.add(w)
        w.wait_ready()
        return w

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._idle = asyncio.Queue()
        workers = await asyncio.gather(*(loop.run_in_executor(self._threads, self._spawn) for _ in range(self.size)))
        for w in workers:
            self._idle.put_nowait(w)

    def pids(self) -> list[int]:
        with self._lock:
            return sorted(w.pid for w in self._all if w.pid is not None and w.process.is_alive())

    @staticmethod
    def _roundtrip(w: _Worker, job: Job, timeout_s: float) -> Answer | None:
        w.conn.send(job)
        if not w.conn.poll(timeout_s):
            return None
        return w.conn.recv()

    async def _replace(self, dead: _Worker) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._threads, dead.kill)
        with self._lock:
            self._all.discard(dead)
        if self._closed:
            return
        fresh = await loop.run_in_executor(self._threads, self._spawn)
        self.replaced += 1
        assert self._idle is not None
        self._idle.put_nowait(fresh)

    async def run(self, job: Job, timeout_ms: int) -> Answer:
        """Run ``job`` on a free worker within ``timeout_ms``, or raise QueryTimeout / ServerBusy."""
        if self._idle is None:
            raise StoreError("查询进程池未启动 / the query workers are not running")
        timeout_s = max(0.001, timeout_ms / 1000.0)
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout_s)
        except asyncio.TimeoutError:
            raise ServerBusy(
                f"服务器繁忙：{self.size} 个查询正在运行，请稍后再试 / the server is busy: {self.size} queries are "
                "running (setting sparql_max_concurrent); try again later"
            ) from None
        remaining = max(0.001, timeout_s - (loop.time() - started))
        try:
            answer = await loop.run_in_executor(self._threads, self._roundtrip, worker, job, remaining)
        except (OSError, EOFError) as exc:
            asyncio.ensure_future(self._replace(worker))
            raise StoreError(f"查询进程意外退出 / the query worker died: {exc}") from exc
        except BaseException:
            # Cancelled (client went away) while the worker runs: the worker's state is unknown.
            asyncio.ensure_future(self._replace(worker))
            raise
        if answer is None:
            asyncio.ensure_future(self._replace(worker))
            raise QueryTimeout(
                f"查询超过 {timeout_ms} 毫秒的时限，已被终止 / the query ran over its time limit of {timeout_ms} ms "
                "and was stopped; narrow the query or add a LIMIT"
            )
        self._idle.put_nowait(worker)
        return answer

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.stop()
        self._threads.shutdown(wait=False, cancel_futures=True)
