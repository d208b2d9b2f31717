"""Blocking validation: a pandera check per published table, generated from the metadata source.

Each check validates its table against the pandera model built from `schemas/tables.yaml`, and adds the
cross-table invariants that table takes part in (its foreign keys, and for tables that carry evidence, that
every quote is exactly the article text between its offsets). A failing check blocks the publish step, so a
run with invalid rows publishes nothing and the previous publication stays as it was. Failure cases are
recorded on the check as metadata.
"""


from collections import Counter

import dagster as dg

from pipeline.defs.tables import spell_out_inputs
from schemas.metadata import TABLE_ORDER, table_meta
from schemas.models import check_evidence, check_foreign_keys, validate_table


def _related(name: str) -> list[str]:
    t = table_meta(name)
    rel = {c.fk_table for c in t.columns if c.fk and c.fk_table != name}
    if t.evidence:
        rel.add("articles")
    return sorted(rel - {name})


def failure_metadata(failures: list[dict], limit: int = 50) -> dict:
    by_check = Counter(f"{f['column'] or '(table)'}: {f['check']}" for f in failures)
    rows = ["| column | check | row key | value |", "|---|---|---|---|"]
    for f in failures[:limit]:
        rows.append(
            "| {} | {} | {} | {} |".format(
                *(str(x).replace("|", "/").replace("\n", " ")[:80] for x in (f["column"], f["check"], f["row_key"], f["value"]))
            )
        )
    return {
        "failures": len(failures),
        "failures_by_check": dg.MetadataValue.json(dict(sorted(by_check.items()))),
        "failure_cases": dg.MetadataValue.md("\n".join(rows) if failures else "none"),
    }


def build_pandera_check(name: str) -> dg.AssetChecksDefinition:
    related = _related(name)

    def _check(context, **tables):
        df = tables[name]
        failures = validate_table(name, df).failures
        failures += [f for f in check_foreign_keys(tables).failures if f["table"] == name]
        failures += [f for f in check_evidence(tables).failures if f["table"] == name]
        return dg.AssetCheckResult(
            passed=not failures,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"rows": len(df), **failure_metadata(failures)},
        )

    spell_out_inputs(_check, [("context", dg.AssetCheckExecutionContext)], [name, *related])
    _check.__name__ = f"pandera_{name}"
    return dg.asset_check(
        asset=name,
        name=f"pandera_{name}",
        blocking=True,
        additional_ins={r: dg.AssetIn(r) for r in related},
        description=f"{name} against its pandera model (types, NULLs, keys, allowed values, bounds, patterns)"
        + (f", with foreign keys into {', '.join(related)}" if related else "")
        + (" and quote == text[char_start:char_end] on every row" if table_meta(name).evidence else "")
        + ".",
    )(_check)


def defs() -> dg.Definitions:
    return dg.Definitions(asset_checks=[build_pandera_check(n) for n in TABLE_ORDER])
