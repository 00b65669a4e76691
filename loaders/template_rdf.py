"""The national template's rows as the RDF of ``docs/model.md`` (a department catalog graph).

Every cell is checked for structure only (codes, dates, controlled values, references that must
resolve); problems are collected, never raised. Whether the catalog obeys the Measures is the
shapes' business: such cells load as given.

Triples are written as N-Triples statements (``<s> <p> o``, see ``template_nt``), which the store's bulk
writer hands to Oxigraph's parser: building them costs a fraction of pyoxigraph term objects.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from govcat import uscc as _uscc
from govcat.errors import LoaderError, Location
from govcat.iris import Iris
from govcat.loaders.sheets import Row
from govcat.loaders.template_lookup import Lookups, closest
from govcat.loaders.template_nt import XSD_DATE, integer, iri_problem, string, typed
from govcat.loaders.template_nt import zh as zh_text
from govcat.loaders.template_nt import boolean as _boolean

CODE_PATTERN = re.compile(r"^[123]\d{5}\d*/\d{3,}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9\- ()]{4,}$")
_CITATION = re.compile(r"^《([^《》]+)》\s*(.*)$")
_SPLIT = re.compile(r"[;；]")

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
GC = "https://w3id.org/govcat/ns#"
VCARD = "http://www.w3.org/2006/vcard/ns#"
DCATAP = "http://data.europa.eu/r5r/"

_YES = {"是", "yes", "y", "true", "1"}
_NO = {"否", "no", "n", "false", "0"}


def _date(text: str) -> str:
    return typed(text, XSD_DATE)


def split_multi(text: str) -> list[str]:
    return [p.strip() for p in _SPLIT.split(text) if p.strip()]


@dataclass
class Reference:
    """A resource code this submission points at (lineage or relation), checked once the batch is known."""

    location: Location
    code: str
    column_zh: str
    column_en: str


@dataclass
class Built:
    """What the rows turned into."""

    statements: list[str] = field(default_factory=list)  # N-Triples, without the final " ."
    errors: list[LoaderError] = field(default_factory=list)
    warnings: list[LoaderError] = field(default_factory=list)
    codes: dict[str, Location] = field(default_factory=dict)  # resource code -> where it is defined
    references: list[Reference] = field(default_factory=list)
    items: int = 0


class TemplateMapper:
    """Turns one submission's rows into triples, collecting every problem."""

    def __init__(self, iris: Iris, lookups: Lookups) -> None:
        self.iris = iris
        self.lk = lookups
        self.out = Built()
        self._datasets: dict[str, str] = {}

    # ---- helpers ------------------------------------------------------------------------------
    def add(self, s: str, p: str, o: str) -> None:
        """A triple whose object is the IRI ``o`` (trusted: from the store, or checked by the caller)."""
        self.out.statements.append(f"<{s}> <{p}> <{o}>")

    def lit(self, s: str, p: str, o: str) -> None:
        """A triple whose object is the literal term ``o`` (made by ``template_nt``)."""
        self.out.statements.append(f"<{s}> <{p}> {o}")

    def _dataset(self, code: str) -> str:
        # A resource's IRI is needed again for each of its items (quote() is not cheap).
        ds = self._datasets.get(code)
        if ds is None:
            ds = self._datasets[code] = self.iris.dataset(code)
        return ds

    def err(self, row: Row, key: str | None, zh: str, en: str) -> None:
        self.out.errors.append(row.error(key, zh, en))

    def concept(self, row: Row, key: str, scheme: str, text: str | None = None) -> str | None:
        """The concept of ``scheme`` that the cell names, or None (an error is recorded)."""
        value = row.get(key) if text is None else text
        if not value:
            return None
        sch = self.lk.scheme(scheme)
        hit = sch.resolve(value)
        if hit is None:
            hint = sch.suggest(value)
            zh_hint = f"；是否应为“{hint}”？" if hint else ""
            en_hint = f"; did you mean {hint!r}?" if hint else ""
            allowed = "、".join(sch.allowed()[:30])
            self.err(
                row,
                key,
                f"“{value}”不是有效的{row.columns.get(key, key)}取值{zh_hint}（可选：{allowed}）",
                f"{value!r} is not an allowed value of {key}{en_hint} (allowed: {allowed})",
            )
        return hit

    def date(self, row: Row, key: str) -> str | None:
        value = row.get(key)
        if not value:
            return None
        ok = bool(_DATE.match(value))
        if ok:
            try:
                _dt.date.fromisoformat(value)
            except ValueError:
                ok = False
        if not ok:
            self.err(
                row, key, f"“{value}”不是有效日期，应为 YYYY-MM-DD", f"{value!r} is not a date (expected YYYY-MM-DD)"
            )
            return None
        return _date(value)

    def boolean(self, row: Row, key: str) -> str:
        value = row.get(key).strip().lower()
        if value and value not in _YES and value not in _NO:
            self.err(row, key, f"“{row.get(key)}”应为“是”或“否”", f"{row.get(key)!r} must be 是 (yes) or 否 (no)")
        return _boolean(value in _YES)

    def url(self, row: Row, key: str) -> str | None:
        value = row.get(key)
        if not value:
            return None
        if not _URL.match(value):
            self.err(row, key, f"“{value}”不是有效网址（应以 http:// 或 https:// 开头）", f"{value!r} is not a URL (http:// or https://)")
            return None
        problem = iri_problem(value)
        if problem:
            # e.g. a bad %-escape or a second '#': it looks like a web address but is no IRI
            self.err(row, key, f"“{value}”不是有效网址（{problem}）", f"{value!r} is not a valid URL ({problem})")
            return None
        return value

    def code_ok(self, row: Row, key: str, code: str) -> bool:
        if CODE_PATTERN.match(code):
            return True
        self.err(
            row,
            key,
            f"信息资源代码“{code}”格式错误，应为 类(1位)+项(2位)+目(3位)[+细目]/顺序码(至少3位)，如 301001/000001",
            f"malformed resource code {code!r}: expected class+item+category digits, '/', and a sequence number "
            f"of at least 3 digits (pattern ^[123]\\d{{5}}\\d*/\\d{{3,}}$), e.g. 301001/000001",
        )
        return False

    def uscc_ok(self, row: Row, key: str, value: str) -> bool:
        problem = _uscc.problem(value)
        if problem is None:
            return True
        self.err(row, key, f"统一社会信用代码“{value}”无效：{problem[0]}", f"invalid USCC {value!r}: {problem[1]}")
        return False

    # ---- 目录信息 --------------------------------------------------------------------------------
    def catalog(self, row: Row) -> str | None:
        """Check the catalog row; returns the department's USCC if it is a known organisation."""
        dept = row.get("department_code")
        if not dept or not self.uscc_ok(row, "department_code", dept):
            return None
        org = self.lk.organisations.get(dept)
        if org is None:
            hint = closest(dept, set(self.lk.organisations))
            self.err(
                row,
                "department_code",
                f"未知部门：机构名录中没有统一社会信用代码为“{dept}”的单位" + (f"（最接近的是 {hint}）" if hint else ""),
                f"unknown department: no organisation with USCC {dept!r} in the organisations registry"
                + (f" (closest: {hint})" if hint else ""),
            )
            return None
        return dept

    def catalog_triples(self, row: Row, dept: str, datasets: list[str]) -> None:
        iris, org = self.iris, self.lk.organisations[dept]
        cat = iris.catalog(dept)
        self.add(cat, RDF + "type", DCAT + "Catalog")
        self.lit(cat, DCT + "title", zh_text(f"{org.name}政务数据资源目录"))
        self.add(cat, DCT + "publisher", iris.org(dept))
        modified = self.date(row, "catalog_modified")
        if modified:
            self.lit(cat, DCT + "modified", modified)
        for ds in datasets:
            self.add(cat, DCAT + "dataset", ds)
        master = self.lk.masters.get((org.level or "", org.division or ""))
        if master:
            self.add(master, DCAT + "catalog", cat)
        else:
            self.out.warnings.append(
                row.error(
                    None,
                    f"找不到 {org.name} 所在层级和区划的总目录，目录未挂接到总目录",
                    f"no master catalog for the level and division of {org.name}; the catalog is not linked to one",
                )
            )
        # contact (Art. 33)
        name, phone, email = row.get("contact_name"), row.get("contact_phone"), row.get("contact_email")
        if name or phone or email:
            contact = cat + "#contact"
            self.add(cat, DCAT + "contactPoint", contact)
            self.add(contact, RDF + "type", VCARD + "Kind")
            if name:
                self.lit(contact, VCARD + "fn", zh_text(name))
            if phone:
                if _PHONE.match(phone):
                    digits = ("+" if phone.startswith("+") else "") + re.sub(r"\D", "", phone)
                    self.add(contact, VCARD + "hasTelephone", f"tel:{digits}")
                else:
                    self.err(row, "contact_phone", f"“{phone}”不是电话号码", f"{phone!r} is not a telephone number")
            if email:
                problem = iri_problem(f"mailto:{email}") if _EMAIL.match(email) else ""
                if problem is None:
                    self.add(contact, VCARD + "hasEmail", f"mailto:{email}")
                else:
                    self.err(row, "contact_email", f"“{email}”不是电子邮箱地址", f"{email!r} is not an e-mail address")
        # filing (备案)
        filed_with, filed_on, number = row.get("filed_with"), self.date(row, "filed_on"), row.get("filing_number")
        if filed_with or filed_on or number:
            filing = cat + "#filing"
            self.add(cat, GC + "filing", filing)
            self.add(filing, RDF + "type", GC + "Filing")
            if filed_with and self.uscc_ok(row, "filed_with", filed_with):
                self.add(filing, GC + "filedWith", iris.org(filed_with))
                if filed_with not in self.lk.organisations:
                    self.out.warnings.append(
                        row.error(
                            "filed_with",
                            f"备案机关“{filed_with}”不在机构名录中",
                            f"the filing authority {filed_with!r} is not in the organisations registry",
                        )
                    )
            if filed_on:
                self.lit(filing, DCT + "date", filed_on)
            if number:
                self.lit(filing, DCT + "identifier", string(number))

    # ---- 信息资源 --------------------------------------------------------------------------------
    def resource(self, row: Row, dept: str | None) -> str | None:
        """Map one resource row; returns its dataset IRI (None if the code is unusable)."""
        iris, lk = self.iris, self.lk
        code = row.get("code")
        if not code or not self.code_ok(row, "code", code):
            return None
        if code in self.out.codes:
            first = self.out.codes[code]
            self.err(
                row, "code", f"信息资源代码“{code}”重复（首次出现在第{first.row}行）",
                f"duplicate resource code {code!r} (first used on row {first.row})",
            )
            # keep checking the rest of the row: every problem is reported in one run
        else:
            self.out.codes[code] = row.loc("code")
        ds = self._dataset(code)
        provider = row.get("provider_code")
        if provider and self.uscc_ok(row, "provider_code", provider) and dept and provider != dept:
            self.err(
                row,
                "provider_code",
                f"信息资源提供方代码“{provider}”不是报送部门的代码（{dept}）",
                f"provider code {provider!r} is not the submitting department's USCC ({dept})",
            )
        publisher = iris.org(dept) if dept else None

        self.add(ds, RDF + "type", DCAT + "Dataset")
        self.lit(ds, DCT + "identifier", string(code))
        self.lit(ds, DCT + "title", zh_text(row.get("title")))
        if publisher:
            self.add(ds, DCT + "publisher", publisher)
        for key, prop in (
            ("description", DCT + "description"),
            ("sharing_conditions", GC + "sharingConditions"),
            ("usage_requirements", GC + "usageRequirements"),
            ("open_conditions", GC + "openConditions"),
            ("temporal", GC + "temporalText"),
        ):
            text = row.get(key)
            if text:
                self.lit(ds, prop, zh_text(text))
        for key, scheme, prop in (
            ("classification", "classification", GC + "classification"),
            ("update_period", "update-period", DCT + "accrualPeriodicity"),
            ("sharing_type", "sharing-type", GC + "sharingType"),
            ("open_type", "open-type", GC + "openType"),
            ("base_database", "database", GC + "database"),
        ):
            hit = self.concept(row, key, scheme)
            if hit:
                self.add(ds, prop, hit)
        for method in split_multi(row.get("sharing_method")):
            hit = self.concept(row, "sharing_method", "sharing-method", method)
            if hit:
                self.add(ds, GC + "sharingMethod", hit)
        file_format = self._format(row, ds)
        for key, prop in (("issued", DCT + "issued"), ("modified", DCT + "modified"), ("data_updated", GC + "dataUpdated")):
            value = self.date(row, key)
            if value:
                self.lit(ds, prop, value)
        self._legal(row, ds)
        for key, prop, zh, en in (
            ("related", DCT + "relation", "关联资源代码", "related resource code"),
            ("derived_from", PROV + "wasDerivedFrom", "来源资源代码", "source resource code"),
        ):
            for other in split_multi(row.get(key)):
                if self.code_ok(row, key, other):
                    self.add(ds, prop, iris.dataset(other))
                    self.out.references.append(Reference(row.loc(key), other, zh, en))
        self._acquisition(row, ds, publisher)
        self.lit(ds, GC + "classified", self.boolean(row, "classified"))
        for kw in split_multi(row.get("keywords")):
            self.lit(ds, DCAT + "keyword", zh_text(kw))
        spatial = row.get("spatial")
        if spatial:
            self.lit(ds, GC + "spatialText", zh_text(spatial))
            division = lk.scheme("division").resolve(spatial)
            if division:
                self.add(ds, DCT + "spatial", division)
        self._distribution(row, ds, file_format)
        return ds

    def _format(self, row: Row, ds: str) -> str | None:
        value = row.get("format")
        if not value:
            return None
        kind, slash, fmt = value.replace("／", "/").partition("/")
        kind_iri = self.concept(row, "format", "format-type", kind.strip())
        if kind_iri:
            self.add(ds, GC + "formatType", kind_iri)
        if slash and fmt.strip():
            fmt_iri = self.concept(row, "format", "file-format", fmt.strip())
            if fmt_iri:
                self.add(ds, GC + "fileFormat", fmt_iri)
                return fmt_iri
        return None

    def _legal(self, row: Row, ds: str) -> None:
        for citation in split_multi(row.get("legal_basis")):
            m = _CITATION.match(citation)
            if not m:
                self.err(
                    row, "legal_basis",
                    f"法律依据“{citation}”格式错误，应为《标题》第x条",
                    f"malformed legal basis {citation!r}: expected 《title》 optionally followed by an article",
                )
                continue
            title = m.group(1).strip()
            resource = self.lk.legal.get(title)
            if resource is None:
                hint = closest(title, set(self.lk.legal))
                self.err(
                    row, "legal_basis",
                    f"法律依据《{title}》不在法律依据名录中" + (f"；是否应为《{hint}》？" if hint else ""),
                    f"the legal resource 《{title}》 is not in the legal registry" + (f"; did you mean 《{hint}》?" if hint else ""),
                )
                continue
            self.add(ds, DCATAP + "applicableLegislation", resource)
            self.lit(ds, GC + "legalBasisText", zh_text(citation))

    def _acquisition(self, row: Row, ds: str, publisher: str | None) -> None:
        method = self.concept(row, "acquisition", "acquisition")
        approval = row.get("purchase_approval")
        if not method and not approval:
            return
        act = ds + "#acquisition"
        self.add(ds, PROV + "wasGeneratedBy", act)
        self.add(act, RDF + "type", GC + "Acquisition")
        self.add(act, RDF + "type", PROV + "Activity")
        if method:
            self.add(act, GC + "acquisitionMethod", method)
        if publisher:
            self.add(act, PROV + "wasAssociatedWith", publisher)
        if approval:
            parts = approval.split()
            number, date = approval, None
            if len(parts) > 1 and re.match(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$", parts[-1]):
                number, date = " ".join(parts[:-1]), parts[-1]
                try:
                    if not _DATE.match(date):
                        raise ValueError(date)
                    _dt.date.fromisoformat(date)
                except ValueError:
                    self.err(
                        row, "purchase_approval",
                        f"购买审批日期“{date}”无效，应为 YYYY-MM-DD（如“鲁数审〔2024〕12号 2024-03-01”）",
                        f"the approval date {date!r} is not a date (expected YYYY-MM-DD, e.g. '鲁数审〔2024〕12号 2024-03-01')",
                    )
                    date = None
            node = ds + "#approval"
            self.add(act, GC + "approval", node)
            self.add(node, RDF + "type", GC + "Approval")
            self.lit(node, DCT + "identifier", string(number))
            if date:
                self.lit(node, DCT + "date", _date(date))

    def _distribution(self, row: Row, ds: str, file_format: str | None) -> None:
        download, access, licence = self.url(row, "download_url"), self.url(row, "access_url"), self.url(row, "license")
        if not (download or access or licence):
            return
        dist = ds + "#distribution"
        self.add(ds, DCAT + "distribution", dist)
        self.add(dist, RDF + "type", DCAT + "Distribution")
        if download:
            self.add(dist, DCAT + "downloadURL", download)
        if access:
            self.add(dist, DCAT + "accessURL", access)
        if licence:
            self.add(dist, DCT + "license", licence)
        if file_format:
            self.add(dist, GC + "fileFormat", file_format)

    # ---- 信息项 ---------------------------------------------------------------------------------
    def item(self, row: Row, orders: dict[str, int]) -> None:
        code = row.get("code")
        if not code:
            return
        if code not in self.out.codes:
            if CODE_PATTERN.match(code):
                self.err(
                    row, "code",
                    f"信息项所属的信息资源“{code}”不在“信息资源”表中",
                    f"the data item belongs to resource {code!r}, which is not in the 信息资源 (resources) sheet",
                )
            else:
                self.code_ok(row, "code", code)
            return
        ds = self._dataset(code)
        n = orders[code] = orders.get(code, 0) + 1
        item = f"{ds}#item-{n}"
        self.out.items += 1
        # The hot path of a load (a province has millions of items): the item's fixed triples in one go.
        it = f"<{item}>"
        self.out.statements += (
            f"<{ds}> <{GC}dataItem> {it}",
            f"{it} <{RDF}type> <{GC}DataItem>",
            f"{it} <{GC}order> {integer(n)}",
            f"{it} <{DCT}title> {zh_text(row.get('name'))}",
        )
        dtype = self.concept(row, "data_type", "data-type")
        if dtype:
            self.add(item, GC + "dataType", dtype)
        length = row.get("length")
        if length:
            if re.fullmatch(r"\d+", length):
                self.lit(item, GC + "length", integer(int(length)))
            else:
                self.err(row, "length", f"数据长度“{length}”应为非负整数", f"length {length!r} must be a whole number")
        element = row.get("data_element")
        if element:
            hit = self.lk.elements.get(element)
            if hit is None:
                hint = closest(element, set(self.lk.elements))
                self.err(
                    row, "data_element",
                    f"数据元“{element}”不在数据元名录中" + (f"；是否应为“{hint}”？" if hint else ""),
                    f"the data element {element!r} is not in the data-element registry"
                    + (f"; did you mean {hint!r}?" if hint else ""),
                )
            else:
                self.add(item, GC + "dataElement", hit)
        self.lit(item, GC + "authoritative", self.boolean(row, "authoritative"))
        self.lit(item, GC + "sensitive", self.boolean(row, "sensitive"))
