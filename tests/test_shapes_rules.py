"""Every rule of the Measures fires on its fire-* files and stays quiet on its quiet-* files.

Each file under tests/data/shapes/<rule>/ is validated together with the shared test context
(_context.ttl) and the real vocabularies, Measures, registries and calendar of a fresh store. Only results
on the file's own nodes count. Header comments of a file may say:

    # expect: R19.1 R22.2     the exact set of rules that fire (default: the folder's rule)
    # as-of: 2024-10-11       the as-of date (default: 2024-11-15)
    # due: 2024-10-11         the due date every result of the folder's rule states
    # severity: Warning       the severity of the folder's rule's results (default: Violation)
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from govcat.store import CatalogStore
from govcat.validation import datagraph, engines
from govcat.validation.report import to_results
from govcat.validation.shapes import rule_shapes, shapes_graph

DATA = Path(__file__).parent / "data" / "shapes"
BASE = "https://data.sd.gov.cn/govcat/"
DEFAULT_AS_OF = date(2024, 11, 15)
CASES = sorted(p for p in DATA.glob("R*/*.ttl"))


def _header(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"#\s*(expect|as-of|due|severity):\s*(.+)", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


@pytest.fixture(scope="session")
def context(tmp_path_factory) -> Graph:
    store = CatalogStore.open(tmp_path_factory.mktemp("shapes-store"), BASE)
    g = datagraph.export(store, datagraph.context_graphs(store))
    g.parse(DATA / "_context.ttl", format="turtle")
    return g


def run(context: Graph, path: Path | None, as_of: date):
    """Validate the context plus one case. The case's triples are added to the shared context graph and
    taken out again afterwards (copying the 20k-triple context for each case would dominate the run)."""
    own: set = set()
    added = [datagraph.as_of_triple(as_of)]
    if path is not None:
        case = Graph().parse(path, format="turtle")
        own = {s for s in case.subjects() if isinstance(s, URIRef)}
        added += [t for t in case if t not in context]
    for t in added:
        context.add(t)
    try:
        results = to_results(engines.pyshacl_graph(context, shapes_graph()), rule_shapes(), context)
    finally:
        for t in added:
            context.remove(t)
    return [r for r in results if URIRef(r.focus) in own] if path is not None else results


def test_context_alone_is_clean(context):
    ctx_nodes = {str(s) for s in Graph().parse(DATA / "_context.ttl", format="turtle").subjects()}
    results = [r for r in run(context, None, DEFAULT_AS_OF) if r.focus in ctx_nodes]
    assert results == []


def test_every_rule_folder_has_fire_and_quiet_cases():
    for folder in sorted(p for p in DATA.glob("R*") if p.is_dir()):
        names = [p.name for p in folder.glob("*.ttl")]
        assert any(n.startswith("fire-") for n in names), folder
        assert any(n.startswith("quiet-") for n in names), folder


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_case(context, path: Path):
    rule = path.parent.name
    head = _header(path)
    as_of = date.fromisoformat(head.get("as-of", DEFAULT_AS_OF.isoformat()))
    results = run(context, path, as_of)
    fired = {r.rule for r in results}
    if path.stem.startswith("quiet-"):
        assert results == [], [(r.rule, r.message.get("en")) for r in results]
        return
    expected = set(head.get("expect", rule).split())
    assert fired == expected, [(r.rule, r.message.get("en")) for r in results]
    own = [r for r in results if r.rule == rule]
    assert own, f"{rule} did not fire"
    for r in own:
        assert r.article == int(rule[1:].split(".")[0])
        assert r.severity == head.get("severity", "Violation")
        assert set(r.message) == {"zh", "en"} and all(r.message.values())
        assert "{" not in r.message["zh"] + r.message["en"], r.message  # every placeholder was filled
        assert r.department, "every result names its department"
        if "due" in head:
            assert r.due == head["due"]
            assert head["due"] in r.message["zh"] and head["due"] in r.message["en"]
