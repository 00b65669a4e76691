"""CKAN's own DCAT parser (ckanext-dcat RDFParser, profile euro_dcat_ap_3) reads the exported catalog,
following its Hydra pages, and gets every open dataset with its title and resources.

The parser runs in its own virtual environment (CKAN pins versions govcat need not share), created
from ../shared/external/ckan-harvester/requirements.txt in .govcat/ckan-venv on first use.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from govcat import config  # noqa: E402
from govcat.site.build import build_site  # noqa: E402
from test_site_support import BASE, OPEN, build_store  # noqa: E402

HARVEST = r'''
import json, sys
from pathlib import Path
from ckanext.dcat.processors import RDFParser
out, base = Path(sys.argv[1]), sys.argv[2]
url, datasets, pages = base + "catalog.ttl", [], 0
while url:
    parser = RDFParser(profiles=["euro_dcat_ap_3"])
    parser.parse((out / url[len(base):]).read_text(encoding="utf-8"), _format="turtle")
    datasets += list(parser.datasets())
    pages += 1
    url = parser.next_page()
print(json.dumps({"pages": pages, "datasets": datasets}, ensure_ascii=False, default=str))
'''


def ckan_python() -> Path:
    requirements = config.load().shared_path / "external" / "ckan-harvester" / "requirements.txt"
    if not requirements.is_file():
        pytest.fail(f"CKAN harvester requirements missing: {requirements.resolve()} (setting shared_dir)")
    folder = Path(".govcat") / "ckan-venv"
    python = folder / "bin" / "python"
    marker = folder / ".installed"
    if not marker.exists() or marker.read_text() != requirements.read_text():
        venv.create(folder, with_pip=True, clear=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(requirements)], check=True)
        marker.write_text(requirements.read_text())
    return python


@pytest.mark.timeout(900)
def test_ckan_rdf_parser_harvests_every_page(tmp_path):
    python = ckan_python()
    store = build_store(tmp_path / "store")
    out = tmp_path / "site"
    build_site(store, out, per_page=2)
    run = subprocess.run([str(python), "-c", HARVEST, str(out), BASE], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["pages"] == 2
    # Without a CKAN schema the parser puts uri, identifier, ... into the extras.
    for d in result["datasets"]:
        d.update({e["key"]: e["value"] for e in d.get("extras", [])})
    by_uri = {d["uri"]: d for d in result["datasets"]}
    assert set(by_uri) == set(OPEN)
    for iri, (code, title) in OPEN.items():
        d = by_uri[iri]
        assert d["title"] == title
        assert d["resources"], iri
        assert d["identifier"] == code
    air = by_uri[f"{BASE}dataset/302001-000001"]
    [res] = air["resources"]
    assert res["download_url"] == "https://data.jinan.gov.cn/files/aqi.csv"
    assert res["access_url"] == "https://data.jinan.gov.cn/aqi"
    assert res["license"] == "https://creativecommons.org/licenses/by/4.0/"
    restricted = by_uri[f"{BASE}dataset/301001-000002"]["resources"][0]
    assert not restricted.get("download_url")
