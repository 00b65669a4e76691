"""Serving a built site with content negotiation on dataset and catalog IRIs.

``negotiating_app(out)`` is an ASGI app (Starlette) that serves the files of ``out`` and answers
``Accept: text/turtle``, ``application/ld+json`` or ``application/rdf+xml`` on a dataset IRI
(``/dataset/{slug}``) and on the catalog IRI (``/catalog/open``, also ``/`` and ``/catalog``) with the
matching RDF file; browsers are sent (303) to the dataset's page ``/dataset/{slug}.html``, or get the
home page. ``/dataset/{slug}/``, where dataset pages used to be, redirects (301) to the page. Mount it where the base IRI's
path is, e.g. ``app.mount("/", negotiating_app(site_dir))``.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

RDF_TYPES = {"text/turtle": "ttl", "application/ld+json": "jsonld", "application/rdf+xml": "rdf"}
MEDIA_TYPES = {v: k for k, v in RDF_TYPES.items()}
HTML_TYPES = ("text/html", "application/xhtml+xml")
_SLUG = re.compile(r"^[A-Za-z0-9._~-]+$")


def preferred(accept: str | None) -> str | None:
    """The RDF file extension the Accept header prefers over HTML, or None for HTML."""
    if not accept:
        return None
    best: tuple[float, int, str | None] = (-1.0, 0, None)
    for order, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        if media in RDF_TYPES:
            choice: str | None = RDF_TYPES[media]
        elif media in HTML_TYPES or media in ("*/*", "text/*"):
            choice = None
        else:
            continue
        # Higher q wins; at equal q, the earlier entry wins, and HTML before RDF for */*.
        if q > best[0]:
            best = (q, order, choice)
    return best[2]


def negotiating_app(out: Path) -> Starlette:
    out = Path(out)

    def rdf(rel_stem: str, ext: str) -> Response:
        path = out / f"{rel_stem}.{ext}"
        if not path.is_file():
            return PlainTextResponse("未找到 / not found", status_code=404)
        return FileResponse(path, media_type=MEDIA_TYPES[ext], headers={"Vary": "Accept"})

    def html(rel: str) -> Response:
        path = out / rel
        if not path.is_file():
            return PlainTextResponse("未找到 / not found", status_code=404)
        return FileResponse(path, media_type="text/html; charset=utf-8", headers={"Vary": "Accept"})

    async def dataset(request: Request) -> Response:
        # The dataset route also receives the files beside the IRI (dataset/<slug>.html, .ttl, ...):
        # Starlette's {slug} matches any path segment.
        slug = request.path_params["slug"]
        if not _SLUG.match(slug):
            return PlainTextResponse("未找到 / not found", status_code=404)
        stem, dot, ext = slug.rpartition(".")
        if dot and ext == "html":
            return html(f"dataset/{slug}")
        if dot and ext in MEDIA_TYPES:
            return rdf(f"dataset/{stem}", ext)
        page = request.url.replace(path=request.url.path.rstrip("/") + ".html")
        if request.url.path.endswith("/"):
            # The page's URL before it became a file: old links keep working.
            return RedirectResponse(str(page), status_code=301)
        ext = preferred(request.headers.get("accept"))
        if ext:
            return rdf(f"dataset/{slug}", ext)
        if not (out / f"dataset/{slug}.html").is_file():
            return PlainTextResponse("未找到 / not found", status_code=404)
        return RedirectResponse(str(page), status_code=303, headers={"Vary": "Accept"})

    async def catalog(request: Request) -> Response:
        ext = preferred(request.headers.get("accept"))
        if ext:
            return rdf("catalog", ext)
        return html("index.html")

    routes = [
        Route("/", catalog),
        Route("/catalog", catalog),
        Route("/catalog/open", catalog),
        Route("/dataset/{slug}", dataset),
        Route("/dataset/{slug}/", dataset),
        Mount("/", app=StaticFiles(directory=str(out), html=True, check_dir=False)),
    ]
    return Starlette(routes=routes)
