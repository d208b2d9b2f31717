"""Ingest: the articles folder becomes the articles, duplicates and quarantine tables (pipeline.stages.ingest)."""


import dataclasses
import re
from pathlib import Path

import dagster as dg

from pipeline import stages
from pipeline.defs.resources import CorpusPaths
from pipeline.defs.tables import table_out, table_output
from pipeline.ingest.snapshot import Snapshot
from pipeline.tables.files import iter_frames
from pipeline.stages import SNAPSHOT_NAME

GROUP = "ingest"


@dg.multi_asset(
    outs={name: table_out(name, GROUP) for name in ("articles", "duplicates", "quarantine")},
    can_subset=False,
)
def ingest_articles(context: dg.AssetExecutionContext, paths: CorpusPaths):
    """Read every input under the articles folder (.txt, .jsonl, .html), normalise the text, recognise
    duplicates and quarantine what cannot be an article, with a reason."""
    given = Path(paths.snapshot_file) if paths.snapshot_file else None
    snapshot = Snapshot.from_file(given) if given is not None and given.is_file() else None
    done = stages.ingest(paths.articles, paths.scratch(context.run.run_id), stages.ingest_cache_dir(paths.warehouse),
                         paths.max_input_bytes, snapshot)
    result = done.result
    context.log.info(
        f"{result.n_inputs} inputs: {len(result.articles)} articles, {len(result.duplicates)} duplicates, "
        f"{len(result.quarantine)} quarantined"
    )
    if result.arrived:
        context.log.warning(f"{len(result.arrived)} entries arrived after the run's snapshot and wait for the next run: {result.arrived[:20]}")
    if result.ignored:
        context.log.warning(f"{len(result.ignored)} entries are not inputs and were left out: {result.ignored[:20]}")
    extra = {
        "n_inputs": result.n_inputs,
        "articles_dir": str(paths.articles),
        "ignored_entries": dg.MetadataValue.json(list(result.ignored)),
        "arrived_during_run": dg.MetadataValue.json(list(result.arrived)),
        "ingest_notes": dg.MetadataValue.json([dataclasses.asdict(n) for n in result.notes]),
    }
    yield table_output("articles", done.articles, extra)
    yield table_output("duplicates", done.duplicates, extra)
    yield table_output("quarantine", done.quarantine, extra)


@dg.asset_check(
    asset="quarantine",
    additional_ins={"articles": dg.AssetIn("articles"), "duplicates": dg.AssetIn("duplicates")},
    blocking=True,
    description="Every input is accounted for, against the snapshot of the articles folder taken when the run "
    "started: every entry of the snapshot has a row (article, duplicate or quarantine), no row names a file outside "
    "it, and inputs read = articles + duplicates + quarantined (checked on the quarantine table, the last of the "
    "three, so that check dependencies follow table order).",
)
def inputs_accounted_for(context: dg.AssetCheckExecutionContext, paths: CorpusPaths, quarantine, articles, duplicates) -> dg.AssetCheckResult:
    snapshot = Snapshot.from_file(paths.scratch(context.run.run_id) / SNAPSHOT_NAME)
    expected = {rel for rel, ident in snapshot.entries.items() if ident[0] != "ignored"}
    files: set[str] = set()
    for name, table, column in (("articles", articles, "source_file"), ("duplicates", duplicates, "input_ref"),
                                ("quarantine", quarantine, "input_ref")):
        for chunk in iter_frames(name, table, batch_rows=50_000, columns=[column]):
            files.update(re.sub(r"#L\d+$", "", ref) for ref in chunk[column])
    event = context.instance.get_latest_materialization_event(dg.AssetKey("quarantine"))
    meta = event.asset_materialization.metadata if event is not None and event.asset_materialization else {}
    n_inputs = meta["n_inputs"].value if "n_inputs" in meta else None
    accounted = len(articles) + len(duplicates) + len(quarantine)
    missing, outside = sorted(expected - files), sorted(files - expected)
    return dg.AssetCheckResult(
        passed=not missing and not outside and n_inputs == accounted,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "inputs": n_inputs,
            "articles": len(articles),
            "duplicates": len(duplicates),
            "quarantined": len(quarantine),
            "unaccounted": (n_inputs or 0) - accounted,
            "snapshot_entries": len(expected),
            "snapshot_entries_without_a_row": dg.MetadataValue.json(missing[:50]),
            "rows_of_files_outside_the_snapshot": dg.MetadataValue.json(outside[:50]),
        },
    )


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[ingest_articles], asset_checks=[inputs_accounted_for])
