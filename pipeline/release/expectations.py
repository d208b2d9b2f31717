"""Great Expectations suites for the published tables, generated from the metadata source plus a few extras.

Each table gets one suite. From `schemas/tables.yaml` come: unique and not-null ids and required columns, allowed
values (`in_set`), numeric bounds (`between`), id patterns (`regex`) and foreign keys (the child's values must be in
the parent's ids, NULLs allowed). On top of those, span invariants on evidence tables (`char_end > char_start`,
`len(quote) == char_end - char_start`), the table's ordered pairs (`value_low <= value`, `date_start <= date_end`...),
row-count bounds and a few data-quality expectations (quote length, confidence mean). Every expectation names
only the dataset's own columns: the comparisons that need a computed value are written as a row condition (the
rows where `len(quote) != char_end - char_start` must have no quote, i.e. there must be none).

Every expectation has a severity: `error` ones must hold for a release to be written (they run as blocking Dagster
asset checks); `warn` ones describe data quality and are reported without blocking.

The expectations are described as plain `ExpectationSpec`s (no Great Expectations import needed to list them);
`run_suites` turns them into GX suites, validates the tables and optionally builds Data Docs. Importing Great
Expectations takes several seconds, so it is imported only there, with anonymous usage statistics off.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.release.offline import make_offline
from schemas.metadata import RELEASE_TABLES, table_meta

ERROR = "error"
WARN = "warn"

# Generous row-count bounds: a release is a corpus of articles, not an empty or runaway table.
MAX_ROWS = 50_000_000
MAX_QUOTE_CHARS = 2_000  # an evidence quote longer than this is almost certainly a span bug


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation: the GX expectation class name (snake case), its arguments and its severity."""

    type: str
    kwargs: dict[str, Any]
    severity: str
    why: str

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column") or self.kwargs.get("column_A")


@dataclass
class ExpectationOutcome:
    spec: ExpectationSpec
    success: bool
    unexpected_count: int | None = None
    examples: list[Any] = field(default_factory=list)
    observed: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "expectation": self.spec.type,
            "column": self.spec.column,
            "severity": self.spec.severity,
            "success": self.success,
            "unexpected_count": self.unexpected_count,
            "examples": [str(x)[:80] for x in self.examples[:5]],
            "observed": None if self.observed is None else str(self.observed)[:200],
            "why": self.spec.why,
        }


@dataclass
class SuiteResult:
    table: str
    rows: int
    outcomes: list[ExpectationOutcome]

    def failed(self, severity: str | None = None) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and (severity is None or o.spec.severity == severity)]

    def passed(self, severity: str) -> bool:
        return not self.failed(severity)

    def count(self, severity: str) -> int:
        return sum(1 for o in self.outcomes if o.spec.severity == severity)


def _camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def suite_specs(name: str, tables: dict[str, pd.DataFrame], variant: str = "full") -> list[ExpectationSpec]:
    """The expectations of one table's suite in a release variant. `tables` supplies the parent tables for
    foreign keys."""
    t = table_meta(name, variant)
    specs: list[ExpectationSpec] = []
    add = lambda type_, severity, why, **kw: specs.append(ExpectationSpec(type_, kw, severity, why))  # noqa: E731

    add("expect_table_columns_to_match_ordered_list", ERROR, "the published column layout",
        column_list=t.column_names)
    min_rows = 1 if name == "articles" else 0
    add("expect_table_row_count_to_be_between", ERROR if name == "articles" else WARN,
        "a release holds at least one article" if name == "articles" else "row count within sane bounds",
        min_value=min_rows, max_value=MAX_ROWS)
    if len(t.primary_key) > 1:
        add("expect_compound_columns_to_be_unique", ERROR, "primary key", column_list=list(t.primary_key))
    for c in t.columns:
        is_list = c.type == "list<string>"
        if c.required:
            add("expect_column_values_to_not_be_null", ERROR, "required column", column=c.name)
        if c.unique or (len(t.primary_key) == 1 and c.name == t.primary_key[0]):
            add("expect_column_values_to_be_unique", ERROR, "unique id / primary key", column=c.name)
        if c.enum and not is_list:
            add("expect_column_values_to_be_in_set", ERROR, "allowed values", column=c.name, value_set=list(c.enum))
        if (c.minimum is not None or c.maximum is not None) and c.type in ("integer", "number"):
            add("expect_column_values_to_be_between", ERROR, "numeric bounds", column=c.name,
                min_value=c.minimum, max_value=c.maximum)
        if c.pattern and not is_list:
            add("expect_column_values_to_match_regex", ERROR, "id / code pattern", column=c.name, regex=c.pattern)
        if c.fk and not is_list:
            parent = tables.get(c.fk_table)
            if parent is not None:
                ids = sorted({str(v) for v in parent[c.fk_column].dropna()})
                add("expect_column_values_to_be_in_set", ERROR, f"foreign key into {c.fk}", column=c.name, value_set=ids)
    for a, b in t.ordered:
        add("expect_column_pair_values_a_to_be_greater_than_b", ERROR, f"{a} <= {b}", column_A=b, column_B=a,
            or_equal=True, ignore_row_if="either_value_is_missing")
    if t.evidence:
        add("expect_column_pair_values_a_to_be_greater_than_b", ERROR, "span invariant: char_end > char_start",
            column_A="char_end", column_B="char_start", or_equal=False)
        q = t.quote_column
        add("expect_column_values_to_be_null", ERROR, "span invariant: quote length = char_end - char_start (no row may differ)",
            column=q, row_condition=f"{q}.str.len() != char_end - char_start", condition_parser="pandas")
        add("expect_column_value_lengths_to_be_between", WARN, "evidence quotes are short spans, not paragraphs",
            column=t.quote_column, min_value=1, max_value=MAX_QUOTE_CHARS)
    if "confidence" in t.column_names:
        add("expect_column_mean_to_be_between", WARN, "extractor confidence is not collapsing", column="confidence",
            min_value=0.3, max_value=1.0)
    if name == "figures":
        add("expect_column_values_to_be_between", WARN, "figures above a billion are probably parse errors",
            column="value", min_value=0, max_value=1_000_000_000)
    if name == "places":
        add("expect_column_values_to_not_be_null", WARN, "lat and lon are known together (lat where lon is known)",
            column="lat", row_condition="lon.notnull()", condition_parser="pandas")
        add("expect_column_values_to_not_be_null", WARN, "lat and lon are known together (lon where lat is known)",
            column="lon", row_condition="lat.notnull()", condition_parser="pandas")
    if name == "articles":
        add("expect_column_values_to_be_between", WARN, "articles have some words", column="n_words", min_value=20,
            max_value=None)
    return specs


