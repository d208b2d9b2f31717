"""The metadata source agrees with the dataset contract, and everything generated from it agrees with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from schemas.codebook import codebook_markdown
from schemas.metadata import TABLE_ORDER, all_tables, duckdb_ddl, frictionless_schema, table_meta

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "schemas" / "CONTRACT.md"
SHARED_CONTRACT = ROOT.parent / "shared" / "DATASET.md"


def contract_tables() -> dict[str, dict[str, list[str] | None]]:
    """{table: {column: allowed values or None}} parsed from the contract's '## table' sections."""
    out: dict[str, dict[str, list[str] | None]] = {}
    for block in re.split(r"^## ", CONTRACT.read_text(encoding="utf-8"), flags=re.M)[1:]:
        name, body = block.split("\n", 1)
        name = name.strip()
        cols: dict[str, list[str] | None] = {}
        for m in re.finditer(r"`([a-z_0-9]+)`(?:\s*\(([^)]*)\))?", body):
            col, paren = m.group(1), m.group(2)
            values = None
            if paren:
                if col == "event_type":
                    values = re.findall(r"\b[A-Z]{3,}\b", paren.replace("PLOVER", ""))
                else:
                    items = [v.strip() for v in re.split(r"[|,]", paren.split(":", 1)[-1])]
                    if len(items) > 1 and all(re.fullmatch(r"[a-z_0-9]+|\.\.\.", v) for v in items):
                        values = items
            cols.setdefault(col, values)
        out[name] = cols
    return out


def test_contract_snapshot_is_current():
    if not SHARED_CONTRACT.exists():
        pytest.skip("../shared/DATASET.md is not beside the project")
    assert CONTRACT.read_text() == SHARED_CONTRACT.read_text(), "schemas/CONTRACT.md is out of date with ../shared/DATASET.md"


@pytest.mark.parametrize("table", ["articles", "actors", "places", "events", "figures", "mentions", "quarantine"])
def test_every_contract_column_exists_with_its_allowed_values(table):
    contract = contract_tables()[table]
    ours = table_meta(table)
    assert contract, f"no columns parsed for {table}"
    for col, values in contract.items():
        c = ours.column(col)  # raises KeyError when missing
        if values:
            open_list = "..." in values
            wanted = [v for v in values if v != "..."]
            assert c.enum is not None, f"{table}.{col} has no allowed values"
            if open_list:
                assert set(wanted) <= set(c.enum), f"{table}.{col}: {set(wanted) - set(c.enum)} missing"
            else:
                assert set(wanted) == set(c.enum), f"{table}.{col}: contract {sorted(wanted)} vs ours {sorted(c.enum)}"


def test_list_columns_are_lists():
    for table, col in [("actors", "aliases"), ("places", "aliases"), ("events", "context"), ("events", "assoc_actor_ids")]:
        assert table_meta(table).column(col).type == "list<string>"


def test_codebook_describes_every_column_with_its_type_and_example():
    book = codebook_markdown("0.0.0-test")
    for t in all_tables():
        assert f"## {t.name}" in book
        for c in t.columns:
            assert f"| `{c.name}` | {c.type} |" in book, f"{t.name}.{c.name} missing from the codebook"
            if c.enum:
                assert all(f"`{v}`" in book for v in c.enum)


def test_codebook_defines_every_allowed_value_names_the_crosswalk_and_states_limitations():
    import csv
    import json

    from schemas.codebook import EVAL_SUMMARY_PATH
    from schemas.metadata import load_metadata

    book = codebook_markdown("0.0.0-test", "public")
    for t in all_tables():
        for c in t.columns:
            if c.enum:
                assert [v for v, _ in c.values] == list(c.enum), f"{t.name}.{c.name}"
                for v, meaning in c.values:
                    assert meaning, f"{t.name}.{c.name}: allowed value {v!r} has no meaning in schemas/tables.yaml"
                    assert f"- `{v}`: {meaning}" in book
    # the open lists agree with the crosswalk they come from
    cw = load_metadata()["dataset"]["crosswalk"]
    rows = list(csv.DictReader(open(ROOT / cw["path"], encoding="utf-8")))
    assert list(rows[0]) == cw["columns"]
    events = table_meta("events")
    assert {v for v, _ in events.column("mode").values} == {r["mode"] for r in rows if r["mode"]}
    assert {v for v, _ in events.column("acled_event_type").values} == {r["acled_event_type"] for r in rows if r["acled_event_type"]}
    assert "## Crosswalk" in book and cw["path"] in book
    # the limitations carry the accuracy make eval measured, read from the committed summary
    summary = json.loads(EVAL_SUMMARY_PATH.read_text())
    assert "## Limitations" in book and summary["commit"] in book
    for r in summary["results"]:
        if r["recall"] is not None:
            assert f"| {r['benchmark']} | {r['table']} | {r['items']} |" in book and f"{r['recall']:.2f}" in book
    assert "**Full release only**" in book and "(Not in this release.)" in book
    assert "(Not in this release.)" not in codebook_markdown("0.0.0-test", "full")


def test_generated_schemas_cover_every_column():
    for name in TABLE_ORDER:
        t = table_meta(name)
        ddl = duckdb_ddl(name)
        fs = frictionless_schema(name)
        assert [f["name"] for f in fs["fields"]] == t.column_names
        assert fs["primaryKey"] == list(t.primary_key)
        for c in t.columns:
            assert f'"{c.name}"' in ddl
