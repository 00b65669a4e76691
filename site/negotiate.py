"""Serving a built site with content negotiation on dataset and catalog IRIs.

``negotiating_app(out)`` is an ASGI app (Starlette) that serves the files of ``out`` and answers
``Accept: text/turtle``, ``application/ld+json`` or ``application/rdf+xml`` on a dataset IRI
(``/dataset/{slug}``, also with a trailing slash) and on the catalog IRI (``/catalog/open``, also ``/``
and ``/catalog``) with the matching RDF file; browsers get the HTML page. Mount it where the base IRI's
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
        media = {v: k for k, v in RDF_TYPES.items()}[ext]
        return FileResponse(path, media_type=media, headers={"Vary": "Accept"})

    def html(rel: str) -> Response:
        path = out / rel
        if not path.is_file():
            return PlainTextResponse("未找到 / not found", status_code=404)
        return FileResponse(path, media_type="text/html; charset=utf-8", headers={"Vary": "Accept"})

    async def dataset(request: Request) -> Response:
        slug = request.path_params["slug"]
        if not _SLUG.match(slug):
            return PlainTextResponse("未找到 / not found", status_code=404)
        ext = preferred(request.headers.get("accept"))
        if ext:
            return rdf(f"dataset/{slug}", ext)
        if not request.url.path.endswith("/"):
            return RedirectResponse(str(request.url.replace(path=request.url.path + "/")), status_code=303,
                                    headers={"Vary": "Accept"})
        return html(f"dataset/{slug}/index.html")

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
