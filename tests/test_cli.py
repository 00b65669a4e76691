"""The command line: --help everywhere, query in every format, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from govcat.cli import cli

BASE = "https://data.example.gov.cn/govcat/"


def _all_commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,)
        if isinstance(cmd, click.Group):
            yield from _all_commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path", [()] + list(_all_commands(cli)), ids=lambda p: " ".join(p) or "govcat")
def test_every_command_has_help(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("store")
    result = CliRunner().invoke(cli, ["--store", str(d), "--base-iri", BASE, "init"])
    assert result.exit_code == 0, result.output
    return d


def _q(store_dir, *args):
    return CliRunner().invoke(cli, ["--store", str(store_dir), "--base-iri", BASE, "query", *args])


def test_query_select_in_every_format(store_dir):
    q = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    table = _q(store_dir, q)
    assert table.exit_code == 0, table.output
    assert "graph/ontology" in table.output and "rows" in table.output
    as_json = json.loads(_q(store_dir, q, "--format", "json").output)
    graphs = [b["g"]["value"] for b in as_json["results"]["bindings"]]
    assert BASE + "graph/ontology" in graphs
    csv_out = _q(store_dir, q, "--format", "csv").output.splitlines()
    assert csv_out[0].strip() == "g" and BASE + "graph/ontology" in [c.strip() for c in csv_out[1:]]
    tsv_out = _q(store_dir, q, "--format", "tsv").output.splitlines()
    assert tsv_out[0].strip() == "?g" and f"<{BASE}graph/ontology>" in [c.strip() for c in tsv_out[1:]]


def test_query_ask_and_construct(store_dir):
    assert _q(store_dir, "ASK { GRAPH ?g { ?s ?p ?o } }").output.strip() == "true"
    assert _q(store_dir, "ASK { <urn:x:none> ?p ?o }").output.strip() == "false"
    ttl = _q(store_dir, "CONSTRUCT { ?g a <urn:x:Graph> } WHERE { GRAPH ?g { ?s ?p ?o } }", "--format", "turtle")
    assert ttl.exit_code == 0, ttl.output
    from rdflib import Graph, URIRef

    g = Graph().parse(data=ttl.output, format="turtle")
    assert (URIRef(BASE + "graph/ontology"), None, URIRef("urn:x:Graph")) in g


def test_bad_query_exits_2_with_a_message(store_dir):
    result = _q(store_dir, "SELEC ?x WHERE {")
    assert result.exit_code == 2
    assert "SPARQL" in result.output


def test_wrong_format_for_query_form_exits_2(store_dir):
    result = _q(store_dir, "ASK {}", "--format", "turtle")
    assert result.exit_code == 2


def test_installed_entry_point_runs(tmp_path):
    exe = Path(sys.executable).parent / "govcat"
    env = dict(os.environ, GOVCAT_STORE=str(tmp_path / "s"))
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, env=env, check=True)
    assert "govcat" in out.stdout
