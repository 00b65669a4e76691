"""Harvesting a DCAT / DCAT-AP (2 and 3) catalog into govcat: ``govcat harvest URL-or-FILE``.

The graph naming and the mapping are documented in ``docs/model.md`` ("Harvested catalogs"); the
properties and value mappings are data, in ``dcat_mapping.ttl``. In short: the source's triples are kept
as they are, under the harvested datasets' own IRIs; govcat's terms are added beside them (resource
code, open type, update period, file format, classification, registered publisher); only a few source
triples are replaced, where the same property would otherwise carry two contradicting values. Whatever
cannot be mapped stays in the graph and is reported.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from urllib.parse import unquote, urlparse

import pyoxigraph as ox

from govcat.errors import Location, LoaderError
from govcat.loaders.dcat_fetch import DEFAULT_MAX_PAGES, Fetched, display, fetch
from govcat.loaders.dcat_vocab import Concepts, Index, Organisation, Organisations
from govcat.store import CatalogStore

CODE_PATTERN = re.compile(r"^[123]\d{5}\d*/\d{3,}$")
# Derived codes: 类 3 (部门), 项 00, 目 900 (harvested), then 12 digits of a hash of the source identifier.
DERIVED_CODE_PREFIX = "300900"

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_DCAT = "http://www.w3.org/ns/dcat#"
_DCT = "http://purl.org/dc/terms/"
_GC = "https://w3id.org/govcat/ns#"
_PROV = "http://www.w3.org/ns/prov#"
_H = "https://w3id.org/govcat/harvest#"
TYPE = ox.NamedNode(_RDF + "type")
CATALOG, DATASET, DISTRIBUTION = (ox.NamedNode(_DCAT + n) for n in ("Catalog", "Dataset", "Distribution"))
DCAT_DATASET, DCAT_CATALOG, DCAT_DISTRIBUTION = (ox.NamedNode(_DCAT + n) for n in ("dataset", "catalog", "distribution"))
IDENTIFIER, PUBLISHER, TITLE, SOURCE = (ox.NamedNode(_DCT + n) for n in ("identifier", "publisher", "title", "source"))
ADMS_IDENTIFIER = ox.NamedNode("http://www.w3.org/ns/adms#identifier")
ADMS_ID_CLASS = ox.NamedNode("http://www.w3.org/ns/adms#Identifier")
NOTATION = ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation")
SAME_AS = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
DERIVED_FROM, GENERATED_AT = ox.NamedNode(_PROV + "wasDerivedFrom"), ox.NamedNode(_PROV + "generatedAtTime")
HARVESTED_CATALOG = ox.NamedNode(_GC + "HarvestedCatalog")
FILE_FORMAT = ox.NamedNode(_GC + "fileFormat")
CLASSIFIED = ox.NamedNode(_GC + "classified")
XSD_FALSE = ox.Literal("false", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
XSD_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")


@dataclass(frozen=True)
class ValueMapping:
    property: str
    scheme: str
    target: str
    replace: bool


@dataclass
class Mapping:
    """The harvester's configuration, from ``dcat_mapping.ttl``."""

    understood: set[str]
    values: dict[str, ValueMapping]

    @classmethod
    def load(cls) -> "Mapping":
        data = resources.files("govcat.loaders").joinpath("dcat_mapping.ttl").read_bytes()
        triples = list(ox.parse(data, format=ox.RdfFormat.TURTLE))
        by_subject: dict = defaultdict(dict)
        understood: set[str] = set()
        for t in triples:
            if t.predicate.value == _H + "understood":
                understood.add(t.object.value)
            else:
                by_subject[t.subject][t.predicate.value[len(_H):] if t.predicate.value.startswith(_H) else t.predicate.value] = t.object
        values = {}
        for props in by_subject.values():
            if "property" in props:
                vm = ValueMapping(
                    props["property"].value, props["scheme"].value, props["target"].value, props["replace"].value == "true"
                )
                values[vm.property] = vm
        return cls(understood, values)

    def is_understood(self, predicate: str) -> bool:
        return predicate in self.understood or predicate.startswith(_GC)


@dataclass
class PropertyReport:
    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, example: str, limit: int = 3) -> None:
        self.count += 1
        if len(self.examples) < limit:
            self.examples.append(example)


