"""The generated reference docs/ontology.md and the `govcat ontology doc` command."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from govcat.cli import cli
from govcat.ns import GC, VOCAB
from govcat.ontology import ONTOLOGY_DIR
from govcat.ontology_doc import render

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "ontology.md"


def test_committed_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run `govcat ontology doc` and commit docs/ontology.md"


def test_reference_lists_every_term_concept_and_article() -> None:
    text = render()
    onto = Graph().parse(ONTOLOGY_DIR / "govcat.ttl")
    for s in set(onto.subjects(RDF.type, None)):
        if str(s).startswith(str(GC)):
            assert f"`gc:{str(s)[len(str(GC)):]}`" in text, s
    vocab = Graph()
    for p in sorted((ONTOLOGY_DIR / "vocab").glob("*.ttl")):
        vocab.parse(p)
    for c in vocab.subjects(RDF.type, SKOS.Concept):
        if str(c).startswith(str(VOCAB)):
            code = str(c).rsplit("/", 1)[1]
            for label in vocab.objects(c, SKOS.prefLabel):
                assert f"`{code}`" in text and str(label) in text, c
    assert text.count("**第") == 40
    assert "`dcat:Dataset ∪ dcat:Distribution`" in text  # union domains are rendered


def test_cli_writes_and_checks_the_reference(tmp_path: Path) -> None:
    out = tmp_path / "ontology.md"
    runner = CliRunner()
    result = runner.invoke(cli, ["ontology", "doc", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == DOC.read_text(encoding="utf-8")
    assert runner.invoke(cli, ["ontology", "doc", "--check", str(out)]).exit_code == 0
    out.write_text("stale", encoding="utf-8")
    stale = runner.invoke(cli, ["ontology", "doc", "--check", str(out)])
    assert stale.exit_code == 2 and "out of date" in stale.output
