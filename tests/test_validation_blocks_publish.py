"""A run with invalid rows publishes nothing: the blocking pandera check fails, records its failure cases,
and the publish step does not run, so the previous publication stays exactly as it was."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import tempfile
from pathlib import Path

import dagster as dg
import pytest

from pipeline.defs import extract as extract_defs
from pipeline.defs.ingest import ingest_articles, inputs_accounted_for
from pipeline.defs.publish import warehouse
from pipeline.defs.resources import CorpusPaths
from pipeline.defs.tables import table_out, table_output
from pipeline.defs.validation import build_pandera_check
from pipeline.tables.frames import extraction_problems_frame
from pipeline.stages import extracted_tables
from schemas.metadata import TABLE_ORDER

pytestmark = pytest.mark.slow


@dg.multi_asset(
    outs={name: table_out(name, "extract") for name in extract_defs.OUT_TABLES},
    ins={"articles": dg.AssetIn("articles")},
    can_subset=False,
)
def extract_with_a_corrupted_figure(articles):
    """The real extraction, then one figure's quote no longer matches its span (as a buggy extractor would)."""
    with tempfile.TemporaryDirectory() as tmp:
        frames = extracted_tables(articles, Path(tmp)).tables
    figures = frames["figures"].copy()
    figures.loc[0, "quote"] = figures.loc[0, "quote"].upper() + "!"
    figures.loc[0, "char_end"] = figures.loc[0, "char_start"] + len(figures.loc[0, "quote"])
    frames["figures"] = figures
    for name in extract_defs.TABLES:
        yield table_output(name, frames[name])
    yield table_output("extraction_problems", extraction_problems_frame([]))


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.parquet"))}


def test_invalid_rows_block_publication(sample_run, tmp_path):
    wh = tmp_path / "wh"
    shutil.copytree(sample_run.warehouse, wh, symlinks=True)
    before = _digest(wh / "parquet")
    db_before = hashlib.sha256((wh / "newsledger.duckdb").read_bytes()).hexdigest()

    result = dg.materialize(
        [ingest_articles, extract_with_a_corrupted_figure, warehouse, inputs_accounted_for]
        + [build_pandera_check(n) for n in TABLE_ORDER],
        resources={"paths": CorpusPaths(articles_dir=str(sample_run.articles), warehouse_dir=str(wh))},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    evals = {e.check_name: e for e in result.get_asset_check_evaluations()}
    figures_check = evals["pandera_figures"]
    assert not figures_check.passed
    meta = figures_check.metadata
    assert meta["failures"].value >= 1
    assert "quote_is_text_span" in meta["failures_by_check"].value.__str__()
    assert "quote" in meta["failure_cases"].value
    assert evals["pandera_articles"].passed and evals["pandera_actors"].passed

    published = [m for m in result.get_asset_materialization_events() if m.asset_key == dg.AssetKey("warehouse")]
    assert published == []
    assert _digest(wh / "parquet") == before
    assert hashlib.sha256((wh / "newsledger.duckdb").read_bytes()).hexdigest() == db_before
