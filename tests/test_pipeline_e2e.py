"""The whole pipeline, end to end, through the real CLI and Dagster job: what a researcher gets."""

from __future__ import annotations

import hashlib
import json

import duckdb
import pyarrow.parquet as pq
import pytest

from schemas.metadata import TABLE_ORDER, table_meta

from conftest import run_cli

pytestmark = pytest.mark.slow


def test_cli_reports_success_and_outputs(sample_run):
    out = sample_run.proc.stdout
    assert "SUCCESS" in out
    assert "asset checks:" in out and " 0 failed" in out
    for name in TABLE_ORDER:
        assert name in out
    assert str(sample_run.duckdb) in out


def test_every_table_is_published_as_parquet_and_duckdb(sample_run):
    con = duckdb.connect(str(sample_run.duckdb), read_only=True)
    for name in TABLE_ORDER:
        pf = pq.ParquetFile(sample_run.parquet / f"{name}.parquet")
        assert pf.schema_arrow.names == table_meta(name).column_names
        assert pf.metadata.row_group(0).column(0).compression == "ZSTD" if pf.metadata.num_row_groups else True
        n_duck = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        assert n_duck == pf.metadata.num_rows, name
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 2
    for name in ("actors", "places", "events", "figures", "mentions"):
        assert con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] > 0, f"{name} is empty"


def test_duckdb_tables_and_columns_carry_descriptions(sample_run):
    con = duckdb.connect(str(sample_run.duckdb), read_only=True)
    comment = con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'figures'").fetchone()[0]
    assert comment == table_meta("figures").description
    cols = dict(con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'figures'").fetchall())
    assert cols["qualifier"] == table_meta("figures").column("qualifier").description
    assert all(cols[c] for c in table_meta("figures").column_names)


def test_every_evidence_row_quotes_the_article_text_exactly(sample_run):
    con = duckdb.connect(str(sample_run.duckdb), read_only=True)
    for name, col in (("figures", "quote"), ("events", "quote"), ("mentions", "text")):
        bad, total = con.execute(
            f"""SELECT count(*) FILTER (WHERE substr(a.text, t.char_start + 1, t.char_end - t.char_start) <> t.{col}), count(*)
                FROM "{name}" t JOIN articles a USING (article_id)"""
        ).fetchone()
        assert total > 0 and bad == 0, f"{name}: {bad} of {total} rows do not quote their text"


def test_foreign_keys_resolve_in_duckdb(sample_run):
    con = duckdb.connect(str(sample_run.duckdb), read_only=True)
    for t in (table_meta(n) for n in TABLE_ORDER):
        for c in t.columns:
            if c.fk:
                ft, fc = c.fk.split(".")
                dangling = con.execute(
                    f'SELECT count(*) FROM "{t.name}" x WHERE x."{c.name}" IS NOT NULL '
                    f'AND x."{c.name}" NOT IN (SELECT "{fc}" FROM "{ft}")'
                ).fetchone()[0]
                assert dangling == 0, f"{t.name}.{c.name} -> {c.fk}: {dangling} dangling"


def test_parquet_carries_version_and_input_hash_but_no_run_id(sample_run):
    meta = pq.read_schema(sample_run.parquet / "figures.parquet").metadata
    assert meta[b"newsledger.pipeline_version"]
    assert len(meta[b"newsledger.inputs_sha256"]) == 64
    assert b"run" not in b" ".join(meta.keys()).lower()


def test_readable_views(sample_run):
    con = duckdb.connect(str(sample_run.duckdb), read_only=True)
    rows = con.execute("SELECT quote, article_title, published_at FROM figures_readable").fetchall()
    assert rows and all(r[0] for r in rows)
    accounts = con.execute("SELECT outcome, count(*) FROM inputs_account GROUP BY 1").fetchall()
    assert dict(accounts) == {"article": 2}


def test_second_run_gives_byte_identical_parquet(sample_run, tmp_path, state_dir):
    again = run_cli(sample_run.articles, tmp_path / "wh2", state_dir)
    for name in TABLE_ORDER:
        a = hashlib.sha256((sample_run.parquet / f"{name}.parquet").read_bytes()).hexdigest()
        b = hashlib.sha256((again.parquet / f"{name}.parquet").read_bytes()).hexdigest()
        assert a == b, f"{name}.parquet differs between two runs on the same inputs"


def test_bad_inputs_are_quarantined_and_every_input_is_accounted_for(messy_corpus, tmp_path, state_dir):
    run = run_cli(messy_corpus, tmp_path / "wh", state_dir)
    con = duckdb.connect(str(run.duckdb), read_only=True)
    q = dict(con.execute("SELECT input_ref, reason FROM quarantine").fetchall())
    assert q["empty.txt"] == "empty"
    assert q["binary.txt"] == "binary"
    assert q["feed.jsonl#L2"] == "invalid_json"
    assert q["feed.jsonl#L3"] == "missing_text"
    assert q["feed.jsonl#L4"] == "wrong_type"
    assert q["feed.jsonl#L5"] == "not_an_article"
    assert q["notes.docx"] == "unsupported_format"
    dups = con.execute("SELECT input_ref, kind FROM duplicates").fetchall()
    assert dups == [("copy of first article.txt", "exact_bytes")]
    n_articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert n_articles == 3  # two sample articles and the good JSONL line
    n_inputs = len(list(messy_corpus.iterdir())) - 1 + 5  # the JSONL file holds five inputs
    assert n_articles + len(dups) + len(q) == n_inputs
    jl = con.execute("SELECT title, outlet, published_at, published_at_source FROM articles WHERE source_file = 'feed.jsonl#L1'").fetchone()
    assert jl[0] == "Shelling in Idlib" and jl[1] == "Test Wire" and str(jl[2]) == "2020-02-03" and jl[3] == "metadata"
