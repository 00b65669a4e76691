"""Adversarial requests on a real `govcat serve` (127.0.0.1): every way of reaching `/gov/sparql` without a
valid, current department token is refused with 401 (and says why, in zh and en); updates with another
department's token are refused with 403 and change nothing; the public endpoint reaches nothing non-open
through FROM / FROM NAMED in the query text, the dataset parameters or SERVICE back to our own
government endpoint."""

from __future__ import annotations

import base64
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import Unauthorized

sys.path.insert(0, str(Path(__file__).parent))

from test_api_support import (  # noqa: E402
    BASE, BUREAU, GOVCAT, NOT_OPEN, OPEN, POLICE, Server, leak_needles, make_stores,
)

ENVIRONMENT = "11370100MB7574998P"
SECRET = next(iter(NOT_OPEN))
ASK_SECRET = f"ASK {{ GRAPH ?g {{ <{SECRET}> ?p ?o }} }}"
TEST_GRAPH = f"{BASE}graph/adversarial"
UPDATE = f'INSERT DATA {{ GRAPH <{TEST_GRAPH}> {{ <{BASE}x> <{BASE}p> "入侵"@zh }} }}'
CHECK = f"ASK {{ GRAPH <{TEST_GRAPH}> {{ ?s ?p ?o }} }}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("adversarial")
    srv = Server(root, *make_stores(root), sparql_max_concurrent=2)
    yield srv
    srv.stop()


def govcat(server: Server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([GOVCAT, *args], env=server.env, cwd=server.root, capture_output=True, text=True, timeout=120)


def token(server: Server, department: str, *extra: str) -> str:
    out = govcat(server, "token", "create", "--department", department, *extra)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[0]


def token_id(server: Server, secret: str) -> str:
    """The id of a token, as `govcat token list` shows it (the newest token of its department)."""
    import hashlib

    digest = hashlib.sha256(secret.encode()).hexdigest()
    listing = govcat(server, "token", "list").stdout
    ids = [line.split("\t")[0] for line in listing.splitlines()[1:]]
    matches = [i for i in ids if digest.startswith(i)]
    assert len(matches) == 1, listing
    return matches[0]


def ask(server: Server, headers: dict[str, str], query: str = ASK_SECRET) -> httpx.Response:
    return httpx.get(server.gov, params={"query": query}, headers=headers, timeout=60)


def assert_401(r: httpx.Response, *words: str) -> None:
    assert r.status_code == 401, (r.status_code, r.text)
    assert r.headers["www-authenticate"].startswith("Bearer")
    for needle in leak_needles():
        assert needle not in r.text
    for w in words:
        assert w in r.text, (w, r.text)


@pytest.fixture(scope="module")
def police(server):
    return token(server, POLICE)


# ---- the government endpoint: who may ask ------------------------------------------------------------


def test_a_valid_token_gets_in(server, police):
    r = ask(server, {"Authorization": f"Bearer {police}"})
    assert r.status_code == 200 and r.json()["boolean"] is True


def test_no_token(server):
    assert_401(ask(server, {}), "Bearer")
    assert_401(httpx.post(server.gov, data={"query": ASK_SECRET}), "Bearer")
    assert_401(httpx.post(server.gov, content=ASK_SECRET, headers={"Content-Type": "application/sparql-query"}))
    assert_401(httpx.get(server.gov, headers={"Accept": "text/turtle"}))  # the service description too
    with pytest.raises(Unauthorized):
        sw = SPARQLWrapper(server.gov)
        sw.setQuery(ASK_SECRET)
        sw.setReturnFormat(JSON)
        sw.query()


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer    ", "Bearer: {t}", "Bearer{t}", "{t}", "Bearer '{t}'", "Bearer {t}x",
     "Bearer {t} {t}", "Bearer x{t}", "Bearer \t"],
)
def test_malformed_header(server, police, header):
    # Raw bytes on a socket: HTTP clients refuse to send some of these headers at all.
    import socket
    from urllib.parse import quote

    value = header.format(t=police)
    request = (f"GET /gov/sparql?query={quote(ASK_SECRET)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Authorization: {value}\r\nConnection: close\r\n\r\n").encode("latin-1")
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(request)
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0]
    assert status.split()[1] in (b"401", b"400"), head  # 400: the HTTP parser itself refused the header
    assert b"true" not in body
    for needle in leak_needles():
        assert needle.encode() not in body
    if status.split()[1] == b"401":
        assert b"www-authenticate: bearer" in head.lower()


