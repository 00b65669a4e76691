"""The public store: the projection in the default graph of its own Oxigraph store on disk.

``public_path`` is a symlink to ``<public_path>.versions/<id>``; a refresh builds a new version directory
and switches the symlink with one atomic rename, so a reader (the public endpoint opens it read-only)
gets the old or the new projection, whole, never a mix. The newest ``keep`` versions are kept, so that
a reader that opened the previous one can finish.

Next to each version, ``<id>.parts/`` keeps the projection by department (``govcat.projection.Part``, as
N-Triples). A refresh told which departments changed (the load hook is) recomputes only their parts,
takes the others from there, and writes the new version as a copy of the previous one (a RocksDB
checkpoint: hard links) with only the differing triples removed and added. The cache holds only
projected, guard-checked lines: nothing that is not already public.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from govcat import projection as pr
from govcat.errors import StoreError
from govcat.store import CatalogStore

_NT = ox.RdfFormat.N_TRIPLES
PARTS = ".parts"
INDEX = "index.json"


def write_public_store(triples: Iterable[ox.Triple], path: Path) -> None:
    """Write ``triples`` into a new Oxigraph store at ``path`` (which must not exist), in the default graph."""
    _write_lines(ox.serialize(list(triples), format=_NT), path)


def _write_lines(ntriples: bytes, path: Path) -> None:
    store = ox.Store(str(path))
    store.bulk_load(ntriples, format=_NT)
    store.flush()
    store.optimize()
    del store


def refresh(store: CatalogStore, public_path: Path, *, keep: int = 2, changed: Iterable[str] | None = None) -> str:
    """Replace the public store at ``public_path`` by the current projection of ``store``; returns how
    (``full`` or ``incremental``). ``changed``: the department USCCs or graph IRIs written since the last
    refresh; None means anything may have changed (everything is recomputed)."""
    public_path = Path(public_path)
    versions = public_path.parent / (public_path.name + ".versions")
    store.flush()  # parts are read by workers that open the store read-only
    previous = public_path.resolve() if public_path.is_symlink() and public_path.exists() else None
    graphs = _changed_graphs(store, changed)
    cache = _read_cache(previous) if previous is not None and graphs is not None else None
    proj = pr.compute(store, reuse=cache[0] if cache else None, changed=graphs or ())
    try:
        versions.mkdir(parents=True, exist_ok=True)
        version = versions / f"{_stamp()}-{uuid.uuid4().hex[:8]}"
        mode = "full"
        if cache is not None and previous is not None and _disjoint(proj.parts.values()) and _disjoint(cache[0].values()):
            _write_delta(previous, version, cache, proj)
            mode = "incremental"
        else:
            _write_lines(proj.ntriples(), version)
        _write_cache(version, proj)
        if public_path.exists() and not public_path.is_symlink():
            # A real directory from an older layout: keep it among the versions.
            public_path.rename(versions / f"0-legacy-{uuid.uuid4().hex[:8]}")
        link = public_path.parent / f".{public_path.name}.{uuid.uuid4().hex}.tmp"
        os.symlink(os.path.relpath(version, public_path.parent), link)
        os.replace(link, public_path)
    except OSError as exc:
        raise StoreError(
            f"无法写入公开存储 {public_path} / cannot write the public store at {public_path}: {exc}",
            source=str(public_path),
        ) from exc
    old = sorted(p for p in versions.iterdir() if p.is_dir() and not p.name.endswith(PARTS))
    for stale in old[:-keep] if keep > 0 else []:
        if stale.resolve() != public_path.resolve():
            shutil.rmtree(stale, ignore_errors=True)
            shutil.rmtree(stale.with_name(stale.name + PARTS), ignore_errors=True)
    return mode


def _changed_graphs(store: CatalogStore, changed: Iterable[str] | None) -> set[str] | None:
    """The current catalog graphs among ``changed``; None if anything else the projection reads changed
    (a registry, the vocabularies) or a name is not understood."""
    if changed is None:
        return None
    catalog = re.compile(re.escape(store.iris.base + "graph/catalog/") + r"[^/]+$")
    history = re.compile(re.escape(store.iris.base + "graph/catalog/") + r"[^/]+/")
    out = set()
    for name in changed:
        graph = name if ":" in name else store.iris.catalog_graph(name)
        if catalog.match(graph):
            out.add(graph)
        elif not history.match(graph):
            return None
    return out


def _disjoint(parts: Iterable[pr.Part]) -> bool:
    """Whether no dataset belongs to two parts (then each own line is in one part only, and removing a
    part's old lines cannot remove another part's)."""
    seen: set[str] = set()
    for p in parts:
        if p.cross or not seen.isdisjoint(p.datasets):
            return False
        seen.update(p.datasets)
    return True


def _write_delta(previous: Path, version: Path, cache: tuple[dict[str, pr.Part], list[bytes]], proj: pr.Projection) -> None:
    old_parts, old_common = cache
    removed: set[bytes] = set()
    added: set[bytes] = set()
    for g in set(old_parts) | set(proj.parts):
        o, n = old_parts.get(g), proj.parts.get(g)
        if o is n:
            continue
        before = set(o.own) if o else set()
        after = set(n.own) if n else set()
        removed |= before - after
        added |= after - before
    old_shared = set(old_common).union(*(p.shared for p in old_parts.values()))
    new_shared = set(proj.common).union(*(p.shared for p in proj.parts.values()))
    removed |= old_shared - new_shared
    added |= new_shared - old_shared
    removed -= new_shared
    removed -= added
    ox.Store.read_only(str(previous)).backup(str(version))
    target = ox.Store(str(version))
    for t in _parse(removed):
        target.remove(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()))
    target.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in _parse(added))
    target.flush()
    del target


def _parse(lines: set[bytes]) -> Iterator[ox.Triple]:
    if lines:
        yield from ox.parse(b"\n".join(lines), format=_NT)


# --- the parts cache -------------------------------------------------------------------------------------


def _code_key() -> str:
    """Cached parts are valid only for the queries and code that made them."""
    h = hashlib.sha256()
    for p in sorted(pr.QUERY_DIR.iterdir()) + [Path(pr.__file__)]:
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


class _Lines:
    """A part's own lines, read from its file only when needed (most reused parts never are)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.path.read_bytes().splitlines())


