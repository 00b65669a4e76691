"""The wheel: one distribution, govcat, with site/api/loaders as subpackages and the Turtle files inside."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_wheel_maps_folders_to_subpackages_and_ships_turtle(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
    )
    (wheel,) = tmp_path.glob("govcat-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert not top & {"site", "api", "loaders", "ontology", "shapes", "site.py", "api.py", "loaders.py"}, top
    assert {n for n in top if not n.endswith(".dist-info")} == {"govcat"}
    for sub in ("site", "api", "loaders", "ontology", "shapes", "registries", "sample"):
        assert f"govcat/{sub}/__init__.py" in names, sub
    for folder in ("ontology", "shapes"):
        on_disk = {p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*.ttl")}
        in_wheel = {n.removeprefix("govcat/") for n in names if n.startswith(f"govcat/{folder}/") and n.endswith(".ttl")}
        assert on_disk == in_wheel, folder
    # Every package under src/govcat and every data file beside its modules ships: pyproject's package
    # list is kept by hand, and a package missing from it works in an editable install but not from a wheel.
    src = ROOT / "src" / "govcat"
    for path in src.rglob("*"):
        if "__pycache__" in path.parts or path.is_dir() or path.suffix == ".pyc":
            continue
        rel = "govcat/" + path.relative_to(src).as_posix()
        assert rel in names, rel
