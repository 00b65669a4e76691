"""A SHACL engine for the Oxigraph store: shapes compiled to SPARQL, run over all focus nodes at once.

pyshacl stays the reference engine; this one gives the same set of results (focus node, path, source shape,
constraint component, severity, value) on the shapes govcat uses, at province scale. Core constraints become
one SPARQL query per constraint over every focus node of the shape's targets; SHACL-SPARQL constraints run on
Oxigraph's engine with ``$this`` left free and joined to the targets, which is equivalent to pre-binding for
queries that bind ``$this`` through a triple pattern at their top level (all of govcat's shapes do; the
equivalence tests compare with pyshacl).
"""

from govcat.fastshacl.compiler import CompiledShapes, compile_shapes, UnsupportedShape
from govcat.fastshacl.engine import FastResult, run

__all__ = ["CompiledShapes", "compile_shapes", "UnsupportedShape", "FastResult", "run"]
