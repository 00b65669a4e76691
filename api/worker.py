"""The query worker: a separate process that opens the stores read-only and runs one query at a time.

pyoxigraph has no query timeout, so a query that runs over its limit is stopped by killing the
process that runs it (see ``govcat.api.limits``). A worker keeps its read-only stores open between
queries, and reopens one when the files on disk have changed: a read-only RocksDB instance sees the
data as it was when it was opened (tested in ``tests/test_api_limits.py``).

The worker writes the answer's final bytes (pyoxigraph's own serializers), so the server only forwards
them. Server and worker talk over a socket pair with a small framing of their own (``send_job`` /
``read_answer``), which the server's event loop reads directly.
"""

from __future__ import annotations

import os
import pickle
import socket
import struct
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pyoxigraph as ox

from govcat.api import protocol
from govcat.api.federation import check_services
from govcat.errors import CatalogError, QueryError, QueryRefused, StoreError


@dataclass
class Job:
    """One query for a worker. Everything here is plain data, so it crosses the process boundary."""

    store: str  # "public" or "gov"
    query: str
    accept: str | None = None
    fmt: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    max_results: int = 100000
    peers: list[str] = field(default_factory=list)
    base_iri: str | None = None


@dataclass
class Answer:
    ok: bool
    media_type: str = ""
    body: bytes = b""
    error: str = ""  # name of a govcat.errors class
    message: str = ""


# ---- the wire ---------------------------------------------------------------------------------------------
# A job: "!I" length + pickled Job (the server is the only sender). An answer: "!BIIIQ" (ok, lengths of
# media type, error, message and body) + those four; the body is sent as it is, never pickled.
JOB_HEAD = struct.Struct("!I")
ANSWER_HEAD = struct.Struct("!BIIIQ")
READY = b"R"


def encode_job(job: Job) -> bytes:
    data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
    return JOB_HEAD.pack(len(data)) + data


def decode_answer(head: bytes) -> tuple[bool, int, int, int, int]:
    ok, media, error, message, body = ANSWER_HEAD.unpack(head)
    return bool(ok), media, error, message, body


def _recv_exactly(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:])
        if k == 0:
            return None
        got += k
    return bytes(buf)


def _send_answer(sock: socket.socket, answer: Answer) -> None:
    meta = [answer.media_type.encode(), answer.error.encode(), answer.message.encode("utf-8")]
    head = ANSWER_HEAD.pack(answer.ok, *(len(m) for m in meta), len(answer.body))
    if len(answer.body) < 65536:
        sock.sendall(b"".join((head, *meta, answer.body)))  # one write for the usual small answer
    else:
        sock.sendall(b"".join((head, *meta)))
        sock.sendall(answer.body)


# ---- the stores -------------------------------------------------------------------------------------------

# RocksDB never changes a table file (*.sst), an OPTIONS file or IDENTITY once written, and replaces
# CURRENT by a rename (a new inode): a commit appends to the write-ahead log (*.log) and the MANIFEST, or
# adds and removes files. So the names with their inode numbers (which scandir gives without a stat) and
# the size and time of the appended files say whether anything changed, at a fraction of the cost of a
# stat of every file. The inodes also tell one directory from another with the same file names (the
# public store is a symlink switched to a new directory on each refresh).


def _signature(path: Path) -> tuple:
    """What changes on disk when a writer commits. Empty if the store does not exist or is empty.

    The info logs (LOG*) are left out because opening read-only may write them itself."""
    try:
        entries = os.scandir(path)
    except OSError:
        return ()
    sig: list[tuple] = []
    with entries:
        for e in entries:
            name = e.name
            if name.startswith("LOG"):
                continue
            if name.endswith(".log") or name.startswith("MANIFEST"):
                try:
                    st = e.stat()
                except OSError:
                    continue
                sig.append((name, e.inode(), st.st_size, st.st_mtime_ns))
            else:
                sig.append((name, e.inode()))
    sig.sort()
    return tuple(sig)


class _ReadOnlyStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.store: ox.Store | None = None
        self.sig: tuple = ()

    def get(self, *, force: bool = False) -> ox.Store:
        sig = _signature(self.path)
        if force or self.store is None or sig != self.sig:
            if not sig:
                raise StoreError(
                    f"存储不存在或为空 {self.path} / the store at {self.path} does not exist or is empty",
                    source=str(self.path),
                )
            self.store = None
            try:
                self.store = ox.Store.read_only(str(self.path))
            except OSError as exc:
                raise StoreError(
                    f"无法只读打开存储 {self.path} / cannot open the store at {self.path} read-only: {exc}",
                    source=str(self.path),
                ) from exc
            self.sig = sig
        return self.store


# ---- writing results --------------------------------------------------------------------------------------


class _TooMany(Exception):
    pass


class _CappedOutput:
    """A binary output for pyoxigraph's serializers that keeps the bytes and gives up (raising
    ``_TooMany``) once what ``measure`` counts goes over ``limit``."""

    def __init__(self, limit: int) -> None:
        self.parts: list[bytes] = []
        self.counted = 0
        self.limit = limit
        self.over = False

    def measure(self, data: bytes) -> int:
        raise NotImplementedError

    def write(self, data: bytes) -> int:
        self.counted += self.measure(data)
        if self.counted > self.limit:
            self.over = True
            raise _TooMany
        self.parts.append(data)
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return self.parts[0] if len(self.parts) == 1 else b"".join(self.parts)


class _LineCounter(_CappedOutput):
    """Counts line breaks. In TSV results and in N-Triples every row (triple) is one line, as line breaks
    inside literals are escaped; so the row cap is checked as pyoxigraph writes (in buffered chunks), and a
    result far over the cap is abandoned early instead of written out whole."""

    def __init__(self, max_lines: int) -> None:
        super().__init__(max_lines)

    @property
    def lines(self) -> int:
        return self.counted

    def measure(self, data: bytes) -> int:
        return data.count(b"\n")


