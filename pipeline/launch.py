"""Launching a Dagster job from the command line on the project's instance: the one way `run` and `release` start
a run, so that both hold the instance lock and free what killed runs left behind."""

from __future__ import annotations

import contextlib
import os
import sys
import time
import uuid
from pathlib import Path

from pipeline.settings import EXECUTORS, settings  # noqa: F401 - EXECUTORS re-exported

# Which Dagster executor runs the job's steps (read by the definitions when they load, and by the CLI before it
# loads them; see pipeline/defs/executors.py). Kept free of Dagster imports, so the CLI can act on it early.
EXECUTOR_ENV = "NEWSLEDGER_EXECUTOR"
# What the multiprocess executor's fork server imports before forking step processes (pipeline/defs/warm.py).
FORKSERVER_PRELOAD = ["dagster._core.executor.multiprocess", "pipeline.defs.warm"]
# `auto` runs the steps in parallel worker processes from this much input on (about 300 news articles): below it,
# starting the fork server and the step processes costs more than the parallel extraction saves.
PARALLEL_MIN_BYTES = 1_000_000
_prestarted = False


def executor_name() -> str:
    return settings().executor


def input_bytes(articles_dir: str | os.PathLike, stop_at: int = PARALLEL_MIN_BYTES) -> int:
    """The bytes of the files under `articles_dir`, counted up to `stop_at` (no file is read)."""
    total = 0
    for root, dirs, files in os.walk(articles_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
            if total >= stop_at:
                return total
    return total


def auto_mode(articles_dir: str | os.PathLike) -> str:
    """`multiprocess` for a corpus large enough to gain from every core, else `in_process`."""
    if (os.cpu_count() or 1) < 2:
        return "in_process"
    return "multiprocess" if input_bytes(articles_dir) >= PARALLEL_MIN_BYTES else "in_process"


def steps_mode(articles_dir: str | os.PathLike) -> str:
    """How this run's steps will run: the executor NEWSLEDGER_EXECUTOR names, `auto` resolved on the corpus."""
    name = executor_name()
    return auto_mode(articles_dir) if name == "auto" else name


def prestart_forkserver(mode: str | None = None) -> None:
    """With the multiprocess executor, start its fork server now, in a background thread, so that it preloads
    (pipeline/defs/warm.py, several seconds) while this process is still importing Dagster, loading the
    definitions and creating the run; the executor then finds it running (the fork server is one per process,
    started once, with this same preload list). A no-op with the other executors, and when called again."""
    global _prestarted
    if _prestarted or (mode or executor_name()) != "multiprocess":
        return
    import multiprocessing
    import multiprocessing.forkserver
    import threading

    multiprocessing.get_context("forkserver").set_forkserver_preload(FORKSERVER_PRELOAD)
    threading.Thread(target=multiprocessing.forkserver.ensure_running, name="forkserver-prestart", daemon=True).start()
    _prestarted = True


@contextlib.contextmanager
def launched(job_factory, run_config: dict, trigger: str, tags: dict[str, str] | None = None, verbose: bool = False,
             **execute_kwargs):
    """Execute the job built by `job_factory` (a module-level function, so the run can reconstruct it) on the
    Dagster instance, one CLI run at a time per instance, showing its progress (RunWatcher); yields the execution
    result. `tags` are added to the run's tags."""
    import dagster as dg

    from pipeline.defs.publish import free_slots_of_dead_runs, instance_run_lock, process_tags

    state = Path(settings().state_dir)
    # One run at a time per instance, and per warehouse (whose intermediate tables all its runs share, whatever
    # their instance: pipeline/defs/storage.py).
    storage = Path(run_config["resources"]["paths"]["config"]["warehouse_dir"]) / ".storage"
    with instance_run_lock(state, f"another newsledger run is using the Dagster instance in {state}; waiting for it to finish"), \
            instance_run_lock(storage, f"another newsledger run is building the warehouse {storage.parent}; waiting for it to finish"):
        instance = dg.DagsterInstance.get()
        for dead in free_slots_of_dead_runs(instance):  # runs killed earlier must not hold the writer pool forever
            print(f"note: run {dead} was killed before it finished; marked failed and its writer slot freed", file=sys.stderr)
        launch = ("newsledger/launch", uuid.uuid4().hex)
        with RunWatcher(launch, verbose=verbose), dg.execute_job(
            dg.reconstructable(job_factory),
            instance=instance,
            run_config=run_config,
            tags={"newsledger/trigger": trigger, **(tags or {}), **process_tags(), launch[0]: launch[1]},
            raise_on_error=False,
            **execute_kwargs,
        ) as result:
            pass
        yield result


def print_run_summary(result, label: str) -> list:
    """Print a run's outcome and its asset checks (each failed one by name); returns the failed evaluations."""
    evaluations = result.get_asset_check_evaluations()
    failed = [e for e in evaluations if not e.passed]
    print(f"\n{label} {result.run_id}: {'SUCCESS' if result.success else 'FAILED'}")
    print(f"asset checks: {len(evaluations) - len(failed)} passed, {len(failed)} failed")
    for e in failed:
        print(f"  FAILED {e.asset_key.to_user_string()}:{e.check_name} ({e.severity.value})")
    return failed


class RunWatcher:
    """Follows a run on the instance while this process executes it and prints its progress: each step's start and
    end, and the steps' `progress:` lines (pipeline/defs/progress.py) — as a bar per step on a terminal, as plain
    lines otherwise; with `verbose`, every message our steps log at INFO and above (not Dagster's debug stream)."""

    def __init__(self, tag: tuple[str, str], verbose: bool = False, every_s: float = 1.0, out=None):
        import threading

        self.tag, self.verbose, self.every_s = tag, verbose, every_s
        self.out = out or sys.stdout
        self.tty = self.out.isatty()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="run-watcher", daemon=True)
        self._started: dict[str, float] = {}

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)
        if self.tty:
            self.out.write("\n")
        return False

    def _print(self, text: str, bar: bool = False) -> None:
        if self.tty:
            self.out.write("\r\033[K" + text + ("" if bar else "\n"))
        else:
            self.out.write(text + "\n")
        self.out.flush()

    @staticmethod
    def _bar(message: str) -> str:
        import re

        m = re.search(r"(\d+)/(\d+) articles", message)
        if not m or not int(m[2]):
            return message
        frac = int(m[1]) / int(m[2])
        return f"[{'#' * int(frac * 20):<20}] {frac:4.0%} {message}"

    def _follow(self) -> None:
        import dagster as dg

        instance = dg.DagsterInstance.get()
        run_id, cursor, t0 = None, None, time.monotonic()
        while not self._stop.is_set() or run_id:
            if run_id is None:
                runs = instance.get_runs(filters=dg.RunsFilter(tags={self.tag[0]: self.tag[1]}), limit=1)
                run_id = runs[0].run_id if runs else None
            if run_id is not None:
                conn = instance.get_records_for_run(run_id, cursor=cursor)
                cursor = conn.cursor
                for rec in conn.records:
                    self._show(rec.event_log_entry, t0)
                if self._stop.is_set() and not conn.has_more:
                    return
            self._stop.wait(self.every_s)

    def _show(self, entry, t0: float) -> None:
        import logging

        from pipeline.defs.progress import PREFIX

        ev, at = entry.dagster_event, f"[{time.monotonic() - t0:6.1f}s]"
        if ev is not None:
            kind = ev.event_type_value
            if kind == "STEP_START":
                self._started[ev.step_key] = entry.timestamp
                if not self.tty:
                    self._print(f"{at} {ev.step_key}: started")
            elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
                took = entry.timestamp - self._started.get(ev.step_key, entry.timestamp)
                self._print(f"{at} {ev.step_key}: {'done' if kind == 'STEP_SUCCESS' else 'FAILED'} in {took:.1f}s")
            return
        message = entry.user_message or ""
        if message.startswith(PREFIX):
            text = message[len(PREFIX):]
            self._print(f"{at} {self._bar(text) if self.tty else text}", bar=self.tty)
        elif self.verbose and entry.level >= logging.INFO:
            self._print(f"{at} {entry.step_key or 'run'}: {message}")
