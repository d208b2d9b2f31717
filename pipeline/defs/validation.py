"""Blocking validation: a pandera check per published table, generated from the metadata source.

Each check validates its table against the pandera model built from `schemas/tables.yaml`, and adds the
cross-table invariants that table takes part in (its foreign keys, and for tables that carry evidence, that
every quote is exactly the article text between its offsets). A failing check blocks the publish step, so a
run with invalid rows publishes nothing and the previous publication stays as it was. Failure cases are
recorded on the check as metadata.
"""


from collections import Counter

import dagster as dg

from pipeline import stages
from pipeline.defs.tables import spell_out_inputs
from schemas.metadata import TABLE_ORDER, table_meta


def _related(name: str) -> list[str]:
    t = table_meta(name)
    rel = {c.fk_table for c in t.columns if c.fk and c.fk_table != name}
    if t.evidence:
        rel.add("articles")
    return sorted(rel - {name})


def failure_metadata(failures: list[dict], limit: int = 50, total: int | None = None) -> dict:
    by_check = Counter(f"{f['column'] or '(table)'}: {f['check']}" for f in failures)
    rows = ["| column | check | row key | value |", "|---|---|---|---|"]
    for f in failures[:limit]:
        rows.append(
            "| {} | {} | {} | {} |".format(
                *(str(x).replace("|", "/").replace("\n", " ")[:80] for x in (f["column"], f["check"], f["row_key"], f["value"]))
            )
        )
    return {
        "failures": len(failures) if total is None else total,
        "failures_by_check": dg.MetadataValue.json(dict(sorted(by_check.items()))),
        "failure_cases": dg.MetadataValue.md("\n".join(rows) if failures else "none"),
    }


def _description(name: str) -> str:
    related = _related(name)
    return (
        f"{name} against its pandera model (types, NULLs, keys, allowed values, bounds, patterns)"
        + (f", with foreign keys into {', '.join(related)}" if related else "")
        + (" and quote == text[char_start:char_end] on every row" if table_meta(name).evidence else "")
        + "."
    )


def _result(name: str, found: stages.TableValidation) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=name,
        check_name=f"pandera_{name}",
        passed=found.total == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"rows": found.rows, **failure_metadata(found.failures, total=found.total)},
    )


def build_pandera_checks(names: list[str] | tuple[str, ...], step_name: str | None = None) -> dg.AssetChecksDefinition:
    """One blocking check `pandera_<table>` per table in `names`, evaluated together in one step.

    Tables that one asset step produces are checked by one step: each check is still its own blocking check
    (its own result, metadata and failure cases in the UI; a failure blocks every downstream asset), but the run
    pays one step start and loads the shared inputs once, instead of once per table."""
    names = list(names)
    inputs = sorted(set(names).union(*(_related(n) for n in names)))

    def _check(context, **tables):  # tables: TableFiles (pipeline.defs.storage) or DataFrames, read in batches
        for name, found in stages.validate(names, tables).items():
            yield _result(name, found)

    spell_out_inputs(_check, [("context", dg.AssetCheckExecutionContext)], inputs)
    step_name = step_name or ("pandera_" + "_".join(names))
    _check.__name__ = step_name
    return dg.multi_asset_check(
        name=step_name,
        specs=[dg.AssetCheckSpec(f"pandera_{n}", asset=n, blocking=True, description=_description(n),
                                 additional_deps=_related(n))
               for n in names],
        ins={i: dg.AssetIn(i) for i in inputs},
        description="Blocking pandera checks of " + ", ".join(names) + " (one check per table, one step).",
    )(_check)


def build_pandera_check(name: str) -> dg.AssetChecksDefinition:
    """The blocking pandera check of one table, in a step of its own."""
    return build_pandera_checks([name], step_name=f"pandera_{name}")


# Tables produced by one asset step are validated by one check step.
STEPS = {
    "validate_ingest_tables": ("articles", "duplicates", "quarantine"),
    "validate_extracted_tables": ("actors", "places", "events", "figures", "mentions", "extraction_problems"),
}


def defs() -> dg.Definitions:
    assert sorted(n for names in STEPS.values() for n in names) == sorted(TABLE_ORDER), "every table is validated once"
    return dg.Definitions(asset_checks=[build_pandera_checks(names, step) for step, names in STEPS.items()])
