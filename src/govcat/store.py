"""The catalog store: an on-disk Oxigraph store with one named graph per department catalog.

Writes that replace a graph are atomic. The difference between the new content and the graph is first
written to staging graphs (one transaction), then applied to the graph by a single SPARQL Update, which
Oxigraph runs as one transaction: a failure at any point leaves the previous graph exactly as it was.

Graphs that do not exist yet (a province's first load) are written by Oxigraph's bulk loader instead, under
a journal that removes them again if the write fails or the process dies (``new_graphs``).
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from govcat.errors import QueryError, StoreError
from govcat.iris import Iris

# Bump when the bundled ontology, vocabularies or registries change shape, so that old stores are
# re-initialised on first use.
INIT_VERSION = "3"  # 2: the ontology, vocabularies and Measures are filled in; 3: databases name their classifications
_META_GRAPH_SUFFIX = "graph/meta"


def _nn(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


class CatalogStore:
    """A govcat store: the Oxigraph store plus the IRIs of its base."""

    def __init__(self, store: ox.Store, iris: Iris, path: Path | None = None) -> None:
        self.ox = store
        self.iris = iris
        self.path = path
        self._archive: ox.Store | None = None
        # Per graph, the N-Triples lines its last staged replacement added or removed: what changed, for the
        # incremental check that follows a load (reading both versions again costs ~1 s at province scale).
        self.differences: dict[str, set[bytes]] = {}

    @property
    def archive(self) -> ox.Store:
        """The store of replaced versions (``<store>.archive`` beside an on-disk store).

        Replaced versions live outside the main store so that the main store's union of graphs is exactly
        the current catalog: queries and the fast validation engine use that union, which is much faster in
        Oxigraph than a list of graphs, and old versions must never be mistaken for current data.
        """
        if self._archive is None:
            if self.path is None:
                self._archive = ox.Store()
            else:
                archive_path = self.path.with_name(self.path.name + ".archive")
                archive_path.mkdir(parents=True, exist_ok=True)
                self._archive = ox.Store(str(archive_path))
        return self._archive

    @staticmethod
    def is_version(graph: str) -> bool:
        return "/v/" in graph

    # ---- opening --------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str, base_iri: str, *, initialise: bool = True) -> "CatalogStore":
        """Open (creating if needed) the store at ``path``; a new store is initialised on first use."""
        path = Path(path)
        try:
            path.mkdir(parents=True, exist_ok=True)
            store = ox.Store(str(path))
        except OSError as exc:
            raise StoreError(
                f"无法打开存储 {path} / cannot open the store at {path}: {exc}", source=str(path)
            ) from exc
        cs = cls(store, Iris(base_iri), path)
        cs.recover()
        if initialise and not cs.is_initialised():
            from govcat.bootstrap import initialise as _init
            from govcat.bootstrap import refresh_ontology

            # A store made by an older govcat gets the current ontology and vocabularies, and keeps its
            # registries: they may have been amended since, which a full initialisation would undo.
            if cs.init_version() is None:
                _init(cs)
            else:
                refresh_ontology(cs)
        return cs

    @classmethod
    def in_memory(cls, base_iri: str, *, initialise: bool = True) -> "CatalogStore":
        cs = cls(ox.Store(), Iris(base_iri), None)
        if initialise:
            from govcat.bootstrap import initialise as _init

            _init(cs)
        return cs

    @property
    def meta_graph(self) -> str:
        return self.iris.base + _META_GRAPH_SUFFIX

    def is_initialised(self) -> bool:
        return self.ask(
            "ASK { GRAPH ?g { ?s <https://w3id.org/govcat/ns#initVersion> ?v } }",
            substitutions={"g": _nn(self.meta_graph), "v": ox.Literal(INIT_VERSION)},
        )

    def init_version(self) -> str | None:
        """The version of govcat's initial content this store holds, or None for a store never initialised."""
        for q in self.ox.quads_for_pattern(None, _nn("https://w3id.org/govcat/ns#initVersion"), None,
                                           _nn(self.meta_graph)):
            return q.object.value
        return None

    def mark_initialised(self) -> None:
        g = _nn(self.meta_graph)
        s = _nn(self.iris.base + "store")
        self.ox.update(
            "DELETE WHERE { GRAPH <" + self.meta_graph + "> { ?s <https://w3id.org/govcat/ns#initVersion> ?v } }"
        )
        self.ox.extend(
            [
                ox.Quad(s, _nn("https://w3id.org/govcat/ns#initVersion"), ox.Literal(INIT_VERSION), g),
                ox.Quad(
                    s,
                    _nn("http://purl.org/dc/terms/modified"),
                    ox.Literal(_now(), datatype=_nn("http://www.w3.org/2001/XMLSchema#dateTime")),
                    g,
                ),
            ]
        )

    # ---- reading --------------------------------------------------------------------------
    def query(
        self,
        sparql: str,
        *,
        substitutions: dict[str, ox.NamedNode | ox.Literal | ox.BlankNode] | None = None,
        use_default_graph_as_union: bool = True,
        **kwargs: Any,
    ) -> Any:
        """Run a SPARQL query; values are bound with ``substitutions`` (variable name -> term)."""
        subs = {ox.Variable(k): v for k, v in (substitutions or {}).items()}
        try:
            return self.ox.query(
                sparql, substitutions=subs, use_default_graph_as_union=use_default_graph_as_union, **kwargs
            )
        except SyntaxError as exc:
            raise QueryError(f"SPARQL 语法错误 / SPARQL syntax error: {exc}") from exc

    def ask(self, sparql: str, **kwargs: Any) -> bool:
        return bool(self.query(sparql, **kwargs))

    def select(self, sparql: str, **kwargs: Any) -> list[dict[str, Any]]:
        """SELECT rows as dicts of variable name -> Python value (str for IRIs, lexical for literals)."""
        result = self.query(sparql, **kwargs)
        names = [v.value for v in result.variables]
        rows = []
        for solution in result:
            rows.append({n: (solution[n].value if solution[n] is not None else None) for n in names})
        return rows

    def graph_exists(self, graph: str) -> bool:
        if self.is_version(graph):
            return self.archive.contains_named_graph(_nn(graph))
        return self.ox.contains_named_graph(_nn(graph))

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.ox.named_graphs() if isinstance(g, ox.NamedNode))

    def triples(self, graph: str) -> Iterator[ox.Quad]:
        """The quads of ``graph``; a replaced version is read from the archive."""
        source = self.archive if self.is_version(graph) else self.ox
        return source.quads_for_pattern(None, None, None, _nn(graph))

    def lines(self, graph: str) -> set[bytes]:
        """The triples of ``graph`` (a replaced version from the archive) as N-Triples lines, empty if there
        is no such graph. Serialized by Oxigraph: comparing versions as sets of byte strings costs a
        fraction of sets of Python term objects (a 500-resource catalog has some 75,000 triples)."""
        if not self.graph_exists(graph):
            return set()
        source = self.archive if self.is_version(graph) else self.ox
        return _lines(source.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=_nn(graph)))

    def count(self, graph: str) -> int:
        return sum(1 for _ in self.triples(graph))

    # ---- writing --------------------------------------------------------------------------
    def replace_graph(
        self,
        graph: str,
        triples: Iterable[ox.Triple | ox.Quad],
        *,
        keep_history: bool = False,
        extra_update: str = "",
    ) -> str | None:
        """Replace ``graph`` with ``triples`` atomically.

        With ``keep_history``, the previous content is kept in a history graph named
        ``<graph>/v/<timestamp>`` and recorded in the history graph (when it was replaced, and by
        what). Returns the history graph's IRI, or None. ``extra_update`` is SPARQL Update text built
        only from trusted IRIs, run in the same transaction as the swap.
        """
        return self.replace_graphs({graph: triples}, keep_history=keep_history, extra_update=extra_update)[graph]

    def replace_graphs(
        self,
        contents: dict[str, Iterable[ox.Triple | ox.Quad]],
        *,
        keep_history: bool = False,
        extra_update: str = "",
    ) -> dict[str, str | None]:
        """Replace several graphs in one transaction: all of them are replaced, or none is.

        Returns, per graph, the IRI of the history graph that keeps its previous version (or None).
        """
        # Graphs that do not exist yet need no swap: they are written in place, all of them in one
        # transaction (a SPARQL MOVE costs far more than the write itself). If the swap of the existing ones
        # fails afterwards, the new ones are removed again.
        fresh = [g for g in contents if not self.ox.contains_named_graph(_nn(g))]
        if fresh:
            self.ox.extend(q for g in fresh for q in _into_graph(contents[g], _nn(g)))
        staged: dict[str, str] = {}
        try:
            for graph, triples in contents.items():
                if graph not in fresh:
                    staged[graph] = self.stage(graph, triples)
        except Exception:
            self.discard_staged(staged)
            for g in fresh:
                self._drop_quietly(g)
            raise
        try:
            histories = self.swap(staged, keep_history=keep_history, extra_update=extra_update)
        except Exception:
            for g in fresh:
                self._drop_quietly(g)
            raise
        histories.update({g: None for g in fresh})
        return histories

    def stage(self, graph: str, triples: Iterable[ox.Triple | ox.Quad]) -> str:
        """Stage ``triples`` as the next content of ``graph``; returns the staging IRI (see ``swap``).

        Usually only the difference is staged: the triples to add in ``<staging>-add`` and those to remove
        in ``<staging>-del``. A department's resubmission usually changes a small part of its catalog, and
        the swap's transaction then touches only that part (moving a whole 75,000-triple catalog graph with
        SPARQL ``MOVE`` took half a minute). Each staging graph is written in one transaction.
        """
        staging = f"{self.iris.staging_prefix}{uuid.uuid4().hex}"
        new = _lines(ox.serialize((t if isinstance(t, ox.Triple) else t.triple for t in triples),
                                  format=ox.RdfFormat.N_TRIPLES))
        old = self.lines(graph)
        added, removed = new - old, old - new
        self.differences[graph] = added | removed
        # Applying a difference costs Oxigraph more per triple than moving a graph: a catalog rewritten
        # from end to end is staged whole and moved instead.
        parts = (("-add", added), ("-del", removed)) if len(added) + len(removed) <= len(new) // 2 \
            else (("-all", new),)
        for part, lines in parts:
            if lines:
                # parse + extend rather than load: load renames blank nodes, and the triples to delete must
                # name the graph's own blank nodes
                into = _nn(staging + part)
                self.ox.extend(ox.Quad(q.subject, q.predicate, q.object, into)
                               for q in ox.parse(b"\n".join(lines) + b"\n", format=ox.RdfFormat.N_TRIPLES))
        return staging

    def discard_staged(self, staged: dict[str, str]) -> None:
        for graph, staging in staged.items():
            self.differences.pop(graph, None)
            for part in ("-add", "-del", "-all"):
                self._drop_quietly(staging + part)

    def swap(self, staged: dict[str, str], *, keep_history: bool = False, extra_update: str = "") -> dict[str, str | None]:
        """Apply each staged difference to its target (graph -> staging IRI) in one SPARQL Update, i.e. one
        transaction: every target is replaced, or none is and the staging graphs are dropped.

        With ``keep_history``, the previous content of each target is kept in the archive as
        ``<graph>/v/<timestamp>`` and recorded in the history graph (when it was replaced, and by what).
        ``extra_update`` is SPARQL Update text built only from trusted IRIs, run in the same transaction.
        """
        histories: dict[str, str | None] = {}
        ops = []
        stamp = _now()
        compact = stamp.replace(":", "").replace("-", "").replace(".", "")
        archived: list[str] = []
        try:
            for graph, staging in staged.items():
                history = None
                if keep_history and self.ox.contains_named_graph(_nn(graph)):
                    history = f"{graph}/v/{compact}"
                    # The old version goes to the archive first (one transaction there); if the swap below
                    # fails, it is removed again.
                    self.archive.load(self.ox.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=_nn(graph)),
                                      format=ox.RdfFormat.N_TRIPLES, to_graph=_nn(history))
                    archived.append(history)
                    ops.append(
                        "INSERT DATA { GRAPH <%s> { <%s> <http://www.w3.org/ns/prov#specializationOf> <%s> ; "
                        "<http://www.w3.org/ns/prov#invalidatedAtTime> \"%s\"^^<http://www.w3.org/2001/XMLSchema#dateTime> ; "
                        "<http://purl.org/dc/terms/isReplacedBy> <%s> . } }"
                        % (self.iris.history_graph, history, graph, stamp, graph)
                    )
                histories[graph] = history
                if self.ox.contains_named_graph(_nn(staging + "-all")):
                    ops.append(f"MOVE SILENT <{staging}-all> TO <{graph}>")
                else:
                    ops.append(
                        f"DELETE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{staging}-del> {{ ?s ?p ?o }} }} ;\n"
                        f"INSERT {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{staging}-add> {{ ?s ?p ?o }} }} ;\n"
                        f"DROP SILENT GRAPH <{staging}-del> ;\nDROP SILENT GRAPH <{staging}-add>"
                    )
        except Exception:
            self._drop_archived(archived)
            self.discard_staged(staged)
            raise
        if extra_update:
            ops.append(extra_update)
        if not ops:
            return histories
        try:
            # One SPARQL Update is one transaction in Oxigraph: every swap happens, or none does.
            self.ox.update(" ;\n".join(ops))
        except Exception as exc:
            self._drop_archived(archived)
            self.discard_staged(staged)
            raise StoreError(
                f"替换图失败，原内容保持不变 / replacing {', '.join(staged)} failed, the previous content is kept: {exc}"
            ) from exc
        for graph in staged:
            if not self.graph_exists(graph):
                # An empty replacement of a graph that did not exist still exists afterwards.
                self.ox.add_graph(_nn(graph))
        return histories

    # ---- bulk writing of new graphs ------------------------------------------------------
    @property
    def journal_path(self) -> Path | None:
        """Where the graphs of an unfinished bulk write are listed (beside an on-disk store)."""
        return None if self.path is None else self.path.with_name(self.path.name + ".pending")

    @contextmanager
    def new_graphs(self) -> Iterator["NewGraphs"]:
        """Write graphs that do not exist yet with Oxigraph's bulk loader, all or nothing.

        The bulk loader writes index files directly (several times faster than a transaction, and its
        memory does not grow with the data), but it is not a transaction: readers may see a graph while it
        is being written. Each graph's name is therefore put in a journal file, flushed to disk, before any
        of its triples; if the block raises, every graph written is removed again, and if the process dies
        instead, ``recover`` (run when the store is next opened for writing) removes them.
        """
        writer = NewGraphs(self)
        try:
            yield writer
        except BaseException:
            writer.discard()
            raise
        writer.commit()

    def recover(self) -> list[str]:
        """Remove the graphs of a bulk write that never finished (the process died); returns them."""
        journal = self.journal_path
        if journal is None or not journal.exists():
            return []
        graphs = [line for line in journal.read_text(encoding="utf-8").splitlines() if line]
        for g in graphs:
            self._drop_quietly(g)
        self.ox.flush()
        journal.unlink()
        return graphs

    def add_to_graph(self, graph: str, triples: Iterable[ox.Triple | ox.Quad]) -> None:
        """Add triples to ``graph`` in one transaction."""
        self.ox.extend(_into_graph(triples, _nn(graph)))

    def drop_graph(self, graph: str) -> None:
        if self.graph_exists(graph):
            self.ox.remove_graph(_nn(graph))

    def _drop_archived(self, versions: list[str]) -> None:
        for v in versions:
            try:
                self.archive.remove_graph(_nn(v))
            except Exception:  # noqa: BLE001 - cleanup after a failure must not hide the failure
                pass

    def _drop_quietly(self, graph: str) -> None:
        try:
            self.drop_graph(graph)
        except Exception:  # noqa: BLE001 - cleanup after a failure must not hide the failure
            pass

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update built only from trusted IRIs; user values go through
        ``replace_graph``/``add_to_graph`` as terms, never into update text."""
        self.ox.update(sparql)

    def flush(self) -> None:
        if self.path is not None:
            self.ox.flush()
            if self._archive is not None:
                self._archive.flush()


class NewGraphs:
    """The graphs of one bulk write (see ``CatalogStore.new_graphs``)."""

    def __init__(self, store: CatalogStore) -> None:
        self.store = store
        self.graphs: list[str] = []
        self._journal = None

    def write_statements(self, contents: Iterable[tuple[str, list[str]]]) -> None:
        """Bulk-load each (graph, N-Triples statements) pair, consumed lazily: a stream of submissions is
        parsed while the loader's threads build the indexes of what came before. Statements are written
        ``<s> <p> o``, without the final `` .``; terms escaped and IRIs valid, as ``loaders/template_nt``
        makes them.

        The statements become N-Quads text read by Oxigraph's parser inside the bulk loader: several times
        faster than handing it Python ``Quad`` objects. Oxigraph checks the text as it reads it (IRIs
        included); text it refuses fails the write, which then removes what it wrote."""
        reader = _ChunkReader(self._nquads(contents))
        try:
            self.store.ox.bulk_load(reader, format=ox.RdfFormat.N_QUADS)
        except BaseException:
            # An exception in the stream (a file that cannot be read, a graph that exists) reaches us
            # through Oxigraph as an OSError; the original says what happened.
            if reader.error is not None:
                raise reader.error from None
            raise

    def _nquads(self, contents: Iterable[tuple[str, list[str]]]) -> Iterator[bytes]:
        for graph, statements in contents:
            self._check_new(graph)
            self._note(graph)
            if statements:
                tail = f" {_nn(graph)} .\n"  # the NamedNode checks the graph IRI
                yield (tail.join(statements) + tail).encode("utf-8")

    def _check_new(self, graph: str) -> None:
        if graph in self.graphs or self.store.ox.contains_named_graph(_nn(graph)):
            raise StoreError(f"图 {graph} 已存在 / graph {graph} already exists: new graphs only")

    def _note(self, graph: str) -> None:
        self.graphs.append(graph)
        path = self.store.journal_path
        if path is None:
            return
        if self._journal is None:
            self._journal = open(path, "a", encoding="utf-8")
        self._journal.write(graph + "\n")
        self._journal.flush()
        os.fsync(self._journal.fileno())

    def discard(self) -> None:
        for g in self.graphs:
            self.store._drop_quietly(g)
        self._close()

    def commit(self) -> None:
        # The data must be on disk before the journal that would remove it is.
        self.store.flush()
        self._close()

    def _close(self) -> None:
        """Close and remove the journal: the write is committed or undone."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        path = self.store.journal_path
        if path is not None and path.exists():
            path.unlink()