@pytest.mark.parametrize("scheme", ["Basic", "Token", "Digest", "Negotiate", "ApiKey"])
def test_another_scheme(server, police, scheme):
    value = base64.b64encode(f"{POLICE}:{police}".encode()).decode() if scheme == "Basic" else police
    assert_401(ask(server, {"Authorization": f"{scheme} {value}"}), "Bearer")


def test_token_anywhere_but_the_authorization_header(server, police):
    assert_401(httpx.get(server.gov, params={"query": ASK_SECRET, "access_token": police}))
    assert_401(httpx.post(server.gov, data={"query": ASK_SECRET, "access_token": police}))
    assert_401(ask(server, {"X-Api-Key": police, "Cookie": f"token={police}"}))


def test_made_up_tokens(server, police):
    import secrets

    for made_up in ("gct_" + secrets.token_urlsafe(32), police[:-1] + ("A" if police[-1] != "A" else "B"),
                    police[:20], "gct_", "x" * 5000):
        assert_401(ask(server, {"Authorization": f"Bearer {made_up}"}), "not valid")
    stored = (Path(server.env["GOVCAT_STORE"]) / "govcat-tokens.json").read_text()
    # Its hash is not a token either.
    import hashlib

    assert_401(ask(server, {"Authorization": f"Bearer {hashlib.sha256(police.encode()).hexdigest()}"}))
    assert police not in stored


def test_expired_token(server):
    short = token(server, POLICE, "--expires-in", str(2 / 86400))  # two seconds
    assert ask(server, {"Authorization": f"Bearer {short}"}).status_code == 200
    time.sleep(2.5)
    r = ask(server, {"Authorization": f"Bearer {short}"})
    assert_401(r, "expired", "过期")
    r = httpx.post(server.gov, data={"update": UPDATE}, headers={"Authorization": f"Bearer {short}"})
    assert_401(r, "expired")
    listing = govcat(server, "token", "list").stdout
    assert f"{token_id(server, short)}\t{POLICE}" in listing and "expired" in listing


def test_expiry_must_be_positive(server):
    out = govcat(server, "token", "create", "--department", POLICE, "--expires-in", "0")
    assert out.returncode == 2 and "expires-in" in out.stderr


def test_revoked_token_by_id(server):
    victim = token(server, POLICE)
    other = token(server, POLICE)
    assert ask(server, {"Authorization": f"Bearer {victim}"}).status_code == 200
    tid = token_id(server, victim)
    out = govcat(server, "token", "revoke", tid)
    assert out.returncode == 0 and tid in out.stdout
    assert_401(ask(server, {"Authorization": f"Bearer {victim}"}), "revoked", "吊销", tid)
    # The department's other token still works.
    assert ask(server, {"Authorization": f"Bearer {other}"}).status_code == 200


def test_revoked_tokens_by_department(server):
    env_tokens = [token(server, ENVIRONMENT), token(server, ENVIRONMENT)]
    for t in env_tokens:
        assert ask(server, {"Authorization": f"Bearer {t}"}).status_code == 200
    out = govcat(server, "token", "revoke", ENVIRONMENT)
    assert out.returncode == 0 and out.stdout.count("revoked") == 2
    for t in env_tokens:
        assert_401(ask(server, {"Authorization": f"Bearer {t}"}), "revoked")
    unknown = govcat(server, "token", "revoke", "91370000000000000X")
    assert unknown.returncode == 2 and "91370000000000000X" in unknown.stderr


def test_token_list_never_shows_secrets(server, police):
    listing = govcat(server, "token", "list")
    assert listing.returncode == 0
    import hashlib

    digest = hashlib.sha256(police.encode()).hexdigest()
    assert police not in listing.stdout + listing.stderr
    assert digest not in listing.stdout + listing.stderr
    assert "gct_" not in listing.stdout
    assert POLICE in listing.stdout and "valid" in listing.stdout


# ---- updates with the wrong token ----------------------------------------------------------------------


