"""The job that materialises the whole graph, its daily schedule, and a sensor on the articles folder."""


import hashlib
import os

import dagster as dg

from pipeline.defs.executors import build_executor
from pipeline.defs.resources import CorpusPaths

JOB_NAME = "newsledger"

newsledger_job = dg.define_asset_job(
    JOB_NAME,
    # Everything but the release assets (pipeline/defs/release.py): a plain run publishes, it does not release.
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("release"),
    description="Ingest the articles folder, extract, validate (blocking checks) and publish Parquet and DuckDB.",
    executor_def=build_executor(),  # NEWSLEDGER_EXECUTOR: in_process (default) | multiprocess | dask
)

daily = dg.ScheduleDefinition(
    name="daily_newsledger",
    job=newsledger_job,
    cron_schedule="0 5 * * *",
    execution_timezone="UTC",
    description="Materialise the whole dataset every day at 05:00 UTC.",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)


def folder_fingerprint(folder: str) -> str:
    """A hash of every file's relative path, size and modification time under `folder` (no contents read)."""
    h = hashlib.sha256()
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            h.update(f"{os.path.relpath(path, folder)}\t{st.st_size}\t{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


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
    return dg.RunRequest(run_key=fingerprint[:32], tags={"newsledger/trigger": "articles_folder"})


def defs() -> dg.Definitions:
    return dg.Definitions(jobs=[newsledger_job], schedules=[daily], sensors=[articles_folder_sensor])
