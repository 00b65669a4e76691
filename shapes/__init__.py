"""The rules of the Measures as SHACL shapes, one Turtle file per chapter."""

from pathlib import Path

SHAPES_DIR = Path(__file__).parent


def turtle_files() -> list[Path]:
    """Every shapes file, in a stable order."""
    return sorted(SHAPES_DIR.glob("*.ttl"))
