"""Settings: declared once, read from the environment, govcat.toml or the default, and documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from govcat import config
from govcat.errors import ConfigError

DOCS = Path(__file__).parent.parent / "docs" / "configuration.md"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    for s in config.SETTINGS:
        monkeypatch.delenv(s.env, raising=False)
    monkeypatch.delenv("GOVCAT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults():
    cfg = config.load()
    assert cfg.store == ".govcat/store"
    assert cfg.port == 8000
    assert cfg.base_iri.endswith("/")


def test_environment_beats_toml_beats_default(monkeypatch, tmp_path):
    (tmp_path / "govcat.toml").write_text('[govcat]\nstore = "/from/toml"\nport = 9000\n', encoding="utf-8")
    assert config.load().store == "/from/toml"
    assert config.load().port == 9000
    monkeypatch.setenv("GOVCAT_STORE", "/from/env")
    monkeypatch.setenv("GOVCAT_PORT", "9100")
    cfg = config.load()
    assert cfg.store == "/from/env"
    assert cfg.port == 9100
    assert cfg.replace(port=1234).port == 1234


def test_unknown_or_malformed_settings_are_refused(monkeypatch, tmp_path):
    (tmp_path / "govcat.toml").write_text('[govcat]\nstroe = "/typo"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="stroe"):
        config.load()
    (tmp_path / "govcat.toml").write_text("[govcat\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="govcat.toml"):
        config.load()
    (tmp_path / "govcat.toml").unlink()
    monkeypatch.setenv("GOVCAT_PORT", "eighty")
    with pytest.raises(ConfigError, match="port"):
        config.load()


def test_every_setting_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    for s in config.SETTINGS:
        assert f"## {s.name}\n" in text, s.name
        assert s.env in text, s.env
        assert s.help
