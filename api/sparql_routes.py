"""The two SPARQL endpoints: ``/sparql`` (anyone, the public projection only) and ``/gov/sparql``
(department tokens, the whole catalog; SPARQL Update with a big-data bureau's token).

Both speak the SPARQL 1.1 Protocol: a query by GET, by POST form-encoded or by POST
``application/sparql-query``; ``default-graph-uri`` and ``named-graph-uri``; without a query the
endpoint IRI answers with its service description (or, to a browser, the query page).
"""

from __future__ import annotations

import asyncio
import codecs
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from govcat.api import auth, errors, protocol
from govcat.api.federation import check_update
from govcat.api.query_jobs import Job
from govcat.errors import CatalogError, QueryError, StoreError

if TYPE_CHECKING:
    from govcat.api.app import Runtime

router = APIRouter()

@dataclass
class SparqlRequest:
    query: str | None = None
    update: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    using_graphs: list[str] = field(default_factory=list)
    fmt: str | None = None


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise QueryError(f"参数 {name} 只能出现一次 / the parameter {name} may be given only once")
    return values[0] if values else None


def _unquote_plus(text: str) -> str:
    """``urllib.parse.unquote_plus`` (UTF-8, errors replaced), with the percent escapes of an ASCII text
    decoded by one C call: a URL-encoded query has a hundred escapes or more, which the standard library
    decodes one by one in Python (~30 µs a query). Anything else, including a malformed escape, is left to
    the standard library."""
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    if text.isascii():
        try:
            raw = codecs.escape_decode(text.replace("\\", "\\\\").replace("%", "\\x").encode("ascii"))[0]
        except ValueError:
            pass  # "%" not followed by two hex digits: the standard library keeps it as it is
        else:
            return raw.decode("utf-8", "replace")
    return unquote(text, errors="replace")


def _parse_qs(text: str) -> dict[str, list[str]]:
    """``urllib.parse.parse_qs(text, keep_blank_values=True)``, faster (``_unquote_plus``)."""
    params: dict[str, list[str]] = {}
    for pair in text.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        params.setdefault(_unquote_plus(name), []).append(_unquote_plus(value))
    return params


async def read_request(request: Request) -> SparqlRequest:
    """The protocol operation a request carries, from its URL and (for POST) its body."""
    try:
        query_string = request.scope["query_string"].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QueryError(f"请求 URL 不是 UTF-8 / the request URL is not UTF-8: {exc}") from exc
    params = _parse_qs(query_string)
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        raw = await request.body()
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise QueryError(f"请求体不是 UTF-8 / the request body is not UTF-8: {exc}") from exc
        if ctype == "application/x-www-form-urlencoded":
            for k, v in _parse_qs(body).items():
                params.setdefault(k, []).extend(v)
        elif ctype == "application/sparql-query":
            if "query" in params:
                raise QueryError("查询只能放在请求体中 / with application/sparql-query the query goes only in the body")
            params["query"] = [body]
        elif ctype == "application/sparql-update":
            if "update" in params:
                raise QueryError("更新只能放在请求体中 / with application/sparql-update the update goes only in the body")
            params["update"] = [body]
        else:
            raise protocol.UnsupportedMediaType(
                f"不支持的请求类型 {ctype or '(none)'} / unsupported request content type {ctype or '(none)'}: use "
                "application/x-www-form-urlencoded, application/sparql-query or application/sparql-update"
            )
    elif "update" in params:
        raise QueryError("SPARQL Update 只能用 POST / SPARQL Update must be sent by POST")
    req = SparqlRequest(
        query=_one(params, "query"),
        update=_one(params, "update"),
        default_graphs=params.get("default-graph-uri", []),
        named_graphs=params.get("named-graph-uri", []),
        using_graphs=params.get("using-graph-uri", []) + params.get("using-named-graph-uri", []),
        fmt=protocol.pick_format_param(params.get("format", []) + params.get("output", [])),
    )
    if req.query is not None and req.update is not None:
        raise QueryError("请求不能同时包含 query 和 update / a request carries either a query or an update, not both")
    if request.method == "POST" and req.query is None and req.update is None:
        raise QueryError("请求中没有 query 或 update 参数 / the request has no query or update parameter")
    for g in req.default_graphs + req.named_graphs:
        if not g.startswith(("http://", "https://", "urn:")):
            raise QueryError(f"图 IRI 无效 / not a graph IRI: {g!r}")
    return req


def _runtime(request: Request) -> "Runtime":
    return request.app.state.govcat


def _endpoint_iri(request: Request) -> str:
    return str(request.url.replace(query="", fragment=""))


async def _query(request: Request, rt: "Runtime", store: str, req: SparqlRequest, timeout_ms: int) -> Response:
    job = Job(
        store=store,
        query=req.query or "",
        accept=request.headers.get("accept"),
        fmt=req.fmt,
        default_graphs=req.default_graphs,
        named_graphs=req.named_graphs,
        max_results=rt.config.sparql_max_results,
        peers=list(rt.peers.values()),
    )
    answer = await rt.pool.run(job, timeout_ms)
    if answer.error is not None:
        raise answer.error
    return Response(answer.body, media_type=answer.media_type, headers={"Vary": "Accept"})


