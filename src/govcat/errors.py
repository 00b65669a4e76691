"""One error hierarchy for govcat.

    CatalogError                  anything govcat refuses, with a message in zh and en
    ├── ConfigError               a setting is missing or malformed
    ├── StoreError                the store cannot be opened or written
    ├── LoaderError               input that cannot be loaded (file, sheet, row, column)
    │   └── LoadErrors            all problems of one input, reported together
    ├── QueryError                a malformed or refused query
    │   ├── QueryTimeout          a query ran over its time limit
    │   └── QueryRefused          a query the service does not run (e.g. SERVICE outside the allow-list)
    ├── NotFound                  a department, dataset or graph that does not exist
    └── AccessDenied              a missing or wrong token

HTTP status codes are chosen only in ``govcat.api`` and exit codes only in ``govcat.cli``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


class CatalogError(Exception):
    """Base of everything govcat refuses. ``str()`` is a bilingual, human-readable message."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source

    def __str__(self) -> str:
        return self.message


class ConfigError(CatalogError):
    pass


class StoreError(CatalogError):
    pass


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, and optionally a sheet, a row, a column, a line and a column offset."""

    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    line: int | None = None
    offset: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"[{self.sheet}]")
        if self.line is not None:
            parts.append(f":{self.line}" + (f":{self.offset}" if self.offset is not None else ""))
        text = "".join(parts)
        if self.row is not None:
            text += f" 第{self.row}行 (row {self.row})"
        if self.column:
            text += f" {self.column}"
        return text


class LoaderError(CatalogError):
    """One problem of an input, with where it is and what was expected, in zh and en."""

    def __init__(self, location: Location, zh: str, en: str) -> None:
        self.location = location
        self.zh = zh
        self.en = en
        super().__init__(f"{location}: {zh} / {en}", source=location.file)

    def as_dict(self) -> dict:
        loc = self.location
        return {
            "file": loc.file,
            "sheet": loc.sheet,
            "row": loc.row,
            "column": loc.column,
            "line": loc.line,
            "offset": loc.offset,
            "message": {"zh": self.zh, "en": self.en},
        }


class LoadErrors(LoaderError):
    """Every problem found in one run over an input: nothing of it was loaded."""

    def __init__(self, errors: Iterable[LoaderError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        CatalogError.__init__(
            self,
            "\n".join(str(e) for e in self.errors),
            source=first.location.file,
        )
        self.location = first.location
        self.zh = f"{len(self.errors)} 个问题，未加载任何内容"
        self.en = f"{len(self.errors)} problem(s); nothing was loaded"


class QueryError(CatalogError):
    pass


class QueryTimeout(QueryError):
    pass


class QueryRefused(QueryError):
    pass


class NotFound(CatalogError):
    pass


class AccessDenied(CatalogError):
    pass
