"""Generate ontology/measures.ttl, the Measures (Order No. 329) as an ELI legal resource, from their text.

    python tools/measures_to_ttl.py [../shared/measures/shandong-measures-2019.zh.txt] [ontology/measures.ttl]

One eli:LegalResourceSubdivision per chapter (…/329/chp_{n}) and per article (…/329/art_{n}, the IRI of
govcat.ns.article_iri). An article's rdf:value is its full text: its paragraphs, each stripped of the
indentation, joined by newlines, without the "第n条" heading (that is its eli:title). The Turtle layout
is the template tools/measures.ttl.j2.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from rdflib import Literal

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEXT = ROOT.parent / "shared" / "measures" / "shandong-measures-2019.zh.txt"
DEFAULT_OUT = ROOT / "ontology" / "measures.ttl"
TEMPLATE = Path(__file__).with_name("measures.ttl.j2")

# Indentation in the text mixes ideographic (U+3000) and ASCII spaces, sometimes none at all; \s covers
# both, and the zero-width characters are stripped as well in case an edit brings them in.
_INDENT = "\\s\ufeff\u200b"
_NUMERAL = "〇零一二两三四五六七八九十百"
ARTICLE_RE = re.compile(f"^[{_INDENT}]*第([{_NUMERAL}]+)条[{_INDENT}]*(.*)$")
CHAPTER_RE = re.compile(f"^[{_INDENT}]*第([{_NUMERAL}]+)章[{_INDENT}]*(.*)$")
DATES_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(text: str) -> int:
    """The value of a Chinese numeral below 1000, as used for article numbers (十一, 二十, 一百零三)."""
    total, digit = 0, 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch == "十":
            total += (digit or 1) * 10
            digit = 0
        elif ch == "百":
            total += (digit or 1) * 100
            digit = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + digit


@dataclass
class Chapter:
    number: int
    heading: str  # e.g. "第一章 总则"
    title: str  # e.g. "总则"
    articles: list[int] = field(default_factory=list)


@dataclass
class Article:
    number: int
    title: str  # e.g. "第二十二条", as in the text
    paragraphs: list[str]
    chapter: int | None

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass
class Measures:
    title: str
    adopted: str | None
    issued: str | None
    in_force: str | None
    chapters: list[Chapter]
    articles: list[Article]


def _iso(match: re.Match[str]) -> str:
    y, m, d = match.groups()
    return f"{y}-{int(m):02d}-{int(d):02d}"


def parse_measures(text: str) -> Measures:
    """Read the title, dates, chapters and articles of the Measures' text."""
    lines = [ln.rstrip() for ln in text.splitlines()]
    body = [ln for ln in lines if ln.strip(_INDENT.replace("\\s", " \u3000\t"))]
    title = body[0].strip()
    header = body[1] if len(body) > 1 else ""
    dates = [_iso(m) for m in DATES_RE.finditer(header)]
    # "2019年12月16日…通过  2019年12月25日…发布 自2020年2月1日起施行"
    adopted, issued, in_force = (dates + [None, None, None])[:3]
    chapters: list[Chapter] = []
    articles: list[Article] = []
    current: Article | None = None
    for line in body[2:]:
        if m := CHAPTER_RE.match(line):
            number = chinese_number(m.group(1))
            name = re.sub(f"[{_INDENT}]+", "", m.group(2))
            chapters.append(Chapter(number, f"第{m.group(1)}章 {name}", name))
            current = None
            continue
        if m := ARTICLE_RE.match(line):
            number = chinese_number(m.group(1))
            first = m.group(2).strip()
            current = Article(number, f"第{m.group(1)}条", [first] if first else [],
                              chapters[-1].number if chapters else None)
            articles.append(current)
            if chapters:
                chapters[-1].articles.append(number)
            continue
        if current is None:
            raise ValueError(f"text outside any article: {line.strip()[:40]!r}")
        current.paragraphs.append(line.strip(" \t\u3000\ufeff\u200b"))
    numbers = [a.number for a in articles]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"articles are not numbered 1..n in order: {numbers}")
    return Measures(title, adopted, issued, in_force, chapters, articles)


def to_turtle(measures: Measures) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE.parent)), keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["zh"] = lambda s: Literal(s, lang="zh").n3()
    return env.get_template(TEMPLATE.name).render(m=measures)


def main(argv: list[str]) -> None:
    src = Path(argv[0]) if argv else DEFAULT_TEXT
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    measures = parse_measures(src.read_text(encoding="utf-8"))
    out.write_text(to_turtle(measures), encoding="utf-8")
    print(f"wrote {out}: {len(measures.chapters)} chapters, {len(measures.articles)} articles")


if __name__ == "__main__":
    main(sys.argv[1:])
