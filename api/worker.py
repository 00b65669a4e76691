"""The query worker: a separate process that opens the stores read-only and runs one query at a time.

pyoxigraph has no query timeout, so a query that runs over its limit is stopped by killing the
process that runs it (see ``govcat.api.limits``). A worker keeps its read-only stores open between
queries, and reopens one when the files on disk have changed: a read-only RocksDB instance sees the
data as it was when it was opened (tested in ``tests/test_api_limits.py``).
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from govcat.api import protocol
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


def _signature(path: Path) -> tuple:
    """What changes on disk when a writer commits: RocksDB's files, their sizes and times.

    The info logs (LOG*) are left out because opening read-only may write them itself."""
    try:
        entries = os.scandir(path)
    except OSError:
        return ()
    sig = []
    with entries:
        for e in entries:
            if e.name.startswith("LOG"):
                continue
            try:
                st = e.stat()
            except OSError:
                continue
            sig.append((e.name, st.st_size, st.st_mtime_ns))
    return tuple(sorted(sig))


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


def _term_json(term: Any) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _term_json(term.subject),
                "predicate": _term_json(term.predicate),
                "object": _term_json(term.object),
            },
        }
    raise TypeError(term)


def _too_many(max_results: int) -> QueryRefused:
    return QueryRefused(
        f"结果超过 {max_results} 行（或三元组）的上限，请加 LIMIT 或缩小查询 / "
        f"the result has more than {max_results} rows (or triples), the endpoint's limit "
        "(setting sparql_max_results); add a LIMIT or narrow the query"
    )


def run_job(job: Job, stores: dict[str, _ReadOnlyStore]) -> Answer:
    """Run one job; every refusal comes back as an Answer naming the error class."""
    import json

    from govcat.api.federation import check_services

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
                triples = []
                for t in result:
                    triples.append(t)
                    if len(triples) > job.max_results:
                        raise _too_many(job.max_results)
                body = ox.serialize(triples, format=fmt.ox_format)
            else:
                variables = [v.value for v in result.variables]
                bindings = []
                for solution in result:
                    bindings.append(
                        {n: _term_json(solution[n]) for n in variables if solution[n] is not None}
                    )
                    if len(bindings) > job.max_results:
                        raise _too_many(job.max_results)
                doc = json.dumps(
                    {"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False
                ).encode("utf-8")
                if fmt.ox_format == ox.QueryResultsFormat.JSON:
                    body = doc
                else:
                    # Counting rows needs them in hand; pyoxigraph's own writers then turn them
                    # into XML, CSV or TSV.
                    parsed = ox.parse_query_results(doc, format=ox.QueryResultsFormat.JSON)
                    body = parsed.serialize(format=fmt.ox_format)
        except (OSError, SyntaxError) as exc:
            # pyoxigraph evaluates lazily: errors of evaluation (e.g. a SERVICE peer that does
            # not answer) surface while the results are read.
            raise QueryError(f"查询执行失败 / the query failed while running: {exc}") from exc
        return Answer(True, fmt.media_type, body or b"")
    except CatalogError as exc:
        return Answer(False, error=type(exc).__name__, message=str(exc))
    except Exception as exc:  # noqa: BLE001 - the worker must answer, whatever went wrong
        return Answer(False, error="CatalogError", message=f"内部错误 / internal error: {exc!r}\n{traceback.format_exc()}")


def main(conn: Any, paths: dict[str, str]) -> None:
    """A worker process: read a Job, send an Answer, until the pipe closes."""
    stores = {name: _ReadOnlyStore(Path(p)) for name, p in paths.items()}
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        conn.send(run_job(job, stores))
