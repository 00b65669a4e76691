"""The offline search index: compact JSON shards the browser fetches on demand (no server, no CDN).

Text (titles, descriptions, keywords, data item names) is cut into tokens: Chinese as overlapping
character pairs, other scripts as lower-case words. ``search/idx-{n}.json`` maps each token whose
FNV-1a hash falls in shard n to its delta-encoded document numbers; ``search/docs-{k}.json`` holds
short records of documents k*DOCS_PER_SHARD onwards. A query fetches only the shards of its tokens and
of its hits, so what a browser downloads stays small at province scale. ``static/search.js`` mirrors
``tokens`` and ``fnv1a``.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from govcat.site.data import UNCONDITIONAL, SiteData

DOCS_PER_SHARD = 500
POSTINGS_PER_SHARD = 40000
_WORD = re.compile(r"[0-9a-z]+|[\u3400-\u9fff\uf900-\ufaff]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def fnv1a(token: str) -> int:
    h = 0x811C9DC5
    for ch in token:
        h ^= ord(ch)
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def tokens(text: str) -> set[str]:
    out: set[str] = set()
    for run in _WORD.findall(text.lower()):
        if _CJK.match(run):
            if len(run) == 1:
                out.add(run)
            out.update(run[i:i + 2] for i in range(len(run) - 1))
        else:
            out.add(run)
    return out


def _doc_text(d: dict[str, Any]) -> str:
    parts = [*d["title"].values(), *d["description"].values(), d["code"]]
    parts += [k["value"] for k in d["keywords"]]
    parts += [v for item in d["items"] for v in item["title"].values()]
    return " ".join(parts)


def build(data: SiteData, out: Path) -> list[str]:
    """Write the index under ``out/search``; returns the files that changed."""
    postings: dict[str, list[int]] = defaultdict(list)
    docs = []
    for n, d in enumerate(data.datasets):
        for tok in tokens(_doc_text(d)):
            postings[tok].append(n)
        org = data.orgs.get(d["publisher"] or "", {}).get("label", {})
        desc = d["description"].get("zh") or d["description"].get("en", "")
        docs.append([
            d["slug"], d["title"].get("zh", ""), d["title"].get("en", ""), org.get("zh", ""), org.get("en", ""),
            1 if d["open_type"] == UNCONDITIONAL else 0, desc[:80],
        ])
    total = sum(len(v) for v in postings.values())
    shards = 1
    while shards < 4096 and total / shards > POSTINGS_PER_SHARD:
        shards *= 2
    index_shards: list[dict[str, list[int]]] = [{} for _ in range(shards)]
    for tok, ids in postings.items():
        deltas, prev = [], 0
        for i in ids:
            deltas.append(i - prev)
            prev = i
        index_shards[fnv1a(tok) % shards][tok] = deltas
    files: dict[str, Any] = {"search/meta.json": {"shards": shards, "docsPerShard": DOCS_PER_SHARD, "count": len(docs)}}
    for k in range(shards):
        files[f"search/idx-{k}.json"] = index_shards[k]
    for k in range(0, max(len(docs), 1), DOCS_PER_SHARD):
        files[f"search/docs-{k // DOCS_PER_SHARD}.json"] = docs[k:k + DOCS_PER_SHARD]
    changed = []
    folder = out / "search"
    folder.mkdir(parents=True, exist_ok=True)
    wanted = set()
    for rel, value in files.items():
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
        path = out / rel
        wanted.add(path.name)
        if not path.exists() or path.read_bytes() != body:
            path.write_bytes(body)
            changed.append(rel)
    for stale in folder.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
            changed.append(f"search/{stale.name}")
    return changed
