"""Limits of the endpoints: a time limit per query, a cap on queries at once, a cap on result size.

Queries run in a pool of worker processes (``govcat.api.worker``), never in the event loop: a slow
query holds one worker while the others answer. pyoxigraph cannot interrupt a query, so a query that
runs over its time limit is stopped by killing its worker; a fresh worker takes its place in the
background. At most ``sparql_max_concurrent`` queries run at once; a query waits for a free worker at
most as long as its own time limit, and is then refused as busy.

The event loop talks to each worker over a socket pair (asyncio streams): it writes the job and awaits
the answer's bytes itself, with no thread in between; only starting and killing workers, which block,
run in threads.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from govcat.api import worker as wire
from govcat.api.worker import Answer, Job, main as worker_main
from govcat.errors import CatalogError, QueryTimeout, StoreError

_START_TIMEOUT_S = 60.0
_READ_LIMIT = 1 << 20  # bytes buffered from a worker before its socket is paused


class ServerBusy(CatalogError):
    """Every worker is busy and none came free in time (HTTP 503)."""


class _Worker:
    def __init__(self, ctx: Any, paths: dict[str, str]) -> None:
        self.sock, child = socket.socketpair()
        self.process = ctx.Process(target=worker_main, args=(child, paths), daemon=True, name="govcat-sparql-worker")
        self.process.start()
        child.close()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def wait_ready(self) -> None:
        """Blocking (run in a thread): the worker has started and imported what it needs."""
        self.sock.settimeout(_START_TIMEOUT_S)
        try:
            ready = self.sock.recv(len(wire.READY))
        except OSError:
            ready = b""
        if ready != wire.READY:
            raise StoreError("查询进程未能启动 / a query worker process did not start")
        self.sock.setblocking(False)

    async def attach(self) -> None:
        """Hand the socket to the running event loop."""
        self.reader, self.writer = await asyncio.open_unix_connection(sock=self.sock, limit=_READ_LIMIT)

    async def roundtrip(self, job: Job) -> Answer:
        assert self.reader is not None and self.writer is not None
        self.writer.write(wire.encode_job(job))
        await self.writer.drain()
        ok, media, error, message, body = wire.decode_answer(await self.reader.readexactly(wire.ANSWER_HEAD.size))
        meta = await self.reader.readexactly(media + error + message) if media + error + message else b""
        data = await self.reader.readexactly(body) if body else b""
        return Answer(
            ok,
            media_type=meta[:media].decode(),
            body=data,
            error=meta[media:media + error].decode(),
            message=meta[media + error:].decode("utf-8"),
        )

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def detach(self) -> None:
        """On the event loop (asyncio transports are not thread-safe): close our end of the socket."""
        if self.writer is not None:
            self.writer.transport.abort()
            self.writer = None
        else:
            self.sock.close()

    def kill(self) -> None:
        """Blocking, after ``detach``: stop the process whatever it is doing."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)

    def stop(self) -> None:
        """Blocking, on the event loop at shutdown: an idle worker exits when its socket closes; a busy
        one is killed."""
        self.detach()
        self.process.join(2)
        self.kill()


class WorkerPool:
    """``size`` worker processes, each opening the stores in ``paths`` (name -> directory) read-only."""

    def __init__(self, paths: dict[str, str], size: int) -> None:
        self.paths = paths
        self.size = max(1, int(size))
        self._ctx = multiprocessing.get_context("spawn")
        # Last in, first out: a lone client keeps getting the worker it just used, whose RocksDB caches
        # (table readers, decompressed blocks, per process) are warm for what it asks; under load every
        # worker is busy anyway.
        self._idle: asyncio.LifoQueue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        # Only starting and killing workers block; they run here, away from the event loop.
        self._threads = ThreadPoolExecutor(max_workers=self.size + 1, thread_name_prefix="govcat-sparql")
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
        self._idle = asyncio.LifoQueue()
        workers = await asyncio.gather(*(loop.run_in_executor(self._threads, self._spawn) for _ in range(self.size)))
        for w in workers:
            await w.attach()
            self._idle.put_nowait(w)

    def pids(self) -> list[int]:
        with self._lock:
            return sorted(w.pid for w in self._all if w.pid is not None and w.process.is_alive())

    async def _replace(self, dead: _Worker) -> None:
        loop = asyncio.get_running_loop()
        dead.detach()
        await loop.run_in_executor(self._threads, dead.kill)
        with self._lock:
            self._all.discard(dead)
        if self._closed:
            return
        fresh = await loop.run_in_executor(self._threads, self._spawn)
        await fresh.attach()
        self.replaced += 1
        assert self._idle is not None
        self._idle.put_nowait(fresh)

    def _busy(self) -> ServerBusy:
        return ServerBusy(
            f"服务器繁忙：{self.size} 个查询正在运行，请稍后再试 / the server is busy: {self.size} queries are "
            "running (setting sparql_max_concurrent); try again later"
        )

    async def run(self, job: Job, timeout_ms: int) -> Answer:
        """Run ``job`` on a free worker within ``timeout_ms``, or raise QueryTimeout / ServerBusy."""
        if self._idle is None:
            raise StoreError("查询进程池未启动 / the query workers are not running")
        timeout_s = max(0.001, timeout_ms / 1000.0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        try:
            worker = self._idle.get_nowait()  # the usual case: no timer, no task
        except asyncio.QueueEmpty:
            try:
                async with asyncio.timeout_at(deadline):
                    worker = await self._idle.get()
            except TimeoutError:
                raise self._busy() from None
        try:
            async with asyncio.timeout_at(max(deadline, loop.time() + 0.001)):
                answer = await worker.roundtrip(job)
        except TimeoutError:
            # Over its time limit: the worker is still running the query, and only killing it stops it.
            asyncio.ensure_future(self._replace(worker))
            raise QueryTimeout(
                f"查询超过 {timeout_ms} 毫秒的时限，已被终止 / the query ran over its time limit of {timeout_ms} ms "
                "and was stopped; narrow the query or add a LIMIT"
            ) from None
        except (OSError, EOFError, asyncio.IncompleteReadError) as exc:
            asyncio.ensure_future(self._replace(worker))
            raise StoreError(f"查询进程意外退出 / the query worker died: {exc!r}") from exc
        except BaseException:
            # Cancelled (client went away) while the worker runs: the worker's state is unknown.
            asyncio.ensure_future(self._replace(worker))
            raise
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
