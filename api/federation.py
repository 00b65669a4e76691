"""Federation: SERVICE only to the peers named in the allow-list (setting ``federation_peers``).

pyoxigraph evaluates ``SERVICE <url>`` itself, over HTTP, with the standard protocol. So anything a
query names in SERVICE is a request our server makes: the targets are found by parsing the query
(rdflib's SPARQL parser and algebra, which see SERVICE inside subqueries, EXISTS and OPTIONAL alike,
with prefixes and BASE resolved), and a query naming any target outside the allow-list, or a
variable as its target, is refused before it runs. SPARQL Update's LOAD fetches a URL too, and is
refused the same way.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from govcat.errors import ConfigError, QueryRefused


def parse_peers(setting: str) -> dict[str, str]:
    """``name=URL,name=URL`` as a dict; a malformed pair is a ConfigError."""
    peers: dict[str, str] = {}
    for part in (setting or "").split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, url = part.partition("=")
        name, url = name.strip(), url.strip()
        if not sep or not name or not url.startswith(("http://", "https://")):
            raise ConfigError(
                f"federation_peers 中的 {part!r} 无效，应为 名称=URL / invalid federation peer {part!r}: "
                "expected name=http(s)://host/sparql"
            )
        peers[name] = url
    return peers


_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescape(text: str) -> str:
    # SPARQL allows \u escapes anywhere in a query; "S\u0045RVICE" is SERVICE.
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def _might_name(text: str, keyword: str) -> bool:
    # Only a shortcut: a query whose text never contains the keyword cannot use it, so the (slow)
    # rdflib parse is needed only when it does. The decision itself is made on the parsed query.
    return keyword in _unescape(text).lower()


# "service" where it can be the keyword: after the start, a space or a brace, before a space, an IRI
# or a variable (not inside <…/sparql-service-description#>).
_BEFORE_SERVICE = re.compile(r"(?i)(?:(?<=^)|(?<=[\s{}]))(?=service(?:\s+silent)?[\s<?$])")


def _for_rdflib(text: str) -> str:
    # rdflib (7.x) finds each SERVICE's text by a second scan of the query in which a "#" inside an
    # earlier IRI on the same line starts a comment, so `PREFIX d: <…#> … SERVICE` on one line fails
    # to parse. A line break before each SERVICE keyword avoids that. It is tried only after a
    # failed parse, and can only make the parse fail again (e.g. inside a string), which is a
    # refusal: the check stays closed.
    return _BEFORE_SERVICE.sub("\n", text)


def _parse(text: str, parse: Any, translate: Any) -> Any:
    try:
        return translate(parse(text)).algebra
    except Exception:  # noqa: BLE001 - retried once with the work-around below
        return translate(parse(_for_rdflib(text))).algebra


def _service_terms(algebra: object) -> list[object]:
    from rdflib.plugins.sparql.algebra import traverse

    found: list[object] = []

    def visit(node: object) -> None:
        if getattr(node, "name", None) == "ServiceGraphPattern":
            found.append(node.get("term"))  # type: ignore[attr-defined]

    traverse(algebra, visit)
    return found


def _refuse_targets(terms: Iterable[object], allowed: Iterable[str]) -> None:
    from rdflib import URIRef

    allowed = set(allowed)
    for term in terms:
        if not isinstance(term, URIRef):
            raise QueryRefused(
                f"SERVICE 的目标必须是允许列表中的 IRI，不能是变量 {term} / a SERVICE target must be a peer IRI "
                f"from the allow-list, not the variable {term}"
            )
        if str(term) not in allowed:
            raise QueryRefused(
                f"不允许 SERVICE <{term}>：它不在联邦允许列表中 / SERVICE <{term}> is refused: it is not in "
                f"the federation allow-list (setting federation_peers); allowed: "
                f"{', '.join(sorted(allowed)) or 'none'}"
            )


def check_services(query: str, allowed: Iterable[str]) -> None:
    """Refuse a query that names a SERVICE target outside ``allowed`` (peer URLs)."""
    if not _might_name(query, "service"):
        return
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        algebra = _parse(query, parseQuery, translateQuery)
    except Exception as exc:  # noqa: BLE001 - any parse failure means the targets are unknown
        raise QueryRefused(
            f"无法确认查询中 SERVICE 的目标，查询被拒绝 / the query seems to use SERVICE but could not be parsed "
            f"to check its targets against the allow-list: {exc}"
        ) from exc
    _refuse_targets(_service_terms(algebra), allowed)


def check_update(update: str, allowed: Iterable[str]) -> None:
    """Refuse an update that uses LOAD (it fetches any URL) or SERVICE outside ``allowed``."""
    if not (_might_name(update, "service") or _might_name(update, "load")):
        return
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        ops = _parse(update, parseUpdate, translateUpdate)
    except Exception as exc:  # noqa: BLE001
        raise QueryRefused(
            f"无法确认更新中 LOAD/SERVICE 的目标，更新被拒绝 / the update seems to use LOAD or SERVICE but could "
            f"not be parsed to check it: {exc}"
        ) from exc
    for op in ops:
        if getattr(op, "name", None) == "Load":
            raise QueryRefused(
                "不支持 LOAD：服务器不代为抓取 URL / LOAD is refused: the server does not fetch URLs on request; "
                "load files with the govcat loaders instead"
            )
        _refuse_targets(_service_terms(op), allowed)
