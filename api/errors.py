"""The one place where govcat's errors become HTTP statuses.

Everything the endpoints refuse is a ``CatalogError`` (``govcat.errors``); this module picks the
status and writes the message (zh / en) as plain text, which SPARQL clients show as it is.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from govcat.api.auth import NotPermitted
from govcat.api.limits import ServerBusy
from govcat.api.protocol import NotAcceptable, UnsupportedMediaType
from govcat.errors import (
    AccessDenied,
    CatalogError,
    ConfigError,
    LoaderError,
    NotFound,
    QueryError,
    QueryTimeout,
    StoreError,
)

# Most specific first: the first class an error is an instance of decides.
STATUS: tuple[tuple[type[CatalogError], int], ...] = (
    (NotAcceptable, 406),
    (UnsupportedMediaType, 415),
    (QueryTimeout, 503),
    (ServerBusy, 503),
    (QueryError, 400),  # malformed queries, and refused ones (QueryRefused: SERVICE outside the allow-list)
    (LoaderError, 400),
    (NotPermitted, 403),
    (AccessDenied, 401),
    (NotFound, 404),
    (StoreError, 503),
    (ConfigError, 500),
    (CatalogError, 500),
)


def status_of(exc: CatalogError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def error_response(exc: CatalogError) -> PlainTextResponse:
    status = status_of(exc)
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="govcat"'
    if status == 503:
        headers["Retry-After"] = "1"
    return PlainTextResponse(str(exc) + "\n", status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(CatalogError)
    async def _catalog_error(request: Request, exc: CatalogError) -> PlainTextResponse:
        return error_response(exc)
