"""The govcat ontology and its SKOS vocabularies, as Turtle files shipped with the package."""

from pathlib import Path

ONTOLOGY_DIR = Path(__file__).parent


def turtle_files() -> list[Path]:
    """Every Turtle file of the ontology, vocabularies included, in a stable order."""
    return sorted(ONTOLOGY_DIR.rglob("*.ttl"))
