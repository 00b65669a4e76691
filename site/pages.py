"""The context of every page of the site: plain JSON-able dicts, hashed for incremental builds.

A page is named by a spec ``(kind, key, lang)``; its context holds everything it shows, so two builds
give the same hash exactly when the page would come out the same.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from govcat.site.data import ON_APPLICATION, UNCONDITIONAL, VOCAB, SiteData

PAGE_SIZE = 50
NEWEST = 10
VIEW_W = 760


def code_of(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def pick(value: Any, lang: str) -> tuple[str, str]:
    """A text in ``lang`` if there is one, else in the other language: (text, its language)."""
    if isinstance(value, str):
        return value, lang
    if not value:
        return "", lang
    if lang in value:
        return value[lang], lang
    other = "zh" if lang == "en" else "en"
    if other in value:
        return value[other], other
    k = sorted(value)[0]
    return value[k], k


class Groups:
    """Datasets grouped for the listings: by department, city, theme (and database) and format."""

    KINDS = ("departments", "cities", "themes", "formats")

    def __init__(self, data: SiteData) -> None:
        self.members: dict[str, dict[str, list[int]]] = {k: defaultdict(list) for k in self.KINDS}
        self.labels: dict[str, dict[str, dict[str, str]]] = {k: {} for k in self.KINDS}
        self.sections: dict[str, dict[str, str]] = {k: {} for k in self.KINDS}
        broader = data.catalog["broader"]
        order = sorted(range(len(data.datasets)), key=lambda i: _recency(data.datasets[i]), reverse=True)
        for i in order:
            d = data.datasets[i]
            org = data.orgs.get(d["publisher"] or "", {})
            if org:
                self._add("departments", org["uscc"], i, org["label"])
                div = org.get("division")
                if div:
                    self._add("cities", code_of(div), i, data.labels.get(div, {}))
            seen: set[str] = set()
            for c in d["classification"]:
                for x in [c, *broader.get(c, [])]:
                    if x not in seen:
                        seen.add(x)
                        self._add("themes", code_of(x), i, data.labels.get(x, {}), "classifications")
            for db in d["database"]:
                kind = data.catalog["databases"].get(db, "base")
                self._add("themes", "db-" + code_of(db), i, data.labels.get(db, {}), f"{kind}_databases")
            for f in d["file_format"]:
                self._add("formats", code_of(f), i, data.labels.get(f, {}))

    def _add(self, kind: str, key: str, i: int, label: dict[str, str], section: str = "") -> None:
        self.members[kind][key].append(i)
        self.labels[kind].setdefault(key, label or {"zh": key})
        self.sections[kind].setdefault(key, section)

    def listing_specs(self, lang: str) -> list[tuple]:
        specs = []
        for kind in self.KINDS:
            for key, members in self.members[kind].items():
                pages = max(1, -(-len(members) // PAGE_SIZE))
                specs += [("listing", (kind, key, n), lang) for n in range(1, pages + 1)]
        return specs


def _recency(d: dict[str, Any]) -> tuple:
    return (d.get("issued") or d.get("modified") or "", d["slug"])


def dataset_path(slug: str) -> str:
    """A dataset page's URL relative to a language's root: one file beside its RDF files
    (``dataset/<slug>.ttl`` ...), not a folder of its own. Creating a folder per page cost more kernel
    time than the page's render at province scale (on ext4, measured alone: mkdir 0.33-0.52 ms and the
    file in the new folder 0.30-0.48 ms, against 0.06-0.18 ms for a file in an existing folder)."""
    return f"dataset/{slug}.html"


def page_path(spec: tuple) -> str:
    """The URL of a page relative to the site root: a folder ending in '/' ('' for the home page), or a
    dataset page's own ``.html`` file."""
    kind, key, lang = spec
    prefix = "en/" if lang == "en" else ""
    if kind == "home":
        return prefix
    if kind == "dataset":
        return prefix + dataset_path(key)
    if kind == "groups":
        return f"{prefix}{key}/"
    if kind == "search":
        return f"{prefix}search/"
    if kind == "listing":
        group, k, n = key
        return f"{prefix}{group}/{k}/" + (f"page-{n}/" if n > 1 else "")
    raise ValueError(spec)


def page_file(spec: tuple) -> str:
    """The file of a page relative to the site root."""
    path = page_path(spec)
    return path if path.endswith(".html") else path + "index.html"


def _common(spec: tuple, messages: dict[str, dict[str, str]]) -> dict[str, Any]:
    path = page_path(spec)
    lang = spec[2]
    other = path[3:] if lang == "en" else "en/" + path
    return {
        "lang": lang,
        "m": messages[lang],
        "root": "../" * path.count("/"),
        "lang_prefix": "en/" if lang == "en" else "",
        "other_path": other,
    }


