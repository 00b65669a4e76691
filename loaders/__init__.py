"""Loaders turn what departments and other catalogs send into the knowledge graph."""
