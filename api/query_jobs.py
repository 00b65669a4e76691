"""Running one query: the read-only stores it runs on, the writers of its answer, and ``run_job``.

Queries run in threads of the server process (``govcat.api.limits``): pyoxigraph releases the GIL while
it evaluates a query and serializes its results, and one ``pyoxigraph.Store`` may be queried from several
threads at once. The read-only stores are opened once per process and reopened when the files on disk
have changed: a read-only RocksDB instance sees the data as it was when it was opened (tested in
``tests/test_api_limits.py``, ``tests/test_api_store_watch.py``).

The answer is written here in its final bytes (pyoxigraph's own serializers), and the route sends them
as they are.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pyoxigraph as ox

from govcat.api import protocol
from govcat.api.federation import check_services
from govcat.errors import CatalogError, QueryError, QueryRefused, StoreError


@dataclass
class Job:
    """One query, as the route read it from the request."""

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
    """The answer's bytes, or the refusal the route raises (the API edge picks its HTTP status)."""

    media_type: str = ""
    body: bytes = b""
    error: CatalogError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str:
        return "" if self.error is None else str(self.error)


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


class _Watch:
    """inotify (Linux) on a store's directory and on the directory holding its name: says, with one
    read of a file descriptor (~3 µs), whether anything there was written, created, removed or renamed
    since the last look, which the listing of ``_signature`` then checks (~40-60 µs hot, 3-5 system calls,
    and ~0.2-0.3 ms per query under load: docs/performance.md, SPARQL endpoint). Reads (of the table
    files, by the queries) are not watched. The events are queued by the kernel when a writer's system
    call returns, so a query that starts after a commit has returned sees them."""

    # IN_MODIFY IN_ATTRIB IN_CLOSE_WRITE IN_MOVED_FROM IN_MOVED_TO IN_CREATE IN_DELETE IN_DELETE_SELF IN_MOVE_SELF
    CHANGES = 0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800

    def __init__(self, path: Path) -> None:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)  # the C library the interpreter runs on
        self._get_errno = ctypes.get_errno
        self._add = libc.inotify_add_watch
        self._add.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32)
        self._rm = libc.inotify_rm_watch
        self._rm.argtypes = (ctypes.c_int, ctypes.c_int)
        fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0:
            raise OSError(self._get_errno(), "inotify_init1")
        self.fd = fd
        self.path = path
        self.target: str | None = None
        self.target_wd = -1
        try:
            self._watch(os.path.dirname(os.path.abspath(path)))
        except OSError:
            os.close(fd)
            raise

    def _watch(self, directory: str) -> int:
        wd = self._add(self.fd, os.fsencode(directory), self.CHANGES)
        if wd < 0:
            raise OSError(self._get_errno(), f"inotify_add_watch {directory}")
        return wd

    def arm(self) -> None:
        """Watch the directory the store's name leads to now (the public store is a symlink switched to
        a new directory on each refresh: the switch itself is an event in the parent directory)."""
        target = os.path.realpath(self.path)
        if target == self.target:
            return
        if self.target_wd >= 0:
            self._rm(self.fd, self.target_wd)
            self.target_wd = -1
        self.target = None
        try:
            self.target_wd = self._watch(target)
            self.target = target
        except OSError:
            pass  # not there yet: its creation is an event in the parent directory

    def changed(self) -> bool:
        """Whether anything happened since the last call; drains the events."""
        seen = False
        while True:
            try:
                if not os.read(self.fd, 65536):
                    return seen
            except BlockingIOError:
                return seen
            seen = True


class ReadOnlyStore:
    """One store opened read-only, shared by the query threads of the process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.store: ox.Store | None = None
        self.sig: tuple = ()
        # Threads that see a change at once reopen it once; a query already running keeps the store
        # object it was given (pyoxigraph holds it open until then).
        self._lock = threading.Lock()
        self._watch: _Watch | None = None
        try:
            self._watch = _Watch(path)
        except (OSError, AttributeError):  # not Linux, or no inotify left: the listing before each query
            self._watch = None

    def get(self) -> ox.Store:
        watch = self._watch
        if watch is None:
            sig = _signature(self.path)
            store = self.store
            if store is not None and sig == self.sig:
                return store
            with self._lock:
                return self._reopen_if_changed(sig)
        # Under the lock: a thread that finds no event while another has just drained them must wait
        # for that one's look at the directory.
        with self._lock:
            if self.store is not None and not watch.changed():
                return self.store
            watch.arm()  # before the listing: a change after it is an event for the next query
            return self._reopen_if_changed(_signature(self.path))

    def _reopen_if_changed(self, sig: tuple) -> ox.Store:
        if self.store is not None and sig == self.sig:
            return self.store
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


def run_job(job: Job, stores: dict[str, ReadOnlyStore]) -> Answer:
    """Run one job (in a query thread); every refusal comes back in the Answer.

    pyoxigraph's result objects may only be freed by the thread that made them (pyo3 "unsendable"). So
    they live only in the frames of ``_evaluate``, which no other object keeps: the SERVICE check
    (rdflib's parser) leaves reference cycles holding the frames of its callers, which the collector may
    free later in any thread, and so this frame holds no result; errors lose their tracebacks
    (``_detached``) before they leave the thread."""
    try:
        check_services(job.query, job.peers)
        return _evaluate(job, stores[job.store])
    except CatalogError as exc:
        return Answer(error=_detached(exc))
    except Exception as exc:  # noqa: BLE001 - a bug here must not take the answer with it; its trace goes to the log
        logging.getLogger("govcat.api").exception("query failed: %s", job.query[:200])
        return Answer(error=_detached(CatalogError(f"内部错误 / internal error: {exc!r}")))


def _evaluate(job: Job, holder: ReadOnlyStore) -> Answer:
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
    return Answer(fmt.media_type, body or b"")


def _detached(exc: BaseException) -> BaseException:
    """``exc`` without the tracebacks of it and the errors it came from. Their frames hold pyoxigraph's
    result objects, which may only be freed by the thread that made them (pyo3 "unsendable"), not by the
    event loop that gets the answer."""
    todo, seen = [exc], set()
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        e.__traceback__ = None
        todo.extend(x for x in (e.__cause__, e.__context__) if x is not None)
    return exc
