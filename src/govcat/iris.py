"""IRIs of govcat's instance data and named graphs, all under the configured base IRI.

Every function takes values that loaders have already validated (USCCs, resource codes), so the
IRIs they build are safe to use as graph names.
"""

from __future__ import annotations

from urllib.parse import quote


class Iris:
    """IRI minting for one base IRI."""

    def __init__(self, base: str) -> None:
        self.base = base if base.endswith(("/", "#")) else base + "/"

    # instances
    def org(self, uscc: str) -> str:
        return f"{self.base}org/{uscc}"

    def catalog(self, uscc: str) -> str:
        return f"{self.base}catalog/{uscc}"

    def master_catalog(self, division_code: str) -> str:
        return f"{self.base}catalog/master/{division_code}"

    def dataset(self, code: str) -> str:
        # "301001/000001" -> ".../dataset/301001-000001": one path segment, readable, reversible.
        return f"{self.base}dataset/{quote(code.replace('/', '-'), safe='-')}"

    def data_element(self, identifier: str) -> str:
        return f"{self.base}data-element/{quote(identifier, safe='-._')}"

    def legal(self, key: str) -> str:
        return f"{self.base}legal/{quote(key, safe='-._')}"

    def day(self, iso_date: str) -> str:
        return f"{self.base}calendar/{iso_date}"

    # named graphs
    def catalog_graph(self, uscc: str) -> str:
        return f"{self.base}graph/catalog/{uscc}"

    def registry_graph(self, name: str) -> str:
        """name: organisations, legal, data-elements, calendar."""
        return f"{self.base}graph/registry/{name}"

    @property
    def ontology_graph(self) -> str:
        return f"{self.base}graph/ontology"

    @property
    def vocab_graph(self) -> str:
        return f"{self.base}graph/vocab"

    @property
    def measures_graph(self) -> str:
        return f"{self.base}graph/measures"

    @property
    def history_graph(self) -> str:
        """Records of replaced catalog versions (when, and by what)."""
        return f"{self.base}graph/history"

    def report_graph(self, run_id: str) -> str:
        return f"{self.base}graph/report/{run_id}"

    @property
    def staging_prefix(self) -> str:
        return f"{self.base}graph/staging/"
