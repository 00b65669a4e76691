"""``govcat serve``: a supervisor process that owns the listening socket and runs the server processes.

Queries run in threads of a server process (``govcat.api.limits``), and a thread that runs past its time
limit cannot be stopped: only the end of its process stops it. So the process ``govcat serve`` starts
answers no request itself. It

- opens the listening socket once and starts ``serve_processes`` server processes (spawned: they share
  nothing but the socket), each running uvicorn on that socket;
- when a server process reports a runaway query (a message on its pipe), starts a replacement at once.
  The old process goes on answering until the replacement has started, so no client is turned away
  meanwhile; then it is told to stop (SIGTERM: uvicorn stops accepting and finishes the requests it
  has, for at most ``grace_s``, the longest time limit) and ends with ``os._exit``, which ends the
  runaway thread too. One that overstays is killed;
- replaces a server process that dies unexpectedly (connections wait in the socket's backlog meanwhile);
- on SIGTERM or SIGINT stops every server process the same way, and returns.

A server process whose supervisor is gone (killed) sees its pipe close and stops too.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import queue
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from govcat.config import Config
from govcat.errors import CatalogError, ConfigError

log = logging.getLogger("govcat.serve")

READY = "ready"  # server process -> supervisor: uvicorn is accepting on the socket
RETIRE = "retire"  # server process -> supervisor: a query ran over its limit, replace me
_KILL_MARGIN_S = 10.0  # past the grace period, for the lifespan shutdown (flushing the store)


def grace_period_s(config: Config) -> float:
    """How long a stopping server process may take to finish its requests: the longest time limit, which
    also bounds a request's wait for a query slot."""
    return max(config.sparql_timeout_ms, config.gov_sparql_timeout_ms) / 1000.0 + 1.0


# ---- the server process ------------------------------------------------------------------------------------


def _server_process(sock: socket.socket, conn: Connection, values: dict[str, Any], grace_s: float) -> None:
    """Entry point of a server process (spawned). Always ends with ``os._exit``: a normal interpreter exit
    would wait for the query threads, and a runaway one never ends."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    # uvicorn handles SIGTERM and SIGINT while it serves (it stops gracefully) and raises them again once
    # it has stopped. Before it starts serving, or after it has stopped, the process just ends.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _exit_now)
    code = 1
    try:
        code = _run_server(sock, conn, Config(values), grace_s)
    except BaseException:  # noqa: BLE001 - reported, then the process ends whatever happened
        log.exception("server process %d failed / 服务进程出错", os.getpid())
    finally:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _exit_now(signum: int, frame: Any) -> None:
    if _access_log is not None:
        _access_log.close()  # writes the access log lines still queued
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _run_server(sock: socket.socket, conn: Connection, config: Config, grace_s: float) -> int:
    import uvicorn

    from govcat.api.app import create_app

    told = False

    def on_runaway() -> None:
        nonlocal told
        if told:
            return
        told = True
        try:
            conn.send(RETIRE)
        except OSError:
            server.should_exit = True  # no supervisor to start a replacement: stop now

    def supervisor_gone() -> None:
        # The supervisor never writes to the pipe: readable means closed.
        asyncio.get_running_loop().remove_reader(conn.fileno())
        log.warning("supervisor gone, server process %d stops / 监督进程已退出，服务进程停止", os.getpid())
        server.should_exit = True

    global _access_log
    app: Any = create_app(config, on_runaway=on_runaway)
    http: Any = "auto"
    if config.access_log:
        # The access log line is written once the answer is out (_AccessLog), not by uvicorn just before
        # the answer's headers.
        app = _access_log = _AccessLog(app)
        http = _protocol_without_access_log()
    server = uvicorn.Server(uvicorn.Config(
        app, http=http, log_level="info", access_log=bool(config.access_log), lifespan="on",
        timeout_graceful_shutdown=max(1, int(grace_s)),
    ))

    async def main() -> None:
        asyncio.get_running_loop().add_reader(conn.fileno(), supervisor_gone)
        serving = asyncio.ensure_future(server.serve(sockets=[sock]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.01)
        if server.started:
            # What start-up made (modules, the application, the open stores) stays for the life of the
            # process: out of the collector's sight, a full collection no longer walks it (~55 ms each,
            # seen as outliers in the endpoint's latency).
            gc.collect()
            gc.freeze()
            conn.send(READY)
        await serving

    try:
        with asyncio.Runner(loop_factory=server.config.get_loop_factory()) as runner:
            runner.run(main())
    finally:
        if _access_log is not None:
            _access_log.close()
            _access_log = None
    return 0 if server.started else 3


# ---- the access log ---------------------------------------------------------------------------------------
#
# uvicorn writes a request's access log line on the event loop just before the answer's headers: a log
# record, its formatting and a write to the log file in the way of every answer, 0.1-0.3 ms on the shared
# cores (docs/performance.md, SPARQL endpoint). So the server process logs the same line through the same
# logger ("uvicorn.access", with its handlers and format), in a thread of its own, once the answer has been
# sent.


def _protocol_without_access_log() -> type:
    """uvicorn's httptools protocol, without its own access log line (``_AccessLog`` writes it)."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class Protocol(HttpToolsProtocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.access_log = False

    return Protocol


