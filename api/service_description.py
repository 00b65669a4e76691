"""The SPARQL 1.1 Service Description at each endpoint's IRI, with VoID statistics of its store.

The fixed part is Turtle (``service_description*.ttl``), read with the endpoint's IRI as base; the
statistics come from ``queries/void_stats.rq``, run as a query under the endpoint's time limit.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from fastapi.responses import Response

from govcat.api import protocol
from govcat.api.query_jobs import Job

if TYPE_CHECKING:
    from govcat.api.app import Runtime

HERE = Path(__file__).parent
_FILES = {
    "public": ("service_description.ttl", "service_description_public.ttl"),
    "gov": ("service_description.ttl", "service_description_gov.ttl"),
}


@lru_cache(maxsize=64)  # read once per endpoint IRI (the host a client used), not on every request
def _fixed(store: str, endpoint: str) -> tuple[ox.Triple, ...]:
    triples: list[ox.Triple] = []
    for name in _FILES[store]:
        with (HERE / name).open("rb") as fh:
            triples.extend(ox.parse(fh, format=ox.RdfFormat.TURTLE, base_iri=endpoint))
    return tuple(triples)


def fixed_part(store: str, endpoint: str) -> list[ox.Triple]:
    return list(_fixed(store, endpoint))


@lru_cache(maxsize=1)
def _void_stats_query() -> str:
    return (HERE / "queries" / "void_stats.rq").read_text(encoding="utf-8")


async def describe(rt: "Runtime", store: str, endpoint: str, accept: str | None, fmt: str | None, timeout_ms: int) -> Response:
    # Negotiate first: a client that takes none of our RDF types gets 406 before any work is done.
    chosen = protocol.choose_format("graph", accept, fmt)
    job = Job(
        store=store,
        query=_void_stats_query(),
        fmt="ntriples",
        max_results=rt.config.sparql_max_results,
        base_iri=endpoint,
    )
    answer = await rt.pool.run(job, timeout_ms)
    triples = fixed_part(store, endpoint)
    if answer.ok:
        triples.extend(ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES))
    else:
        logging.getLogger("govcat.api").warning("service description without statistics: %s", answer.message)
    # Without statistics (an empty or missing store) the description is still served.
    body = ox.serialize(
        triples,
        format=chosen.ox_format,
        **({"prefixes": _PREFIXES} if chosen.ox_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else {}),
    )
    return Response(body, media_type=chosen.media_type, headers={"Vary": "Accept"})


_PREFIXES = {
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "void": "http://rdfs.org/ns/void#",
    "dct": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "format": "http://www.w3.org/ns/formats/",
    "dcat": "http://www.w3.org/ns/dcat#",
}