def _name(graph: str) -> str:
    return hashlib.sha1(graph.encode()).hexdigest()[:20]


def _read_cache(version: Path) -> tuple[dict[str, pr.Part], list[bytes]] | None:
    folder = version.with_name(version.name + PARTS)
    try:
        index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
        if index.get("code") != _code_key():
            return None
        parts = {}
        for graph, entry in index["graphs"].items():
            shared, catalog_input = (folder / f"{entry['file']}.nt").read_bytes().split(b"\n\n")
            parts[graph] = pr.Part(graph, _Lines(folder / f"{entry['file']}.own.nt"), shared.splitlines(),  # type: ignore[arg-type]
                                   catalog_input.splitlines(), entry["datasets"], entry["cross"])
        return parts, (folder / "common.nt").read_bytes().splitlines()
    except (OSError, ValueError, KeyError):
        return None  # no usable cache: a full refresh


def _write_cache(version: Path, proj: pr.Projection) -> None:
    folder = version.with_name(version.name + PARTS)
    folder.mkdir()
    graphs = {}
    for graph, part in proj.parts.items():
        name = _name(graph)
        graphs[graph] = {"file": name, "datasets": part.datasets, "cross": part.cross}
        if isinstance(part.own, _Lines):
            os.link(part.own.path, folder / f"{name}.own.nt")  # unchanged: the previous version's file
        else:
            (folder / f"{name}.own.nt").write_bytes(b"\n".join(part.own))
        (folder / f"{name}.nt").write_bytes(b"\n".join(part.shared) + b"\n\n" + b"\n".join(part.catalog_input))
    (folder / "common.nt").write_bytes(b"\n".join(proj.common))
    (folder / INDEX).write_text(json.dumps({"code": _code_key(), "graphs": graphs}), encoding="utf-8")


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
