"""Release: a versioned, immutable copy of the published warehouse in `warehouse/releases/<version>/`.

Two assets in the `release` group, downstream of `warehouse`, with the Great Expectations checks between them:

    warehouse -> release_snapshot -> [gx_<table> blocking checks, gx_<table>_quality warnings] -> release

`release_snapshot` stages the published data (Parquet, CSV, DuckDB) in a hidden folder; `release` writes the
codebook, datapackage, changelog, lineage, report, manifest and sums and renames the folder into place. If a
blocking check fails, `release` does not run and nothing is released (the staging folder stays for inspection and
is removed by a later release after an hour).

The release assets are not part of the default `newsledger` job (a plain run does not make a release): they are
in the `newsledger_release` job, which runs the whole graph then releases it. `python -m pipeline release` runs
that job; `--from-warehouse` runs only the release assets on the current publication.
"""


import dagster as dg

from pipeline.defs.resources import CorpusPaths
from pipeline.publish.release import StagedRelease, finalize_release, read_checks_digest, stage_release

GROUP = "release"
RELEASE_JOB_NAME = "newsledger_release"


class ReleaseConfig(dg.Config):
    version: str = ""
    """Release version; empty for the automatic `YYYY.MM.DD` (then `-2`, `-3` the same day)."""


@dg.asset(
    key="release_snapshot",
    group_name=GROUP,
    deps=["warehouse"],
    pool="duckdb_writer",
    description="The published warehouse staged as a release candidate: Parquet with the dataset version in its "
    "metadata, CSV renderings, a fresh DuckDB file. Checked by the Great Expectations suites before release.",
)
def release_snapshot(context: dg.AssetExecutionContext, config: ReleaseConfig, paths: CorpusPaths) -> dg.Output:
    staged = stage_release(paths.warehouse, config.version or None)
    context.log.info(f"staged release {staged.version} in {staged.staging}")
    return dg.Output(
        staged.as_dict(),
        metadata={"version": staged.version, "staging": dg.MetadataValue.path(str(staged.staging)),
                  "rows": dg.MetadataValue.json(staged.rows)},
    )


def _warehouse_run_id(context: dg.AssetExecutionContext, warehouse) -> str | None:
    """The run that last published this warehouse, if the instance knows it."""
    event = context.instance.get_latest_materialization_event(dg.AssetKey("warehouse"))
    if event is None or event.asset_materialization is None:
        return None
    meta = event.asset_materialization.metadata
    parquet_dir = meta.get("parquet_dir")
    if parquet_dir is not None and str(parquet_dir.value).rstrip("/") != str(warehouse / "parquet"):
        return None
    return event.run_id


@dg.asset(
    key="release",
    group_name=GROUP,
    ins={"release_snapshot": dg.AssetIn("release_snapshot")},
    description="An immutable, citable release folder warehouse/releases/<version>/: data files, datapackage.json, "
    "codebook, changelog, Great Expectations Data Docs, OpenLineage lineage, report, manifest and SHA256SUMS. "
    "Written only when every blocking check on the snapshot passed.",
)
def release(context: dg.AssetExecutionContext, paths: CorpusPaths, release_snapshot: dict) -> dg.MaterializeResult:
    staged = StagedRelease.from_dict(release_snapshot)
    run_ids = {"release": context.run_id, "warehouse": _warehouse_run_id(context, staged.warehouse)}
    folder = finalize_release(staged, articles_dir=paths.articles, run_ids=run_ids, checks=read_checks_digest(staged.staging))
    import json

    changes = json.loads((folder / "changes.json").read_text())
    summary = {n: {k: len(v) for k, v in c.items() if k in ("added", "removed", "changed")} for n, c in changes["tables"].items()}
    context.log.info(f"release {staged.version} written to {folder}")
    return dg.MaterializeResult(
        metadata={
            "version": staged.version,
            "path": dg.MetadataValue.path(str(folder)),
            "previous_version": changes["previous_version"] or "",
            "rows": dg.MetadataValue.json(staged.rows),
            "changes": dg.MetadataValue.json(summary),
            "report": dg.MetadataValue.path(str(folder / "report.html")),
            "data_docs": dg.MetadataValue.path(str(folder / "data_docs" / "index.html")),
        }
    )


newsledger_release_job = dg.define_asset_job(
    RELEASE_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Run the whole pipeline, then stage, check (Great Expectations) and write a versioned release.",
    executor_def=dg.in_process_executor,
)


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[release_snapshot, release], jobs=[newsledger_release_job])