def card(data: SiteData, i: int) -> dict[str, Any]:
    d = data.datasets[i]
    org = data.orgs.get(d["publisher"] or "", {})
    summary = {k: (v if len(v) <= 120 else v[:119] + "…") for k, v in d["description"].items()}
    return {
        "slug": d["slug"],
        "title": d["title"],
        "publisher": org.get("label", {}),
        "open_type": data.labels.get(d["open_type"] or "", {}),
        "modified": d["modified"],
        "summary": summary,
    }


def context(spec: tuple, data: SiteData, groups: Groups, downstream: dict[str, list[str]],
            messages: dict[str, dict[str, str]]) -> tuple[str, dict[str, Any]]:
    """(template name, context) of a page."""
    kind, key, lang = spec
    ctx = _common(spec, messages)
    m = messages[lang]
    if kind == "home":
        ds = data.datasets
        newest = sorted(range(len(ds)), key=lambda i: _recency(ds[i]), reverse=True)[:NEWEST]
        ctx.update(
            catalog_title=data.catalog["title"], catalog_description=data.catalog["description"],
            counts={
                "datasets": len(ds),
                "unconditional": sum(1 for d in ds if d["open_type"] == UNCONDITIONAL),
                "on_application": sum(1 for d in ds if d["open_type"] == ON_APPLICATION),
                "departments": len(groups.members["departments"]),
                "cities": len(groups.members["cities"]),
                "formats": len(groups.members["formats"]),
            },
            newest=[card(data, i) for i in newest],
        )
        return "home.html", ctx
    if kind == "search":
        return "search.html", ctx
    if kind == "groups":
        sections: dict[str, list] = defaultdict(list)
        for k, members in groups.members[key].items():
            sections[groups.sections[key][k]].append(
                {"path": f"{key}/{k}/", "label": groups.labels[key][k], "count": len(members)}
            )
        ctx.update(heading=m[key], sections=[
            {"heading": m.get(s, "") if s else "", "groups": sorted(g, key=lambda x: (pick(x["label"], "zh")[0], x["path"]))}
            for s, g in sorted(sections.items())
        ])
        return "groups.html", ctx
    if kind == "listing":
        group, k, n = key
        members = groups.members[group][k]
        pages = max(1, -(-len(members) // PAGE_SIZE))
        base = "../" if n > 1 else ""
        ctx.update(
            heading=groups.labels[group][k], total=len(members), parent_path=f"{group}/", parent_label=m[group],
            items=[card(data, i) for i in members[(n - 1) * PAGE_SIZE:n * PAGE_SIZE]],
            pager_info={
                "number": n, "count": pages,
                "prev": (base + ("" if n == 2 else f"page-{n - 1}/")) if n > 1 else None,
                "next": (base + f"page-{n + 1}/") if n < pages else None,
            },
        )
        if n == 1 and pages > 1:
            ctx["pager_info"]["next"] = "page-2/"
        return "listing.html", ctx
    if kind == "dataset":
        return "dataset.html", _dataset_context(ctx, data, data.datasets[data.by_slug[key]], downstream)
    raise ValueError(spec)


def _dataset_context(ctx: dict[str, Any], data: SiteData, d: dict[str, Any],
                     downstream: dict[str, list[str]]) -> dict[str, Any]:
    labels = data.labels
    org = data.orgs.get(d["publisher"] or "", {"label": {}, "uscc": ""})
    ref = lambda slug: {"slug": slug, "title": data.datasets[data.by_slug[slug]]["title"]}  # noqa: E731
    upstream = [ref(s) for s in d["derived_from"] if s in data.by_slug]
    down = [ref(s) for s in downstream.get(d["slug"], []) if s in data.by_slug]
    related = [ref(s) for s in d["related"] if s in data.by_slug]
    lang = ctx["lang"]
    ctx.update(
        d=d,
        page_url=data.base + ctx["lang_prefix"] + dataset_path(d["slug"]),
        publisher={"label": org["label"], "uscc": org["uscc"]},
        unconditional=d["open_type"] == UNCONDITIONAL,
        open_type=labels.get(d["open_type"] or "", {}),
        update_period=labels.get(d["update_period"] or "", {}),
        classes=[{"code": code_of(c), "label": labels.get(c, {})} for c in d["classification"]],
        databases=[{"code": code_of(c), "label": labels.get(c, {})} for c in d["database"]],
        spatial=[labels.get(s, {}) for s in d["spatial"]] if not d["spatial_text"] else [d["spatial_text"]],
        distributions=[
            {**x, "format_label": labels.get(x["format"] or "", {}), "license_label": labels.get(x["license"] or "", {})}
            for x in d["distributions"]
        ],
        items=[{**i, "type_label": labels.get(i["type"] or "", {})} for i in d["items"]],
        legal=d["legal"],
        upstream=upstream, downstream=down, related=related,
        g=_lineage_layout(d, upstream, down, ctx["root"], ctx["lang_prefix"], lang),
        jsonld=_schema_org(data, d, org, ctx["lang_prefix"], lang),
    )
    return ctx


def _short(text: str, n: int = 14) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _lineage_layout(d, upstream, downstream, root, prefix, lang) -> dict[str, Any]:
    box_w, box_h, gap = 220, 40, 14
    rows = max(len(upstream), len(downstream), 1)
    height = rows * (box_h + gap) + gap
    xs = {"up": 10, "cur": (VIEW_W - box_w) // 2, "down": VIEW_W - box_w - 10}

    def col(items, x, side):
        top = (height - (len(items) * (box_h + gap) - gap)) // 2
        return [
            {"x": x, "y": top + k * (box_h + gap), "title": pick(u["title"], lang)[0],
             "short": _short(pick(u["title"], lang)[0]), "href": root + prefix + dataset_path(u["slug"]),
             "current": False, "side": side}
            for k, u in enumerate(items)
        ]

    cur_title = pick(d["title"], lang)[0]
    current = {"x": xs["cur"], "y": (height - box_h) // 2, "title": cur_title, "short": _short(cur_title),
               "href": None, "current": True, "side": "cur"}
    ups, downs = col(upstream, xs["up"], "up"), col(downstream, xs["down"], "down")
    cy = current["y"] + box_h // 2
    edges = [{"x1": n["x"] + box_w, "y1": n["y"] + box_h // 2, "x2": current["x"], "y2": cy} for n in ups]
    edges += [{"x1": current["x"] + box_w, "y1": cy, "x2": n["x"], "y2": n["y"] + box_h // 2} for n in downs]
    return {"width": VIEW_W, "height": height, "box_w": box_w, "box_h": box_h,
            "nodes": ups + [current] + downs, "edges": edges}


def _schema_org(data: SiteData, d, org, prefix, lang) -> str:
    """schema.org Dataset JSON-LD for search engines, safe inside a <script> element."""
    labels = data.labels
    url = data.base + prefix + dataset_path(d["slug"])
    licences = sorted({x["license"] for x in d["distributions"] if x["license"]})
    doc: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": d["iri"],
        "name": pick(d["title"], lang)[0],
        "description": pick(d["description"], lang)[0] or pick(d["title"], lang)[0],
        "url": url,
        "identifier": d["code"],
        "keywords": [k["value"] for k in d["keywords"]],
        "creator": {"@type": "GovernmentOrganization", "name": pick(org["label"], lang)[0], "@id": d["publisher"]},
        "publisher": {"@type": "GovernmentOrganization", "name": pick(org["label"], lang)[0]},
        "includedInDataCatalog": {"@type": "DataCatalog", "name": pick(data.catalog["title"], lang)[0],
                                  "url": data.base + prefix},
        "isAccessibleForFree": True,
        "inLanguage": "zh-CN",
    }
    if licences:
        doc["license"] = licences[0] if len(licences) == 1 else licences
    if d["issued"]:
        doc["datePublished"] = d["issued"]
    if d["modified"]:
        doc["dateModified"] = d["modified"]
    places = [pick(labels.get(s, {}), lang)[0] for s in d["spatial"]] or ([pick(d["spatial_text"], lang)[0]] if d["spatial_text"] else [])
    if places:
        doc["spatialCoverage"] = [{"@type": "Place", "name": p} for p in places if p]
    if d["temporal"] and (d["temporal"][0] or d["temporal"][1]):
        doc["temporalCoverage"] = f"{d['temporal'][0] or '..'}/{d['temporal'][1] or '..'}"
    elif d["temporal_text"]:
        doc["temporalCoverage"] = pick(d["temporal_text"], lang)[0]
    if d["open_type"] == UNCONDITIONAL:
        doc["distribution"] = [
            {"@type": "DataDownload", "contentUrl": x["download"] or x["access"],
             "encodingFormat": _encoding(x, labels)}
            for x in d["distributions"] if x["download"] or x["access"]
        ]
    else:
        doc["conditionsOfAccess"] = pick(d["open_conditions"], lang)[0] or messages_apply(lang)
    text = json.dumps(doc, ensure_ascii=False)  # keys in the order written above: the same in every build
    return text.replace("</", "<\\/")


def _encoding(x: dict[str, Any], labels) -> str:
    mt = x.get("media_type")
    marker = "/media-types/"
    if mt and marker in mt:
        return mt.split(marker, 1)[1]
    return labels.get(x.get("format") or "", {}).get("en") or code_of(x.get("format") or "") or ""


def messages_apply(lang: str) -> str:
    return "依申请开放" if lang == "zh" else "Open on application"

