"""The registries: organisations, legal resources, data elements and the working-day calendar.

Each registry is one named graph (``{base}graph/registry/{name}``), rebuilt from CSV and replaced
atomically. Sub-registries (organisation changes, legal amendments) live in their parent's graph: loading
one of them keeps the parent's records and replaces only theirs, and loading a parent keeps the current
sub-records, which must still refer to something in the new file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from govcat.errors import CatalogError, LoaderError, Location
from govcat.registries import REGISTRIES_DIR

if TYPE_CHECKING:
    from govcat.store import CatalogStore

# kind -> (graph name, bundled file)
KINDS: dict[str, tuple[str, str]] = {
    "organisations": ("organisations", "organisations.csv"),
    "organisation-changes": ("organisations", "organisation-changes.csv"),
    "legal": ("legal", "legal-resources.csv"),
    "legal-amendments": ("legal", "legal-amendments.csv"),
    "data-elements": ("data-elements", "data-elements.csv"),
    "calendar": ("calendar", "calendar.csv"),
}
QUERIES_DIR = REGISTRIES_DIR / "queries"
_GC = "https://w3id.org/govcat/ns#"
_ORG = "http://www.w3.org/ns/org#"
_ELI = "http://data.europa.eu/eli/ontology#"


def bundled_path(kind: str) -> Path:
    return REGISTRIES_DIR / KINDS[kind][1]


def build(store: "CatalogStore", kind: str, paths: dict[str, Path]) -> dict[str, list[ox.Triple]]:
    """Check and turn registry files into the triples of their graphs (graph IRI -> triples).

    ``paths`` gives a file per kind; a missing sub-registry is taken from the store. Raises
    ``LoadErrors`` with every problem found; nothing is written.
    """
    from govcat.loaders import registry_calendar, registry_data_elements, registry_legal, registry_organisations
    from govcat.loaders.registry_common import Problems

    iris = store.iris
    graph = iris.registry_graph(KINDS[kind][0])
    problems = Problems()
    if kind in ("organisations", "organisation-changes"):
        org_path = paths.get("organisations")
        if org_path is not None:
            orgs = registry_organisations.read_organisations(org_path, problems)
            known = {o.uscc for o in orgs}
            problems.raise_if_any()  # stored changes are checked against a file without problems only
            if "organisation-changes" in paths:
                changes = registry_organisations.read_changes(paths["organisation-changes"], known, problems)
            else:
                changes = _stored_changes(store, known, org_path, problems)
            problems.raise_if_any()
            return {graph: registry_organisations.to_triples(orgs, changes, iris)}
        kept = _kept(store, graph, f"?s a <{_ORG}ChangeEvent>", f"<{_ORG}changedBy>")
        known = {r["u"] for r in store.select(f"SELECT ?g ?u WHERE {{ GRAPH ?g {{ ?o <{_GC}uscc> ?u }} }}",
                                              substitutions={"g": ox.NamedNode(graph)})}
        changes = registry_organisations.read_changes(paths["organisation-changes"], known, problems)
        problems.raise_if_any()
        return {graph: kept + registry_organisations.to_triples([], changes, iris)}
    if kind in ("legal", "legal-amendments"):
        legal_path = paths.get("legal")
        if legal_path is not None:
            resources = registry_legal.read_legal(legal_path, problems)
            keys = {r.key for r in resources}
            problems.raise_if_any()
            if "legal-amendments" in paths:
                amendments = registry_legal.read_amendments(paths["legal-amendments"], keys, problems)
            else:
                amendments = _stored_amendments(store, keys, legal_path, problems)
            problems.raise_if_any()
            return {graph: registry_legal.to_triples(resources, amendments, iris)}
        kept = _kept(store, graph, f"?s a <{_ELI}LegalResource> FILTER(CONTAINS(STR(?s), '#amendment-'))",
                     f"<{_ELI}amended_by>")
        prefix = iris.legal("")
        keys = {r["r"][len(prefix):] for r in store.select(
            f"SELECT ?g ?r WHERE {{ GRAPH ?g {{ ?r <{_ELI}title> ?t }} }}", substitutions={"g": ox.NamedNode(graph)})}
        amendments = registry_legal.read_amendments(paths["legal-amendments"], keys, problems)
        problems.raise_if_any()
        return {graph: kept + registry_legal.to_triples([], amendments, iris)}
    if kind == "data-elements":
        elements = registry_data_elements.read_data_elements(paths[kind])
        return {graph: registry_data_elements.to_triples(elements, iris)}
    if kind == "calendar":
        from govcat.calendar import WorkingCalendar

        return {graph: registry_calendar.to_triples(WorkingCalendar.from_csv(paths[kind]), iris)}
    raise CatalogError(f"未知的登记表类型 {kind} / unknown registry kind {kind!r}; known: {', '.join(KINDS)}")


def _kept(store: "CatalogStore", graph: str, sub_pattern: str, link: str) -> list[ox.Triple]:
    """The triples of ``graph`` other than the sub-records (matched by ``sub_pattern`` on ?s) and their links."""
    result = store.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o "
        f"FILTER NOT EXISTS {{ {sub_pattern} }} FILTER(?p != {link}) }} }}",
        substitutions={"g": ox.NamedNode(graph)},
    )
    return list(result)


def _stored_changes(store: "CatalogStore", known: set[str], new_file: Path, problems: Any) -> list:
    from govcat.loaders.registry_organisations import Change
    from datetime import date

    rows = store.select(
        f"""SELECT ?g ?u ?d ?zh ?en WHERE {{ GRAPH ?g {{ ?o <{_GC}uscc> ?u ; <{_ORG}changedBy> ?c .
            ?c <http://www.w3.org/ns/prov#atTime> ?d ; <http://purl.org/dc/terms/description> ?zh FILTER(lang(?zh) = "zh")
            OPTIONAL {{ ?c <http://purl.org/dc/terms/description> ?en FILTER(lang(?en) = "en") }} }} }}""",
        substitutions={"g": ox.NamedNode(store.iris.registry_graph("organisations"))},
    )
    out = []
    for r in rows:
        if r["u"] not in known:
            problems.errors.append(LoaderError(
                Location(str(new_file), column="统一社会信用代码"),
                f"已登记的职能变更（{r['d']}）属于“{r['u']}”，新文件中没有该单位；请同时用 organisation-changes 更新变更记录",
                f"a recorded function change ({r['d']}) belongs to {r['u']!r}, which is not in the new file; "
                "update the organisation-changes registry as well",
            ))
            continue
        out.append(Change(0, r["u"], date.fromisoformat(r["d"]), r["zh"], r["en"] or ""))
    return out


def _stored_amendments(store: "CatalogStore", keys: set[str], new_file: Path, problems: Any) -> list:
    from govcat.loaders.registry_legal import Amendment
    from datetime import date

    prefix = store.iris.legal("")
    rows = store.select(
        f"""SELECT ?g ?r ?d ?f ?desc WHERE {{ GRAPH ?g {{ ?r <{_ELI}amended_by> ?a .
            ?a <{_ELI}date_document> ?d ; <{_ELI}first_date_entry_in_force> ?f ;
               <http://purl.org/dc/terms/description> ?desc }} }}""",
        substitutions={"g": ox.NamedNode(store.iris.registry_graph("legal"))},
    )
    out = []
    for r in rows:
        key = r["r"][len(prefix):]
        if key not in keys:
            problems.errors.append(LoaderError(
                Location(str(new_file), column="key"),
                f"已登记的修订（{r['d']}）属于“{key}”，新文件中没有该 key；请同时用 legal-amendments 更新修订记录",
                f"a recorded amendment ({r['d']}) belongs to {key!r}, which is not in the new file; "
                "update the legal-amendments registry as well",
            ))
            continue
        out.append(Amendment(0, key, date.fromisoformat(r["d"]), date.fromisoformat(r["f"]), r["desc"]))
    return out


def load(store: "CatalogStore", kind: str, path: Path | str) -> dict[str, int]:
    """Replace one registry from a user's CSV, atomically; returns triples written per graph."""
    if kind not in KINDS:
        raise CatalogError(f"未知的登记表类型 {kind} / unknown registry kind {kind!r}; known: {', '.join(KINDS)}")
    graphs = build(store, kind, {kind: Path(path)})
    return _write(store, graphs)


def load_bundled(store: "CatalogStore") -> dict[str, int]:
    """Load every bundled registry into its own graph; all files are checked before anything is written."""
    paths = {kind: bundled_path(kind) for kind in KINDS}
    graphs: dict[str, list[ox.Triple]] = {}
    for kind in ("organisations", "legal", "data-elements", "calendar"):
        graphs.update(build(store, kind, paths))
    return _write(store, graphs)


def _write(store: "CatalogStore", graphs: dict[str, list[ox.Triple]]) -> dict[str, int]:
    for graph, triples in graphs.items():
        store.replace_graph(graph, triples)
    store.flush()
    return {g: len(t) for g, t in graphs.items()}


def list_query(kind: str) -> str:
    if kind not in KINDS:
        raise CatalogError(f"未知的登记表类型 {kind} / unknown registry kind {kind!r}; known: {', '.join(KINDS)}")
    return (QUERIES_DIR / f"{kind}.rq").read_text(encoding="utf-8")


def list_registry(store: "CatalogStore", kind: str) -> Any:
    """The query result listing a registry (see ``registries/queries/{kind}.rq``)."""
    graph = store.iris.registry_graph(KINDS[kind][0])
    return store.query(list_query(kind), use_default_graph_as_union=False, default_graph=[ox.NamedNode(graph)])
