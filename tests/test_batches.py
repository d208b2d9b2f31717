"""Batches as Dagster partitions: a run for one batch (a file dropped in the articles folder) re-extracts only that
batch, a backfill of a range re-extracts only the range, and the published tables are the union of every batch,
byte-identical to a full rebuild of the same folder. Real Dagster runs on one instance, real Parquet."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import SAMPLE

pytestmark = pytest.mark.slow

DROPPED = "date 2020-02-05\n\nMore than 7,000 people fled Ariha on Tuesday, the United Nations said.\n"


def _config(articles: Path, warehouse: Path) -> dict:
    return {"resources": {"paths": {"config": {"articles_dir": str(articles), "warehouse_dir": str(warehouse)}}}}


def _run(instance, job_name: str, articles: Path, warehouse: Path, **kwargs):
    from pipeline.defs import defs

    job = defs.resolve_job_def(job_name)
    result = job.execute_in_process(run_config=_config(articles, warehouse), instance=instance, **kwargs)
    assert result.success
    return result


def _published(warehouse: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((warehouse / "parquet").glob("*.parquet"))}


def _batch_metadata(result, n_partitions: int = 1) -> dict:
    mats = result.asset_materializations_for_node("batch_extraction")
    assert len(mats) == n_partitions  # one materialisation per partition of the run, of the one step
    return {k: v.value for k, v in mats[0].metadata.items()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    base = tmp_path_factory.mktemp("batches")
    full = base / "full"
    shutil.copytree(SAMPLE, full)
    (full / "dropped.txt").write_text(DROPPED)
    (base / "state_full").mkdir()
    with dg.instance_for_test(temp_dir=str(base / "state_full")) as instance:
        _run(instance, "newsledger", full, base / "wh_full")
    return base, sorted(p.name for p in full.iterdir())


def test_a_run_for_a_dropped_batch_extracts_only_it_and_publishes_the_union(corpus):
    from pipeline.defs.batches import PARTITIONS_NAME

    base, names = corpus
    inbox, wh = base / "inbox", base / "wh_inbox"
    shutil.copytree(SAMPLE, inbox)
    (base / "state_inbox").mkdir()
    with dg.instance_for_test(temp_dir=str(base / "state_inbox")) as instance:
        _run(instance, "newsledger", inbox, wh)
        instance.add_dynamic_partitions(PARTITIONS_NAME, sorted(p.name for p in inbox.iterdir()))
        (inbox / "dropped.txt").write_text(DROPPED)
        instance.add_dynamic_partitions(PARTITIONS_NAME, ["dropped.txt"])
        result = _run(instance, "newsledger_batches", inbox, wh, partition_key="dropped.txt")
        assert _batch_metadata(result)["articles"] == 1  # only the dropped file's article went through spaCy
        assert _published(wh) == _published(base / "wh_full")  # the union, the bytes of a full rebuild

        # A backfill of a range of two batches is one run that re-extracts those two, and publishes the same bytes.
        keys = instance.get_dynamic_partitions(PARTITIONS_NAME)
        assert sorted(keys) == names
        result = _run(instance, "newsledger_batches", inbox, wh, tags={
            "dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[1]})
        meta = _batch_metadata(result, 2)
        assert meta["articles"] == 2 and meta["batches"] == sorted(keys[:2])
        assert _published(wh) == _published(base / "wh_full")
