"""`python -m pipeline run --articles DIR --warehouse DIR` and `python -m pipeline ui`.

`run` launches the same Dagster job as the UI, on this project's Dagster instance (DAGSTER_HOME, by default the
project folder, whose dagster.yaml keeps state under .dagster/), so every run, materialisation and check
result shows up in the UI too.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipeline import guards
from pipeline.ingest.corpus import DEFAULT_MAX_BYTES
from pipeline.ingest.snapshot import changes_since, take_snapshot
from pipeline.paths import default_articles_dir, default_warehouse_dir, ensure_dagster_home
from pipeline.publish.state import STATE_TAG, input_state, up_to_date


def _run(args: argparse.Namespace) -> int:
    try:
        articles = guards.articles_folder(args.articles)
        warehouse = guards.warehouse_folder(args.warehouse)
        ensure_dagster_home(warehouse)
        # The inputs as the run finds them, taken once: the run reads these entries, accounting is checked
        # against them, and what arrives meanwhile waits for the next run (pipeline/ingest/snapshot.py).
        snapshot = take_snapshot(articles)
        guards.check_not_emptied(snapshot, articles, warehouse, args.allow_empty)
    except guards.Refused as exc:
        return guards.refuse(str(exc))

    # Nothing new since the last publication (same files, same code, published files intact): no run needed.
    state = input_state(articles, DEFAULT_MAX_BYTES, snapshot)
    stamp = None if args.force else up_to_date(warehouse, state)
    if stamp is not None:
        print(f"newsledger: nothing new in {articles} since the last publication (same files, same code) and the "
              f"published files are intact: no run launched (--force runs anyway).")
        _print_publication(stamp["rows"], warehouse / "parquet", warehouse / "newsledger.duckdb")
        return 0

    from pipeline.launch import executor_name, prestart_forkserver, steps_mode  # reason: imports Dagster, only when a job is launched

    mode = steps_mode(articles)
    prestart_forkserver(mode)  # warms up while the definitions load
    from pipeline.defs import newsledger_job  # reason: loads the Dagster definitions, only when a job is launched

    snapshot_file = warehouse / ".staging" / f"snapshot-{os.getpid()}.json"
    snapshot_file.parent.mkdir(parents=True, exist_ok=True)
    snapshot.to_file(snapshot_file)
    run_config = {
        "resources": {"paths": {"config": {"articles_dir": str(articles), "warehouse_dir": str(warehouse),
                                           "snapshot_file": str(snapshot_file)}}},
        # The console shows no Dagster events: our own progress and -v log come from RunWatcher
        # (pipeline/launch.py), and the summary below says what failed, one line a step.
        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
    }
    if executor_name() == "auto":
        run_config["execution"] = {"config": {"mode": mode}}
    where = {"in_process": "in one process", "multiprocess": f"in parallel processes ({os.cpu_count()} cores)"}.get(mode, f"on {mode}")
    print(f"newsledger: {articles} -> {warehouse}; steps run {where}", flush=True)
    return guards.launch_guarded(newsledger_job, run_config, "cli", {STATE_TAG: state}, warehouse, snapshot_file,
                                 lambda result: _summarise(result, warehouse, snapshot), verbose=args.verbose)


def _print_publication(rows: dict[str, int], parquet_dir, duckdb_path) -> None:
    print("rows per table:")
    for name, n in rows.items():
        print(f"  {name:<19} {n:>7}")
    print(f"parquet: {parquet_dir}")
    print(f"duckdb:  {duckdb_path}")


def _summarise(result, warehouse: Path, snapshot) -> int:
    from pipeline.launch import print_run_summary  # reason: imports Dagster, only when a job is launched

    failed = print_run_summary(result, "newsledger run")
    problems = guards.print_extraction_problems(result)
    changes = changes_since(snapshot, snapshot.root)
    for what, names in (("arrived", changes.arrived), ("changed", changes.changed), ("left", changes.left)):
        if names:
            shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
            print(f"note: {len(names)} input(s) {what} during the run (after its snapshot); the next run takes them "
                  f"in: {shown}")
    disk = guards.disk_failure(result, warehouse)
    if not disk:
        guards.print_step_failures(result)
    if disk:
        print(f"error: {disk}", file=sys.stderr)
        return 2
    published = [m for m in result.get_asset_materialization_events() if m.asset_key.to_user_string() == "warehouse"]
    if published:
        meta = published[-1].materialization.metadata
        _print_publication(meta["rows"].value, meta["parquet_dir"].value, meta["duckdb_path"].value)
    else:
        print(f"nothing published (the previous publication in {warehouse}, if any, is unchanged)")
    if not (result.success and published and not any(e.severity.value == "ERROR" for e in failed)):
        return 1
    return 3 if problems else 0  # 3: published, but some articles' extraction had problems (listed above)


def add_parsers(sub) -> None:
    cmd = sub.add_parser("run", help="materialise the whole asset graph on a folder of articles")
    cmd.add_argument("--articles", default=default_articles_dir(), help="folder of .txt, .jsonl and .html articles")
    cmd.add_argument("--warehouse", default=default_warehouse_dir(), help="output folder for Parquet files and the DuckDB file")
    cmd.add_argument("-v", "--verbose", action="store_true", help="also show what each step logs (a readable log of the run, not Dagster's debug stream)")
    cmd.add_argument("--allow-empty", action="store_true",
                     help="publish an articles folder with no input even when the last publication held articles")
    cmd.add_argument("--force", action="store_true",
                     help="run even when nothing changed since the last publication (same articles files and code)")
    cmd.set_defaults(func=_run)

    ui = sub.add_parser("ui", help="the Dagster UI and daemon (schedule, inbox sensor) on the project's corpus (newsledger.yaml)")
    ui.add_argument("-H", "--host", default="127.0.0.1")
    ui.add_argument("-p", "--port", type=int, default=3000)
    ui.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    from pipeline.serve import serve  # reason: the webserver's imports, only for `ui`

    return serve(args.host, args.port)
