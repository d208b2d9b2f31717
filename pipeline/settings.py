"""Every `NEWSLEDGER_*` environment variable, read and checked in one place.

`settings()` returns one frozen `Settings` object built from the environment; a value that cannot be used raises
`SettingsError` with a one-line message naming the variable, the value and what is expected, e.g.
`NEWSLEDGER_DUCKDB_MEMORY='garbage': expected a size such as 512MB`. The CLI calls it first, so a bad value
stops it with that line (exit 2) before anything runs. The object is built once per distinct set of
`NEWSLEDGER_*` values (a test that changes one gets a fresh object). `KNOWN` lists the variables.

This module imports nothing from the rest of the package, so every layer may use it.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
EXECUTORS = ("auto", "in_process", "multiprocess", "dask")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
_SIZE = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|KIB|MB|MIB|GB|GIB|TB|TIB)\s*$", re.IGNORECASE)


class SettingsError(ValueError):
    """A NEWSLEDGER_* variable whose value cannot be used (the message is one line for the user)."""


@dataclass(frozen=True)
class Settings:
    """The pipeline's configuration from the environment (defaults in brackets in each variable's help)."""

    config: str | None  # NEWSLEDGER_CONFIG: the project configuration file [newsledger.yaml]
    state_dir: str | None  # NEWSLEDGER_STATE_DIR: Dagster instance state [<warehouse>/.dagster]
    cache_dir: str | None  # NEWSLEDGER_CACHE_DIR: where the gazetteer index is built [~/.cache/newsledger]
    warm_model: bool  # NEWSLEDGER_WARM_MODEL: the fork server preloads the model [true]
    ingest_cache: bool  # NEWSLEDGER_INGEST_CACHE [true]
    extraction_cache: bool  # NEWSLEDGER_EXTRACTION_CACHE [true]
    extract_buckets: int  # NEWSLEDGER_EXTRACT_BUCKETS: parallel extraction steps [4]
    extraction_cache_max_shards: int  # NEWSLEDGER_EXTRACTION_CACHE_MAX_SHARDS [8]
    extract_budget_seconds: float  # NEWSLEDGER_EXTRACT_BUDGET_SECONDS: work budget per article [60]
    duckdb_memory: str  # NEWSLEDGER_DUCKDB_MEMORY: DuckDB's memory limit [512MB]
    validate_batch_rows: int  # NEWSLEDGER_VALIDATE_BATCH_ROWS [100000]
    executor: str  # NEWSLEDGER_EXECUTOR: auto | in_process | multiprocess | dask [auto]
    max_concurrent: int  # NEWSLEDGER_MAX_CONCURRENT: multiprocess steps at a time [CPU cores]
    dask_scheduler: str | None  # NEWSLEDGER_DASK_SCHEDULER: address of the dask scheduler


def _text(env: dict, name: str, default: str | None) -> str | None:
    value = env.get(name)
    if value is None:
        return default
    if not value.strip():
        raise SettingsError(f"{name} is set but empty: unset it or give a value")
    return value


def _parse(env: dict, name: str, default, convert, expected: str):
    """`convert(value)` of the variable, `default` when it is unset or blank; a value `convert` refuses (ValueError)
    is a SettingsError saying what is `expected`."""
    value = env.get(name)
    if value is None or not value.strip():
        return default
    try:
        return convert(value.strip())
    except ValueError:
        raise SettingsError(f"{name}={value!r}: expected {expected}") from None


def _check(ok: bool, value):
    if not ok:
        raise ValueError(value)
    return value


def _bool(env: dict, name: str, default: bool) -> bool:
    def convert(v: str) -> bool:
        v = v.lower()
        return _check(v in _TRUE or v in _FALSE, v in _TRUE)

    return _parse(env, name, default, convert, "1/0, true/false, yes/no or on/off")


def _int(env: dict, name: str, default: int, minimum: int = 1) -> int:
    return _parse(env, name, default, lambda v: _check(int(v) >= minimum, int(v)), f"a whole number of at least {minimum}")


def _seconds(env: dict, name: str, default: float) -> float:
    return _parse(env, name, default, lambda v: _check(0 < float(v) < 1e6, float(v)),
                  "a number of seconds greater than 0, such as 60")


def _size(env: dict, name: str, default: str) -> str:
    return _parse(env, name, default, lambda v: _check(bool(_SIZE.match(v)), v), "a size such as 512MB")


def _choice(env: dict, name: str, default: str, choices: tuple[str, ...]) -> str:
    def convert(v: str) -> str:
        v = v.lower().replace("-", "_")
        return _check(v in choices, v)

    return _parse(env, name, default, convert, f"one of {', '.join(choices)}")


KNOWN = (
    "NEWSLEDGER_CONFIG", "NEWSLEDGER_STATE_DIR", "NEWSLEDGER_CACHE_DIR",
    "NEWSLEDGER_WARM_MODEL", "NEWSLEDGER_INGEST_CACHE", "NEWSLEDGER_EXTRACTION_CACHE", "NEWSLEDGER_EXTRACT_BUCKETS",
    "NEWSLEDGER_EXTRACTION_CACHE_MAX_SHARDS", "NEWSLEDGER_EXTRACT_BUDGET_SECONDS", "NEWSLEDGER_DUCKDB_MEMORY",
    "NEWSLEDGER_VALIDATE_BATCH_ROWS", "NEWSLEDGER_EXECUTOR", "NEWSLEDGER_MAX_CONCURRENT", "NEWSLEDGER_DASK_SCHEDULER",
)


@functools.lru_cache(maxsize=8)
def _build(items: tuple[tuple[str, str], ...]) -> Settings:
    env = dict(items)
    executor = _choice(env, "NEWSLEDGER_EXECUTOR", "auto", EXECUTORS)
    dask = _text(env, "NEWSLEDGER_DASK_SCHEDULER", None)
    if executor == "dask" and dask is None:
        raise SettingsError("NEWSLEDGER_EXECUTOR=dask needs NEWSLEDGER_DASK_SCHEDULER (e.g. tcp://10.0.0.5:8786)")
    return Settings(
        config=_text(env, "NEWSLEDGER_CONFIG", None),
        state_dir=_text(env, "NEWSLEDGER_STATE_DIR", None),
        cache_dir=_text(env, "NEWSLEDGER_CACHE_DIR", None),
        warm_model=_bool(env, "NEWSLEDGER_WARM_MODEL", True),
        ingest_cache=_bool(env, "NEWSLEDGER_INGEST_CACHE", True),
        extraction_cache=_bool(env, "NEWSLEDGER_EXTRACTION_CACHE", True),
        extract_buckets=_int(env, "NEWSLEDGER_EXTRACT_BUCKETS", 4),
        extraction_cache_max_shards=_int(env, "NEWSLEDGER_EXTRACTION_CACHE_MAX_SHARDS", 8),
        extract_budget_seconds=_seconds(env, "NEWSLEDGER_EXTRACT_BUDGET_SECONDS", 60.0),
        duckdb_memory=_size(env, "NEWSLEDGER_DUCKDB_MEMORY", "512MB"),
        validate_batch_rows=_int(env, "NEWSLEDGER_VALIDATE_BATCH_ROWS", 100_000),
        executor=executor,
        max_concurrent=_int(env, "NEWSLEDGER_MAX_CONCURRENT", max(1, os.cpu_count() or 1)),
        dask_scheduler=dask,
    )


def settings() -> Settings:
    """The settings of the current environment (raises SettingsError on a bad value)."""
    return _build(tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("NEWSLEDGER_"))))
