"""The job that materialises the whole graph, its daily schedule, and a sensor on the articles folder."""


import dagster as dg

from pipeline.defs.executors import build_executor
from pipeline.defs.resources import CorpusPaths
from pipeline.publish.state import STATE_TAG, folder_fingerprint, input_state, up_to_date

JOB_NAME = "newsledger"

newsledger_job = dg.define_asset_job(
    JOB_NAME,
    # Everything but the release assets (pipeline/defs/release.py): a plain run publishes, it does not release.
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("release"),
    description="Ingest the articles folder, extract, validate (blocking checks) and publish Parquet and DuckDB.",
    executor_def=build_executor(),  # NEWSLEDGER_EXECUTOR: in_process (default) | multiprocess | dask
)

@dg.schedule(
    name="daily_newsledger",
    job=newsledger_job,
    cron_schedule="0 5 * * *",
    execution_timezone="UTC",
    description="Materialise the whole dataset every day at 05:00 UTC, unless nothing changed since the last "
    "publication (same articles folder, same code: see pipeline/publish/state.py).",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
def daily(context: dg.ScheduleEvaluationContext, paths: CorpusPaths):
    state = input_state(paths.articles, paths.max_input_bytes) if paths.articles.is_dir() else None
    if state and up_to_date(paths.warehouse, state):
        return dg.SkipReason("nothing new: the warehouse was published from the same articles and code")
    return dg.RunRequest(tags={"newsledger/trigger": "daily_schedule", **({STATE_TAG: state} if state else {})})


@dg.sensor(
    job=newsledger_job,
    minimum_interval_seconds=60,
    description="Launches a run when files in the articles folder are added, changed or removed.",
    default_status=dg.DefaultSensorStatus.STOPPED,
)
def articles_folder_sensor(context: dg.SensorEvaluationContext, paths: CorpusPaths):
    if not paths.articles.is_dir():
        return dg.SkipReason(f"articles folder {paths.articles} does not exist")
    fingerprint = folder_fingerprint(str(paths.articles))
    if fingerprint == context.cursor:
        return dg.SkipReason("no change in the articles folder")
    context.update_cursor(fingerprint)
    state = input_state(paths.articles, paths.max_input_bytes)
    return dg.RunRequest(run_key=fingerprint[:32], tags={"newsledger/trigger": "articles_folder", STATE_TAG: state})


def defs() -> dg.Definitions:
    return dg.Definitions(jobs=[newsledger_job], schedules=[daily], sensors=[articles_folder_sensor])
