"""The N-Triples terms the template mapper writes (loaders/template_nt): every string comes back from
Oxigraph's parser as exactly the value it was made from."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from govcat.loaders import template_nt as nt

S, P = "https://data.sd.gov.cn/govcat/dataset/1", "http://purl.org/dc/terms/title"


def _parse_one(obj: str) -> ox.Literal | ox.NamedNode:
    quads = list(ox.parse(f"<{S}> <{P}> {obj} .\n".encode(), format=ox.RdfFormat.N_TRIPLES))
    assert len(quads) == 1
    return quads[0].object


@pytest.mark.parametrize("text", [
    "".join(chr(c) for c in range(0x00, 0x80)),  # every ASCII character, controls included
    '" .\n<http://evil.example/s> <http://evil.example/p> "x',
    "\\u0041 \\U0001F600 \\n \\\" \\\\",
    "\r\n\u2028\u2029\u0085\ufeff\u200b😀中文",
    "",
])
def test_literals_round_trip(text: str) -> None:
    assert _parse_one(nt.string(text)) == ox.Literal(text)
    assert _parse_one(nt.zh(text)) == ox.Literal(text, language="zh")
    assert _parse_one(nt.typed(text, nt.XSD_DATE)) == ox.Literal(text, datatype=ox.NamedNode(nt.XSD + "date"))


def test_numbers_and_booleans_are_the_terms_pyoxigraph_makes() -> None:
    assert _parse_one(nt.integer(7)) == ox.Literal(7)
    assert _parse_one(nt.boolean(True)) == ox.Literal(True)
    assert _parse_one(nt.boolean(False)) == ox.Literal(False)


@pytest.mark.parametrize("value", [
    "https://a.example/x>y", "https://a.example/x y", "https://a.example/\\u0041", "mailto:a{b}@c.cn",
    "https://a.example/%zz", "https://a.example/#a#b", "https://a.example/\n", 'https://a.example/"',
    "https://a.example/x|y^z`",
])
def test_iris_that_n_triples_or_oxigraph_refuse_are_reported(value: str) -> None:
    assert nt.iri_problem(value)


@pytest.mark.parametrize("value", ["https://data.sd.gov.cn/dl/000002.csv?a=1&b=2#x", "mailto:张三@例子.中国",
                                   "tel:+8653112345678", "https://例子.中国/路径/%E4%B8%AD"])
def test_valid_iris_pass_and_round_trip(value: str) -> None:
    assert nt.iri_problem(value) is None
    assert _parse_one(nt.iri(value)) == ox.NamedNode(value)


def test_statements_parse_back_into_triples() -> None:
    quoted = nt.zh('a"b')
    statements = [f"<{S}> <{P}> {quoted}", f"<{S}> <{P}> <{S}#x>"]
    assert nt.statements_to_triples(statements) == [
        ox.Triple(ox.NamedNode(S), ox.NamedNode(P), ox.Literal('a"b', language="zh")),
        ox.Triple(ox.NamedNode(S), ox.NamedNode(P), ox.NamedNode(S + "#x")),
    ]
    assert nt.statements_to_triples([]) == []
