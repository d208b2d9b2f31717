"""The job that materialises the whole graph, its daily schedule, and the inbox sensor on the articles folder.

Both are running by default (`make ui` starts the daemon that evaluates them) on the corpus of the project
configuration (newsledger.yaml): the articles folder is the inbox, and a file dropped there is published by the
run the sensor launches at its next tick (every 30 s). Both skip when the warehouse was already published from
the same files and code (pipeline/publish/state.py)."""


import dagster as dg

from pipeline.defs.batches import BATCH_JOB_NAME, batch_extraction, batches, partition_requests
from pipeline.defs.executors import build_executor
from pipeline.defs.resources import CorpusPaths
from pipeline.publish.state import STATE_TAG, folder_fingerprint, input_state, up_to_date

JOB_NAME = "newsledger"

newsledger_job = dg.define_asset_job(
    JOB_NAME,
    # Everything but the release assets (pipeline/defs/release.py): a plain run publishes, it does not release.
    # and but the partitioned batch_extraction (a run for some batches is the newsledger_batches job).
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("release") - dg.AssetSelection.assets(batch_extraction),
    description="Ingest the articles folder, extract, validate (blocking checks) and publish Parquet and DuckDB.",
    executor_def=build_executor(),  # NEWSLEDGER_EXECUTOR: auto (default) | in_process | multiprocess | dask
)

batches_job = dg.define_asset_job(
    BATCH_JOB_NAME,
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("release"),
    description="For some batches (partitions: files or folders dropped in the articles folder): re-extract their "
    "articles, then ingest, extract (from the cache), validate and publish the whole corpus, as the newsledger job. "
    "A backfill of a range of batches is one run.",
    executor_def=build_executor(),
)

@dg.schedule(
    name="daily_newsledger",
    job=newsledger_job,
    cron_schedule="0 5 * * *",
    execution_timezone="UTC",
    description="Materialise the whole dataset every day at 05:00 UTC, unless nothing changed since the last "
    "publication (same articles folder, same code: see pipeline/publish/state.py).",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def daily(context: dg.ScheduleEvaluationContext, paths: CorpusPaths):
    state = input_state(paths.articles, paths.max_input_bytes) if paths.articles.is_dir() else None
    if state and up_to_date(paths.warehouse, state):
        return dg.SkipReason("nothing new: the warehouse was published from the same articles and code")
    return dg.RunRequest(tags={"newsledger/trigger": "daily_schedule", **({STATE_TAG: state} if state else {})})


@dg.sensor(
    jobs=[newsledger_job, batches_job],
    minimum_interval_seconds=30,
    description="The inbox: launches a run when files in the articles folder (newsledger.yaml) are added, changed "
    "or removed, unless the warehouse was already published from exactly these files.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def articles_folder_sensor(context: dg.SensorEvaluationContext, paths: CorpusPaths):
    if not paths.articles.is_dir():
        return dg.SkipReason(f"articles folder {paths.articles} does not exist")
    fingerprint = folder_fingerprint(str(paths.articles))
    if fingerprint == context.cursor:
        return dg.SkipReason("no change in the articles folder")
    context.update_cursor(fingerprint)
    from pipeline.ingest.snapshot import take_snapshot

    snapshot = take_snapshot(paths.articles)
    new, add = partition_requests(context.instance, snapshot)
    state = input_state(paths.articles, paths.max_input_bytes, snapshot)
    if up_to_date(paths.warehouse, state):
        return dg.SensorResult(skip_reason="the warehouse is already published from these files and this code",
                               dynamic_partitions_requests=add)
    return dg.SensorResult(run_requests=[inbox_run_request(context, paths, new, fingerprint, state)],
                           dynamic_partitions_requests=add)


def inbox_run_request(context, paths: CorpusPaths, new: list[str], fingerprint: str, state: str) -> dg.RunRequest:
    """A run of the batches job for the batches that are new (and nothing else changed), else of the whole job.

    New batches get their partitions in this tick, after all the known ones, so they are one range; files changed
    or removed in known batches, or a warehouse never published, take the newsledger job (the cache keeps it
    incremental)."""
    from pipeline.publish.writer import DUCKDB_NAME

    tags = {"newsledger/trigger": "articles_folder", STATE_TAG: state}
    published = (paths.warehouse / DUCKDB_NAME).is_file()
    known = set(context.instance.get_dynamic_partitions(batches.name)) - set(new)
    if not new or not published or not known:
        return dg.RunRequest(run_key=fingerprint[:32], job_name=JOB_NAME, tags=tags)
    if len(new) == 1:
        return dg.RunRequest(run_key=fingerprint[:32], job_name=BATCH_JOB_NAME, partition_key=new[0], tags=tags)
    return dg.RunRequest(run_key=fingerprint[:32], job_name=BATCH_JOB_NAME, tags={
        **tags, "dagster/asset_partition_range_start": new[0], "dagster/asset_partition_range_end": new[-1]})


def defs() -> dg.Definitions:
    # The same executor for the UI's "Materialize" runs (Dagster's implicit asset job) as for the job.
    return dg.Definitions(jobs=[newsledger_job, batches_job], schedules=[daily], sensors=[articles_folder_sensor],
                          executor=build_executor())
