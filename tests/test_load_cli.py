"""`govcat load`, `govcat template` and `govcat history` through the real command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from govcat.loaders.sheets import read_sheets
from govcat.loaders.template_columns import template_specs

DATA = Path(__file__).parent / "data" / "load"
POLICE = "11370000MB3706308U"


@pytest.fixture()
def store_dir(tmp_path: Path) -> Path:
    # the fixture store of test_load.py, built the same way (vocabularies and small registries)
    from govcat.rdfio import read_turtle
    from govcat.store import CatalogStore

    path = tmp_path / "store"
    store = CatalogStore.open(path, "https://data.sd.gov.cn/govcat/", initialise=False)
    for name, graph in (
        ("vocab", store.iris.vocab_graph),
        ("organisations", store.iris.registry_graph("organisations")),
        ("legal", store.iris.registry_graph("legal")),
        ("data-elements", store.iris.registry_graph("data-elements")),
    ):
        store.replace_graph(graph, list(read_turtle(DATA / f"{name}.ttl")))
    store.mark_initialised()
    store.flush()
    del store  # the CLI opens the store itself; one writer at a time
    return path


GOVCAT = Path(sys.executable).parent / "govcat"


class Done:
    def __init__(self, done: subprocess.CompletedProcess) -> None:
        self.exit_code = done.returncode
        self.output = done.stdout + done.stderr


def run(*args: str) -> Done:
    # A process per command, as users run it: the on-disk store admits one writer process at a time.
    return Done(subprocess.run([str(GOVCAT), *args], capture_output=True, text=True, timeout=120))


def test_load_then_reload_then_history(store_dir: Path) -> None:
    r = run("--store", str(store_dir), "load", str(DATA / "good-csv"), str(DATA / "stats-csv"))
    assert r.exit_code == 0, r.output
    assert f"{POLICE} 山东省公安厅" in r.output and "2 个信息资源 / resources, 3 个信息项 / items" in r.output
    assert "新目录 / new catalog" in r.output
    r = run("--store", str(store_dir), "history")
    assert r.exit_code == 0 and "no replaced versions" in r.output
    r = run("--store", str(store_dir), "load", str(DATA / "good-csv"))
    assert r.exit_code == 0 and "replaced the previous catalog" in r.output
    r = run("--store", str(store_dir), "history", "--department", POLICE)
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(POLICE) and "2 个信息资源" in lines[0]
    assert f"/graph/catalog/{POLICE}/v/" in lines[0]
    r = run("--store", str(store_dir), "history", "--department", "11370000MB54516879")
    assert "no replaced versions" in r.output


def test_bad_load_exits_2_with_every_problem(store_dir: Path) -> None:
    r = run("--store", str(store_dir), "load", str(DATA / "bad-content"), str(DATA / "bad-uscc"))
    assert r.exit_code == 2
    assert "bad-content" in r.output and "bad-uscc" in r.output and "nothing was loaded" in r.output
    r = run("--store", str(store_dir), "history", "--department", "not-an-uscc")
    assert r.exit_code == 2


def test_dry_run_writes_nothing(store_dir: Path) -> None:
    r = run("--store", str(store_dir), "load", "--dry-run", str(DATA / "good-csv"))
    assert r.exit_code == 0 and "OK" in r.output
    r = run("--store", str(store_dir), "query", "--format", "csv", "SELECT (COUNT(*) AS ?n) WHERE { ?d a dcat:Dataset }")
    assert r.output.strip().splitlines()[-1] == "0"


def test_template_xlsx_and_csv_are_readable_templates(tmp_path: Path) -> None:
    out, folder = tmp_path / "t.xlsx", tmp_path / "csv"
    r = run("template", str(out), "--csv", str(folder))
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["目录信息", "信息资源", "信息项"]
    assert [c.value for c in wb["信息项"][1]] == [c.zh for c in template_specs()[2].columns]
    for source in (out, folder):
        result = read_sheets(source, template_specs())
        # headers are all fine; only the missing data rows are reported
        assert {e.en.split(",")[0] for e in result.errors} >= {"the sheet needs at least 1 data row(s)"}
        assert all("data row" in e.en for e in result.errors), [str(e) for e in result.errors]
    assert run("template").exit_code == 2


def test_encoding_error_on_the_command_line(store_dir: Path) -> None:
    r = run("--store", str(store_dir), "load", str(DATA / "bad-gbk"))
    assert r.exit_code == 2 and "GBK" in r.output and "信息资源.csv:1:" in r.output


def test_size_limit_from_the_settings_and_the_option(store_dir: Path, tmp_path: Path) -> None:
    import os

    env = dict(os.environ, GOVCAT_LOAD_MAX_BYTES="100")
    done = subprocess.run(
        [str(GOVCAT), "--store", str(store_dir), "load", str(DATA / "good-csv")],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert done.returncode == 2 and "too large" in done.stderr
    r = run("--store", str(store_dir), "load", "--max-rows", "1", str(DATA / "good-csv"))
    assert r.exit_code == 2 and "row limit" in r.output


def test_a_load_on_a_terminal_shows_progress_and_stays_quiet_otherwise(store_dir: Path) -> None:
    import os
    import pty

    # stderr on a real pseudo-terminal, as when a clerk runs the command by hand
    master, slave = pty.openpty()
    done = subprocess.run([str(GOVCAT), "--store", str(store_dir), "load", str(DATA / "good-csv"), str(DATA / "stats-csv")],
                          stdout=subprocess.PIPE, stderr=slave, timeout=120)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    assert done.returncode == 0
    text = shown.decode("utf-8")
    assert "2/2 个文件 / files" in text and "items/s" in text and "ETA" in text
    # not a terminal: nothing but the report
    r = run("--store", str(store_dir), "load", str(DATA / "good-csv"))
    assert r.exit_code == 0 and "items/s" not in r.output
