"""Helpers shared by the benchmarks."""

from __future__ import annotations

from govcat.store import CatalogStore

BASE = "https://data.sd.gov.cn/govcat/"


def bureaus() -> dict[str, str]:
    """Division code -> IRI of that government's big-data bureau, from the bundled registry."""
    store = CatalogStore.in_memory(BASE)
    rows = store.select(
        """SELECT ?org ?division WHERE {
             ?org <http://www.w3.org/ns/org#classification> <https://w3id.org/govcat/vocab/org-kind/big-data-bureau> ;
                  <https://w3id.org/govcat/ns#division> ?d .
             ?d <http://www.w3.org/2004/02/skos/core#notation> ?division }"""
    )
    return {r["division"]: r["org"] for r in rows}
