"""Where things are: the project folder, the sample corpus and the default warehouse."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def default_articles_dir() -> str:
    return os.environ.get("NEWSLEDGER_ARTICLES", str(PROJECT_ROOT / "data" / "articles"))


def default_warehouse_dir() -> str:
    return os.environ.get("NEWSLEDGER_WAREHOUSE", str(PROJECT_ROOT / "warehouse"))


def ensure_dagster_home() -> Path:
    """DAGSTER_HOME defaults to the project folder, whose dagster.yaml keeps instance state in .dagster/."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT)))
    state = Path(os.environ.setdefault("NEWSLEDGER_STATE_DIR", str(home / ".dagster")))
    state.mkdir(parents=True, exist_ok=True)
    return home
