"""The catalog store: an on-disk Oxigraph store with one named graph per department catalog.

Writes that replace a graph are atomic. New content is first written to a staging graph (one
transaction), then moved over the target graph by a single SPARQL Update, which Oxigraph runs as one
transaction: a failure at any point leaves the previous graph exactly as it was.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from govcat.errors import QueryError, StoreError
from govcat.iris import Iris

# Bump when the bundled ontology, vocabularies or registries change shape, so that old stores are
# re-initialised on first use.
INIT_VERSION = "2"  # 2: the ontology, vocabularies and Measures are filled in
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
        if initialise and not cs.is_initialised():
            from govcat.bootstrap import initialise as _init

            _init(cs)
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
                if graph in fresh:
                    continue
                staging = f"{self.iris.staging_prefix}{uuid.uuid4().hex}"
                staged[graph] = staging
                # One transaction per staging graph: all of its content is written, or none of it.
                self.ox.extend(_into_graph(triples, _nn(staging)))
        except Exception:
            for staging in staged.values():
                self._drop_quietly(staging)
            for g in fresh:
                self._drop_quietly(g)
            raise
        histories: dict[str, str | None] = {g: None for g in fresh}
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
                    self.archive.extend(_into_graph(self.triples(graph), _nn(history)))
                    archived.append(history)
                    ops.append(
                        "INSERT DATA { GRAPH <%s> { <%s> <http://www.w3.org/ns/prov#specializationOf> <%s> ; "
                        "<http://www.w3.org/ns/prov#invalidatedAtTime> \"%s\"^^<http://www.w3.org/2001/XMLSchema#dateTime> ; "
                        "<http://purl.org/dc/terms/isReplacedBy> <%s> . } }"
                        % (self.iris.history_graph, history, graph, stamp, graph)
                    )
                histories[graph] = history
                ops.append(f"MOVE SILENT <{staging}> TO <{graph}>")
        except Exception:
            self._drop_archived(archived)
            for staging in staged.values():
                self._drop_quietly(staging)
            raise
        if extra_update:
            ops.append(extra_update)
        if not ops:
            ops.append("INSERT DATA {}")  # nothing to swap; keeps the error handling below in one place
        try:
            # One SPARQL Update is one transaction in Oxigraph: every swap happens, or none does.
            self.ox.update(" ;\n".join(ops))
        except Exception as exc:
            self._drop_archived(archived)
            for staging in staged.values():
                self._drop_quietly(staging)
            for g in fresh:
                self._drop_quietly(g)
            raise StoreError(
                f"替换图失败，原内容保持不变 / replacing {', '.join(staged)} failed, the previous content is kept: {exc}"
            ) from exc
        for graph in contents:
            if not self.graph_exists(graph):
                # MOVE of an empty staging graph leaves no graph; an empty replacement still exists.
                self.ox.add_graph(_nn(graph))
        return histories

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
