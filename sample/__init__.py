"""The bundled sample catalog: department submissions in the national template format."""

from pathlib import Path

SAMPLE_DIR = Path(__file__).parent
