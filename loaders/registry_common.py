"""What the registry loaders share: their column specs, controlled values, cell checks and RDF terms.

The CSV reading itself is ``loaders/sheets.py``; this module only checks cell values and collects every
problem of a file, so that one run reports them all and nothing is written when any exists.
"""

from __future__ import annotations

import csv
import difflib
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from govcat.errors import LoadErrors, LoaderError
from govcat.loaders.sheets import Row, Sheet, SheetSpec, read_columns_file, read_sheets
from govcat.ns import GC, vocab
from govcat.registries import REGISTRIES_DIR

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def nn(iri: str) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def zh(text: str) -> ox.Literal:
    return ox.Literal(text, language="zh")


def en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def xsd_date(d: date) -> ox.Literal:
    return ox.Literal(d.isoformat(), datatype=nn(XSD + "date"))


def xsd_bool(value: bool) -> ox.Literal:
    return ox.Literal("true" if value else "false", datatype=nn(XSD + "boolean"))


def xsd_int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=nn(XSD + "integer"))


def gc(term: str) -> ox.NamedNode:
    return nn(GC[term])


@lru_cache(maxsize=None)
def specs() -> dict[str, SheetSpec]:
    """The column spec of each registry file (``registries/columns.csv``)."""
    return {name: SheetSpec(name, cols) for name, cols in read_columns_file(REGISTRIES_DIR / "columns.csv").items()}


@lru_cache(maxsize=None)
def controlled_values() -> dict[str, dict[str, str]]:
    """scheme -> {accepted text (lower case) -> code}, from ``registries/controlled-values.csv``."""
    out: dict[str, dict[str, str]] = {}
    with (REGISTRIES_DIR / "controlled-values.csv").open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            names = [rec["code"], rec["label_zh"], rec["label_en"], *rec["aliases"].split(";")]
            table = out.setdefault(rec["scheme"], {})
            for n in names:
                if n.strip():
                    table[n.strip().lower()] = rec["code"]
    return out


def labels(scheme: str) -> list[str]:
    """The zh labels of a scheme, in file order (for messages)."""
    with (REGISTRIES_DIR / "controlled-values.csv").open(encoding="utf-8", newline="") as fh:
        return [r["label_zh"] for r in csv.DictReader(fh) if r["scheme"] == scheme]


class Problems:
    """Every problem of one input, raised together at the end."""

    def __init__(self) -> None:
        self.errors: list[LoaderError] = []

    def add(self, row: Row, key: str | None, zh_msg: str, en_msg: str) -> None:
        self.errors.append(row.error(key, zh_msg, en_msg))

    def extend(self, errors: list[LoaderError]) -> None:
        self.errors.extend(errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise LoadErrors(self.errors)

    # ---- cell checks: each returns None (and records a problem) when the cell is wrong ----
    def controlled(self, row: Row, key: str, scheme: str) -> str | None:
        text = row.get(key)
        table = controlled_values()[scheme]
        code = table.get(text.strip().lower())
        if code is not None:
            return code
        allowed = labels(scheme)
        close = difflib.get_close_matches(text, list(table), n=1, cutoff=0.3)
        hint_zh = f"；是否为“{_label_of(scheme, table[close[0]])}”？" if close else ""
        hint_en = f"; did you mean {_label_of(scheme, table[close[0]])!r}?" if close else ""
        self.add(
            row, key,
            f"“{text}”不是允许的值（{'、'.join(allowed)}）{hint_zh}",
            f"{text!r} is not an allowed value ({', '.join(allowed)}){hint_en}",
        )
        return None

    def date(self, row: Row, key: str) -> date | None:
        text = row.get(key)
        if _DATE_RE.match(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        self.add(row, key, f"“{text}”不是有效日期（应为 YYYY-MM-DD）", f"{text!r} is not a valid date (expected YYYY-MM-DD)")
        return None

    def boolean(self, row: Row, key: str, *, default: bool | None = None) -> bool | None:
        if not row.get(key) and default is not None:
            return default
        code = self.controlled(row, key, "boolean")
        return None if code is None else code == "true"

    def unique(self, seen: dict[str, Row], value: str, row: Row, key: str, what_zh: str, what_en: str) -> None:
        if value in seen:
            self.add(
                row, key,
                f"{what_zh}“{value}”重复（已见于第{seen[value].number}行）",
                f"duplicate {what_en} {value!r} (already in row {seen[value].number})",
            )
        else:
            seen[value] = row


def _label_of(scheme: str, code: str) -> str:
    with (REGISTRIES_DIR / "controlled-values.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["scheme"] == scheme and r["code"] == code:
                return r["label_zh"]
    return code


def read(path: Path, kind: str, problems: Problems) -> Sheet | None:
    """Read a registry CSV with ``loaders/sheets.py``; its problems go into ``problems``."""
    result = read_sheets(Path(path), [specs()[kind]])
    problems.extend(result.errors)
    return result.sheets.get(kind)


def vocab_node(scheme: str, code: str) -> ox.NamedNode:
    return nn(vocab(scheme, code))
