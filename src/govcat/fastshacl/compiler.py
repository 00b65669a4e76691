"""Compiling SHACL shapes (core and SHACL-SPARQL) into SPARQL queries over all focus nodes at once.

Each compiled query returns the rows ``?this ?value`` (and, for SHACL-SPARQL constraints, ``?path`` and the
constraint's own variables) of the violations of one constraint, for every focus node of its shape.
Terms written into queries come from the shapes graph (trusted project data), never from user input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node


class UnsupportedShape(Exception):
    """A shape uses a SHACL feature this engine does not compile; pyshacl handles it."""


@dataclass
class CompiledQuery:
    """One query giving the violations of one constraint component of one shape."""

    shape: Node  # sh:sourceShape
    component: URIRef  # sh:sourceConstraintComponent
    severity: URIRef
    path: Node | None  # the shape's sh:path (for property shapes)
    sparql: str
    has_value: bool  # whether ?value is reported (pyshacl's sh:value)
    messages: list[Literal] = field(default_factory=list)
    source_constraint: Node | None = None  # the sh:sparql node, for SPARQL constraints
    sparql_based: bool = False


@dataclass
class CompiledShapes:
    queries: list[CompiledQuery]
    prefixes: str


_NODE_KIND = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}

# XSD datatypes whose lexical forms SPARQL can check by casting.
_CASTABLE = {XSD.date, XSD.dateTime, XSD.integer, XSD.decimal, XSD.boolean, XSD.double, XSD.float}

_SHAPE_PARAMS = {
    SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH["in"], SH.hasValue, SH.pattern,
    SH.minLength, SH.maxLength, SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive,
    SH.languageIn, SH.uniqueLang, SH.node, SH["not"], SH["and"], SH["or"], SH.xone, SH.sparql, SH.property,
    SH.qualifiedValueShape, SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals, SH.closed,
}
_SUPPORTED_NESTED = {SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH["in"], SH.hasValue,
                     SH.pattern, SH.property, SH["not"], SH.node, SH["or"], SH["and"]}


def _t(term: Node) -> str:
    if isinstance(term, (URIRef, Literal)):
        return term.n3()
    raise UnsupportedShape(f"blank node {term} used as a constraint value")


def path_sparql(g: Graph, path: Node) -> str:
    """A SHACL property path as a SPARQL property path."""
    if isinstance(path, URIRef):
        return path.n3()
    if (path, RDF.first, None) in g:
        return "(" + "/".join(path_sparql(g, p) for p in Collection(g, path)) + ")"
    for pred, fmt in ((SH.inversePath, "^({})"), (SH.zeroOrMorePath, "({})*"), (SH.oneOrMorePath, "({})+"),
                      (SH.zeroOrOnePath, "({})?")):
        inner = g.value(path, pred)
        if inner is not None:
            return fmt.format(path_sparql(g, inner))
    alt = g.value(path, SH.alternativePath)
    if alt is not None:
        return "(" + "|".join(path_sparql(g, p) for p in Collection(g, alt)) + ")"
    raise UnsupportedShape(f"unknown path form {path}")


# Replaced by the engine with nothing (every focus node) or a VALUES block (incremental checks).
FOCUS_RESTRICTION = "#FOCUS#\n"
# "No focus node with this pattern", written by the engine as MINUS for a run over all focus nodes and as
# FILTER NOT EXISTS for a few (an incremental check). Oxigraph runs MINUS as one anti-join of both sides,
# and FILTER NOT EXISTS as one sub-query per focus node: over all 150,000 items of a 10,000-resource
# catalog MINUS is 3x faster (40x when the pattern has a path), while for a few hundred focus nodes the
# sub-queries avoid reading the whole other side. Both sides share ?this, always bound, so the two forms
# have the same solutions.
ANTI_JOIN = "#ANTI#"
# Where the focus restriction goes a second time, beside the focus sub-query: Oxigraph evaluates a sub-query
# on its own and hash-joins it, so without the restriction in the outer group too the constraint's own
# patterns would be matched over the whole province before the join (0.5 s per query at 300,000 resources
# for a check of a few resources).
FOCUS_JOIN = "#FOCUS-JOIN#\n"


def _targets(g: Graph, shape: Node) -> list[str]:
    parts = []
    for c in g.objects(shape, SH.targetClass):
        parts.append(f"?this rdf:type/rdfs:subClassOf* {_t(c)} .")
    if (shape, RDF.type, RDFS.Class) in g or (shape, RDF.type, OWL.Class) in g:
        parts.append(f"?this rdf:type/rdfs:subClassOf* {_t(shape)} .")
    nodes = list(g.objects(shape, SH.targetNode))
    if nodes:
        parts.append("VALUES ?this { " + " ".join(_t(n) for n in nodes) + " }")
    for p in g.objects(shape, SH.targetSubjectsOf):
        parts.append(f"?this {_t(p)} ?_o .")
    for p in g.objects(shape, SH.targetObjectsOf):
        parts.append(f"?_s {_t(p)} ?this .")
    return parts


def focus_pattern(g: Graph, shape: Node) -> str | None:
    """A group pattern binding ?this to every focus node of ``shape``, or None if it has no target."""
    parts = _targets(g, shape)
    if not parts:
        return None
    union = " UNION ".join("{ " + p + " }" for p in parts)
    return "{ SELECT DISTINCT ?this WHERE { " + FOCUS_RESTRICTION + " " + union + " } } " + FOCUS_JOIN


def _messages(g: Graph, node: Node) -> list[Literal]:
    return [m for m in g.objects(node, SH.message) if isinstance(m, Literal)]


def _severity(g: Graph, shape: Node) -> URIRef:
    sev = g.value(shape, SH.severity)
    return sev if isinstance(sev, URIRef) else SH.Violation


def _value_condition(g: Graph, param: URIRef, arg: Node, v: str) -> str:
    """A FILTER expression that is true when value node ``v`` violates the component ``param``/``arg``."""
    if param == SH["class"]:
        return f"NOT EXISTS {{ {v} rdf:type/rdfs:subClassOf* {_t(arg)} }}"
    if param == SH.datatype:
        cond = f"!isLiteral({v}) || datatype({v}) != {_t(arg)}"
        if arg in _CASTABLE:
            # An ill-typed literal (e.g. "2024-13-01"^^xsd:date) fails the cast, as it fails pyshacl's check.
            cond += f" || !COALESCE(sameTerm(datatype({_t(arg)}(STR({v}))), {_t(arg)}), false)"
        return f"({cond})"
    if param == SH.nodeKind:
        return "!" + _NODE_KIND[arg].format(v=v)
    if param == SH["in"]:
        members = list(Collection(g, arg))
        if not members:
            return "true"
        return "!(" + " || ".join(f"sameTerm({v}, {_t(m)})" for m in members) + ")"
    if param == SH.pattern:
        raise UnsupportedShape("sh:pattern is compiled with its shape's sh:flags")
    if param == SH.minLength:
        return f"(isBlank({v}) || STRLEN(STR({v})) < {int(arg)})"
    if param == SH.maxLength:
        return f"(isBlank({v}) || STRLEN(STR({v})) > {int(arg)})"
    ops = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
    if param in ops:
        return f"COALESCE(!({v} {ops[param]} {_t(arg)}), true)"
    if param == SH.languageIn:
        langs = list(Collection(g, arg))
        return f"(!isLiteral({v}) || !(" + " || ".join(f'langMatches(lang({v}), {_t(l)})' for l in langs) + "))"
    raise UnsupportedShape(f"component {param}")


_COMPONENT = {
    SH["class"]: SH.ClassConstraintComponent, SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent, SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent, SH["in"]: SH.InConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent, SH.pattern: SH.PatternConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent, SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent, SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent, SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent, SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.node: SH.NodeConstraintComponent, SH["not"]: SH.NotConstraintComponent,
    SH["and"]: SH.AndConstraintComponent, SH["or"]: SH.OrConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
}


class _Compiler:
    def __init__(self, g: Graph) -> None:
        self.g = g
        self._fresh = 0

    def var(self, stem: str = "v") -> str:
        self._fresh += 1
        return f"?_{stem}{self._fresh}"

    # -- conformance of a node to a shape, as a pattern that matches when it does NOT conform ----------
    def fail_pattern(self, shape: Node, x: str) -> str:
        """A group graph pattern that has a solution iff node ``x`` (bound) fails ``shape``."""
        g = self.g
        if (shape, SH.deactivated, Literal(True)) in g:
            return "{ FILTER(false) }"
        alts: list[str] = []
        path = g.value(shape, SH.path)
        if path is not None:
            ps = path_sparql(g, path)
            v = self.var()
            for param, arg in g.predicate_objects(shape):
                if param not in _SHAPE_PARAMS or param == SH.property:
                    continue
                if param not in _SUPPORTED_NESTED:
                    raise UnsupportedShape(f"nested {param}")
                if param == SH.minCount:
                    n = int(arg)
                    if n == 1:
                        alts.append(f"{{ FILTER NOT EXISTS {{ {x} {ps} {self.var()} }} }}")
                    elif n > 1:
                        raise UnsupportedShape("nested minCount > 1")
                elif param == SH.maxCount:
                    n = int(arg)
                    a, b = self.var(), self.var()
                    if n == 0:
                        alts.append(f"{{ {x} {ps} {a} }}")
                    elif n == 1:
                        alts.append(f"{{ {x} {ps} {a} . {x} {ps} {b} . FILTER(!sameTerm({a}, {b})) }}")
                    else:
                        raise UnsupportedShape("nested maxCount > 1")
                elif param == SH.hasValue:
                    alts.append(f"{{ FILTER NOT EXISTS {{ {x} {ps} {_t(arg)} }} }}")
                else:
                    alts.append(f"{{ {x} {ps} {v} . FILTER({self.value_fail(param, arg, v, shape)}) }}")
        else:
            for param, arg in g.predicate_objects(shape):
                if param not in _SHAPE_PARAMS:
                    continue
                if param == SH.property:
                    alts.append(self.fail_pattern(arg, x))
                    continue
                if param not in _SUPPORTED_NESTED or param in (SH.minCount, SH.maxCount):
                    raise UnsupportedShape(f"nested {param}")
                if param == SH.hasValue:
                    alts.append(f"{{ FILTER(!sameTerm({x}, {_t(arg)})) }}")
                else:
                    alts.append(f"{{ FILTER({self.value_fail(param, arg, x, shape)}) }}")
        if path is not None:
            for prop in g.objects(shape, SH.property):
                raise UnsupportedShape("sh:property inside a property shape")
        if not alts:
            return "{ FILTER(false) }"
        return "{ " + " UNION ".join(alts) + " }"

    def value_fail(self, param: URIRef, arg: Node, v: str, shape: Node | None = None) -> str:
        """A FILTER expression true when value ``v`` violates ``param``/``arg`` (logical ones included)."""
        g = self.g
        if param == SH.pattern:
            flags = g.value(shape, SH.flags) if shape is not None else None
            flag_arg = f", {_t(Literal(str(flags)))}" if flags is not None else ""
            return f"(isBlank({v}) || !REGEX(STR({v}), {_t(Literal(str(arg)))}{flag_arg}))"
        if param == SH.node:
            return f"EXISTS {self.fail_pattern(arg, v)}"
        if param == SH["not"]:
            return f"NOT EXISTS {self.fail_pattern(arg, v)}"
        if param == SH["and"]:
            return "(" + " || ".join(f"EXISTS {self.fail_pattern(s, v)}" for s in Collection(g, arg)) + ")"
        if param == SH["or"]:
            return "(" + " && ".join(f"EXISTS {self.fail_pattern(s, v)}" for s in Collection(g, arg)) + ")"
        if param == SH.xone:
            ones = " + ".join(f"IF(EXISTS {self.fail_pattern(s, v)}, 0, 1)" for s in Collection(g, arg))
            return f"(({ones}) != 1)"
        return _value_condition(g, param, arg, v)

    # -- top-level queries -------------------------------------------------------------------------
    def shape_queries(self, shape: Node, focus: str) -> Iterator[CompiledQuery]:
        g = self.g
        if (shape, SH.deactivated, Literal(True)) in g:
            return
        severity = _severity(g, shape)
        messages = _messages(g, shape)
        path = g.value(shape, SH.path)
        ps = path_sparql(g, path) if path is not None else None
        values = f"?this {ps} ?value ." if ps else "BIND(?this AS ?value)"

        def q(component: URIRef, body: str, has_value: bool, select: str = "?this ?value") -> CompiledQuery:
            text = f"SELECT DISTINCT {select} WHERE {{ {focus} {body} }}"
            return CompiledQuery(shape, component, severity, path, text, has_value, messages)

        for param, arg in sorted(g.predicate_objects(shape), key=lambda po: (str(po[0]), str(po[1]))):
            if param not in _SHAPE_PARAMS or param in (SH.property, SH.sparql, SH.closed):
                if param == SH.closed and arg == Literal(True):
                    raise UnsupportedShape("sh:closed")
                continue
            component = _COMPONENT.get(param)
            if param == SH.minCount:
                n = int(arg)
                if n == 0:
                    continue
                if n == 1:
                    yield q(component, f"{ANTI_JOIN} {{ ?this {ps} ?_any }}", False, "?this")
                else:
                    yield CompiledQuery(
                        shape, component, severity, path,
                        f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?_v) AS ?_n) WHERE {{ {focus} "
                        f"OPTIONAL {{ ?this {ps} ?_v }} }} GROUP BY ?this }} FILTER(?_n < {n}) }}",
                        False, messages)
            elif param == SH.maxCount:
                n = int(arg)
                yield CompiledQuery(
                    shape, component, severity, path,
                    f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?_v) AS ?_n) WHERE {{ {focus} "
                    f"?this {ps} ?_v }} GROUP BY ?this }} FILTER(?_n > {n}) }}",
                    False, messages)
            elif param == SH.hasValue:
                if ps:
                    yield q(component, f"{ANTI_JOIN} {{ ?this {ps} {_t(arg)} }}", False, "?this")
                else:
                    yield q(component, f"FILTER(!sameTerm(?this, {_t(arg)}))", False, "?this")
            elif param == SH.uniqueLang:
                if arg == Literal(True):
                    yield q(component, f"?this {ps} ?_a . ?this {ps} ?_b . FILTER(!sameTerm(?_a, ?_b) && "
                            "lang(?_a) != \"\" && lang(?_a) = lang(?_b))", False, "?this")
            elif param in (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals, SH.qualifiedValueShape):
                raise UnsupportedShape(str(param))
            elif component is not None:
                yield q(component, f"{values} FILTER({self.value_fail(param, arg, '?value', shape)})", True)
        for prop in g.objects(shape, SH.property):
            yield from self.shape_queries(prop, focus)
        for constraint in g.objects(shape, SH.sparql):
            yield self.sparql_query(shape, constraint, focus, severity, path)

    def sparql_query(self, shape: Node, constraint: Node, focus: str, severity: URIRef,
                     path: Node | None) -> CompiledQuery:
        g = self.g
        select = g.value(constraint, SH.select)
        if select is None:
            raise UnsupportedShape("sh:sparql without sh:select")
        text = str(select)
        if "$currentShape" in text or "$shapesGraph" in text:
            raise UnsupportedShape("$currentShape/$shapesGraph")
        if path is not None:
            text = text.replace("$PATH", path_sparql(g, path))
        text = re.sub(r"\$this\b", "?this", text)
        # Bind the focus nodes inside the outermost group, where pre-binding would have bound $this.
        brace = _outer_where_brace(text)
        text = text[: brace + 1] + " " + focus + " " + text[brace + 1:]
        prefixes = _sparql_prefixes(g, constraint)
        messages = _messages(g, constraint) or _messages(g, shape)
        deact = (constraint, SH.deactivated, Literal(True)) in g
        return CompiledQuery(shape, SH.SPARQLConstraintComponent, severity, path, prefixes + text,
                             has_value=True, messages=[] if deact else messages, source_constraint=constraint,
                             sparql_based=True)


def _outer_where_brace(text: str) -> int:
    m = re.search(r"\bWHERE\s*\{", text, re.IGNORECASE)
    if not m:
        m = re.search(r"\{", text)
        if not m:
            raise UnsupportedShape("SPARQL constraint without a WHERE clause")
        return m.start()
    return m.end() - 1


def _sparql_prefixes(g: Graph, constraint: Node) -> str:
    lines = []
    for decl_owner in g.objects(constraint, SH.prefixes):
        for decl in g.objects(decl_owner, SH.declare):
            p, ns = g.value(decl, SH.prefix), g.value(decl, SH.namespace)
            if p is not None and ns is not None:
                lines.append(f"PREFIX {p}: <{ns}>")
    return "\n".join(sorted(set(lines))) + "\n"


def top_level_shapes(g: Graph) -> list[Node]:
    shapes = set()
    for s in set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape)):
        if _targets(g, s):
            shapes.add(s)
    for pred in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        shapes.update(g.subjects(pred, None))
    return sorted(shapes, key=str)


def compile_shapes(g: Graph) -> CompiledShapes:
    """Compile every targeted shape of ``g``; raises UnsupportedShape for features outside the subset."""
    c = _Compiler(g)
    queries: list[CompiledQuery] = []
    for shape in top_level_shapes(g):
        if (shape, SH.deactivated, Literal(True)) in g:
            continue
        focus = focus_pattern(g, shape)
        queries.extend(c.shape_queries(shape, focus))
    prefixes = "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    return CompiledShapes(queries, prefixes)
