"""Settings, each declared once with a default and a line of help.

A setting is read, in order of precedence, from the environment (``GOVCAT_<NAME>``), from
``govcat.toml`` in the working directory (or the file named by ``GOVCAT_CONFIG``), and last from its
default. Command-line options, where a command has them, override all three.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from govcat.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    cast: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        return "GOVCAT_" + self.name.upper()


def _bool(value: str) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


SETTINGS: tuple[Setting, ...] = (
    Setting("store", ".govcat/store", "Directory of the on-disk Oxigraph store (the whole catalog).", str),
    Setting("public_store", ".govcat/public", "Directory of the public projection store (open data only).", str),
    Setting("base_iri", "https://data.sd.gov.cn/govcat/", "Base IRI of catalogs, datasets and organisations.", str),
    Setting("host", "127.0.0.1", "Host that `govcat serve` and `govcat demo` listen on.", str),
    Setting("port", 8000, "Port that `govcat serve` and `govcat demo` listen on.", int),
    Setting("site_dir", ".govcat/site", "Directory the static open-data site is built into.", str),
    Setting("sparql_timeout_ms", 5000, "Time limit of one query on the public SPARQL endpoint, in ms.", int),
    Setting("gov_sparql_timeout_ms", 60000, "Time limit of one query on the government endpoint, in ms.", int),
    Setting("sparql_max_results", 100000, "Largest number of result rows or triples a query may return.", int),
    Setting("sparql_max_concurrent", 4, "Queries the endpoint runs at once; more wait or are refused.", int),
    Setting("serve_processes", 1, "Server processes `govcat serve` runs on its one port (each runs up to "
            "sparql_max_concurrent queries; only one can hold the store for SPARQL Update).", int),
    Setting("access_log", True, "Log a line for every request `govcat serve` answers.", _bool),
    Setting("federation_peers", "", "Allowed SERVICE peers, as name=URL pairs separated by commas.", str),
    Setting("shared_dir", "../shared", "Where the project's shared specification and third-party files are.", str),
    Setting("lang", "zh", "Language of messages and reports: zh or en.", str),
    Setting("load_max_bytes", 20 * 1024 * 1024, "Largest submission file `govcat load` reads, in bytes.", int),
    Setting("load_max_rows", 50000, "Most data rows of one sheet `govcat load` reads.", int),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _toml_values() -> dict[str, Any]:
    path = Path(os.environ.get("GOVCAT_CONFIG", "govcat.toml"))
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path}: 配置文件无法解析 / cannot parse the settings file: {exc}", source=str(path)
        ) from exc
    values = data.get("govcat", data)
    unknown = sorted(set(values) - set(_BY_NAME))
    if unknown:
        raise ConfigError(
            f"{path}: 未知设置 / unknown settings: {', '.join(unknown)}; "
            f"known: {', '.join(_BY_NAME)}",
            source=str(path),
        )
    return values


@dataclass(frozen=True)
class Config:
    """The resolved settings. Build one with :func:`load`, and override with :meth:`replace`."""

    values: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def replace(self, **overrides: Any) -> "Config":
        values = dict(self.values)
        for key, value in overrides.items():
            if key not in _BY_NAME:
                raise ConfigError(f"unknown setting {key!r}")
            if value is not None:
                values[key] = value
        return Config(values)

    @property
    def store_path(self) -> Path:
        return Path(self.values["store"])

    @property
    def public_store_path(self) -> Path:
        return Path(self.values["public_store"])

    @property
    def shared_path(self) -> Path:
        return Path(self.values["shared_dir"])


def load() -> Config:
    """Resolve every setting from the environment, ``govcat.toml`` and the defaults."""
    from_toml = _toml_values()
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw: Any = os.environ.get(setting.env, from_toml.get(setting.name, setting.default))
        try:
            values[setting.name] = setting.cast(raw) if isinstance(raw, str) else raw
        except ValueError as exc:
            raise ConfigError(
                f"设置 {setting.name} 的值无效 / invalid value for setting {setting.name}: {raw!r} ({exc})"
            ) from exc
    base = values["base_iri"]
    if not base.endswith(("/", "#")):
        values["base_iri"] = base + "/"
    return Config(values)
