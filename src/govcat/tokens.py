"""Department tokens for the government endpoint.

A token is issued to one department (by USCC; the department must be in the organisation registry),
printed once, and kept only as its SHA-256 in ``govcat-tokens.json`` inside the store directory. A
file, not a graph, so that ``govcat token create`` works while a running server holds the store's
write lock, and so that no SPARQL query can ever read the hashes.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from govcat.errors import AccessDenied, NotFound, StoreError

if TYPE_CHECKING:
    from govcat.store import CatalogStore

TOKEN_FILE = "govcat-tokens.json"
PREFIX = "gct_"
_HERE = Path(__file__).parent


def _query(name: str) -> str:
    return (_HERE / name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class TokenHolder:
    department: str  # USCC
    created: str


def token_file(store_path: Path | str) -> Path:
    return Path(store_path) / TOKEN_FILE


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _read(path: Path) -> dict[str, dict]:
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"令牌文件无法读取 {path} / cannot read the token file {path}: {exc}", source=str(path)) from exc


def department_exists(store: "CatalogStore", uscc: str) -> bool:
    import pyoxigraph as ox

    return store.ask(
        _query("tokens_department.rq"),
        substitutions={"g": ox.NamedNode(store.iris.registry_graph("organisations")), "uscc": ox.Literal(uscc)},
    )


def is_bureau(store: "CatalogStore", uscc: str) -> bool:
    """Whether ``uscc`` is a big-data bureau (org kind big-data-bureau) in the organisation registry."""
    import pyoxigraph as ox

    return store.ask(
        _query("tokens_bureau.rq"),
        substitutions={"g": ox.NamedNode(store.iris.registry_graph("organisations")), "uscc": ox.Literal(uscc)},
    )


def create_token(store: "CatalogStore", store_path: Path | str, uscc: str) -> str:
    """Issue a new token for department ``uscc``; returns the token (the only time it is seen)."""
    uscc = uscc.strip().upper()
    if not department_exists(store, uscc):
        raise NotFound(
            f"机构注册表中没有统一社会信用代码为 {uscc} 的部门 / no department with USCC {uscc} in the "
            "organisation registry"
        )
    token = PREFIX + secrets.token_urlsafe(32)
    path = token_file(store_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tokens = _read(path)
    tokens[_hash(token)] = {
        "department": uscc,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    # Write a new file and rename it over the old, so a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tokens-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(tokens, fh, ensure_ascii=False, indent=1)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return token


def verify(store_path: Path | str, token: str) -> TokenHolder:
    """The holder of ``token``, or AccessDenied."""
    entry = _read(token_file(store_path)).get(_hash(token.strip())) if token else None
    if not entry:
        raise AccessDenied("令牌无效 / the token is not valid")
    return TokenHolder(entry["department"], entry.get("created", ""))