class _ChunkReader(io.RawIOBase):
    """A binary file over a stream of byte chunks, so that Oxigraph's parser can read N-Quads while they
    are being made. An exception of the stream is kept in ``error`` (Oxigraph turns it into an OSError)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._chunk = memoryview(b"")
        self.error: BaseException | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        # Oxigraph calls read() with a small size (about 2 KB) a great many times: answered here directly
        # rather than through RawIOBase.read's buffer and readinto.
        if not self._fill():
            return b""
        if size is None or size < 0:
            size = len(self._chunk)
        out = self._chunk[:size].tobytes()
        self._chunk = self._chunk[size:]
        return out

    def readinto(self, buffer: Any) -> int:
        if not self._fill():
            return 0
        n = min(len(buffer), len(self._chunk))
        buffer[:n] = self._chunk[:n]
        self._chunk = self._chunk[n:]
        return n

    def _fill(self) -> bool:
        """Make sure there is something to read; False at the end of the stream."""
        while not self._chunk:
            try:
                self._chunk = memoryview(next(self._chunks))
            except StopIteration:
                return False
            except BaseException as exc:
                self.error = exc
                raise
        return True


def _lines(data: bytes) -> set[bytes]:
    lines = set(data.split(b"\n"))
    lines.discard(b"")
    return lines


def _into_graph(triples: Iterable[ox.Triple | ox.Quad], graph: ox.NamedNode) -> Iterator[ox.Quad]:
    for t in triples:
        yield ox.Quad(t.subject, t.predicate, t.object, graph)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def open_store(config: Any = None, *, initialise: bool = True) -> CatalogStore:
    """Open the store of the given (or the current) settings."""
    from govcat import config as _config

    cfg = config or _config.load()
    return CatalogStore.open(cfg.store_path, cfg.base_iri, initialise=initialise)
