"""Where things are: the project folder, the sample corpus and the default warehouse."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.settings import settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def default_articles_dir() -> str:
    return settings().articles


def default_warehouse_dir() -> str:
    return settings().warehouse


def ensure_dagster_home() -> Path:
    """DAGSTER_HOME defaults to the project folder, whose dagster.yaml keeps instance state in .dagster/."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT)))
    state = Path(settings().state_dir or str(home / ".dagster"))
    os.environ["NEWSLEDGER_STATE_DIR"] = str(state)  # dagster.yaml and step processes read it from there
    state.mkdir(parents=True, exist_ok=True)
    return home