class _AccessLog:
    """ASGI middleware: uvicorn's access log line of each HTTP request (the same logger, message and
    arguments), handed to a thread once the application has sent the answer; the thread writes them in
    order, at most ``_LOG_BATCH_S`` later. A request whose application failed before it answered is
    logged with status 500, which uvicorn then sends. ``close`` writes the lines still queued."""

    def __init__(self, app: Any) -> None:
        from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string

        self.app = app
        self.logger = logging.getLogger("uvicorn.access")
        self._client, self._path = get_client_addr, get_path_with_query_string
        self._lines: queue.SimpleQueue[tuple | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._write, name="govcat-access-log", daemon=True)
        self._thread.start()

    def _write(self) -> None:
        while True:
            lines = [self._lines.get()]
            # In batches: the thread wakes once per _LOG_BATCH_S at most, not once per request, and
            # takes the GIL and a core from the event loop and the clients that much less often.
            time.sleep(_LOG_BATCH_S)
            while True:
                try:
                    lines.append(self._lines.get_nowait())
                except queue.Empty:
                    break
            for line in lines:
                if line is None:
                    return
                self.logger.info('%s - "%s %s HTTP/%s" %d', *line)

    def close(self) -> None:
        if self._thread.is_alive():
            self._lines.put(None)
            self._thread.join(timeout=10)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def sending(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self._lines.put((self._client(scope), scope["method"], self._path(scope), scope["http_version"], status))


_LOG_BATCH_S = 0.02
_access_log: _AccessLog | None = None  # of this server process, for _exit_now


# ---- the supervisor ----------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Child:
    process: BaseProcess
    conn: Connection | None
    ready: bool = False
    retiring: bool = False  # it asked to be replaced
    kill_at: float | None = None  # set when it was told to stop

    @property
    def pid(self) -> int | None:
        return self.process.pid


class Supervisor:
    """Keeps ``processes`` server processes answering on ``sock`` until told to stop."""

    def __init__(self, config: Config, sock: socket.socket, processes: int) -> None:
        self.config = config
        self.sock = sock
        self.processes = max(1, int(processes))
        self.grace_s = grace_period_s(config)
        self.children: list[_Child] = []
        self._ctx = multiprocessing.get_context("spawn")
        self._signals = 0
        self._ever_ready = False
        self._failures = 0  # server processes in a row that died before they were ready
        self._spawn_at = 0.0

    # -- starting and stopping processes

    def _spawn(self) -> None:
        mine, theirs = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(
            target=_server_process, args=(self.sock, theirs, dict(self.config.values), self.grace_s),
            name="govcat-server",
        )
        process.start()
        theirs.close()
        self.children.append(_Child(process, mine))
        log.info("server process %d started / 服务进程已启动", process.pid)

    def _tell_to_stop(self, child: _Child) -> None:
        if child.kill_at is None:
            child.kill_at = time.monotonic() + self.grace_s + _KILL_MARGIN_S
            if child.process.is_alive():
                child.process.terminate()

    def _serving(self) -> list[_Child]:
        return [c for c in self.children if c.kill_at is None and not c.retiring]

    # -- events

    def _message(self, child: _Child) -> None:
        assert child.conn is not None
        try:
            msg = child.conn.recv()
        except (EOFError, OSError):
            child.conn.close()  # the process is ending; its sentinel tells when it has
            child.conn = None
            return
        if msg == READY:
            child.ready = True
            self._ever_ready = True
            self._failures = 0
            # The replacement answers now: one process waiting to be replaced can go.
            for old in self.children:
                if old.retiring and old.kill_at is None:
                    log.info("server process %d stops after its last requests (replaced by %d) / 服务进程 %d "
                             "处理完当前请求后退出", old.pid, child.pid, old.pid)
                    self._tell_to_stop(old)
                    break
        elif msg == RETIRE and not child.retiring:
            child.retiring = True
            log.warning("server process %d has a query over its time limit: starting its replacement / 服务进程 "
                        "%d 有查询超时，正在启动替代进程", child.pid, child.pid)

    def _exited(self, child: _Child) -> None:
        child.process.join()
        self.children.remove(child)
        if child.conn is not None:
            child.conn.close()
        code = child.process.exitcode
        if child.kill_at is not None:
            log.info("server process %d ended (exit code %s) / 服务进程已结束", child.pid, code)
            return
        log.error("server process %d died unexpectedly (exit code %s): replacing it / 服务进程意外退出，正在替换",
                  child.pid, code)
        if not child.ready:
            self._failures += 1
            # Starting again at once would fail again at once: wait longer after each failure.
            self._spawn_at = time.monotonic() + min(10.0, 0.5 * 2 ** (self._failures - 1))

    # -- the loop

    def _on_signal(self, signum: int, frame: Any) -> None:
        self._signals += 1

    def run(self) -> int:
        """Serve until SIGTERM or SIGINT (0), or until the first server process fails to start (1)."""
        wake_r, wake_w = socket.socketpair()
        wake_r.setblocking(False)
        wake_w.setblocking(False)
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        previous_fd = signal.set_wakeup_fd(wake_w.fileno())
        try:
            while not self._signals:
                now = time.monotonic()
                if len(self._serving()) < self.processes and now >= self._spawn_at:
                    self._spawn()
                    continue
                if not self._ever_ready and self._failures:
                    log.error("the server process did not start / 服务进程未能启动")
                    return 1
                self._wait(wake_r)
            return 0
        finally:
            self._stop_all(wake_r)
            signal.set_wakeup_fd(previous_fd)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            wake_r.close()
            wake_w.close()

    def _wait(self, wake_r: socket.socket, timeout: float = 1.0) -> None:
        now = time.monotonic()
        deadlines = [c.kill_at for c in self.children if c.kill_at is not None]
        if len(self._serving()) < self.processes:
            deadlines.append(self._spawn_at)
        if deadlines:
            timeout = max(0.0, min(timeout, min(deadlines) - now))
        by_conn = {c.conn: c for c in self.children if c.conn is not None}
        by_sentinel = {c.process.sentinel: c for c in self.children}
        ready = wait([wake_r, *by_conn, *by_sentinel], timeout)
        if wake_r in ready:
            try:
                wake_r.recv(4096)
            except BlockingIOError:
                pass
        for obj in ready:
            if obj in by_conn:
                self._message(by_conn[obj])
        for obj in ready:
            if obj in by_sentinel:
                self._exited(by_sentinel[obj])
        now = time.monotonic()
        for c in self.children:
            if c.kill_at is not None and now >= c.kill_at and c.process.is_alive():
                log.error("server process %d overstayed its grace period: killed / 服务进程超出宽限期，已强制结束",
                          c.pid)
                c.process.kill()
                c.kill_at = float("inf")

    def _stop_all(self, wake_r: socket.socket) -> None:
        for c in self.children:
            self._tell_to_stop(c)
        forced = False
        while self.children:
            if self._signals > 1 and not forced:
                # Asked twice: do not wait for the requests in flight.
                forced = True
                for c in self.children:
                    c.kill_at = time.monotonic()
            self._wait(wake_r, timeout=0.5)
        self.sock.close()


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP said, not left to 0: the accepted sockets inherit it, and asyncio sets TCP_NODELAY only
    # on sockets that say TCP (without it, Nagle and delayed ACKs add 40 ms to a small answer).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"无法监听 {host}:{port} / cannot listen on {host}:{port}: {exc}") from exc
    return sock


def serve(config: Config, host: str | None = None, port: int | None = None) -> None:
    """Run the supervisor until SIGTERM or SIGINT (``govcat serve``, ``govcat demo``)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    sock = _listen(host or config.host, int(port or config.port))
    if Supervisor(config, sock, config.serve_processes).run():
        raise CatalogError("服务进程未能启动，原因见上方日志 / the server process did not start; see the log above")
