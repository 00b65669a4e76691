"""The govcat web application: ``create_app(config, on_runaway=...)`` builds it; a server process of
``govcat.api.supervisor`` runs it.

The server process holds the main store read-write (for SPARQL Update); queries run in its threads on
the main store and the public store opened read-only (``govcat.api.limits``).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator, Callable

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from govcat import tokens
from govcat.api import errors, sparql_routes
from govcat.api.federation import parse_peers
from govcat.api.limits import QueryPool
from govcat.config import Config
from govcat.errors import StoreError
from govcat.store import CatalogStore

HERE = Path(__file__).parent


class Runtime:
    """What the endpoints share: settings, the read-write store (if this process holds it), the query
    threads."""

    def __init__(self, config: Config, on_runaway: Callable[[], None]) -> None:
        self.config = config
        self.peers = parse_peers(config.federation_peers)
        self.store: CatalogStore | None = None
        self.pool = QueryPool(
            {"public": str(config.public_store_path), "gov": str(config.store_path)},
            config.sparql_max_concurrent,
            on_runaway,
        )

    def open_store(self) -> CatalogStore | None:
        """The store read-write, opened now if this process does not hold it yet; None while another
        process holds its write lock (a running load, or the server process this one replaces, until
        it has finished its last requests): queries are served anyway, updates answer 503 meanwhile."""
        if self.store is None:
            try:
                self.store = CatalogStore.open(self.config.store_path, self.config.base_iri)
            except (StoreError, OSError):
                self.store = None
        return self.store

    def _reader(self) -> CatalogStore:
        if self.store is not None:
            return self.store
        import pyoxigraph as ox

        from govcat.iris import Iris

        return CatalogStore(ox.Store.read_only(str(self.config.store_path)), Iris(self.config.base_iri))

    def is_bureau(self, uscc: str) -> bool:
        return tokens.is_bureau(self._reader(), uscc)

    def refresh_public(self) -> bool:
        """Recompute the public projection after a change, where the projection module exists."""
        try:
            from govcat.projection import refresh_public_store
        except ImportError:
            return False
        if self.store is None:
            return False
        refresh_public_store(self.store, self.config.public_store_path)
        return True

    def public_store_missing(self) -> bool:
        path = self.config.public_store_path
        return not path.is_dir() or not any(path.iterdir())

    def close(self) -> None:
        self.pool.close()
        if self.store is not None:
            import gc

            self.store.flush()
            self.store = None
            gc.collect()  # Oxigraph releases the write lock when the store object is freed


def create_app(config: Config, *, on_runaway: Callable[[], None]) -> ASGIApp:
    """The web application (an ASGI application: the FastAPI application behind the endpoints' own fast
    path and CORS). ``on_runaway`` is called (on the event loop) when a query runs past its time
    limit: its thread cannot be stopped, so the caller must see to it that the process ends."""
    runtime = Runtime(config, on_runaway)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.open_store()
        if runtime.public_store_missing():
            runtime.refresh_public()
        await runtime.pool.start()
        try:
            yield
        finally:
            runtime.close()

    app = FastAPI(
        title="govcat",
        description="SPARQL endpoints of the Shandong government data catalog (Order No. 329)",
        lifespan=lifespan,
    )
    app.state.govcat = runtime
    errors.install(app)
    app.include_router(sparql_routes.router)
    app.mount("/yasgui", StaticFiles(directory=HERE / "static" / "yasgui"), name="yasgui")
    site_dir = Path(config.site_dir)
    if (site_dir / "index.html").is_file():
        # The static open-data site, with content negotiation on dataset and catalog IRIs; mounted last so
        # the endpoints above take precedence.
        from govcat.site.negotiate import negotiating_app

        app.mount("/", negotiating_app(site_dir), name="site")
    # GET and POST on the two endpoints are answered before the application's middleware and router
    # (sparql_routes.EndpointsFirst: the hot path of the server); CORS applies to everything.
    return CORSMiddleware(
        sparql_routes.EndpointsFirst(app),
        allow_origins=["*"],
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Accept"],
        expose_headers=["Content-Type", "Vary"],
    )
