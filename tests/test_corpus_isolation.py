"""One corpus, one place: a warehouse owns its intermediate tables, its Dagster instance and its runs, and no run
publishes tables built from another folder, however its assets are selected.

The scenario of the report: `python -m pipeline run --articles OTHER --warehouse OTHER_WH`, then materialising
only the `warehouse` asset for the project's corpus. Before, the intermediate tables were shared by every run of
the instance, so that published OTHER's articles into the project's warehouse with every check green."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from tests.conftest import ROOT, SAMPLE, run_cli

pytestmark = pytest.mark.slow


def _paths_config(articles: Path, warehouse: Path) -> dict:
    return {"resources": {"paths": {"config": {"articles_dir": str(articles), "warehouse_dir": str(warehouse)}}}}


def _materialise_only_warehouse(articles: Path, warehouse: Path, state: Path):
    """What the UI does on the `warehouse` asset's "Materialize" button: a run of that asset alone."""
    from pipeline.defs import defs

    job = defs.resolve_job_def("newsledger")
    state.mkdir(parents=True, exist_ok=True)
    with dg.instance_for_test(temp_dir=str(state)) as instance:
        return job.execute_in_process(
            run_config=_paths_config(articles, warehouse), instance=instance,
            asset_selection=[dg.AssetKey("warehouse")], raise_on_error=False,
        )


def _failure_messages(result) -> str:
    messages = []
    for e in result.all_events:
        err = e.step_failure_data.error if e.is_step_failure else None
        while err is not None:  # the IO manager's error is the cause of Dagster's "while loading input"
            messages.append(err.message)
            err = err.cause
    return "\n".join(messages)


@pytest.fixture(scope="module")
def other(tmp_path_factory):
    """OTHER: the sample plus one more article, run through the CLI into OTHER_WH on its own instance (no
    NEWSLEDGER_STATE_DIR: the warehouse's own `.dagster/`)."""
    base = tmp_path_factory.mktemp("isolation")
    articles = base / "other"
    shutil.copytree(SAMPLE, articles)
    (articles / "extra.txt").write_text("date 2020-02-01\n\nMore than 5,000 people fled Saraqib on Monday, the UN said.\n")
    wh = base / "other_wh"
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSLEDGER_STATE_DIR", "NEWSLEDGER_CONFIG")}
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", "--articles", str(articles), "--warehouse", str(wh)],
                          cwd=ROOT, env=dict(env, DAGSTER_HOME=str(ROOT)), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return {"base": base, "articles": articles, "warehouse": wh}


def test_a_cli_run_keeps_its_tables_and_runs_in_its_own_warehouse(other):
    wh = other["warehouse"]
    assert pq.read_metadata(wh / ".storage" / "tables" / "articles.parquet").num_rows == 3
    assert pq.read_metadata(wh / "parquet" / "articles.parquet").num_rows == 3
    # Its runs are on the warehouse's own instance, not the project's (the UI's) instance.
    assert (wh / ".dagster" / "history" / "runs.db").is_file()
    from dagster._core.instance.ref import InstanceRef

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(wh / ".dagster"))) as inst:
        assert [r.tags.get("newsledger/trigger") for r in inst.get_runs()] == ["cli"]


def test_materialising_only_warehouse_for_the_project_cannot_publish_another_folders_tables(other, tmp_path):
    """The report's scenario: the project's warehouse has never been built; materialising `warehouse` alone finds
    no tables of its own (the other run's tables are in the other warehouse) and publishes nothing."""
    project_wh = tmp_path / "project_wh"
    result = _materialise_only_warehouse(SAMPLE, project_wh, tmp_path / "state")
    assert not result.success
    assert "has not been materialised in this storage" in _failure_messages(result)
    assert not (project_wh / "parquet").exists() and not (project_wh / "newsledger.duckdb").exists()


def test_a_warehouse_refuses_tables_built_from_another_articles_folder(other, tmp_path):
    """Same warehouse, another articles folder in the run's configuration: the stored tables were built from
    OTHER, so the writer step refuses them and the publication stays OTHER's, whole and consistent."""
    wh = other["warehouse"]
    before = {p.name: p.read_bytes() for p in (wh / "parquet").glob("*.parquet")}
    result = _materialise_only_warehouse(SAMPLE, wh, tmp_path / "state")
    assert not result.success
    msg = _failure_messages(result)
    assert "was built for articles_dir" in msg and str(other["articles"]) in msg and str(SAMPLE) in msg
    assert {p.name: p.read_bytes() for p in (wh / "parquet").glob("*.parquet")} == before


def test_the_same_corpus_materialises_warehouse_alone(other, tmp_path):
    """The guard is not a blanket refusal: with the corpus its tables were built from, `warehouse` alone
    republishes them (the same bytes)."""
    wh = other["warehouse"]
    before = {p.name: p.read_bytes() for p in (wh / "parquet").glob("*.parquet")}
    result = _materialise_only_warehouse(other["articles"], wh, tmp_path / "state")
    assert result.success, _failure_messages(result)
    assert {p.name: p.read_bytes() for p in (wh / "parquet").glob("*.parquet")} == before
