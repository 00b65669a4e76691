"""Namespaces used across govcat. The govcat vocabulary IRIs do not depend on the base IRI."""

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, ODRL2, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

GC = Namespace("https://w3id.org/govcat/ns#")
VOCAB = Namespace("https://w3id.org/govcat/vocab/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
SH = Namespace("http://www.w3.org/ns/shacl#")
EU_ACCESS_RIGHT = Namespace("http://publications.europa.eu/resource/authority/access-right/")
EU_FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_DATA_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")

# The Measures (Order No. 329) as an ELI legal resource; article n is MEASURES + "/art_{n}".
MEASURES = "https://w3id.org/govcat/eli/cn-sd/gov-order/2019/329"


def article_iri(number: int) -> str:
    return f"{MEASURES}/art_{number}"


def vocab(scheme: str, code: str) -> str:
    """The IRI of a concept of one of govcat's SKOS schemes, e.g. vocab('sharing-type', 'conditional')."""
    return f"{VOCAB}{scheme}/{code}"


PREFIXES = {
    "gc": GC,
    "gcv": VOCAB,
    "dcat": DCAT,
    "dct": DCTERMS,
    "foaf": FOAF,
    "odrl": ODRL2,
    "org": ORG,
    "owl": OWL,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "skos": SKOS,
    "xsd": XSD,
    "eli": ELI,
    "dcatap": DCATAP,
    "vcard": VCARD,
    "hydra": HYDRA,
    "locn": LOCN,
    "sh": SH,
}


def sparql_prefixes() -> str:
    """PREFIX lines for every namespace above, to put in front of a query."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