def _too_many(max_results: int) -> QueryRefused:
    return QueryRefused(
        f"结果超过 {max_results} 行（或三元组）的上限，请加 LIMIT 或缩小查询 / "
        f"the result has more than {max_results} rows (or triples), the endpoint's limit "
        "(setting sparql_max_results); add a LIMIT or narrow the query"
    )


class _Capped(_CappedOutput):
    """Counts bytes, and gives up once they reach ``limit``."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit - 1)  # "reach": at ``limit`` bytes it is over

    @property
    def size(self) -> int:
        return self.counted

    def measure(self, data: bytes) -> int:
        return len(data)


# The fewest bytes one row takes in each results format (JSON "{}" and a comma, XML "<result/>", a
# line break in CSV and TSV): an answer shorter than (cap + 1) times this cannot have more rows than the
# cap, so the usual small answer is written once, in its final format, with no counting.
_MIN_ROW_BYTES = {
    ox.QueryResultsFormat.JSON: 2,
    ox.QueryResultsFormat.XML: 9,
    ox.QueryResultsFormat.CSV: 1,
    ox.QueryResultsFormat.TSV: 1,
}


def _serialize(result: Any, out: "_Capped | _LineCounter", fmt: Any) -> bool:
    """Write ``result`` into ``out``; False if ``out`` gave up."""
    try:
        result.serialize(out, format=fmt)
    except _TooMany:
        return False
    except OSError:
        if out.over:
            return False
        raise
    return True


def _write_solutions(run: Callable[[], ox.QuerySolutions], result: ox.QuerySolutions, fmt: protocol.Format,
                     max_results: int) -> bytes:
    limit = _MIN_ROW_BYTES[fmt.ox_format] * (max_results + 1)
    out = _Capped(limit)
    if _serialize(result, out, fmt.ox_format):
        return out.getvalue()
    # A big answer: run the query again and count its rows in TSV, which is lossless (terms in
    # N-Triples syntax) and has one line per row after the header (line breaks in literals are
    # escaped); past the cap it stops early. The answer is then written from the TSV.
    counter = _LineCounter(max_results + 1)
    if not _serialize(run(), counter, ox.QueryResultsFormat.TSV):
        raise _too_many(max_results)
    tsv = counter.getvalue()
    if fmt.ox_format == ox.QueryResultsFormat.TSV:
        return tsv
    return ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=fmt.ox_format)


def _write_graph(result: ox.QueryTriples, fmt: protocol.Format, max_results: int) -> bytes:
    if fmt.ox_format == ox.RdfFormat.N_TRIPLES:
        out = _LineCounter(max_results)  # one triple per line
        if not _serialize(result, out, ox.RdfFormat.N_TRIPLES):
            raise _too_many(max_results)
        return out.getvalue()
    # Other syntaxes have no fixed size per triple: the triples are counted as they are read.
    triples = []
    for t in result:
        triples.append(t)
        if len(triples) > max_results:
            raise _too_many(max_results)
    return ox.serialize(triples, format=fmt.ox_format) or b""


def run_job(job: Job, stores: dict[str, _ReadOnlyStore]) -> Answer:
    """Run one job; every refusal comes back as an Answer naming the error class."""
    try:
        check_services(job.query, job.peers)
        holder = stores[job.store]
        kwargs: dict[str, Any] = {}
        if job.default_graphs:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        else:
            kwargs["use_default_graph_as_union"] = True
        if job.named_graphs:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
        if job.base_iri:
            kwargs["base_iri"] = job.base_iri
        try:
            store = holder.get()
            result = store.query(job.query, **kwargs)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL 语法错误 / SPARQL syntax error: {exc}") from exc
        except OSError as exc:
            raise QueryError(f"查询失败 / the query failed: {exc}") from exc

        if isinstance(result, ox.QueryBoolean):
            kind = "boolean"
        elif isinstance(result, ox.QueryTriples):
            kind = "graph"
        else:
            kind = "solutions"
        fmt = protocol.choose_format(kind, job.accept, job.fmt)

        try:
            if kind == "boolean":
                body = result.serialize(format=fmt.ox_format)
            elif kind == "graph":
                body = _write_graph(result, fmt, job.max_results)
            else:
                body = _write_solutions(lambda: store.query(job.query, **kwargs), result, fmt, job.max_results)
        except (OSError, SyntaxError) as exc:
            # pyoxigraph evaluates lazily: errors of evaluation (e.g. a SERVICE peer that does
            # not answer) surface while the results are written.
            raise QueryError(f"查询执行失败 / the query failed while running: {exc}") from exc
        return Answer(True, fmt.media_type, body or b"")
    except CatalogError as exc:
        return Answer(False, error=type(exc).__name__, message=str(exc))
    except Exception as exc:  # noqa: BLE001 - the worker must answer, whatever went wrong
        return Answer(False, error="CatalogError", message=f"内部错误 / internal error: {exc!r}\n{traceback.format_exc()}")


def main(sock: socket.socket, paths: dict[str, str]) -> None:
    """A worker process: read a Job, send an Answer, until the server closes the socket."""
    stores = {name: _ReadOnlyStore(Path(p)) for name, p in paths.items()}
    sock.setblocking(True)
    sock.sendall(READY)
    while True:
        try:
            head = _recv_exactly(sock, JOB_HEAD.size)
            data = head and _recv_exactly(sock, JOB_HEAD.unpack(head)[0])
        except OSError:
            return
        if not data:
            return
        _send_answer(sock, run_job(pickle.loads(data), stores))
