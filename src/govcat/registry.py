"""The bundled registries: organisations, legal resources, data elements and the working-day calendar."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from govcat.store import CatalogStore


def load_bundled(store: "CatalogStore") -> None:
    """Load every bundled registry into its own graph (being written: see the registries issue)."""
