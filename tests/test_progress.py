"""Progress of CLI runs: each step's start and end and the extraction buckets' `articles done of total` lines
(plain lines when the output is not a terminal, as here); `-v` adds what our steps log, never Dagster's debug
stream."""

from __future__ import annotations

import io
import re

import pytest

from pipeline.defs.progress import StepProgress
from pipeline.launch import RunWatcher
from tests.conftest import run_cli

pytestmark = pytest.mark.slow


def test_a_run_prints_its_steps_and_the_extraction_progress(sample_run):
    out = sample_run.proc.stdout
    for step in ("ingest_articles", "extract_tables.combine_extractions", "validate_extracted_tables", "warehouse"):
        assert re.search(rf"^\[ *[\d.]+s\] {re.escape(step)}: done in [\d.]+s$", out, re.M), (step, out[:3000])
    done = re.findall(r"extract bucket (\d)/4: (\d+)/(\d+) articles", out)
    assert sum(int(n) for _, n, total in done if n == total) == 2  # both sample articles, bucket by bucket
    assert "DEBUG" not in out and "STEP_START" not in out


def test_verbose_gives_our_own_log(sample_run, tmp_path):
    run = run_cli(sample_run.articles, sample_run.warehouse, sample_run.state, "--force", "-v")
    assert re.search(r"warehouse: published \d+ rows to ", run.proc.stdout)
    assert re.search(r"ingest_articles: 2 inputs: 2 articles, 0 duplicates, 0 quarantined", run.proc.stdout)
    assert "DEBUG" not in run.proc.stdout + run.proc.stderr and "STEP_START" not in run.proc.stdout


def test_progress_lines_and_terminal_bar():
    lines = []

    class Log:
        def info(self, msg):
            lines.append(msg)

    p = StepProgress(Log(), "extract bucket 0/4", 10, every_s=0)
    for _ in range(4):
        p.tick()
    assert lines[-1].startswith("progress: extract bucket 0/4: 4/10 articles, ") and "left" in lines[-1]
    assert RunWatcher._bar("extract bucket 0/4: 4/10 articles, 2.0/s").startswith("[########            ]  40% ")
    assert not RunWatcher(("t", "x"), out=io.StringIO()).tty
