"""`python -m pipeline release` and `python -m pipeline verify`.

`release` brings the publication up to date (the `newsledger` job, as `run` does; nothing when nothing changed),
then runs the Dagster job `newsledger_release` on the warehouse's instance (the job a user launches from its page
in the UI). With `--from-warehouse` it releases what is currently published in the warehouse. `verify` checks a release folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline import guards
from pipeline.cli import run
from pipeline.paths import default_articles_dir, default_warehouse_dir, ensure_dagster_home
from pipeline.release.build import ReleaseError, check_version, releases_dir
from pipeline.release.verify import verify_release, verify_texts


def _release(args: argparse.Namespace) -> int:
    try:  # the same guards as `run` (pipeline/guards.py): one line, exit 2
        articles = Path(args.articles).resolve() if args.from_warehouse else guards.articles_folder(args.articles)
        warehouse = guards.warehouse_folder(args.warehouse)
    except guards.Refused as exc:
        return guards.refuse(str(exc))
    if args.version:
        try:
            check_version(args.version)
        except ReleaseError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if (releases_dir(warehouse) / args.version).exists():
            print(f"error: release {args.version} already exists in {releases_dir(warehouse)}; releases are never "
                  "overwritten (choose another --version)", file=sys.stderr)
            return 2
    warehouse.mkdir(parents=True, exist_ok=True)
    ensure_dagster_home(warehouse)

    if not args.from_warehouse:  # bring the publication up to date first (nothing to do when nothing changed)
        code = run._run(argparse.Namespace(articles=str(articles), warehouse=str(warehouse), force=False, allow_empty=False, verbose=args.verbose))
        if code != 0:
            print("no release written (the pipeline run did not publish)")
            return code

    from pipeline.defs import newsledger_release_job  # reason: loads the Dagster definitions, only when a job is launched

    run_config = {
        "resources": {"paths": {"config": {"articles_dir": str(articles), "warehouse_dir": str(warehouse)}}},
        "ops": {"release_snapshot": {"config": {"version": args.version or "", "force": bool(args.force)}}},
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},  # progress and -v: pipeline.launch.RunWatcher
    }
    from pipeline.launch import launched  # reason: imports Dagster, only when a job is launched

    with launched(newsledger_release_job, run_config, "cli-release", verbose=args.verbose) as result:
        return _summarise(result)


def _summarise(result) -> int:
    from pipeline.launch import print_run_summary  # reason: imports Dagster, only when a job is launched

    failed = print_run_summary(result, "newsledger release run")
    released = [m for m in result.get_asset_materialization_events() if m.asset_key.to_user_string() == "release"]
    if not result.success:
        for ev in result.all_events:
            if ev.is_step_failure:
                err = ev.step_failure_data.error
                print(f"  step {ev.step_key} failed: {err.message.strip() if err else ''}"[:2000], file=sys.stderr)
    unchanged = [e.event_specific_data.asset_observation.metadata["unchanged_since"].value for e in result.all_events
                 if e.is_asset_observation and "unchanged_since" in e.event_specific_data.asset_observation.metadata]
    if unchanged and result.success:
        print(f"nothing changed since release {unchanged[-1]}: no new version written (--force, or --version, writes one)")
        return 0
    if released:
        meta = released[-1].materialization.metadata
        print(f"release {meta['version'].value} written to {meta['path'].value}")
        prev = meta["previous_version"].value
        if prev:
            changed = {n: c for n, c in meta["changes"].value.items() if any(c.values())}
            print(f"changes since {prev}: " + ("; ".join(f"{n} +{c['added']} -{c['removed']} ~{c['changed']}" for n, c in changed.items()) or "none"))
        else:
            print("first release (no earlier release to compare with)")
        return 0 if result.success else 1
    print("no release written")
    return 1


def _verify(args: argparse.Namespace) -> int:
    folder = Path(args.release)
    problems = verify_release(folder)
    stats = None
    if args.text and folder.is_dir():
        text_problems, stats = verify_texts(folder, Path(args.text))
        problems += text_problems
    if problems:
        print(f"{folder}: {len(problems)} problem(s)")
        for p in problems:
            print(f"  - {p}")
        return 1
    print(f"{folder}: OK (checksums, sizes, row counts, schemas and evidence spans match the manifest)")
    if stats is not None:
        print(f"texts: {stats['matched']} of {stats['articles']} articles found in {args.text} "
              f"({stats['missing']} missing); {stats['rows_checked']} evidence rows re-checked against them: OK")
    return 0


def add_parsers(sub) -> None:
    rel = sub.add_parser("release", help="run the pipeline and write a versioned release to WAREHOUSE/releases/<version>/")
    rel.add_argument("--articles", default=default_articles_dir(), help="folder of .txt, .jsonl and .html articles")
    rel.add_argument("--warehouse", default=default_warehouse_dir(), help="the warehouse folder (releases go to its releases/)")
    rel.add_argument("--version", default="", help="release version (default: YYYY.MM.DD, then -2, -3 on the same day)")
    rel.add_argument("--from-warehouse", action="store_true",
                     help="release what is published in the warehouse now, without running the pipeline again")
    rel.add_argument("--force", action="store_true",
                     help="write a new version even when the published tables equal the latest release's")
    rel.add_argument("-v", "--verbose", action="store_true", help="also show what each step logs (a readable log of the run, not Dagster's debug stream)")
    rel.set_defaults(func=_release)

    ver = sub.add_parser("verify", help="check a release folder's checksums, sizes, row counts and schemas")
    ver.add_argument("release", help="a release folder, e.g. warehouse/releases/2024.05.01")
    ver.add_argument("--text", default="", metavar="DIR",
                     help="a folder of the articles (as for `run --articles`): re-check every quote against its article's text")
    ver.set_defaults(func=_verify)
