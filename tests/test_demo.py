"""`govcat demo`, the README's main job, end to end: a fresh working directory, the embedded store and the
bundled sample, checking, the site, and the server on 127.0.0.1 queried by a real SPARQL client."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

GOVCAT = str(Path(sys.executable).parent / "govcat")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVCAT_")}
    return env


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("demo")


def test_demo_loads_checks_and_builds_then_is_idempotent(workdir):
    first = subprocess.run([GOVCAT, "demo", "--no-serve"], cwd=workdir, env=_env(), capture_output=True,
                           text=True, timeout=900)
    assert first.returncode == 0, first.stderr
    assert "57 个部门 / departments" in first.stdout
    assert "违规 / violations" in first.stdout
    assert (workdir / ".govcat" / "store").is_dir()
    assert (workdir / ".govcat" / "site" / "index.html").is_file()
    assert (workdir / ".govcat" / "site" / "catalog.ttl").is_file()
    # A second run finds the sample already loaded and does not load it again.
    second = subprocess.run([GOVCAT, "demo", "--no-serve"], cwd=workdir, env=_env(), capture_output=True,
                            text=True, timeout=900)
    assert second.returncode == 0, second.stderr
    assert "already in the store" in second.stdout
    history = subprocess.run([GOVCAT, "history"], cwd=workdir, env=_env(), capture_output=True, text=True)
    assert "no replaced versions" in history.stdout


def test_demo_serves_site_and_sparql(workdir):
    port = _free_port()
    proc = subprocess.Popen([GOVCAT, "demo", "--port", str(port)], cwd=workdir, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 300
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=2) as r:
                    home = r.read().decode("utf-8")
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise AssertionError(proc.stdout.read() if proc.stdout else "demo did not start")
                time.sleep(0.5)
        assert "<html" in home
        sparql = SPARQLWrapper(base + "/sparql")
        sparql.setReturnFormat(JSON)
        sparql.setQuery("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }")
        n = int(sparql.queryAndConvert()["results"]["bindings"][0]["n"]["value"])
        assert n > 100  # the open part of the sample
        req = urllib.request.Request(base + "/catalog", headers={"Accept": "text/turtle"})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.headers["Content-Type"].startswith("text/turtle")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_query_answers_select_ask_and_construct_on_the_demo_store(workdir):
    def q(*args: str) -> str:
        out = subprocess.run([GOVCAT, "query", *args], cwd=workdir, env=_env(), capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 0, out.stderr
        return out.stdout

    table = q("SELECT ?code ?title WHERE { ?d a dcat:Dataset ; dct:identifier ?code ; dct:title ?title } "
              "ORDER BY ?code LIMIT 3")
    assert "(3 行 / rows)" in table
    rows = q("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a dcat:Dataset }", "--format", "csv").splitlines()
    assert rows[0].strip() == "n" and int(rows[1]) == 349  # every resource of the sample
    assert q("ASK { ?d gc:sharingType <https://w3id.org/govcat/vocab/sharing-type/none> }").strip() == "true"
    ttl = q("CONSTRUCT { ?d dct:title ?t } WHERE { ?d a dcat:Dataset ; dct:title ?t } LIMIT 5", "--format", "turtle")
    from rdflib import Graph

    assert len(Graph().parse(data=ttl, format="turtle")) == 5
