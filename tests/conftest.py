"""Shared fixtures: real pipeline runs through the CLI (a real Dagster job, a real DuckDB file, real Parquet)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "articles"


@dataclass
class Run:
    articles: Path
    warehouse: Path
    state: Path
    proc: subprocess.CompletedProcess

    @property
    def parquet(self) -> Path:
        return self.warehouse / "parquet"

    @property
    def duckdb(self) -> Path:
        return self.warehouse / "newsledger.duckdb"


def run_cli(articles: Path, warehouse: Path, state: Path, *extra: str, check: bool = True) -> Run:
    """`python -m pipeline run` in a subprocess, on its own Dagster instance state folder."""
    env = dict(os.environ, DAGSTER_HOME=str(ROOT), NEWSLEDGER_STATE_DIR=str(state))
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--articles", str(articles), "--warehouse", str(warehouse), *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"pipeline run failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
    return Run(articles, warehouse, state, proc)


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dagster_state")


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory, state_dir) -> Run:
    """The whole pipeline on the two sample articles."""
    return run_cli(SAMPLE, tmp_path_factory.mktemp("warehouse"), state_dir)


@pytest.fixture(scope="session")
def sample_tables(sample_run):
    import pyarrow.parquet as pq

    return {p.stem: pq.read_table(p).to_pandas() for p in sorted(sample_run.parquet.glob("*.parquet"))}


@pytest.fixture(scope="session")
def messy_corpus(tmp_path_factory) -> Path:
    """The sample articles plus odd inputs: a byte-identical copy, an empty file, a binary file, a JSONL file
    with good and broken lines, and an unsupported file type."""
    d = tmp_path_factory.mktemp("messy")
    for p in SAMPLE.glob("*.txt"):
        shutil.copy(p, d / p.name)
    first = sorted(SAMPLE.glob("*.txt"))[0]
    shutil.copy(first, d / "copy of first article.txt")
    (d / "empty.txt").write_text("   \n\n")
    (d / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (d / "feed.jsonl").write_text(
        '{"id": "a1", "title": "Shelling in Idlib", "published_at": "2020-02-03", "outlet": "Test Wire", '
        '"text": "More than 20,000 people fled Saraqib on Sunday, the United Nations said."}\n'
        "{not json\n"
        '{"id": "a3", "title": "no text"}\n'
        '{"id": "a4", "text": 42}\n'
        "[1, 2, 3]\n"
    )
    (d / "notes.docx").write_bytes(b"PK\x03\x04 not really a document")
    return d