def _quiet_gx() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("TQDM_DISABLE", "1")


def run_suites(
    tables: dict[str, pd.DataFrame],
    docs_dir: Path | None = None,
    names: list[str] | None = None,
    variant: str = "full",
) -> dict[str, SuiteResult]:
    """Validate each table against its suite with Great Expectations.

    With `docs_dir`, a file-backed GX project is made in a temporary folder, the suites run through a checkpoint
    and Data Docs (static HTML, made to work offline: `pipeline.release.offline`) are built and copied to
    `docs_dir`; otherwise an ephemeral context is used. No
    network, no usage statistics.
    """
    _quiet_gx()
    import great_expectations as gx
    import great_expectations.expectations as gxe

    names = names or [n for n in RELEASE_TABLES if n in tables]
    tmp = Path(tempfile.mkdtemp(prefix="newsledger-gx-")) if docs_dir else None
    try:
        if tmp is not None:
            context = gx.get_context(mode="file", project_root_dir=str(tmp))
        else:
            context = gx.get_context(mode="ephemeral")
        try:
            context.variables.progress_bars = {"globally": False, "metric_calculations": False}
        except Exception:  # noqa: BLE001 - cosmetic only
            pass
        source = context.data_sources.add_or_update_pandas("newsledger")
        results: dict[str, SuiteResult] = {}
        validations = []
        frames = {}
        specs_by_table = {}
        for name in names:
            specs = suite_specs(name, tables, variant)
            specs_by_table[name] = specs
            suite = gx.ExpectationSuite(name=f"newsledger.{name}")
            for i, s in enumerate(specs):
                cls = getattr(gxe, _camel(s.type))
                suite.add_expectation(cls(**s.kwargs, meta={"severity": s.severity, "why": s.why, "n": i}))
            suite = context.suites.add_or_update(suite)
            batch_def = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("release")
            vd = context.validation_definitions.add_or_update(
                gx.ValidationDefinition(data=batch_def, suite=suite, name=f"validate_{name}")
            )
            validations.append((name, vd))
            frames[name] = tables[name]

        for name, vd in validations:
            vr = vd.run(
                batch_parameters={"dataframe": frames[name]},
                result_format={"result_format": "SUMMARY", "partial_unexpected_count": 10},
            )
            results[name] = _collect(name, len(tables[name]), specs_by_table[name], vr)

        if tmp is not None and docs_dir is not None:
            context.build_data_docs()
            site = tmp / "gx" / "uncommitted" / "data_docs" / "local_site"
            if docs_dir.exists():
                shutil.rmtree(docs_dir)
            shutil.copytree(site, docs_dir)
            make_offline(docs_dir)
        return results
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _collect(name: str, rows: int, specs: list[ExpectationSpec], vr) -> SuiteResult:
    by_n: dict[int, Any] = {}
    for r in vr.results:
        meta = r.expectation_config.meta or {}
        by_n[int(meta.get("n", -1))] = r
    outcomes = []
    for i, s in enumerate(specs):
        r = by_n.get(i)
        if r is None:
            outcomes.append(ExpectationOutcome(s, False, observed="expectation did not run"))
            continue
        res = r.result or {}
        if r.exception_info and r.exception_info.get("raised_exception"):
            outcomes.append(ExpectationOutcome(s, False, observed=r.exception_info.get("exception_message")))
            continue
        outcomes.append(
            ExpectationOutcome(
                s,
                bool(r.success),
                unexpected_count=res.get("unexpected_count"),
                examples=list(res.get("partial_unexpected_list") or []),
                observed=res.get("observed_value"),
            )
        )
    return SuiteResult(name, rows, outcomes)


def summary_markdown(result: SuiteResult, severity: str | None = None) -> str:
    """A table of the suite's expectations (optionally one severity) with their outcomes, for Dagster metadata."""
    rows = ["| expectation | column | severity | ok | unexpected | examples |", "|---|---|---|---|---|---|"]
    for o in result.outcomes:
        if severity and o.spec.severity != severity:
            continue
        d = o.as_dict()
        ex = ", ".join(d["examples"]) or (d["observed"] or "")
        rows.append(
            "| {} | {} | {} | {} | {} | {} |".format(
                d["expectation"].removeprefix("expect_"), d["column"] or "(table)", d["severity"],
                "yes" if d["success"] else "**no**", "" if d["unexpected_count"] is None else d["unexpected_count"],
                str(ex).replace("|", "/").replace("\n", " ")[:100],
            )
        )
    return "\n".join(rows)
