"""Where things are: the project folder, the project configuration (the corpus and warehouse the UI serves) and
each warehouse's Dagster instance."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from pipeline.settings import settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIG_ENV = "NEWSLEDGER_CONFIG"  # another project configuration file than newsledger.yaml
STATE_ENV = "NEWSLEDGER_STATE_DIR"  # the Dagster instance's folder (default: <warehouse>/.dagster)


def config_file() -> Path:
    return Path(settings().config or PROJECT_ROOT / "newsledger.yaml").resolve()


@functools.lru_cache(maxsize=4)
def _read_config(path: Path) -> dict[str, str]:
    import yaml

    raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping such as `articles: data/articles`")
    unknown = set(raw) - {"articles", "warehouse"}
    if unknown:
        raise ValueError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))} (expected articles, warehouse)")
    conf = {"articles": "data/articles", "warehouse": "warehouse", **{k: str(v) for k, v in raw.items()}}
    return {k: str((path.parent / v).resolve()) for k, v in conf.items()}


def project_config() -> dict[str, str]:
    """The project's `articles` and `warehouse` folders (absolute) from newsledger.yaml (or NEWSLEDGER_CONFIG)."""
    return dict(_read_config(config_file()))


def default_articles_dir() -> str:
    return project_config()["articles"]


def default_warehouse_dir() -> str:
    return project_config()["warehouse"]


def state_dir_for(warehouse: str | os.PathLike) -> Path:
    """The Dagster instance folder of a warehouse: `<warehouse>/.dagster`, unless NEWSLEDGER_STATE_DIR names one."""
    return Path(settings().state_dir or Path(warehouse).resolve() / ".dagster")


def ensure_dagster_home(warehouse: str | os.PathLike | None = None) -> Path:
    """DAGSTER_HOME defaults to the project folder (its dagster.yaml keeps state in NEWSLEDGER_STATE_DIR), and
    NEWSLEDGER_STATE_DIR to the warehouse's own instance folder, so runs on another warehouse never show up on the
    project's instance."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT)))
    state = Path(os.environ.setdefault(STATE_ENV, str(state_dir_for(warehouse or default_warehouse_dir()))))
    state.mkdir(parents=True, exist_ok=True)
    return home
