"""Release: a versioned, immutable copy of the published warehouse in `warehouse/releases/<version>/`.

A release is made on purpose, by its own job (`newsledger_release`: the Launchpad of its job page in the UI, or
`python -m pipeline release`), never by "Materialize all": its steps are ops, not assets, and they report their
results on the two non-materialisable assets of the `release` group, downstream of `warehouse`:

    warehouse -> release_snapshot -> [gx_<table> blocking checks, gx_<table>_quality warnings] -> release

`release_snapshot` stages the published data (Parquet, CSV, DuckDB) in a hidden folder; the Great Expectations
step (pipeline/defs/expectations.py) reports its checks on `release_snapshot` and stops the job when a blocking
one fails, so nothing is released (the staging folder stays for inspection and is removed by a later release
after an hour); `release` writes the codebook, datapackage, changelog, lineage, report, manifest and sums and
renames the folder into place. The job releases what is published now; `python -m pipeline release` first brings
the publication up to date (the `newsledger` job, skipped when nothing changed). When the published tables hold
exactly the rows of the latest release, no version is minted: the job says so (`force` mints one anyway).
"""


import dagster as dg

from pipeline.defs.resources import CorpusPaths
from pipeline.release.build import StagedRelease, finalize_release, read_checks_digest, stage_release

GROUP = "release"
RELEASE_JOB_NAME = "newsledger_release"
SNAPSHOT, RELEASE = dg.AssetKey("release_snapshot"), dg.AssetKey("release")

release_assets = [
    dg.AssetSpec(SNAPSHOT, group_name=GROUP, deps=["warehouse"], kinds={"parquet"},
                 description="The published warehouse staged as a release candidate: Parquet with the dataset version "
                 "in its metadata, CSV renderings, a fresh DuckDB file. Checked by the Great Expectations suites "
                 "before release. Made by the `newsledger_release` job only."),
    dg.AssetSpec(RELEASE, group_name=GROUP, deps=[SNAPSHOT], kinds={"parquet"},
                 description="An immutable, citable release folder warehouse/releases/<version>/: data files, "
                 "datapackage.json, codebook, changelog, Great Expectations Data Docs, OpenLineage lineage, report, "
                 "manifest and SHA256SUMS. Written only when every blocking check on the snapshot passed, by the "
                 "`newsledger_release` job only."),
]


class ReleaseConfig(dg.Config):
    version: str = ""
    """Release version; empty for the automatic `YYYY.MM.DD` (then `-2`, `-3` the same day)."""
    force: bool = False
    """Mint a version even when the published tables equal the latest release's."""


def unchanged_since(warehouse) -> str | None:
    """The latest release of `warehouse` when the published tables hold exactly its rows (compared batch by
    batch, metadata aside), else None."""
    import pyarrow.parquet as pq

    from pipeline.release.build import FULL_DIR, list_releases, releases_dir
    from schemas.metadata import TABLE_ORDER

    releases = list_releases(releases_dir(warehouse))
    if not releases:
        return None
    latest = releases[-1]
    full = releases_dir(warehouse) / FULL_DIR / latest.name  # the variant that keeps every column of the tables
    against = full if full.is_dir() else latest
    for name in TABLE_ORDER:
        try:
            a, b = pq.ParquetFile(warehouse / "parquet" / f"{name}.parquet"), pq.ParquetFile(against / "parquet" / f"{name}.parquet")
        except OSError:
            return None
        if a.metadata.num_rows != b.metadata.num_rows or not a.schema_arrow.remove_metadata().equals(b.schema_arrow.remove_metadata()):
            return None
        for x, y in zip(a.iter_batches(batch_size=50_000), b.iter_batches(batch_size=50_000)):
            if not x.equals(y):
                return None
    return latest.name


@dg.op(
    name="release_snapshot",
    pool="duckdb_writer",
    out=dg.Out(dict, is_required=False),
    description="Stage the published warehouse as a release candidate (nothing when it equals the latest release).",
)
def release_snapshot(context: dg.OpExecutionContext, config: ReleaseConfig, paths: CorpusPaths):
    same_as = None if config.force or config.version else unchanged_since(paths.warehouse)
    if same_as is not None:
        context.log.warning(f"nothing changed since release {same_as}: no new version (force: true, or a version, mints one)")
        context.log_event(dg.AssetObservation(RELEASE, metadata={"unchanged_since": same_as}))
        return
    staged = stage_release(paths.warehouse, config.version or None)
    context.log.info(f"staged release {staged.version} in {staged.staging}")
    context.log_event(dg.AssetMaterialization(SNAPSHOT, metadata={
        "version": staged.version, "staging": dg.MetadataValue.path(str(staged.staging)),
        "rows": dg.MetadataValue.json(staged.rows)}))
    yield dg.Output(staged.as_dict())


def _warehouse_run_id(context: dg.OpExecutionContext, warehouse) -> str | None:
    """The run that last published this warehouse, if the instance knows it."""
    event = context.instance.get_latest_materialization_event(dg.AssetKey("warehouse"))
    if event is None or event.asset_materialization is None:
        return None
    meta = event.asset_materialization.metadata
    parquet_dir = meta.get("parquet_dir")
    if parquet_dir is not None and str(parquet_dir.value).rstrip("/") != str(warehouse / "parquet"):
        return None
    return event.run_id


@dg.op(name="release", description="Write the release folder from the checked snapshot and rename it into place.")
def release(context: dg.OpExecutionContext, paths: CorpusPaths, checked: dict) -> None:
    import json

    staged = StagedRelease.from_dict(checked)
    run_ids = {"release": context.run_id, "warehouse": _warehouse_run_id(context, staged.warehouse)}
    folder = finalize_release(staged, articles_dir=paths.articles, run_ids=run_ids, checks=read_checks_digest(staged.staging))
    changes = json.loads((folder / "changes.json").read_text())
    summary = {n: {k: len(v) for k, v in c.items() if k in ("added", "removed", "changed")} for n, c in changes["tables"].items()}
    context.log.info(f"release {staged.version} written to {folder}")
    context.log_event(dg.AssetMaterialization(RELEASE, metadata={
        "version": staged.version,
        "path": dg.MetadataValue.path(str(folder)),
        "previous_version": changes["previous_version"] or "",
        "rows": dg.MetadataValue.json(staged.rows),
        "changes": dg.MetadataValue.json(summary),
        "report": dg.MetadataValue.path(str(folder / "report.html")),
        "data_docs": dg.MetadataValue.path(str(folder / "data_docs" / "index.html")),
    }))


def _release_job() -> dg.JobDefinition:
    from pipeline.defs.expectations import great_expectations_release

    @dg.job(name=RELEASE_JOB_NAME, executor_def=dg.in_process_executor,
            description="Release what is published now: stage it, run the Great Expectations suites (blocking ones "
            "stop the release) and write a versioned release folder. Launch it on purpose: from this job's "
            "Launchpad or `python -m pipeline release`.")
    def newsledger_release():
        release(great_expectations_release(release_snapshot()))

    return newsledger_release


newsledger_release_job = _release_job()


def defs() -> dg.Definitions:
    return dg.Definitions(assets=release_assets, jobs=[newsledger_release_job])
