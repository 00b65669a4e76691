"""Reading a DCAT catalog page by page, from files or HTTP(S), in any RDF syntax, following Hydra paging.

Paging is what ckanext-dcat writes (``hydra:PagedCollection`` with ``hydra:nextPage`` as a literal URL)
and what Hydra itself defines (``hydra:PartialCollectionView`` with ``hydra:next`` as an IRI). The
paging triples are transport, not catalog content: :func:`fetch` consumes them and returns the rest.

The syntax of a page is taken from its Content-Type, else its extension, else by sniffing the bytes.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse
from urllib.request import url2pathname

import pyoxigraph as ox

from govcat.errors import Location, LoaderError

HYDRA = "http://www.w3.org/ns/hydra/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_NEXT = {HYDRA + "next", HYDRA + "nextPage"}
_TOTAL = HYDRA + "totalItems"

ACCEPT = (
    "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.9, application/trig;q=0.8, "
    "application/n-triples;q=0.8, application/n-quads;q=0.7, */*;q=0.1"
)
# Content-Types that say nothing about the RDF syntax: fall back to the extension, then to sniffing.
_GENERIC_TYPES = {"text/plain", "application/octet-stream", "binary/octet-stream", "application/json", ""}
_EXTENSIONS = {
    "ttl": ox.RdfFormat.TURTLE, "turtle": ox.RdfFormat.TURTLE, "n3": ox.RdfFormat.N3,
    "rdf": ox.RdfFormat.RDF_XML, "xml": ox.RdfFormat.RDF_XML, "owl": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD, "json": ox.RdfFormat.JSON_LD,
    "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
}
DEFAULT_MAX_PAGES = 1000
HTTP_TIMEOUT_S = 60


@dataclass
class Page:
    """One fetched page: where it came from, its syntax, and its triples (blank nodes made unique)."""

    url: str
    format: str
    triples: list[ox.Triple]
    next_urls: list[str] = field(default_factory=list)


@dataclass
class Fetched:
    """All pages of one source, in the order they were read, and their catalog content."""

    source: str
    pages: list[Page]
    triples: list[ox.Triple]  # every page's triples without the paging ones, duplicates removed
    total_items: int | None   # hydra:totalItems, where the source states it


def source_url(source: str) -> str:
    """An absolute URL for a command-line source: an http(s) or file URL, or a (relative) file path."""
    scheme = urlparse(source).scheme.lower()
    if scheme in ("http", "https", "file"):
        return source
    path = Path(source)
    if not path.exists():
        raise LoaderError(
            Location(source), "文件不存在，也不是 http(s) 地址", "no such file, and not an http(s) URL"
        )
    return path.resolve().as_uri()


def display(url: str) -> str:
    """A URL as people know it: file URLs as paths."""
    if url.startswith("file:"):
        return url2pathname(unquote(urlparse(url).path))
    return url


def fetch(source: str, *, max_pages: int = DEFAULT_MAX_PAGES, mirrors: dict[str, str] | None = None) -> Fetched:
    """Read ``source`` and every page it links to with hydra:next / hydra:nextPage.

    ``mirrors`` maps URL prefixes to where a copy is read from instead (a folder or another URL), e.g.
    a site built on disk before it is published: its pages keep their published URLs (as base IRIs
    too) and are read from the copy.

    Raises :class:`LoaderError` for unreadable or unparseable pages, HTTP errors, a page linking back to
    a page already read (a loop), or more than ``max_pages`` pages.
    """
    first = source_url(source)
    pages: list[Page] = []
    seen: dict[str, str] = {}  # page URL (no fragment) -> the page that linked to it
    queue: list[tuple[str, str | None]] = [(first, None)]
    while queue:
        url, linked_from = queue.pop(0)
        key = url.split("#", 1)[0]
        if key in seen:
            raise LoaderError(
                Location(display(linked_from or url)),
                f"分页循环：下一页 {display(url)} 已读取过",
                f"paging loop: the next page {display(url)} was already read",
            )
        if len(pages) >= max_pages:
            raise LoaderError(
                Location(display(linked_from or url)),
                f"分页超过上限 {max_pages} 页，未加载任何内容（可用 --max-pages 调整）",
                f"more than {max_pages} pages; nothing was loaded (see --max-pages)",
            )
        seen[key] = linked_from or ""
        page = read_page(url, mirrors)
        for nxt in page.next_urls:
            _check_scheme(url, nxt)
            queue.append((nxt, url))
        pages.append(page)
    triples: dict[ox.Triple, None] = {}
    total: int | None = None
    for page in pages:
        for t in page.triples:
            if _is_paging(t):
                if total is None and t.predicate.value == _TOTAL and isinstance(t.object, ox.Literal):
                    try:
                        total = int(t.object.value)
                    except ValueError:
                        pass
                continue
            triples.setdefault(t, None)
    return Fetched(first, pages, list(triples), total)


def read_page(url: str, mirrors: dict[str, str] | None = None) -> Page:
    location = mirrored(url, mirrors or {})
    data, content_type, final_url = _read(location)
    if location != url:
        final_url = url
    fmt = detect_format(data, content_type, final_url)
    triples = parse(data, fmt, final_url)
    return Page(final_url, fmt.name, triples, _next_links(triples, final_url))


def mirrored(url: str, mirrors: dict[str, str]) -> str:
    """Where to read ``url`` from: under the longest mirrored prefix it starts with, else itself."""
    for prefix in sorted(mirrors, key=len, reverse=True):
        if url.startswith(prefix):
            target = mirrors[prefix]
            if urlparse(target).scheme not in ("http", "https", "file"):
                target = Path(target).resolve().as_uri() + "/"
            return target.rstrip("/") + "/" + url[len(prefix):].lstrip("/")
    return url


def detect_format(data: bytes, content_type: str | None, url: str) -> ox.RdfFormat:
    """The RDF syntax of ``data``: from the Content-Type, else the URL's extension, else the bytes."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media not in _GENERIC_TYPES:
        fmt = ox.RdfFormat.from_media_type(media)
        if fmt is not None:
            return fmt
        if media == "text/html":
            raise LoaderError(
                Location(display(url)),
                "返回的是网页 (text/html)，不是 RDF",
                "the response is a web page (text/html), not RDF",
            )
    ext = Path(urlparse(url).path).suffix.lower().lstrip(".")
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    return sniff(data)


