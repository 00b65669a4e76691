"""Reports as text, JSON, Turtle or HTML. Text and HTML are Jinja templates in ``templates/``."""

from __future__ import annotations

import json
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from govcat.errors import CatalogError
from govcat.validation.report import Report, to_graph

if TYPE_CHECKING:
    from govcat.store import CatalogStore

FORMATS = ("text", "json", "turtle", "html")
TEMPLATES = Path(__file__).parent / "templates"

_WORDS = {
    "zh": {
        "title": "校验报告", "as_of": "校验基准日", "scope": "范围", "engine": "引擎", "run": "运行",
        "conforms": "符合《办法》：无违规", "not_conforms": "不符合《办法》", "article": "第{n}条",
        "no_department": "（无所属部门）", "Violation": "违规", "Warning": "警告", "Info": "提示",
        "due": "期限", "resource": "资源", "none": "没有发现问题。", "summary": "违规 {v} 项，警告 {w} 项，提示 {i} 项",
        "store": "全部目录", "department": "部门", "submission": "报送文件（试校验）",
    },
    "en": {
        "title": "Validation report", "as_of": "as of", "scope": "scope", "engine": "engine", "run": "run",
        "conforms": "conforms to the Measures: no violations", "not_conforms": "does not conform to the Measures",
        "article": "Article {n}", "no_department": "(no department)", "Violation": "Violation",
        "Warning": "Warning", "Info": "Info", "due": "due", "resource": "resource", "none": "No problems found.",
        "summary": "{v} violation(s), {w} warning(s), {i} info", "store": "whole store",
        "department": "department", "submission": "submission (dry run)",
    },
}


def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def groups(report: Report, lang: str) -> list[dict[str, Any]]:
    """Results grouped by department, then by article (the order the report lists them in)."""
    out = []
    for dept, by_dept in groupby(report.results, key=lambda r: r.department):
        by_dept = list(by_dept)
        name = by_dept[0].department_name.get(lang) or by_dept[0].department_name.get("zh") or ""
        articles = [
            {"article": art, "results": list(rs)} for art, rs in groupby(sorted(by_dept, key=lambda r: r.article), key=lambda r: r.article)
        ]
        out.append({"department": dept, "name": name, "articles": articles})
    return out


def render(report: Report, fmt: str, *, lang: str = "zh", store: "CatalogStore") -> str:
    if lang not in _WORDS:
        raise CatalogError(f"不支持的语言 {lang!r}（zh 或 en） / unsupported language {lang!r} (zh or en)")
    if fmt == "json":
        return json.dumps(report.as_json(), ensure_ascii=False, indent=2)
    if fmt == "turtle":
        return to_graph(report, store).serialize(format="turtle")
    if fmt in ("text", "html"):
        template = _env().get_template("report.txt.j2" if fmt == "text" else "report.html.j2")
        return template.render(
            report=report, summary=report.summary(), groups=groups(report, lang), w=_WORDS[lang], lang=lang
        )
    raise CatalogError(f"未知的报告格式 {fmt!r} / unknown report format {fmt!r} (known: {', '.join(FORMATS)})")
