"""Rendering SPARQL results for the terminal and for files: table, JSON, CSV, TSV, Turtle."""

from __future__ import annotations

import unicodedata
from typing import Any

import pyoxigraph as ox

from govcat.errors import QueryError

RESULT_FORMATS = ("table", "json", "csv", "tsv", "xml", "turtle", "ntriples")

_SOLUTION_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "xml": ox.QueryResultsFormat.XML,
}
_GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES}


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _term(term: Any, prefixes: dict[str, str]) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for p, ns in prefixes.items():
            if term.value.startswith(ns) and len(term.value) > len(ns):
                return f"{p}:{term.value[len(ns):]}"
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def render(result: Any, fmt: str, prefixes: dict[str, str] | None = None) -> str:
    """Render a pyoxigraph query result in ``fmt``; a format that does not fit the query form is refused."""
    prefixes = prefixes or {}
    if isinstance(result, ox.QueryBoolean):
        if fmt in ("table",):
            return "true" if bool(result) else "false"
        if fmt in _SOLUTION_FORMATS:
            return result.serialize(format=_SOLUTION_FORMATS[fmt]).decode("utf-8")
        raise QueryError(f"ASK 查询不能输出为 {fmt} / an ASK result cannot be written as {fmt}")
    if isinstance(result, ox.QueryTriples):
        if fmt in ("table", "turtle"):
            return ox.serialize(result, format=ox.RdfFormat.TURTLE, prefixes=prefixes).decode("utf-8")
        if fmt in _GRAPH_FORMATS:
            return ox.serialize(result, format=_GRAPH_FORMATS[fmt]).decode("utf-8")
        raise QueryError(
            f"CONSTRUCT/DESCRIBE 结果不能输出为 {fmt} / a CONSTRUCT or DESCRIBE result cannot be written as {fmt}; "
            "use turtle or ntriples"
        )
    if fmt in _SOLUTION_FORMATS:
        return result.serialize(format=_SOLUTION_FORMATS[fmt]).decode("utf-8")
    if fmt != "table":
        raise QueryError(f"SELECT 结果不能输出为 {fmt} / a SELECT result cannot be written as {fmt}")
    names = [v.value for v in result.variables]
    rows = [[_term(sol[n], prefixes) for n in names] for sol in result]
    widths = [max([_width(n)] + [_width(r[i]) for r in rows]) for i, n in enumerate(names)]
    line = "+".join("-" * (w + 2) for w in widths)
    out = [" | ".join(_pad(n, w) for n, w in zip(names, widths)), line]
    out += [" | ".join(_pad(c, w) for c, w in zip(r, widths)) for r in rows]
    out.append(f"({len(rows)} 行 / rows)")
    return "\n".join(out)
