"""The bundled sample catalog: department submissions in the national template format."""

from pathlib import Path

SAMPLE_DIR = Path(__file__).parent


def submissions() -> list[Path]:
    """Every department submission of the sample: a CSV folder or an .xlsx workbook named by its USCC."""
    return sorted(
        p for p in SAMPLE_DIR.iterdir()
        if p.name[:1].isdigit() and (p.is_dir() or p.suffix == ".xlsx")
    )
