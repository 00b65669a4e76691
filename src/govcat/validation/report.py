"""Validation reports: results with their rule, article, department and message, as JSON-ready data and
as RDF (a standard ``sh:ValidationReport`` with govcat's annotations), stored one run per named graph."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from govcat.ns import DCAT, GC, SH
from govcat.validation.engines import RawResult
from govcat.validation.shapes import ShapeInfo

if TYPE_CHECKING:
    from govcat.store import CatalogStore

SEVERITIES = ("Violation", "Warning", "Info")
_PLACEHOLDER = re.compile(r"\{[?$](\w+)\}")


@dataclass(frozen=True)
class Scope:
    """What a run reports on: the whole store, one department, or one submission (a dry run)."""

    kind: str  # store | department | submission
    department: str | None = None  # USCC
    source: str | None = None  # the submission's path

    @classmethod
    def store(cls) -> "Scope":
        return cls("store")

    @classmethod
    def of_department(cls, uscc: str) -> "Scope":
        return cls("department", department=uscc)

    @classmethod
    def of_submission(cls, department: str | None, source: str) -> "Scope":
        return cls("submission", department=department, source=source)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "department": self.department, "source": self.source}


@dataclass
class Result:
    rule: str
    article: int
    severity: str
    focus: str
    department: str | None
    department_iri: str | None
    resource_code: str | None
    path: str | None
    value: str | None
    message: dict[str, str]
    due: str | None
    shape: str
    component: str | None = None
    article_iris: tuple[str, ...] = ()
    department_name: dict[str, str] = field(default_factory=dict)
    value_term: Any = None  # the sh:value as an RDF term, for the RDF report

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "rule": self.rule,
            "article": self.article,
            "severity": self.severity,
            "focus": self.focus,
            "department": self.department,
            "resource_code": self.resource_code,
            "path": self.path,
            "value": self.value,
            "message": self.message,
            "shape": self.shape,
        }
        if self.due is not None:
            d["due"] = self.due
        return d


@dataclass
class Report:
    run_id: str
    as_of: date
    scope: Scope
    engine: str
    generated: datetime
    results: list[Result]

    @property
    def conforms(self) -> bool:
        return not any(r.severity == "Violation" for r in self.results)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def summary(self) -> dict[str, Any]:
        by_rule: dict[str, int] = {}
        for r in self.results:
            by_rule[r.rule] = by_rule.get(r.rule, 0) + 1
        return {
            "run": self.run_id,
            "conforms": self.conforms,
            "as_of": self.as_of.isoformat(),
            "violations": self.count("Violation"),
            "warnings": self.count("Warning"),
            "infos": self.count("Info"),
            "departments": len({r.department for r in self.results if r.department}),
            "by_rule": dict(sorted(by_rule.items(), key=lambda kv: _rule_key(kv[0]))),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "as_of": self.as_of.isoformat(),
            "run": self.run_id,
            "scope": self.scope.as_dict(),
            "engine": self.engine,
            "generated": self.generated.isoformat(),
            "results": [r.as_dict() for r in self.results],
        }


def _rule_key(rule: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[R.]", rule) if p)


def new_run_id(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:8]


# ---- from raw engine results to report results ---------------------------------------------------


class _Lookup:
    """Departments, resource codes and display names of focus nodes, read from the data graph."""

    def __init__(self, data: Graph) -> None:
        self.g = data

    def resource_of(self, node: Any) -> Any:
        if (node, RDF.type, DCAT.Dataset) in self.g:
            return node
        owner = self.g.value(None, GC.dataItem, node)
        return owner

    def publisher_of(self, node: Any) -> Any:
        if self.g.value(node, GC.uscc) is not None:
            return node
        resource = self.resource_of(node)
        if resource is not None:
            return self.g.value(resource, DCTERMS.publisher)
        return self.g.value(node, DCTERMS.publisher)

    def code_of(self, node: Any) -> str | None:
        resource = self.resource_of(node)
        code = self.g.value(resource, DCTERMS.identifier) if resource is not None else None
        return str(code) if code is not None else None

    def label(self, node: Any, lang: str) -> str | None:
        for prop in (SKOS.prefLabel, DCTERMS.title):
            values = [o for o in self.g.objects(node, prop) if isinstance(o, Literal)]
            for v in values:
                if v.language == lang:
                    return str(v)
            if values:
                return str(values[0])
        return None

    def display(self, node: Any, lang: str) -> str:
        if node is None:
            return ""
        if isinstance(node, Literal):
            return str(node)
        code = self.g.value(node, DCTERMS.identifier)
        if code is not None and (node, RDF.type, DCAT.Dataset) in self.g:
            return str(code)
        label = self.label(node, lang)
        return label if label is not None else str(node)


def _template_regex(template: str) -> re.Pattern:
    parts = _PLACEHOLDER.split(template)
    # split() alternates text and placeholder names; placeholders become lazy groups
    pattern = "".join(re.escape(p) if i % 2 == 0 else "(.*?)" for i, p in enumerate(parts))
    return re.compile(pattern + r"\Z", re.DOTALL)


def _messages(raw: RawResult, info: ShapeInfo, look: _Lookup) -> dict[str, str]:
    """zh and en messages. pyshacl drops the language tag of messages it substitutes (SHACL-SPARQL),
    so each is matched back to the template it came from; core messages keep their tag but are not
    substituted, so ``{$this}``, ``{?value}`` and ``{?path}`` are filled in here."""
    out: dict[str, str] = {}
    for m in raw.messages:
        lang = m.language
        if not lang:
            for tlang, template in info.messages.items():
                if _template_regex(template).match(str(m)):
                    lang = tlang
                    break
        if lang and lang not in out:
            out[lang] = str(m)
    for lang, template in info.messages.items():
        out.setdefault(lang, template)
    values = {"path": str(raw.path) if raw.path is not None else ""}
    for lang in list(out):
        values.update(this=look.display(raw.focus, lang), value=look.display(raw.value, lang))
        out[lang] = _PLACEHOLDER.sub(lambda mt: values.get(mt.group(1), mt.group(0)), out[lang])
    return {k: out[k] for k in ("zh", "en") if k in out}


def to_results(raw: list[RawResult], shapes: dict, data: Graph) -> list[Result]:
    look = _Lookup(data)
    results = []
    for r in raw:
        info: ShapeInfo | None = shapes.get(r.shape)
        if info is None:
            continue  # a nested shape without a rule of its own never reaches here (pyshacl reports the parent)
        publisher = look.publisher_of(r.focus)
        uscc = data.value(publisher, GC.uscc) if publisher is not None else None
        if uscc is None and isinstance(publisher, URIRef) and "/org/" in publisher:
            # an unregistered publisher still has the model's IRI {base}org/{USCC}
            uscc = publisher.rsplit("/org/", 1)[1] or None
        due = str(r.value) if info.deadline and isinstance(r.value, Literal) else None
        results.append(
            Result(
                rule=info.rule,
                article=info.article,
                severity=str(r.severity).rsplit("#", 1)[-1],
                focus=str(r.focus),
                department=str(uscc) if uscc is not None else None,
                department_iri=str(publisher) if isinstance(publisher, URIRef) else None,
                resource_code=look.code_of(r.focus),
                path=str(r.path) if isinstance(r.path, URIRef) else None,
                value=str(r.value) if r.value is not None and not isinstance(r.value, BNode) else None,
                message=_messages(r, info, look),
                due=due,
                shape=str(r.shape),
                component=str(r.component) if r.component is not None else None,
                article_iris=info.article_iris,
                value_term=r.value if not isinstance(r.value, BNode) else None,
                department_name={
                    lang: n for lang in ("zh", "en") if publisher is not None and (n := look.label(publisher, lang))
                },
            )
        )
    results.sort(key=lambda x: (x.department or "~", x.article, _rule_key(x.rule), x.resource_code or "", x.focus, x.value or ""))
    return results


# ---- as RDF ------------------------------------------------------------------------------------


def report_iri(store: "CatalogStore", run_id: str) -> URIRef:
    return URIRef(f"{store.iris.base}report/{run_id}")


def to_graph(report: Report, store: "CatalogStore") -> Graph:
    """The report as a standard ``sh:ValidationReport`` with when, as-of, scope and engine, and each
    result's rule id, article and department, so that reports can be queried in SPARQL."""
    g = Graph()
    g.bind("sh", SH)
    g.bind("gc", GC)
    g.bind("prov", PROV)
    node = report_iri(store, report.run_id)
    g.add((node, RDF.type, SH.ValidationReport))
    g.add((node, RDF.type, PROV.Entity))
    g.add((node, SH.conforms, Literal(report.conforms)))
    g.add((node, PROV.generatedAtTime, Literal(report.generated.isoformat(), datatype=XSD.dateTime)))
    g.add((node, GC.asOf, Literal(report.as_of.isoformat(), datatype=XSD.date)))
    g.add((node, GC.scope, Literal(report.scope.kind)))
    g.add((node, GC.engine, Literal(report.engine)))
    if report.scope.department:
        g.add((node, GC.department, URIRef(store.iris.org(report.scope.department))))
    if report.scope.source:
        g.add((node, DCTERMS.source, Literal(report.scope.source)))
    for i, r in enumerate(report.results, 1):
        rn = URIRef(f"{node}#result-{i}")
        g.add((node, SH.result, rn))
        g.add((rn, RDF.type, SH.ValidationResult))
        g.add((rn, SH.focusNode, URIRef(r.focus)))
        g.add((rn, SH.resultSeverity, SH[r.severity]))
        g.add((rn, SH.sourceShape, URIRef(r.shape)))
        if r.component:
            g.add((rn, SH.sourceConstraintComponent, URIRef(r.component)))
        if r.path:
            g.add((rn, SH.resultPath, URIRef(r.path)))
        if r.value_term is not None:
            g.add((rn, SH.value, r.value_term))
        for lang, text in r.message.items():
            g.add((rn, SH.resultMessage, Literal(text, lang=lang)))
        g.add((rn, GC.ruleId, Literal(r.rule)))
        g.add((rn, GC.article, Literal(r.article)))
        for a in r.article_iris:
            g.add((rn, RDFS.seeAlso, URIRef(a)))
        if r.department_iri:
            g.add((rn, GC.department, URIRef(r.department_iri)))
        if r.resource_code:
            g.add((rn, DCTERMS.identifier, Literal(r.resource_code)))
        if r.due:
            g.add((rn, GC.due, Literal(r.due, datatype=XSD.date)))
    return g


def now() -> datetime:
    return datetime.now(timezone.utc)
