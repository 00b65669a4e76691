"""N-Triples terms for the template mapper.

The mapper writes each triple as N-Triples text (``<s> <p> o``, without the final `` .``) rather than as
pyoxigraph term objects: Oxigraph's own parser reads that text into the store several times faster than
the bulk loader takes Python ``Quad`` objects, and building strings costs Python far less than building
objects (issue 3). The price is that escaping is ours to get right, so every term goes through here:

- literals are escaped by the C JSON string encoder, whose escapes (``\\"``, ``\\\\``, ``\\n``, ``\\r``,
  ``\\t``, ``\\b``, ``\\f``, ``\\uXXXX``) are all N-Triples ECHAR/UCHAR escapes, and which leaves every
  other character as it is (N-Triples takes any other character unescaped);
- IRIs made from what a department typed (web addresses, e-mail addresses) are checked by
  :func:`iri_problem` before they are used; all other IRIs come from the store's registries and
  vocabularies or from validated codes, and are valid already. Oxigraph's parser checks every IRI again
  when the text is loaded, so a mistake here stops the load (and removes what it wrote) instead of
  storing a bad term.
"""

from __future__ import annotations

import re
from json.encoder import encode_basestring  # the C implementation when available

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_DATE = f"<{XSD}date>"
XSD_INTEGER = f"<{XSD}integer>"
TRUE = f'"true"^^<{XSD}boolean>'
FALSE = f'"false"^^<{XSD}boolean>'

# What N-Triples' IRIREF never allows unescaped; Oxigraph's IRI check refuses these too, this is belt and
# braces for the characters that would change how the line is read (">", "\\", space, line breaks).
_NOT_IN_IRIREF = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def iri(value: str) -> str:
    """An IRI term; ``value`` must be a valid IRI (see :func:`iri_problem` for untrusted ones)."""
    return f"<{value}>"


def string(text: str) -> str:
    """A plain (xsd:string) literal."""
    return encode_basestring(text)


def zh(text: str) -> str:
    """A literal tagged ``@zh``."""
    return encode_basestring(text) + "@zh"


def typed(lexical: str, datatype_term: str) -> str:
    """A literal of the datatype ``datatype_term`` (an IRI term such as :data:`XSD_DATE`)."""
    return f"{encode_basestring(lexical)}^^{datatype_term}"


def integer(value: int) -> str:
    return f'"{value}"^^{XSD_INTEGER}'


def boolean(value: bool) -> str:
    return TRUE if value else FALSE


def iri_problem(value: str) -> str | None:
    """Why ``value`` cannot be written as an IRI (Oxigraph's reason), or None if it can."""
    bad = _NOT_IN_IRIREF.search(value)
    if bad:
        return f"invalid IRI code point {bad.group()!r}"
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        return str(exc)
    return None


def statements_to_triples(statements: list[str]) -> list[ox.Triple]:
    """The mapper's statements as pyoxigraph triples (dry runs, validation of a submission, staging)."""
    if not statements:
        return []
    data = (" .\n".join(statements) + " .\n").encode("utf-8")
    return [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
