"""The job that materialises the whole graph, its daily schedule, and the inbox sensor on the articles folder.

Both are running by default (`make ui` starts the daemon that evaluates them) on the corpus of the project
configuration (newsledger.yaml): the articles folder is the inbox, and a file dropped there is published by the
run the sensor launches at its next tick (every 30 s). Both skip when the warehouse was already published from
the same files and code (pipeline/publish/state.py)."""


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
    executor_def=build_executor(),  # NEWSLEDGER_EXECUTOR: auto (default) | in_process | multiprocess | dask
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
    job=newsledger_job,
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
    state = input_state(paths.articles, paths.max_input_bytes)
    if up_to_date(paths.warehouse, state):
        return dg.SkipReason("the warehouse is already published from these files and this code")
    return dg.RunRequest(run_key=fingerprint[:32], tags={"newsledger/trigger": "articles_folder", STATE_TAG: state})


def defs() -> dg.Definitions:
    # The same executor for the UI's "Materialize" runs (Dagster's implicit asset job) as for the job.
    return dg.Definitions(jobs=[newsledger_job], schedules=[daily], sensors=[articles_folder_sensor],
                          executor=build_executor())
