"""SPARQL 1.1 Protocol details: result formats, content negotiation and the ``format`` parameter.

https://www.w3.org/TR/sparql11-protocol/ — SELECT and ASK results as JSON, XML, CSV or TSV; CONSTRUCT and
DESCRIBE results as Turtle, N-Triples, JSON-LD or RDF/XML. A client chooses by ``Accept`` or, taking
precedence, by a ``format`` (or ``output``) parameter holding a short name or a media type.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyoxigraph as ox

from govcat.errors import QueryError


class NotAcceptable(QueryError):
    """No result format the client accepts fits the query form (HTTP 406)."""


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    ox_format: Any
    aliases: tuple[str, ...] = ()  # other media types that ask for it


SOLUTION_FORMATS = (
    Format("json", "application/sparql-results+json", ox.QueryResultsFormat.JSON, ("application/json",)),
    Format("xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML, ("application/xml", "text/xml")),
    Format("csv", "text/csv", ox.QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
)
GRAPH_FORMATS = (
    Format("turtle", "text/turtle", ox.RdfFormat.TURTLE, ("application/turtle", "application/x-turtle")),
    Format("ntriples", "application/n-triples", ox.RdfFormat.N_TRIPLES, ("text/plain",)),
    Format("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD, ("application/x-json+ld", "application/json")),
    Format("rdfxml", "application/rdf+xml", ox.RdfFormat.RDF_XML, ("application/xml", "text/xml")),
)

# Short names as clients send them in ?format= / ?output= (SPARQLWrapper sends json, xml, csv, tsv,
# turtle, n3, rdf+xml, json-ld). "json" and "xml" mean the form's own JSON or XML.
_NAMES = {
    "solutions": {"json": "json", "srj": "json", "xml": "xml", "srx": "xml", "csv": "csv", "tsv": "tsv"},
    "graph": {
        "turtle": "turtle", "ttl": "turtle", "n3": "turtle", "nt": "ntriples", "ntriples": "ntriples",
        "n-triples": "ntriples", "jsonld": "jsonld", "json-ld": "jsonld", "json": "jsonld", "rdf": "rdfxml",
        "rdfxml": "rdfxml", "rdf+xml": "rdfxml", "xml": "rdfxml",
    },
}


def formats_for(kind: str) -> tuple[Format, ...]:
    return GRAPH_FORMATS if kind == "graph" else SOLUTION_FORMATS


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges of an Accept header, best first (stable for equal q)."""
    if not header:
        return [("*/*", 1.0)]
    ranges = []
    for i, part in enumerate(header.split(",")):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        if not media:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.lower().startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        ranges.append((i, media, q))
    ranges.sort(key=lambda r: (-r[2], r[0]))
    return [(m, q) for _, m, q in ranges]


def _match(media: str, fmt: Format) -> bool:
    if media == "*/*":
        return True
    if media.endswith("/*"):
        return fmt.media_type.startswith(media[:-1])
    return media == fmt.media_type or media in fmt.aliases


def negotiate(accept: str | None, candidates: tuple[Format, ...]) -> Format | None:
    """The best candidate for an Accept header; the first candidate is the default for */*."""
    for media, q in parse_accept(accept):
        if q <= 0:
            continue
        for fmt in candidates:
            if _match(media, fmt):
                return fmt
    return None


@lru_cache(maxsize=256)  # clients send the same few Accept headers again and again
def choose_format(kind: str, accept: str | None, fmt: str | None) -> Format:
    """The format to write a result of ``kind`` (solutions, boolean or graph) in, or NotAcceptable."""
    group = "graph" if kind == "graph" else "solutions"
    candidates = formats_for(group)
    if fmt:
        wanted = fmt.strip().lower()
        name = _NAMES[group].get(wanted)
        for f in candidates:
            if f.name == name or f.media_type == wanted or wanted in f.aliases:
                return f
        raise NotAcceptable(
            f"结果格式 {fmt!r} 不适用于此查询 / result format {fmt!r} is not available for this query; "
            f"use one of: {', '.join(f.name + ' (' + f.media_type + ')' for f in candidates)}"
        )
    chosen = negotiate(accept, candidates)
    if chosen is None:
        raise NotAcceptable(
            f"无法按 Accept: {accept} 提供结果 / cannot answer with any type in Accept: {accept}; "
            f"this query's results are available as: {', '.join(f.media_type for f in candidates)}"
        )
    return chosen


def pick_format_param(values: list[str]) -> str | None:
    """The first ``format``/``output`` value that names a format (SPARQLWrapper may send two)."""
    known = set(_NAMES["solutions"]) | set(_NAMES["graph"])
    media = {m for f in SOLUTION_FORMATS + GRAPH_FORMATS for m in (f.media_type, *f.aliases)}
    for v in values:
        if v and (v.strip().lower() in known or v.strip().lower() in media):
            return v
    return values[0] if values else None


class UnsupportedMediaType(QueryError):
    """A POST body of a type the protocol does not define (HTTP 415)."""
