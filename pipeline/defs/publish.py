"""Publish: the one writer step. Parquet first, then DuckDB loaded once from it."""


import contextlib
import errno
import fcntl
import os
import sys
from datetime import timedelta
from pathlib import Path

import dagster as dg

from pipeline import stages
from pipeline.defs.resources import CorpusPaths
from pipeline.defs.tables import spell_out_inputs
from pipeline.publish.state import STATE_TAG
from schemas.metadata import TABLE_ORDER

GROUP = "publish"
WRITER_POOL = "duckdb_writer"

# Tags that tie a run launched by `python -m pipeline` to the process executing it, so that a later launch can
# tell a run whose process was killed from one still running (see free_slots_of_dead_runs).
PID_TAG, PROC_START_TAG, HOST_TAG = "newsledger/pid", "newsledger/proc_start", "newsledger/host"


def _proc_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux /proc), which tells a reused pid apart."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return None
    fields = stat[stat.rfind(b")") + 2 :].split()  # after "pid (comm) "
    if fields[0] == b"Z":  # a zombie: dead, not yet reaped by its parent
        return None
    return fields[19].decode()


def process_tags() -> dict[str, str]:
    """Run tags identifying the current process (add them to runs executed in-process by the CLI)."""
    import socket

    tags = {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
    start = _proc_start(os.getpid())
    if start is not None:
        tags[PROC_START_TAG] = start
    return tags


def _process_alive(pid: int, proc_start: str | None) -> bool:
    if os.path.isdir("/proc/self"):
        current = _proc_start(pid)
        return current is not None and (proc_start is None or current == proc_start)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def instance_run_lock(state_dir: Path, wait_message: str | None = None):
    """Exclusive lock on a Dagster instance's state folder for the whole of a CLI run; waits for it.

    Runs on one instance share its asset storage (the filesystem IO manager keeps one file per asset key), so
    two runs at once on one instance would read each other's intermediate tables. The CLI therefore runs one
    job at a time per instance: a second `python -m pipeline run` waits (printing `wait_message` once) until
    the first one ends. The flock is released by the kernel when a process dies, even by SIGKILL."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / ".newsledger-run.lock", "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            if wait_message:
                print(wait_message, file=sys.stderr, flush=True)
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def free_slots_of_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the runs of this host that `process_tags` identify and whose process is gone (killed:
    SIGKILL, OOM, power loss), and free the concurrency slots they held.

    Dagster frees a pool slot when the step that claimed it ends, but not when the whole process is killed:
    without this, the slot of a run killed while publishing stays claimed and every later run waits forever
    in the `duckdb_writer` pool. Returns the ids of the runs that were cleaned up."""
    import socket

    from dagster import DagsterRunStatus, RunsFilter

    host = socket.gethostname()
    statuses = [DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]
    cleaned = []
    for run in instance.get_runs(filters=RunsFilter(statuses=statuses, tags={HOST_TAG: host})):
        pid = run.tags.get(PID_TAG, "")
        if not pid.isdigit() or int(pid) == os.getpid() or _process_alive(int(pid), run.tags.get(PROC_START_TAG)):
            continue
        instance.report_run_failed(run, f"the process running this run (pid {pid}) is gone: killed or crashed")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        cleaned.append(run.run_id)
    return cleaned


SCRATCH_MAX_AGE_S = 24 * 3600


def remove_scratch(warehouse: Path, run_id: str) -> None:
    """Remove this run's scratch folder (`<warehouse>/.staging/<run id>/`, see CorpusPaths.scratch) and those of
    runs that ended without publishing more than a day ago (a run that failed a blocking check keeps its folder
    for a day, for inspection or a re-execution)."""
    import shutil
    import time

    root = warehouse / ".staging"
    if not root.is_dir():
        return
    for entry in os.scandir(root):
        try:
            old = time.time() - entry.stat(follow_symlinks=False).st_mtime > SCRATCH_MAX_AGE_S
        except FileNotFoundError:
            continue
        if entry.name == run_id or old:
            shutil.rmtree(entry.path, ignore_errors=True)
    with contextlib.suppress(OSError):  # gone when no other run's scratch is left
        root.rmdir()


def _publish(context, paths, **tables):
    result, kv = stages.publish(paths.warehouse, tables, context.run.tags.get(STATE_TAG))
    context.log.info(f"published {sum(result.rows.values())} rows to {result.parquet_dir} and {result.duckdb_path}")
    remove_scratch(paths.warehouse, context.run.run_id)
    return dg.MaterializeResult(
        metadata={
            "parquet_dir": dg.MetadataValue.path(str(result.parquet_dir)),
            "duckdb_path": dg.MetadataValue.path(str(result.duckdb_path)),
            "rows": dg.MetadataValue.json(result.rows),
            "parquet_sha256": dg.MetadataValue.json(result.files),
            **{k.replace("newsledger.", ""): v for k, v in kv.items()},
        }
    )


warehouse = dg.asset(
    key="warehouse",
    group_name=GROUP,
    ins={name: dg.AssetIn(name) for name in TABLE_ORDER},
    pool=WRITER_POOL,
    # Published by the daily schedule (and the inbox sensor): older than a day and a bit is late, two days stale.
    freshness_policy=dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=48), warn_window=timedelta(hours=26)),
    description="The published dataset: one zstd Parquet file per table, then one DuckDB file loaded from them "
    "(tables with COMMENT ON descriptions and readable views). Runs only when every blocking check passed.",
)(spell_out_inputs(_publish, [("context", dg.AssetExecutionContext), ("paths", CorpusPaths)], list(TABLE_ORDER)))


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[warehouse])