@dataclass
class HarvestResult:
    """What a harvest did, for the command's report (and the tests)."""

    source: str
    graph: str
    catalog: str
    pages: list[str]
    history: str | None
    datasets: list[str]
    distributions: int
    total_items: int | None
    triples: int
    derived_codes: dict[str, str]                       # dataset -> derived code
    mapped: Counter                                     # (govcat property, concept) -> count
    publishers: Counter                                 # registered org IRI -> datasets and catalogs
    unmapped_properties: dict[str, PropertyReport]
    unmapped_values: dict[str, Counter]                 # property -> "value (why)" -> count
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "source": self.source, "graph": self.graph, "catalog": self.catalog, "pages": self.pages,
            "history": self.history, "datasets": len(self.datasets), "distributions": self.distributions,
            "total_items": self.total_items, "triples": self.triples, "derived_codes": self.derived_codes,
            "mapped": {f"{p} {c}": n for (p, c), n in sorted(self.mapped.items())},
            "publishers": dict(self.publishers),
            "unmapped_properties": {p: {"count": r.count, "examples": r.examples} for p, r in sorted(self.unmapped_properties.items())},
            "unmapped_values": {p: dict(c) for p, c in sorted(self.unmapped_values.items())},
            "notes": self.notes,
        }


def slug(url: str) -> str:
    """A graph-name segment for a source: host and path of a URL, the file name of a file."""
    parsed = urlparse(url)
    # A file is named by its folder and name ("portal/catalog.ttl"): a bare "catalog.ttl" says too little.
    path = unquote(parsed.path)
    text = "-".join(path.split("/")[-2:]) if parsed.scheme == "file" else parsed.netloc + path
    text = re.sub(r"[^a-z0-9]+", "-", text.lower().removeprefix("www.")).strip("-")[:60].strip("-")
    return text or "source-" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:10]


def derive_code(basis: str, salt: int = 0) -> str:
    digest = hashlib.sha256(f"{basis}\x00{salt}".encode("utf-8")).hexdigest()
    return f"{DERIVED_CODE_PREFIX}/{int(digest, 16) % 10**12:012d}"


def harvest(
    store: CatalogStore,
    source: str,
    *,
    department: str | None = None,
    name: str | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
    mirrors: dict[str, str] | None = None,
    now: datetime | None = None,
) -> HarvestResult:
    """Harvest ``source`` (a file or an http(s) URL, with its Hydra pages) into its own catalog graph.

    The graph is replaced atomically, with the previous version kept as history. On any error the store
    is left as it was.
    """
    fetched = fetch(source, max_pages=max_pages, mirrors=mirrors)
    orgs = Organisations(store)
    dept: Organisation | None = None
    if department:
        dept = orgs.by_uscc.get(department.strip())
        if dept is None:
            raise LoaderError(
                Location("--department"),
                f"机构目录中没有统一社会信用代码为 {department} 的部门",
                f"no department with the USCC {department} in the organisation registry",
            )
    mapper = _Mapper(store, fetched, orgs, dept, name, now or datetime.now(timezone.utc))
    result = mapper.run()
    result.history = store.replace_graph(result.graph, mapper.out, keep_history=True)
    store.flush()
    if importlib.util.find_spec("govcat.hooks") is not None:
        importlib.import_module("govcat.hooks").catalog_changed(store, [result.graph])
    return result


