"""Great Expectations suites generated from the metadata source, run on the sample tables and on broken copies,
and their place in the Dagster graph (blocking and warning checks on the staged release)."""

from __future__ import annotations

import time

import dagster as dg
import pytest

from pipeline.release.expectations import ERROR, WARN, run_suites, suite_specs
from schemas.metadata import TABLE_ORDER, table_meta


@pytest.fixture(scope="module")
def tables(sample_tables):
    return {n: df.copy() for n, df in sample_tables.items()}


def _kinds(specs, column=None):
    return {(s.type, s.severity) for s in specs if column is None or s.column == column}


def test_suites_are_generated_from_the_metadata_source(tables):
    specs = suite_specs("figures", tables)
    assert ("expect_column_values_to_be_unique", ERROR) in _kinds(specs, "figure_id")
    assert ("expect_column_values_to_match_regex", ERROR) in _kinds(specs, "figure_id")
    cat = next(s for s in specs if s.type == "expect_column_values_to_be_in_set" and s.column == "category")
    assert cat.kwargs["value_set"] == list(table_meta("figures").column("category").enum)
    fk = next(s for s in specs if s.type == "expect_column_values_to_be_in_set" and s.column == "article_id")
    assert set(fk.kwargs["value_set"]) == set(tables["articles"]["article_id"])
    conf = next(s for s in specs if s.type == "expect_column_values_to_be_between" and s.column == "confidence")
    assert (conf.kwargs["min_value"], conf.kwargs["max_value"]) == (0, 1)
    # span invariants and ordered pairs from the table's `ordered`
    span = next(s for s in specs if s.type == "expect_column_values_to_be_null" and s.severity == ERROR)
    assert span.kwargs["row_condition"] == "quote.str.len() != char_end - char_start" and span.column == "quote"
    assert any(s.kwargs.get("column_A") == "value_high" and s.kwargs.get("column_B") == "value" for s in specs)
    assert ("expect_table_row_count_to_be_between", WARN) in _kinds(specs)
    for name in TABLE_ORDER:
        for c in table_meta(name).columns:
            if c.required:
                assert any(s.type == "expect_column_values_to_not_be_null" and s.column == c.name for s in suite_specs(name, tables))


def test_expectations_name_only_dataset_columns(tables):
    for variant in ("full", "public"):
        for name in TABLE_ORDER:
            columns = set(table_meta(name, variant).column_names)
            for s in suite_specs(name, tables, variant):
                named = {s.kwargs.get(k) for k in ("column", "column_A", "column_B")} - {None}
                named |= set(s.kwargs.get("column_list", []))
                assert named <= columns, (variant, name, s.type, named - columns)
    layout = next(s for s in suite_specs("articles", tables, "public") if s.type == "expect_table_columns_to_match_ordered_list")
    assert "text" not in layout.kwargs["column_list"] and "text_sha256" in layout.kwargs["column_list"]


@pytest.fixture(scope="module")
def clean_results(tables):
    t0 = time.monotonic()
    results = run_suites(tables)
    return results, time.monotonic() - t0


def test_sample_tables_pass_every_blocking_expectation(clean_results):
    results, seconds = clean_results
    assert set(results) == set(TABLE_ORDER)
    for name, r in results.items():
        assert r.passed(ERROR), (name, [o.as_dict() for o in r.failed(ERROR)])
        assert r.count(ERROR) >= 5
    assert seconds < 60


def test_broken_rows_fail_the_right_expectations(tables):
    figures = tables["figures"].copy()
    figures.loc[0, "category"] = "aliens"                       # not an allowed value
    figures.loc[1, "article_id"] = "art_0000000000000000"      # foreign key that resolves nowhere
    figures.loc[2, "char_end"] = figures.loc[2, "char_start"]  # empty span
    figures.loc[3, "value"] = 5e9                               # implausible: a warning, not an error
    figures.loc[3, "value_low"] = 5e9
    figures.loc[3, "value_high"] = None
    figures.loc[5, "quote"] = figures.loc[5, "quote"] + "x"    # quote no longer the span's length
    dup = figures.iloc[[4]]
    import pandas as pd

    figures = pd.concat([figures, dup], ignore_index=True)     # a duplicated id
    result = run_suites({**tables, "figures": figures}, names=["figures"])["figures"]
    failed = {(o.spec.type, o.spec.column, o.spec.severity) for o in result.failed()}
    assert ("expect_column_values_to_be_in_set", "category", ERROR) in failed
    assert ("expect_column_values_to_be_in_set", "article_id", ERROR) in failed
    assert ("expect_column_pair_values_a_to_be_greater_than_b", "char_end", ERROR) in failed
    assert ("expect_column_values_to_be_unique", "figure_id", ERROR) in failed
    assert ("expect_column_values_to_be_null", "quote", ERROR) in failed
    assert ("expect_column_values_to_be_between", "value", WARN) in failed
    cat = next(o for o in result.failed() if o.spec.column == "category")
    assert cat.unexpected_count == 1 and cat.examples == ["aliens"]
    assert not result.passed(ERROR) and not result.passed(WARN)


def test_release_checks_block_the_release_and_stay_out_of_the_default_job():
    """The release is its own op job (never part of "Materialize all"): stage, Great Expectations, write, in that
    order; the default job holds the warehouse and none of the release steps."""
    import pipeline.defs as d

    default = d.newsledger_job()
    keys = {k.to_user_string() for k in default.asset_layer.executable_asset_keys}
    assert "warehouse" in keys and not keys & {"release", "release_snapshot"}
    assert not {n.name for n in default.all_node_defs} & {"release", "release_snapshot", "great_expectations_release"}
    rel = d.newsledger_release_job()
    assert not rel.asset_layer.executable_asset_keys  # releasing never rebuilds the warehouse
    deps = {name: {up.node.name for inp in rel.graph.dependency_structure.input_to_upstream_outputs_for_node(name).values()
                   for up in inp}
            for name in ("release_snapshot", "great_expectations_release", "release")}
    assert deps == {"release_snapshot": set(), "great_expectations_release": {"release_snapshot"},
                    "release": {"great_expectations_release"}}
    # the release steps report on the two non-materialisable assets of the release group
    specs = {s.key.to_user_string(): s for a in d.defs.assets or [] if isinstance(a, dg.AssetSpec) for s in [a]}
    assert {"release", "release_snapshot"} <= specs.keys()
    assert specs["release"].group_name == specs["release_snapshot"].group_name == "release"
