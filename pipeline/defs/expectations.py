"""Great Expectations suites as Dagster asset checks on the staged release (`release_snapshot`).

One multi-asset check runs every table's suite once (Great Expectations is imported and its context built once)
and reports two checks per table:

- `gx_<table>`: the expectations that must hold (ids unique and well-formed, required values present, allowed
  values, bounds, foreign keys, span invariants): severity ERROR and **blocking**, so a failing one stops the
  `release` asset and no release folder is written;
- `gx_<table>_quality`: data-quality expectations (row-count bounds, quote lengths, mean confidence...):
  severity WARN, not blocking.

Each result carries the table of expectations with their outcomes and unexpected examples as metadata, visible
in the UI. The same run builds the Data Docs into the staged release's `data_docs/` folder.
"""


import dagster as dg

from pipeline.publish.release import StagedRelease, run_release_checks
from schemas.metadata import RELEASE_TABLES

ASSET = "release_snapshot"


def _specs() -> list[dg.AssetCheckSpec]:
    specs = []
    for name in RELEASE_TABLES:
        specs.append(dg.AssetCheckSpec(f"gx_{name}", asset=ASSET, blocking=True,
                                       description=f"Great Expectations suite of {name}: expectations that must hold (blocking)."))
        specs.append(dg.AssetCheckSpec(f"gx_{name}_quality", asset=ASSET, blocking=False,
                                       description=f"Great Expectations suite of {name}: data-quality expectations (warning only)."))
    return specs


@dg.multi_asset_check(
    specs=_specs(),
    name="great_expectations_release",
    ins={"release_snapshot": dg.AssetIn(ASSET)},
    description="Runs the Great Expectations suite of every table on the staged release and builds its Data Docs.",
)
def great_expectations_release(context: dg.AssetCheckExecutionContext, release_snapshot: dict):
    from pipeline.publish.expectations import ERROR, WARN

    staged = StagedRelease.from_dict(release_snapshot)
    summary = run_release_checks(staged)
    for name in RELEASE_TABLES:
        s = summary["great_expectations"][name]
        for severity, check_name, dg_sev in ((ERROR, f"gx_{name}", dg.AssetCheckSeverity.ERROR),
                                             (WARN, f"gx_{name}_quality", dg.AssetCheckSeverity.WARN)):
            outcomes = [o for o in s["outcomes"] if o["severity"] == severity]
            failed = [o for o in outcomes if not o["success"]]
            yield dg.AssetCheckResult(
                asset_key=ASSET,
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
            )


def _table(outcomes: list[dict]) -> str:
    rows = ["| expectation | column | ok | unexpected | examples / observed |", "|---|---|---|---|---|"]
    for o in outcomes:
        ex = ", ".join(o["examples"]) or (o["observed"] or "")
        rows.append("| {} | {} | {} | {} | {} |".format(
            o["expectation"].removeprefix("expect_"), o["column"] or "(table)", "yes" if o["success"] else "**no**",
            "" if o["unexpected_count"] is None else o["unexpected_count"], str(ex).replace("|", "/").replace("\n", " ")[:100]))
    return "\n".join(rows) if outcomes else "no expectations"


def defs() -> dg.Definitions:
    return dg.Definitions(asset_checks=[great_expectations_release])
