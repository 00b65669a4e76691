"""The govcat web application: ``create_app(config)`` builds it, ``serve(config, host, port)`` runs it.

The server process holds the main store read-write (for SPARQL Update); queries run in worker
processes that open the main store and the public store read-only (``govcat.api.limits``).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from govcat import tokens
from govcat.api import errors, sparql_routes
from govcat.api.federation import parse_peers
from govcat.api.limits import WorkerPool
from govcat.config import Config
from govcat.errors import StoreError
from govcat.store import CatalogStore

HERE = Path(__file__).parent


class Runtime:
    """What the endpoints share: settings, the read-write store (if this process holds it), the workers."""

    def __init__(self, config: Config, store: CatalogStore | None) -> None:
        self.config = config
        self.peers = parse_peers(config.federation_peers)
        self.store = store
        self._own_store = store is None
        self.pool = WorkerPool(
            {"public": str(config.public_store_path), "gov": str(config.store_path)},
            config.sparql_max_concurrent,
        )

    def open_store(self) -> None:
        if self.store is not None:
            return
        try:
            self.store = CatalogStore.open(self.config.store_path, self.config.base_iri)
        except (StoreError, OSError):
            # Another process (e.g. a running load) holds the write lock: serve queries anyway;
            # updates answer 503 until the server is restarted without it.
            self.store = None

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
        if self._own_store and self.store is not None:
            self.store.flush()
            self.store = None


def create_app(config: Config, store: CatalogStore | None = None) -> FastAPI:
    """The web application. Pass ``store`` when the calling process already holds it read-write."""
    runtime = Runtime(config, store)

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
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Accept"],
        expose_headers=["Content-Type", "Vary"],
    )
    app.include_router(sparql_routes.router)
    app.mount("/yasgui", StaticFiles(directory=HERE / "static" / "yasgui"), name="yasgui")
    site_dir = Path(config.site_dir)
    if (site_dir / "index.html").is_file():
        # The static open-data site, with content negotiation on dataset and catalog IRIs; mounted last so
        # the endpoints above take precedence.
        from govcat.site.negotiate import negotiating_app

        app.mount("/", negotiating_app(site_dir), name="site")
    return app


def serve(config: Config, host: str | None = None, port: int | None = None, *, store: CatalogStore | None = None) -> None:
    """Run the server until interrupted (``govcat serve``, ``govcat demo``)."""
    import uvicorn

    app = create_app(config, store)
    uvicorn.run(app, host=host or config.host, port=int(port or config.port), log_level="info")


def app_from_environment() -> Any:
    """For ``uvicorn govcat.api.app:app_from_environment --factory``."""
    from govcat import config as _config

    return create_app(_config.load())