def test_updates_with_another_departments_token(server, police):
    env = token(server, ENVIRONMENT)
    for t in (police, env):
        auth = {"Authorization": f"Bearer {t}"}
        r = httpx.post(server.gov, data={"update": UPDATE}, headers=auth)
        assert r.status_code == 403 and "big-data bureau" in r.text and "大数据局" in r.text
        r = httpx.post(server.gov, content=UPDATE, headers={**auth, "Content-Type": "application/sparql-update"})
        assert r.status_code == 403
        sw = SPARQLWrapper(server.gov)
        sw.setMethod(POST)
        sw.setQuery(f"DROP GRAPH <{BASE}graph/catalog/{POLICE}>")
        sw.addCustomHttpHeader("Authorization", f"Bearer {t}")
        with pytest.raises(Exception) as info:
            sw.query()
        assert "403" in str(info.value) or "big-data bureau" in str(info.value)
    # Nothing changed: the test graph is absent and the police catalog is still there.
    auth = {"Authorization": f"Bearer {police}"}
    assert ask(server, auth, CHECK).json()["boolean"] is False
    assert ask(server, auth).json()["boolean"] is True
    # An update smuggled into a query is a syntax error, not an update.
    r = ask(server, auth, UPDATE)
    assert r.status_code == 400
    assert ask(server, auth, CHECK).json()["boolean"] is False


def test_a_revoked_bureau_token_cannot_update(server, police):
    bureau = token(server, BUREAU)
    assert govcat(server, "token", "revoke", token_id(server, bureau)).returncode == 0
    r = httpx.post(server.gov, data={"update": UPDATE}, headers={"Authorization": f"Bearer {bureau}"})
    assert_401(r, "revoked")
    assert ask(server, {"Authorization": f"Bearer {police}"}, CHECK).json()["boolean"] is False


# ---- the public endpoint: forms not covered in test_api_public.py ------------------------------------------


def _catalog_graph() -> str:
    return f"{BASE}graph/catalog/{POLICE}"


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <{g}> WHERE {{ ?s ?p ?o }}",
        "SELECT * FROM NAMED <{g}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "SELECT * FROM <{g}> FROM NAMED <{g}> WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH <{g}> {{ ?s ?p ?o }} }} }}",
        "CONSTRUCT {{ ?s ?p ?o }} FROM <{g}> WHERE {{ ?s ?p ?o }}",
        "DESCRIBE <{secret}> FROM <{g}>",
        "ASK FROM NAMED <{g}> {{ GRAPH <{g}> {{ <{secret}> ?p ?o }} }}",
    ],
)
def test_from_and_from_named_in_the_query_text(server, query):
    q = query.format(g=_catalog_graph(), secret=SECRET)
    r = httpx.get(server.public, params={"query": q}, headers={"Accept": "application/sparql-results+json, text/turtle"})
    assert r.status_code == 200, r.text
    for needle in leak_needles():
        assert needle not in r.text
    if q.startswith("ASK"):
        assert r.json()["boolean"] is False


def test_dataset_parameters_with_the_public_graphs_leak_nothing(server):
    graphs = [_catalog_graph(), f"{BASE}graph/public", "urn:x-arq:UnionGraph", "urn:x-oxigraph:default"]
    params = [("query", "SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")]
    params += [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]
    r = httpx.get(server.public, params=params)
    assert r.status_code == 200
    for needle in leak_needles():
        assert needle not in r.text
    r = httpx.post(server.public, data=dict(params[:1]) | {"default-graph-uri": _catalog_graph()})
    assert r.status_code == 200 and r.json()["results"]["bindings"] == []


def test_service_back_to_our_government_endpoint_is_refused(server, police):
    q = f"SELECT * WHERE {{ SERVICE <{server.gov}> {{ <{SECRET}> ?p ?o }} }}"
    r = httpx.get(server.public, params={"query": q})
    assert r.status_code == 400 and "SERVICE" in r.text
    for needle in leak_needles():
        assert needle not in r.text
    # Nor through the government endpoint with a token (the SERVICE request would carry none anyway).
    r = ask(server, {"Authorization": f"Bearer {police}"}, q)
    assert r.status_code == 400


def test_open_data_still_answers(server):
    q = "SELECT ?d WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"
    rows = httpx.get(server.public, params={"query": q}).json()["results"]["bindings"]
    assert {r["d"]["value"] for r in rows} == set(OPEN)
