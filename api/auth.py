"""Bearer tokens on the government endpoint.

Any department's token may query ``/gov/sparql``; SPARQL Update needs the token of a big-data bureau
(an organisation whose ``org:classification`` is ``gcv:org-kind/big-data-bureau`` in the organisation
registry, e.g. 山东省大数据局 11370000MB284651XL). The bureau check reads the registry at request time,
so a change in the registry takes effect at once.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from govcat import tokens
from govcat.errors import AccessDenied


class NotPermitted(AccessDenied):
    """A valid caller asking for something it may not do (HTTP 403)."""


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AccessDenied(
            "政务端点需要部门令牌：Authorization: Bearer <令牌> / the government endpoint needs a department "
            "token: send Authorization: Bearer <token> (issued by `govcat token create --department USCC`)"
        )
    return value.strip()


def authenticate(request: Request, store_path: Any) -> tokens.TokenHolder:
    return tokens.verify(store_path, bearer(request))


def require_bureau(holder: tokens.TokenHolder, is_bureau: bool) -> None:
    if not is_bureau:
        raise NotPermitted(
            f"只有大数据局的令牌可以执行 SPARQL Update；{holder.department} 不是大数据局 / SPARQL Update needs a "
            f"big-data bureau's token; {holder.department} is not a big-data bureau in the organisation registry"
        )