class _Mapper:
    def __init__(
        self, store: CatalogStore, fetched: Fetched, orgs: Organisations, dept: Organisation | None,
        name: str | None, now: datetime,
    ) -> None:
        self.store, self.fetched, self.orgs, self.dept, self.now = store, fetched, orgs, dept, now
        self.iris = store.iris
        self.mapping = Mapping.load()
        self.concepts = Concepts(store)
        self.index: Index = defaultdict(list)
        self.types: dict = defaultdict(set)
        for t in fetched.triples:
            self.index[t.subject].append(t)
            if t.predicate == TYPE:
                self.types[t.subject].add(t.object)
        if dept is not None:
            self.graph = self.iris.catalog_graph(dept.uscc)
            self.catalog = ox.NamedNode(self.iris.catalog(dept.uscc))
        else:
            key = name or slug(fetched.source)
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", key):
                raise LoaderError(Location("--name"), "名称只能含小写字母、数字和 -", "a name has only a-z, 0-9 and -")
            self.graph = f"{self.iris.base}graph/harvest/{key}"
            self.catalog = ox.NamedNode(f"{self.iris.base}catalog/harvest/{key}")
        self.out: dict[ox.Triple, None] = {}
        self.rename: dict = {}

    # ---- the run --------------------------------------------------------------------------
    def run(self) -> HarvestResult:
        datasets = sorted((s for s, ts in self.types.items() if DATASET in ts), key=str)
        catalogs = [s for s, ts in self.types.items() if CATALOG in ts]
        where = Location(display(self.fetched.source))
        if not datasets and not catalogs:
            raise LoaderError(where, "未找到 dcat:Catalog 或 dcat:Dataset", "no dcat:Catalog and no dcat:Dataset found")
        for scheme in {vm.scheme for vm in self.mapping.values.values()}:
            if not self.concepts.has_scheme(scheme):
                raise LoaderError(
                    Location(self.iris.vocab_graph), f"词表图中没有概念体系 {scheme}（请运行 govcat init --force）",
                    f"the vocab graph has no scheme {scheme} (run govcat init --force)",
                )
        nested = {t.object for c in catalogs for t in self.index[c] if t.predicate == DCAT_CATALOG}
        top = [c for c in catalogs if c not in nested]
        for c in top:
            self.rename[c] = self.catalog
        codes, derived = self._codes(datasets)
        result = HarvestResult(
            source=self.fetched.source, graph=self.graph, catalog=self.catalog.value,
            pages=[p.url for p in self.fetched.pages], history=None,
            datasets=[self._r(d).value if isinstance(self._r(d), ox.NamedNode) else str(self._r(d)) for d in datasets],
            distributions=0, total_items=self.fetched.total_items, triples=0, derived_codes=derived,
            mapped=Counter(), publishers=Counter(), unmapped_properties={}, unmapped_values={},
        )
        resolved = self._resolve_values(result)
        consumed = {b for r in resolved.values() if r.concept for b in r.used}
        dataset_set = set(datasets)
        with_publisher: set = set()
        formats: dict = defaultdict(set)
        for t in self.fetched.triples:
            s, p, o = self._r(t.subject), t.predicate, self._r(t.object)
            vm = self.mapping.values.get(p.value)
            if vm is not None:
                found = resolved[t]
                if found.concept:
                    self._add(s, ox.NamedNode(vm.target), ox.NamedNode(found.concept))
                    result.mapped[(vm.target, found.concept)] += 1
                    if vm.target == FILE_FORMAT.value:
                        formats[s].add(found.concept)
                    if vm.replace:
                        continue
                else:
                    label = o.value if isinstance(o, (ox.NamedNode, ox.Literal)) else str(o)
                    result.unmapped_values.setdefault(p.value, Counter())[f"{label} ({found.why})"] += 1
            elif p == PUBLISHER and (t.subject in dataset_set or s == self.catalog):
                with_publisher.add(s)
                org = self.orgs.match(t.object, self.index)
                if self.dept is not None and s == self.catalog and org is not None and org != self.dept:
                    result.notes.append(
                        f"来源目录的发布机构是 {org.iri}，按 --department 记为 {self.dept.iri} / the source catalog's "
                        f"publisher is {org.iri}; it is recorded as {self.dept.iri} as --department says"
                    )
                matched = org
                if self.dept is not None and (s == self.catalog or org is None):
                    org = self.dept
                if matched is None:
                    why = "not in the organisation registry" + ("; recorded as --department" if org else "")
                    result.unmapped_values.setdefault(p.value, Counter())[f"{self._label(t.object)} ({why})"] += 1
                if org is not None:
                    self._add(s, PUBLISHER, ox.NamedNode(org.iri))
                    if matched is org and o != ox.NamedNode(org.iri):
                        self._add(o, SAME_AS, ox.NamedNode(org.iri))  # only what the registry confirmed
                    result.publishers[org.iri] += 1
                    continue
            elif p == IDENTIFIER and t.subject in dataset_set:
                continue  # written again as the resource code; other identifiers become adms:identifier
            elif not self.mapping.is_understood(p.value) and t.subject not in consumed:
                result.unmapped_properties.setdefault(p.value, PropertyReport()).add(f"{s} {o}")
            self._add(s, p, o)
        self._add_generated(datasets, codes, with_publisher, formats, result)
        result.distributions = len(
            {t.object for d in datasets for t in self.index[d] if t.predicate == DCAT_DISTRIBUTION}
            | {s for s, ts in self.types.items() if DISTRIBUTION in ts}
        )
        if result.total_items is not None and result.total_items != len(datasets):
            result.notes.append(
                f"hydra:totalItems 为 {result.total_items}，实得 {len(datasets)} 个数据集 / "
                f"hydra:totalItems says {result.total_items}, {len(datasets)} datasets were read"
            )
        result.triples = len(self.out)
        return result

    # ---- parts ----------------------------------------------------------------------------
    def _codes(self, datasets: list) -> tuple[dict, dict[str, str]]:
        """Each dataset's resource code: its dct:identifier where that fits the code pattern, else derived."""
        codes: dict = {}
        derived: dict[str, str] = {}
        used: set[str] = set()
        for d in datasets:
            ids = [t for t in self.index[d] if t.predicate == IDENTIFIER and isinstance(t.object, ox.Literal)]
            fitting = next(
                (t.object.value.strip() for t in ids if CODE_PATTERN.match(t.object.value.strip()) and t.object.value.strip() not in used),
                None,
            )
            if fitting is not None:
                codes[d] = fitting
            else:
                basis = ids[0].object.value if ids else (d.value if isinstance(d, ox.NamedNode) else self._label_of(d))
                salt = 0
                while (code := derive_code(basis, salt)) in used:
                    salt += 1
                codes[d] = code
            used.add(codes[d])
            if isinstance(d, ox.BlankNode):
                self.rename[d] = ox.NamedNode(self.iris.dataset(codes[d]))
            if fitting is None:
                derived[self._r(d).value] = codes[d]
        return codes, derived

    def _resolve_values(self, result: HarvestResult) -> dict:
        resolved = {}
        for t in self.fetched.triples:
            vm = self.mapping.values.get(t.predicate.value)
            if vm is not None:
                resolved[t] = self.concepts.resolve(vm.scheme, t.object, self.index)
        return resolved

    def _add_generated(self, datasets: list, codes: dict, with_publisher: set, formats: dict, result: HarvestResult) -> None:
        cat = self.catalog
        self._add(cat, TYPE, CATALOG)
        self._add(cat, TYPE, HARVESTED_CATALOG)
        self._add(cat, DERIVED_FROM, ox.NamedNode(self.fetched.source))
        self._add(cat, GENERATED_AT, ox.Literal(self.now.isoformat(timespec="seconds").replace("+00:00", "Z"), datatype=XSD_DATETIME))
        for original, new in self.rename.items():
            if new == cat and isinstance(original, ox.NamedNode) and original != cat:
                self._add(cat, SOURCE, original)
        if not any(t.subject == cat and t.predicate == TITLE for t in self.out):
            where = display(self.fetched.source)
            self._add(cat, TITLE, ox.Literal(f"采集目录：{where}", language="zh"))
            self._add(cat, TITLE, ox.Literal(f"Harvested catalog: {where}", language="en"))
        if self.dept is not None:
            org = ox.NamedNode(self.dept.iri)
            if cat not in with_publisher:
                self._add(cat, PUBLISHER, org)
            if self.dept.division:
                self._add(ox.NamedNode(self.iris.master_catalog(self.dept.division)), DCAT_CATALOG, cat)
        for d in datasets:
            node = self._r(d)
            self._add(cat, DCAT_DATASET, node)
            code = codes[d]
            self._add(node, IDENTIFIER, ox.Literal(code))
            for t in self.index[d]:
                if t.predicate == IDENTIFIER and isinstance(t.object, ox.Literal) and t.object.value.strip() != code:
                    ident = ox.BlankNode()
                    self._add(node, ADMS_IDENTIFIER, ident)
                    self._add(ident, TYPE, ADMS_ID_CLASS)
                    self._add(ident, NOTATION, t.object)
            # What an open-data portal lists is not 涉密; the model writes the boolean always.
            if not any(t.predicate == CLASSIFIED for t in self.index[d]):
                self._add(node, CLASSIFIED, XSD_FALSE)
            if self.dept is not None and node not in with_publisher:
                self._add(node, PUBLISHER, ox.NamedNode(self.dept.iri))
                result.publishers[self.dept.iri] += 1
            # The dataset's own format, where all its distributions agree on one.
            found = set()
            for t in self.index[d]:
                if t.predicate == DCAT_DISTRIBUTION:
                    found |= formats.get(self._r(t.object), set())
            if len(found) == 1:
                self._add(node, FILE_FORMAT, ox.NamedNode(found.pop()))

    def _r(self, term):
        return self.rename.get(term, term)

    def _add(self, s, p, o) -> None:
        self.out.setdefault(ox.Triple(s, p, o), None)

    def _label(self, term) -> str:
        if isinstance(term, (ox.NamedNode, ox.Literal)):
            text = term.value
            name = self._label_of(term)
            return f"{text} {name}".strip() if name else text
        return self._label_of(term) or str(term)

    def _label_of(self, term) -> str:
        for t in self.index.get(term, []):
            if t.predicate.value in ("http://xmlns.com/foaf/0.1/name", _DCT + "title", "http://www.w3.org/2004/02/skos/core#prefLabel") and isinstance(t.object, ox.Literal):
                return t.object.value
        return ""