def sniff(data: bytes) -> ox.RdfFormat:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return ox.RdfFormat.JSON_LD
    # An XML declaration, comment or doctype, or a qualified element name such as <rdf:RDF; not <https://…
    if head.startswith((b"<?xml", b"<!")) or re.match(rb"<[A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*[\s/>]", head):
        return ox.RdfFormat.RDF_XML
    # TriG reads Turtle and N-Triples too, and named graphs besides.
    return ox.RdfFormat.TRIG


def parse(data: bytes, fmt: ox.RdfFormat, url: str) -> list[ox.Triple]:
    """Parse one page. Graph names are dropped; blank nodes are renamed so that pages, and the store's
    other graphs, never share one by accident (Oxigraph's blank nodes are store-wide)."""
    try:
        quads = list(ox.parse(data, format=fmt, base_iri=url))
    except SyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        offset = exc.offset if isinstance(exc.offset, int) else None
        raise LoaderError(
            Location(display(url), line=line, offset=offset),
            f"{fmt.name} 语法错误：{exc.msg}",
            f"{fmt.name} syntax error: {exc.msg}",
        ) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise LoaderError(
            Location(display(url)), f"{fmt.name} 无法解析：{exc}", f"cannot parse as {fmt.name}: {exc}"
        ) from exc
    renamed: dict[str, ox.BlankNode] = {}
    prefix = uuid.uuid4().hex[:12]

    def fresh(term):
        if isinstance(term, ox.BlankNode):
            node = renamed.get(term.value)
            if node is None:
                node = renamed[term.value] = ox.BlankNode(f"h{prefix}{len(renamed)}")
            return node
        return term

    return [ox.Triple(fresh(q.subject), q.predicate, fresh(q.object)) for q in quads]


def _read(url: str) -> tuple[bytes, str | None, str]:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        path = Path(url2pathname(unquote(parsed.path)))
        try:
            return path.read_bytes(), None, url.split("#", 1)[0]
        except OSError as exc:
            raise LoaderError(
                Location(str(path)), f"无法读取文件：{exc.strerror}", f"cannot read the file: {exc.strerror}"
            ) from exc
    request = urllib.request.Request(url, headers={"Accept": ACCEPT, "User-Agent": "govcat-harvest"})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            return response.read(), response.headers.get("Content-Type"), response.geturl()
    except urllib.error.HTTPError as exc:
        raise LoaderError(
            Location(url),
            f"HTTP 错误 {exc.code} {exc.reason}",
            f"HTTP error {exc.code} {exc.reason}",
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LoaderError(Location(url), f"无法连接：{reason}", f"cannot connect: {reason}") from exc


def _next_links(triples: list[ox.Triple], url: str) -> list[str]:
    links: list[str] = []
    for t in triples:
        if t.predicate.value in _NEXT and isinstance(t.object, (ox.NamedNode, ox.Literal)):
            target = urljoin(url, t.object.value.strip())
            if target.split("#", 1)[0] != url.split("#", 1)[0] and target not in links:
                links.append(target)
            elif target.split("#", 1)[0] == url.split("#", 1)[0]:
                raise LoaderError(
                    Location(display(url)),
                    "分页循环：下一页指向本页",
                    "paging loop: the next page is this page",
                )
    return sorted(links)


def _check_scheme(current: str, nxt: str) -> None:
    # A web page must not make us read local files; a file catalog may page onto the web.
    cur, new = urlparse(current).scheme, urlparse(nxt).scheme
    allowed = {"file", "http", "https"} if cur == "file" else {"http", "https"}
    if new not in allowed:
        raise LoaderError(
            Location(display(current)),
            f"不允许的下一页地址：{nxt}",
            f"the next page's URL is not allowed from here: {nxt}",
        )


def _is_paging(t: ox.Triple) -> bool:
    if t.predicate.value.startswith(HYDRA):
        return True
    return t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode) and t.object.value.startswith(HYDRA)
