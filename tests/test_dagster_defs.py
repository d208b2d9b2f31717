"""The Dagster layer as a user sees it in the UI: the asset graph, the blocking checks, the schedule and the
sensor on the articles folder (evaluated for real against a folder that changes)."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

from pipeline.defs import defs, newsledger_job
from pipeline.defs.resources import CorpusPaths
from schemas.metadata import TABLE_ORDER

ROOT = Path(__file__).resolve().parents[1]


def test_asset_graph_has_every_table_and_the_writer_downstream_of_all():
    specs = {s.key.to_user_string(): s for s in defs.resolve_all_asset_specs()}
    # release: see test_release.py; batch_extraction (partitioned by batch): see test_batches.py
    assert set(specs) == set(TABLE_ORDER) | {"warehouse", "release_snapshot", "release", "batch_extraction"}
    assert {d.asset_key.to_user_string() for d in specs["release_snapshot"].deps} == {"warehouse"}
    assert {d.asset_key.to_user_string() for d in specs["warehouse"].deps} == set(TABLE_ORDER)
    assert {d.asset_key.to_user_string() for d in specs["figures"].deps} == {"articles", "batch_extraction"}
    assert specs["figures"].metadata["dagster/column_schema"].columns[0].name == "figure_id"
    writer = next(a for a in defs.assets if dg.AssetKey("warehouse") in getattr(a, "keys", ()))
    assert writer.op.pool == "duckdb_writer"


def test_every_table_has_a_blocking_pandera_check():
    graph = defs.resolve_asset_graph()
    checks = {k.name: graph.get_check_spec(k) for k in graph.asset_check_keys}
    for name in TABLE_ORDER:
        spec = checks[f"pandera_{name}"]
        assert spec.asset_key == dg.AssetKey(name)
        assert spec.blocking
    assert checks["inputs_accounted_for"].blocking
    assert checks["inputs_accounted_for"].asset_key == dg.AssetKey("quarantine")


def test_job_covers_the_whole_graph():
    job = newsledger_job()
    assert job.name == "newsledger"
    assert {k.to_user_string() for k in job.asset_layer.selected_asset_keys} == set(TABLE_ORDER) | {"warehouse"}


def test_daily_schedule():
    sched = defs.resolve_schedule_def("daily_newsledger")
    assert sched.cron_schedule == "0 5 * * *"
    assert sched.job_name == "newsledger"


def _tick(sensor, instance, paths, cursor=None):
    """One sensor evaluation, its partition requests applied as the daemon applies them."""
    ctx = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"paths": paths})
    result = sensor(ctx)
    for req in getattr(result, "dynamic_partitions_requests", None) or []:
        instance.add_dynamic_partitions(req.partitions_def_name, list(req.partition_keys))
    return ctx.cursor, result


def test_sensor_fires_on_new_articles_and_not_otherwise(tmp_path):
    """The first tick runs the whole job and makes every file a batch partition; a file dropped into a published
    warehouse's inbox is a run of the batches job for its partition alone; nothing new, no run."""
    folder = tmp_path / "articles"
    folder.mkdir()
    first_file = next((ROOT / "data" / "articles").glob("*.txt"))
    shutil.copy(first_file, folder)
    sensor = defs.resolve_sensor_def("articles_folder_sensor")
    paths = CorpusPaths(articles_dir=str(folder), warehouse_dir=str(tmp_path / "wh"))
    with dg.instance_for_test() as instance:
        cursor, first = _tick(sensor, instance, paths)
        (req,) = first.run_requests
        assert req.job_name == "newsledger" and req.partition_key is None
        assert instance.get_dynamic_partitions("batches") == [first_file.name]
        cursor2, second = _tick(sensor, instance, paths, cursor)
        assert isinstance(second, dg.SkipReason)
        (folder / "new.txt").write_text("More than 5,000 people fled the town on Monday, the UN said.")
        (tmp_path / "wh").mkdir()
        (tmp_path / "wh" / "newsledger.duckdb").write_bytes(b"")  # as if published by the first run
        _, third = _tick(sensor, instance, paths, cursor)
        (req3,) = third.run_requests
        assert req3.job_name == "newsledger_batches" and req3.partition_key == "new.txt"
        assert req3.run_key != req.run_key
        assert instance.get_dynamic_partitions("batches") == [first_file.name, "new.txt"]


def test_checks_of_one_producing_step_run_in_one_step():
    """Each table keeps its own blocking check, but the tables one asset step produces are checked by one step
    (a step start and the shared inputs paid once)."""
    job = newsledger_job()
    check_ops = {n.name for n in job.graph.node_dict.values() if n.name.startswith("validate_")}
    assert check_ops == {"validate_ingest_tables", "validate_extracted_tables"}
    graph = defs.resolve_asset_graph()
    assert {k.name for k in graph.asset_check_keys if k.name.startswith("pandera_")} == {f"pandera_{n}" for n in TABLE_ORDER}


def test_schedule_skips_when_nothing_changed_since_the_last_publication(sample_run, tmp_path):
    """The CLI run of `sample_run` stamped its publication with the state of its inputs and code: the daily
    schedule then has nothing to do for that warehouse, and asks for a run (tagged with the state) elsewhere."""
    from pipeline.publish.state import STATE_TAG

    sched = defs.resolve_schedule_def("daily_newsledger")
    with dg.DagsterInstance.ephemeral() as instance:
        same = CorpusPaths(articles_dir=str(sample_run.articles), warehouse_dir=str(sample_run.warehouse))
        ctx = dg.build_schedule_context(instance=instance, resources={"paths": same})
        assert isinstance(sched.evaluate_tick(ctx).skip_message, str)
        other = CorpusPaths(articles_dir=str(sample_run.articles), warehouse_dir=str(tmp_path / "empty"))
        ctx = dg.build_schedule_context(instance=instance, resources={"paths": other})
        (request,) = sched.evaluate_tick(ctx).run_requests
        assert request.tags[STATE_TAG]
