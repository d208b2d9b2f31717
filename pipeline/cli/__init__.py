"""newsledger's command line: `python -m pipeline run --articles DIR --warehouse DIR`.

Every command in one place: `run` and `ui` (pipeline/cli/run.py), `release` and `verify` (pipeline/cli/release.py),
`eval` (pipeline/eval/cli.py). `run` launches the same Dagster job as the UI, on the warehouse's Dagster instance,
so every run, materialisation and check result shows up in the UI too.
"""

from __future__ import annotations

import argparse

from pipeline import guards
from pipeline.cli import release, run
from pipeline.eval import cli as eval_cli


def main(argv: list[str] | None = None) -> int:
    try:
        guards.check_settings()  # before anything reads a setting (the parser's defaults do)
    except guards.Refused as exc:
        return guards.refuse(str(exc))
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run.add_parsers(sub)
    eval_cli.add_parser(sub)
    release.add_parsers(sub)
    args = parser.parse_args(argv)
    return args.func(args)
