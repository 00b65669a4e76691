"""Comunica, a third SPARQL engine (Node.js), uses our public endpoint as a source and as a SERVICE target
with the standard protocol (issue 5; Oxigraph is in test_api_federation.py). Comunica 4 is installed from npm
into .govcat/comunica on first use; the test skips, saying why, only when npm or its registry is unreachable."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

sys.path.insert(0, str(Path(__file__).parent))

from test_api_support import NOT_OPEN, OPEN, Server, make_stores  # noqa: E402

REPO = Path(__file__).parent.parent
CACHE = REPO / ".govcat" / "comunica"
PACKAGE = "@comunica/query-sparql@4"  # 5 needs a newer Node than Debian's 20
RUNNER = Path(__file__).parent / "comunica_query.cjs"
NETWORK_ERRORS = ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENETUNREACH",
                  "EHOSTUNREACH", "network request", "getaddrinfo")

PREFIXES = ("PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/> "
            "PREFIX foaf: <http://xmlns.com/foaf/0.1/> ")
DATASET_TITLES = "?d a dcat:Dataset ; dct:title ?title FILTER(lang(?title) = 'zh')"
WITH_PUBLISHER = "?d a dcat:Dataset ; dct:title ?title ; dct:publisher/foaf:name ?publisher FILTER(lang(?title) = 'zh')"


def _installed_version() -> str | None:
    manifest = CACHE / "node_modules" / "@comunica" / "query-sparql" / "package.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text(encoding="utf-8")).get("version")


@pytest.fixture(scope="module")
def comunica() -> dict[str, str]:
    """The environment under which node finds Comunica 4 in the cache folder (installed there if missing)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to install Comunica and are not on PATH")
    if not (_installed_version() or "").startswith("4."):
        CACHE.mkdir(parents=True, exist_ok=True)
        cmd = [npm, "install", "--no-audit", "--no-fund", "--no-save", "--loglevel=error", "--prefix", str(CACHE), PACKAGE]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=540, cwd=CACHE)
        except subprocess.TimeoutExpired:
            pytest.skip(f"`{' '.join(cmd)}` did not finish in 9 minutes (npm registry unreachable?)")
        if out.returncode != 0:
            text = out.stdout + out.stderr
            if any(e in text for e in NETWORK_ERRORS):
                pytest.skip(f"the npm registry is unreachable, so {PACKAGE} cannot be installed: {text.strip()[-400:]}")
            pytest.fail(f"`{' '.join(cmd)}` failed ({out.returncode}):\n{text}")
        assert (_installed_version() or "").startswith("4."), _installed_version()
    env = dict(os.environ)
    env["NODE_PATH"] = str(CACHE / "node_modules")
    return env


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("comunica")
    srv = Server(root, *make_stores(root))
    yield srv
    srv.stop()


def run_comunica(env: dict[str, str], query: str, sources: list) -> list[dict]:
    out = subprocess.run(["node", str(RUNNER)], input=json.dumps({"query": query, "sources": sources}),
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def endpoint_rows(url: str, query: str) -> list[dict]:
    """The same query answered by our endpoint itself, through SPARQLWrapper."""
    sw = SPARQLWrapper(url)
    sw.setQuery(query)
    sw.setReturnFormat(JSON)
    return sw.query().convert()["results"]["bindings"]


def comunica_set(rows: list[dict], names: tuple[str, ...]) -> set[tuple]:
    return {tuple((r[n]["value"], r[n].get("lang")) for n in names) for r in rows}


def endpoint_set(rows: list[dict], names: tuple[str, ...]) -> set[tuple]:
    return {tuple((r[n]["value"], r[n].get("xml:lang")) for n in names) for r in rows}


def test_comunica_queries_our_endpoint_as_a_sparql_source(comunica, server):
    query = PREFIXES + f"SELECT ?d ?title WHERE {{ {DATASET_TITLES} }}"
    rows = run_comunica(comunica, query, [f"sparql@{server.public}"])
    ours = endpoint_set(endpoint_rows(server.public, query), ("d", "title"))
    assert comunica_set(rows, ("d", "title")) == ours
    assert len(rows) == len(ours)  # no duplicates either
    assert {(d, title) for (d, _), (title, _) in ours} == {(iri, title) for iri, (_, title) in OPEN.items()}
    assert all(lang == "zh" for _, (_, lang) in ours)


def test_comunica_joins_local_data_with_a_service_to_our_endpoint(comunica, server):
    # A harvester's own watch list (local RDF, evaluated by Comunica) joined with our endpoint by SERVICE:
    # Comunica sends the inner pattern to /sparql with the watch list's IRIs bound. The non-open datasets
    # on the list stay unanswered.
    watched = list(OPEN) + list(NOT_OPEN)
    turtle = "".join(f"<urn:harvester:watch> <urn:harvester:follows> <{iri}> .\n" for iri in watched)
    local = {"type": "serialized", "value": turtle, "mediaType": "text/turtle", "baseIRI": "urn:harvester:"}
    query = PREFIXES + (
        "SELECT ?d ?title ?publisher WHERE { <urn:harvester:watch> <urn:harvester:follows> ?d . "
        f"SERVICE <{server.public}> {{ {WITH_PUBLISHER} }} }}"
    )
    rows = run_comunica(comunica, query, [local])
    names = ("d", "title", "publisher")
    ours = endpoint_set(endpoint_rows(server.public, PREFIXES + f"SELECT * WHERE {{ {WITH_PUBLISHER} }}"), names)
    assert comunica_set(rows, names) == ours
    assert len(rows) == len(ours)
    assert {d for (d, _), _, _ in ours} == set(OPEN)
    assert {title for _, (title, _), _ in ours} == {title for _, title in OPEN.values()}
    assert all(publisher for _, _, (publisher, _) in ours)
    leaked = {r["d"]["value"] for r in rows} & set(NOT_OPEN)
    assert leaked == set()

