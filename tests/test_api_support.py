"""Shared set-up of the endpoint tests: a real store on disk (the site fixtures plus the bundled
registries), its real public projection, and a real `govcat serve` process on a free 127.0.0.1 port."""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

from test_site_support import BASE, NOT_OPEN, OPEN, POLICE, build_store, leak_needles  # noqa: E402,F401

VENV_BIN = Path(sys.executable).parent
GOVCAT = str(VENV_BIN / "govcat")
BUREAU = "11370000MB284651XL"  # 山东省大数据局, org-kind big-data-bureau in the bundled registry


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_stores(root: Path) -> tuple[Path, Path]:
    """A catalog store with open and non-open datasets, and its public projection. The store is
    closed again (the server opens it read-write)."""
    from govcat.projection import refresh_public_store

    store_path, public_path = root / "store", root / "public"
    store = build_store(store_path)
    refresh_public_store(store, public_path)
    store.flush()
    del store
    gc.collect()
    return store_path, public_path


class Server:
    """`govcat serve` in a subprocess, with settings from the environment."""

    def __init__(self, root: Path, store: Path, public: Path, **settings: object) -> None:
        self.port = int(settings.pop("port", 0) or free_port())
        self.root = root
        self.env = dict(os.environ)
        self.env.update(
            {
                "GOVCAT_STORE": str(store),
                "GOVCAT_PUBLIC_STORE": str(public),
                "GOVCAT_BASE_IRI": BASE,
                "GOVCAT_CONFIG": str(root / "no-such-govcat.toml"),
            }
        )
        for k, v in settings.items():
            self.env["GOVCAT_" + k.upper()] = str(v)
        self.log = open(root / f"server-{self.port}.log", "wb")
        self.proc = subprocess.Popen(
            [GOVCAT, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, cwd=root, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self._wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def public(self) -> str:
        return self.url + "/sparql"

    @property
    def gov(self) -> str:
        return self.url + "/gov/sparql"

    def _wait(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"govcat serve exited: {self.logtext()}")
            try:
                if httpx.get(self.public, headers={"Accept": "text/turtle"}, timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"govcat serve did not start: {self.logtext()}")

    def logtext(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return (self.root / f"server-{self.port}.log").read_text(encoding="utf-8", errors="replace")

    def token(self, department: str) -> str:
        """A token made by `govcat token create` while the server holds the store."""
        out = subprocess.run(
            [GOVCAT, "token", "create", "--department", department],
            env=self.env, cwd=self.root, capture_output=True, text=True, timeout=120,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout.strip().splitlines()[0]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()
