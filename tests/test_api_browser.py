"""The query page in a real browser (Debian's chromium through Playwright): YASGUI loads from our own
files, with no CDN, and runs an example query against the public endpoint."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_api_support import OPEN, Server, make_stores  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def _ensure_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if shutil.which("apt-get") is None:
        pytest.skip("chromium is missing and apt-get is not available to install it")
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    if subprocess.run(cmd, capture_output=True, timeout=900).returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True, timeout=600)
        if subprocess.run(cmd, capture_output=True, timeout=900).returncode != 0:
            pytest.skip("chromium is missing and apt could not install it (package archive unreachable?)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _ensure_chromium()
    root = tmp_path_factory.mktemp("browser")
    srv = Server(root, *make_stores(root))
    yield srv
    srv.stop()


def test_query_page_runs_an_example_query(server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    outside: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server.url) else None)
            page.goto(server.public, wait_until="load")
            page.wait_for_selector(".yasqe .CodeMirror", timeout=30000)
            page.click("#examples button[data-example='02-datasets-and-publishers']")
            page.wait_for_selector(".yasr table tbody tr", timeout=30000)
            text = page.inner_text(".yasr")
        finally:
            browser.close()
    for _, title in OPEN.values():
        assert title in text
    # Everything the page loads comes from our server (prefix.cc look-ups by YASQE's autocompleter
    # aside, which the page does not need).
    assert [u for u in outside if "prefix.cc" not in u] == []