async def _describe_service(request: Request, rt: "Runtime", store: str, fmt: str | None, timeout_ms: int) -> Response:
    from govcat.api.service_description import describe

    return await describe(rt, store, _endpoint_iri(request), request.headers.get("accept"), fmt, timeout_ms)


def _wants_html(request: Request) -> bool:
    html = protocol.Format("html", "text/html", None, ("application/xhtml+xml",))
    chosen = protocol.negotiate(request.headers.get("accept"), protocol.GRAPH_FORMATS + (html,))
    return chosen is html


async def public_sparql(request: Request) -> Response:
    rt = _runtime(request)
    req = await read_request(request)
    if req.update is not None:
        raise auth.NotPermitted(
            "公开端点不接受 SPARQL Update；更新只能发到 /gov/sparql，且须大数据局令牌 / the public endpoint takes no "
            "SPARQL Update: send updates to /gov/sparql with a big-data bureau's token"
        )
    if req.query is None:
        if req.fmt is None and _wants_html(request):
            from govcat.api.page import query_page

            return HTMLResponse(query_page(_endpoint_iri(request)))
        return await _describe_service(request, rt, "public", req.fmt, rt.config.sparql_timeout_ms)
    return await _query(request, rt, "public", req, rt.config.sparql_timeout_ms)


async def gov_sparql(request: Request) -> Response:
    rt = _runtime(request)
    holder = auth.authenticate(request, rt.config.store_path)
    req = await read_request(request)
    if req.update is not None:
        return await _update(rt, holder, req)
    if req.query is None:
        return await _describe_service(request, rt, "gov", req.fmt, rt.config.gov_sparql_timeout_ms)
    return await _query(request, rt, "gov", req, rt.config.gov_sparql_timeout_ms)


async def _update(rt: "Runtime", holder: Any, req: SparqlRequest) -> Response:
    loop = asyncio.get_running_loop()
    auth.require_bureau(holder, await loop.run_in_executor(None, rt.is_bureau, holder.department))
    if req.using_graphs:
        raise QueryError(
            "不支持 using-graph-uri / using-named-graph-uri；请在更新中写 USING / the using-graph-uri and "
            "using-named-graph-uri parameters are not supported: write USING / USING NAMED in the update"
        )
    update = req.update or ""
    await loop.run_in_executor(None, check_update, update, list(rt.peers.values()))

    def run() -> None:
        store = rt.open_store()
        if store is None:
            raise StoreError(
                "存储被另一个进程以读写方式占用，暂时无法更新，请稍后再试 / the store is held read-write by another "
                "process (a load, or a server process finishing its last requests); updates are possible "
                "once it is released: try again later"
            )
        try:
            store.ox.update(update)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL Update 语法错误 / SPARQL Update syntax error: {exc}") from exc
        except OSError as exc:
            raise QueryError(f"更新失败 / the update failed: {exc}") from exc
        store.flush()
        rt.refresh_public()

    await loop.run_in_executor(None, run)
    return PlainTextResponse(f"已更新 / update done (by {holder.department})\n", status_code=200)


# Plain Starlette routes: the handlers take the request as it is, so FastAPI's per-request dependency
# solving and response-model machinery is left out. The routes answer what ``EndpointsFirst`` passes on
# (HEAD, and the paths under a root_path); middleware (CORS) and the error handlers of govcat.api.errors
# apply as to any route.
router.add_route("/sparql", public_sparql, methods=["GET", "POST"])
router.add_route("/gov/sparql", gov_sparql, methods=["GET", "POST"])

_HANDLERS = {"/sparql": public_sparql, "/gov/sparql": gov_sparql}


class EndpointsFirst:
    """ASGI middleware around the FastAPI application: it answers GET and POST on the two endpoints
    itself, with the same handlers and the same error responses (``errors.error_response``) as the routes
    above. Everything else (other paths and methods, lifespan) goes on to the application.

    A query is the hot path of the server: FastAPI's and Starlette's middleware stack, the router (a
    regular expression per route and mount) and the exception-handling wrappers around a route cost
    ~0.1-0.2 ms per request on the 2 shared cores (docs/performance.md, SPARQL endpoint). An error
    other than a ``CatalogError`` goes up to uvicorn, which answers 500 and logs it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = None
        if scope["type"] == "http" and scope["method"] in ("GET", "POST") and not scope.get("root_path"):
            handler = _HANDLERS.get(scope["path"])
        if handler is None:
            await self.app(scope, receive, send)
            return
        scope["app"] = self.app  # as Starlette sets it: the handlers find the runtime in app.state
        request = Request(scope, receive, send)
        try:
            response = await handler(request)
        except CatalogError as exc:
            response = errors.error_response(exc)
        await response(scope, receive, send)
