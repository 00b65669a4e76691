"""What happens after an accepted change to the catalog.

The public side is derived, never filtered on the fly (architecture.md): after every accepted change the
public projection is recomputed into its own store, which the public endpoint and the site read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from govcat import config as _config

if TYPE_CHECKING:
    from govcat.store import CatalogStore


def catalog_changed(store: "CatalogStore", changed: Iterable[str], config: _config.Config | None = None) -> None:
    """Recompute the public projection after ``changed`` (department USCCs or graph IRIs) were written."""
    from govcat.projection import refresh_public_store

    cfg = config or _config.load()
    store.flush()
    # Told what changed, the refresh recomputes only those departments' parts of the projection.
    refresh_public_store(store, cfg.public_store_path, changed=list(changed))
