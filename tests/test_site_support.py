"""Shared set-up of the site and projection tests: a real on-disk store with the Turtle fixtures of
tests/data/site loaded into the graphs docs/model.md names."""

from __future__ import annotations

from pathlib import Path

from govcat.rdfio import read_turtle
from govcat.store import CatalogStore

DATA = Path(__file__).parent / "data" / "site"
BASE = "https://data.sd.gov.cn/govcat/"
POLICE = "11370000004504927A"
ENVIRONMENT = "11370100MB7574998P"

OPEN = {
    f"{BASE}dataset/301001-000001": ("301001/000001", "全省常住人口统计"),
    f"{BASE}dataset/301001-000002": ("301001/000002", "流动人口居住登记汇总"),
    f"{BASE}dataset/302001-000001": ("302001/000001", "济南市空气质量监测数据"),
}
NOT_OPEN = {
    f"{BASE}dataset/301001-000003": ("301001/000003", "边境管控人员机密名册"),
    f"{BASE}dataset/301001-000004": ("301001/000004", "户籍人员身份信息库"),
    f"{BASE}dataset/302001-000002": ("302001/000002", "重点排污单位执法检查台账"),
    f"{BASE}dataset/302001-000009": ("302001/000009", "已撤回的噪声投诉明细"),
}


def leak_needles() -> list[str]:
    """Every title, code and IRI (also as a path slug) of the non-open resources."""
    needles = []
    for iri, (code, title) in NOT_OPEN.items():
        needles += [iri, code, title, iri.rsplit("/", 1)[1]]
    needles += ["secret-roster-000003", "管控对象证件号码", "state-secrets-law", "中华人民共和国保守国家秘密法"]
    return needles


def build_store(path: Path) -> CatalogStore:
    store = CatalogStore.open(path, BASE)
    store.add_to_graph(store.iris.registry_graph("legal"), read_turtle(DATA / "legal.ttl"))
    store.replace_graph(store.iris.catalog_graph(POLICE), read_turtle(DATA / "catalog-police.ttl"))
    load_environment(store, "catalog-environment-old.ttl")
    load_environment(store, "catalog-environment.ttl")
    return store


def load_environment(store: CatalogStore, name: str) -> None:
    store.replace_graph(store.iris.catalog_graph(ENVIRONMENT), read_turtle(DATA / name), keep_history=True)


SHAPE_FILES = ("shapes.ttl", "range.ttl", "shapes_recommended.ttl", "deprecateduris.ttl")


def dcat_ap_shapes():
    """The official DCAT-AP 3.0.1 shapes, read through the shared_dir setting."""
    import rdflib

    from govcat import config

    folder = config.load().shared_path / "external" / "dcat-ap-3" / "html-shacl"
    missing = [f for f in SHAPE_FILES if not (folder / f).is_file()]
    if missing:
        raise AssertionError(
            f"DCAT-AP 3 shapes missing in {folder.resolve()}: {', '.join(missing)}. Set GOVCAT_SHARED_DIR "
            "(setting shared_dir) to the folder holding external/dcat-ap-3/html-shacl/."
        )
    shapes = rdflib.Graph()
    for f in SHAPE_FILES:
        shapes.parse(folder / f, format="turtle")
    return shapes


def assert_dcat_ap(graph) -> None:
    """No violation and no warning under the DCAT-AP 3.0.1 shapes (ranges and recommendations too)."""
    from pyshacl import validate

    conforms, _, text = validate(
        graph, shacl_graph=dcat_ap_shapes(), inference="none", allow_warnings=False, do_owl_imports=False
    )
    assert conforms, text


def serve_built_site(root: Path):
    """A real `govcat serve` on 127.0.0.1 for the fixture catalog: its site built, its projection refreshed.
    The caller stops it (``.stop()``)."""
    import gc

    from test_api_support import Server

    from govcat.projection import refresh_public_store
    from govcat.site.build import build_site

    store = build_store(root / "store")
    build_site(store, root / "site")
    refresh_public_store(store, root / "public")
    store.flush()
    del store
    gc.collect()  # release the store's lock before the server opens it
    return Server(root, root / "store", root / "public", site_dir=root / "site")
