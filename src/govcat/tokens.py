"""Department tokens for the government endpoint.

A token is issued to one department (by USCC; the department must be in the organisation registry),
printed once, and kept only as its SHA-256 in ``govcat-tokens.json`` inside the store directory. A
file, not a graph, so that ``govcat token create`` works while a running server holds the store's
write lock, and so that no SPARQL query can ever read the hashes.

Every token expires (``DEFAULT_EXPIRES_DAYS`` after it is issued unless told otherwise) and can be
revoked. A token's id is the first 12 hex digits of its hash: enough to name it in ``govcat token
revoke`` and ``govcat token list``, useless for authenticating. Revoked tokens stay in the file (marked
with the time of revocation) so that the endpoint can say a token was revoked rather than unknown.
Entries written before expiry existed have no ``expires`` and do not expire until revoked.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from govcat.errors import AccessDenied, NotFound, StoreError

if TYPE_CHECKING:
    from govcat.store import CatalogStore

TOKEN_FILE = "govcat-tokens.json"
PREFIX = "gct_"
DEFAULT_EXPIRES_DAYS = 365
ID_LENGTH = 12
_HERE = Path(__file__).parent


def _query(name: str) -> str:
    return (_HERE / name).read_text(encoding="utf-8")


class TokenExpired(AccessDenied):
    """A token past its expiry time (HTTP 401)."""


class TokenRevoked(AccessDenied):
    """A token revoked by ``govcat token revoke`` (HTTP 401)."""


@dataclass(frozen=True)
class TokenHolder:
    department: str  # USCC
    created: str
    expires: str = ""  # ISO 8601 UTC; empty: does not expire
    token_id: str = ""


@dataclass(frozen=True)
class TokenInfo:
    """What ``govcat token list`` shows of a token: never the token, never the full hash."""

    token_id: str
    department: str
    created: str
    expires: str
    revoked: str

    def status(self, now: datetime | None = None) -> str:
        if self.revoked:
            return "revoked"
        if self.expires and _parse_time(self.expires) <= (now or _now()):
            return "expired"
        return "valid"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).isoformat(timespec="seconds")


def _parse_time(text: str) -> datetime:
    t = datetime.fromisoformat(text)
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


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


def create_token(
    store: "CatalogStore", store_path: Path | str, uscc: str, expires_in_days: float = DEFAULT_EXPIRES_DAYS
) -> str:
    """Issue a new token for department ``uscc``, valid for ``expires_in_days``; returns the token (the only
    time it is seen)."""
    uscc = uscc.strip().upper()
    if not expires_in_days > 0:
        raise ValueError(f"有效期必须大于 0 天 / the validity must be more than 0 days, not {expires_in_days}")
    if not department_exists(store, uscc):
        raise NotFound(
            f"机构注册表中没有统一社会信用代码为 {uscc} 的部门 / no department with USCC {uscc} in the "
            "organisation registry"
        )
    token = PREFIX + secrets.token_urlsafe(32)
    path = token_file(store_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tokens = _read(path)
    now = _now()
    tokens[_hash(token)] = {
        "department": uscc,
        "created": _iso(now),
        "expires": _iso(now + timedelta(days=expires_in_days)),
    }
    _write(path, tokens)
    return token


def _write(path: Path, tokens: dict[str, dict]) -> None:
    # Write a new file and rename it over the old, so a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tokens-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(tokens, fh, ensure_ascii=False, indent=1)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def list_tokens(store_path: Path | str) -> list[TokenInfo]:
    """Every token in the file, oldest first, by id (never the token or its full hash)."""
    entries = _read(token_file(store_path))
    out = [
        TokenInfo(h[:ID_LENGTH], e["department"], e.get("created", ""), e.get("expires", ""), e.get("revoked", ""))
        for h, e in entries.items()
    ]
    return sorted(out, key=lambda t: (t.created, t.token_id))


def revoke(store_path: Path | str, which: str) -> list[TokenInfo]:
    """Revoke the token with id ``which``, or every token of the department whose USCC is ``which``.
    Returns the tokens newly revoked; NotFound if ``which`` names no token."""
    path = token_file(store_path)
    tokens = _read(path)
    key = which.strip()
    by_id = [h for h in tokens if len(key) >= 6 and h.startswith(key.lower())]
    if len(by_id) > 1:
        raise NotFound(f"令牌编号 {key} 不唯一 / the token id {key} matches {len(by_id)} tokens: give more digits")
    chosen = by_id or [h for h, e in tokens.items() if e["department"] == key.upper()]
    if not chosen:
        raise NotFound(f"没有编号或部门为 {key} 的令牌 / no token has the id or department {key}")
    when = _iso(_now())
    newly = []
    for h in chosen:
        if not tokens[h].get("revoked"):
            tokens[h]["revoked"] = when
            e = tokens[h]
            newly.append(TokenInfo(h[:ID_LENGTH], e["department"], e.get("created", ""), e.get("expires", ""), when))
    _write(path, tokens)
    return newly


def verify(store_path: Path | str, token: str) -> TokenHolder:
    """The holder of ``token``, or AccessDenied."""
    digest = _hash(token.strip()) if token else ""
    entry = _read(token_file(store_path)).get(digest) if token else None
    if not entry:
        raise AccessDenied("令牌无效 / the token is not valid")
    token_id = digest[:ID_LENGTH]
    if entry.get("revoked"):
        raise TokenRevoked(
            f"令牌 {token_id} 已于 {entry['revoked']} 被吊销 / the token {token_id} was revoked on {entry['revoked']}; "
            "ask for a new one (govcat token create)"
        )
    expires = entry.get("expires", "")
    if expires and _parse_time(expires) <= _now():
        raise TokenExpired(
            f"令牌 {token_id} 已于 {expires} 过期 / the token {token_id} expired on {expires}; "
            "ask for a new one (govcat token create)"
        )
    return TokenHolder(entry["department"], entry.get("created", ""), expires, token_id)
