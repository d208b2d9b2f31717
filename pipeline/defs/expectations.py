"""Great Expectations suites on the staged release, reported as Dagster asset checks of `release_snapshot`.

One step of the release job (pipeline/defs/release.py) runs every table's suite once (Great Expectations is
imported and its context built once) and reports two checks per table:

- `gx_<table>`: the expectations that must hold (ids unique and well-formed, required values present, allowed
  values, bounds, foreign keys, span invariants): severity ERROR and **blocking**, so a failing one stops the
  `release` asset and no release folder is written;
- `gx_<table>_quality`: data-quality expectations (row-count bounds, quote lengths, mean confidence...):
  severity WARN, not blocking.

Each result carries the table of expectations with their outcomes and unexpected examples as metadata, visible
in the UI. The same run builds the Data Docs into the staged release's `data_docs/` folder.
"""


import dagster as dg

from pipeline.release.build import StagedRelease, run_release_checks
from schemas.metadata import RELEASE_TABLES

ASSET = "release_snapshot"


@dg.op(
    name="great_expectations_release",
    out=dg.Out(dict),
    description="Runs the Great Expectations suite of every table on the staged release and builds its Data Docs; "
    "fails (no release) when a blocking expectation fails.",
)
def great_expectations_release(context: dg.OpExecutionContext, release_snapshot: dict):
    from pipeline.release.expectations import ERROR, WARN

    staged = StagedRelease.from_dict(release_snapshot)
    summary = run_release_checks(staged)
    blocked = []
    for name in RELEASE_TABLES:
        s = summary["great_expectations"][name]
        for severity, check_name, dg_sev in ((ERROR, f"gx_{name}", dg.AssetCheckSeverity.ERROR),
                                             (WARN, f"gx_{name}_quality", dg.AssetCheckSeverity.WARN)):
            outcomes = [o for o in s["outcomes"] if o["severity"] == severity]
            failed = [o for o in outcomes if not o["success"]]
            if failed and dg_sev == dg.AssetCheckSeverity.ERROR:
                blocked.append(check_name)
            context.log_event(dg.AssetCheckEvaluation(
                asset_key=dg.AssetKey(ASSET),
                check_name=check_name,
                passed=not failed,
                severity=dg_sev,
                metadata={
                    "rows": s["rows"],
                    "expectations": len(outcomes),
                    "failed": len(failed),
                    "results": dg.MetadataValue.md(_table(outcomes)),
                    "data_docs": dg.MetadataValue.path(str(staged.final / "data_docs" / "index.html")),
                },
            ))
    # Yielding flushes the logged evaluations, which a failing step would otherwise drop.
    yield dg.AssetObservation(dg.AssetKey(ASSET), metadata={"blocking_checks_failed": dg.MetadataValue.json(blocked)})
    if blocked:
        raise dg.Failure(f"blocking Great Expectations checks failed: {', '.join(blocked)}; no release written "
                         f"(the staged candidate and its Data Docs stay in {staged.staging})", allow_retries=False)
    yield dg.Output(release_snapshot)


def _table(outcomes: list[dict]) -> str:
    rows = ["| expectation | column | ok | unexpected | examples / observed |", "|---|---|---|---|---|"]
    for o in outcomes:
        ex = ", ".join(o["examples"]) or (o["observed"] or "")
        rows.append("| {} | {} | {} | {} | {} |".format(
            o["expectation"].removeprefix("expect_"), o["column"] or "(table)", "yes" if o["success"] else "**no**",
            "" if o["unexpected_count"] is None else o["unexpected_count"], str(ex).replace("|", "/").replace("\n", " ")[:100]))
    return "\n".join(rows) if outcomes else "no expectations"


def defs() -> dg.Definitions:
    return dg.Definitions()  # the step is part of the release job (pipeline/defs/release.py)
