"""The shapes graph (``shapes/*.ttl``) and what each rule-carrying shape says about itself."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from govcat.errors import CatalogError
from govcat.ns import GC, SH


@dataclass(frozen=True)
class ShapeInfo:
    """A shape that enforces a rule: its rule id, article, severity, messages and whether its value is a due date."""

    node: URIRef
    rule: str
    article: int
    article_iris: tuple[str, ...]
    severity: str  # Violation | Warning | Info
    messages: dict[str, str]  # lang -> template
    deadline: bool


def shape_files() -> list[Path]:
    from govcat.shapes import turtle_files

    return turtle_files()


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    """Every shapes file, parsed once per process (they ship with the package and do not change)."""
    g = Graph()
    files = shape_files()
    if not files:
        raise CatalogError("找不到规则形状文件 / no shapes files found in govcat.shapes")
    for path in files:
        try:
            g.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several parser exception types
            raise CatalogError(f"{path}: 形状文件无法解析 / cannot parse the shapes file: {exc}", source=str(path)) from exc
    return g


def rule_shapes(g: Graph | None = None) -> dict[URIRef, ShapeInfo]:
    """Every shape with a ``gc:ruleId``, keyed by its node."""
    g = g if g is not None else shapes_graph()
    out: dict[URIRef, ShapeInfo] = {}
    for node, rule in g.subject_objects(GC.ruleId):
        article = g.value(node, GC.article)
        severity = g.value(node, SH.severity) or SH.Violation
        messages = {m.language or "": str(m) for m in g.objects(node, SH.message) if isinstance(m, Literal)}
        out[node] = ShapeInfo(
            node=node,
            rule=str(rule),
            article=int(article) if article is not None else 0,
            article_iris=tuple(sorted(str(o) for o in g.objects(node, RDFS.seeAlso))),
            severity=str(severity).rsplit("#", 1)[-1],
            messages=messages,
            deadline=bool(g.value(node, GC.deadline)),
        )
    return out
