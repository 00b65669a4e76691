"""The query page at ``/sparql`` for browsers: YASGUI (vendored, no CDN) with example queries."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).parent
EXAMPLES_DIR = HERE / "queries" / "examples"
YASGUI_DIR = HERE / "static" / "yasgui"


def examples() -> list[dict[str, str]]:
    """Each ``queries/examples/*.rq``; its first line, a comment, is the title shown on the page."""
    out = []
    for path in sorted(EXAMPLES_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        title = first.lstrip("#").strip() if first.startswith("#") else path.stem
        out.append({"id": path.stem, "title": title, "query": text})
    return out


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))


def query_page(endpoint: str) -> str:
    ex = examples()
    return _env().get_template("sparql.html").render(
        endpoint=endpoint,
        examples=ex,
        # json.dumps does not escape "</", which would end the <script> element early.
        examples_json=json.dumps(ex, ensure_ascii=False).replace("</", "<\\/"),
    )
