"""The bundled registries (organisations, legal resources, data elements, calendar) as CSV."""

from pathlib import Path

REGISTRIES_DIR = Path(__file__).parent
