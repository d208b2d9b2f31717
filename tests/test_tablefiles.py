"""Tables between steps as Parquet files, read and checked in batches (bounded memory at any corpus size).

What users rely on here: the tables published from streamed files are the ones an in-memory pass gives, byte for
byte; validation in batches finds every failure a whole-table pass finds (including duplicate keys split across
batches, foreign keys and quotes that are not their span); and a run whose validation batches are tiny publishes
the same bytes."""

from __future__ import annotations

import hashlib

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline.extract import extract_batch
from pipeline.extract.events import cluster_events
from pipeline.extract.nlp import load_nlp
from pipeline.ingest.corpus import ingest_corpus
from pipeline.tables.files import TableFile, TableWriter, as_frame, iter_frames, write_table_file
from pipeline.tables.parts import TableParts, merge_table_files, table_parts
from pipeline.tables.validate import check_evidence, check_foreign_keys, validate_table
from pipeline.publish.writer import write_parquet
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def extractions(tmp_path_factory):
    from tests.test_incremental import FEED, NEW, _write_corpus

    articles = ingest_corpus(_write_corpus(tmp_path_factory.mktemp("tf"), FEED + [NEW])).articles
    return articles, extract_batch(articles, nlp=load_nlp()).extractions


def _file(tmp_path, name, df) -> TableFile:
    return write_table_file(name, df, tmp_path / f"{name}.parquet")


def test_a_table_file_reads_back_as_the_frame_it_was_written_from(sample_tables, tmp_path):
    for name, published in sample_tables.items():
        written = _file(tmp_path, name, _typed(name, published))
        assert written.rows == len(published) and TableFile.open(name, written.path) == written
        pd.testing.assert_frame_equal(as_frame(name, written), _typed(name, published), check_exact=True, obj=name)
        chunks = list(iter_frames(name, written, batch_rows=7))
        assert sum(len(c) for c in chunks) == len(published)
        if chunks:
            assert list(pd.concat(chunks).index) == list(range(len(published))), "chunk indexes continue the row numbers"


def _typed(name, df):
    from pipeline.tables.files import from_arrow, to_arrow_table

    return from_arrow(name, to_arrow_table(name, df))


def test_streamed_parquet_is_byte_identical_whatever_the_chunks(sample_tables, tmp_path):
    mentions = _typed("mentions", sample_tables["mentions"])
    whole = tmp_path / "whole.parquet"
    write_parquet("mentions", mentions, whole, {"newsledger.x": "1"})
    src = tmp_path / "src.parquet"
    with TableWriter("mentions", src, row_group_rows=13) as w:  # a source file of odd row groups
        for start in range(0, len(mentions), 17):
            w.write_frame(mentions.iloc[start : start + 17])
        w.close()
    assert pq.ParquetFile(src).metadata.num_row_groups > 1
    streamed = tmp_path / "streamed.parquet"
    write_parquet("mentions", TableFile.open("mentions", src), streamed, {"newsledger.x": "1"})
    assert hashlib.sha256(whole.read_bytes()).digest() == hashlib.sha256(streamed.read_bytes()).digest()


def _merged(parts, cluster_of, folder) -> dict:
    """merge_table_files' tables, read back as DataFrames."""
    out = merge_table_files(parts, cluster_of, folder / "out", folder / "tmp")
    return {name: as_frame(name, t) if isinstance(t, TableFile) else t for name, t in out.items()}


def test_spilled_parts_merge_into_the_tables_of_an_in_memory_merge(extractions, tmp_path):
    _, raw = extractions
    odd, even = raw[1::2], raw[0::2]
    in_memory = [table_parts(list(reversed(odd))), table_parts(even)]
    spilled = []
    for i, batch in enumerate((list(reversed(odd)), even)):
        part = TableParts(spill_dir=str(tmp_path / f"b{i}"), spill_rows=1)  # a part file after every article
        (tmp_path / f"b{i}").mkdir()
        for ex in batch:
            part.add(ex)
        spilled.append(part.frozen())
    assert [len(p.files["mentions"]) for p in spilled] == [len(odd), len(even)], "rows went to a part file per article"
    assert all(len(p.rows["mentions"]) for p in in_memory), "the in-memory parts kept their rows"
    events = [e for p in in_memory for e in p.events]
    cluster_of = {e.event_id: e.cluster_id for e in cluster_events(events)}
    (tmp_path / "m").mkdir()
    (tmp_path / "s").mkdir()
    expected = _merged(in_memory, cluster_of, tmp_path / "m")
    merged = _merged(spilled, cluster_of, tmp_path / "s")
    for name, df in expected.items():
        pd.testing.assert_frame_equal(merged[name], df, check_exact=True, obj=name)
    assert expected["events"]["cluster_id"].nunique() < len(expected["events"]), "clusters were joined in"


def test_clustering_only_the_events_that_can_join_a_cluster_gives_the_tables_of_clustering_all(extractions, tmp_path):
    """Buckets hand over for clustering only the reports that can join a cluster (dated, or an explicit date in the
    quote): the published events are those of clustering every report of the corpus."""
    from pipeline.extract.events import can_cluster

    _, raw = extractions
    all_events = [e for ex in sorted(raw, key=lambda ex: ex.article.article_id) for e in ex.events]
    every = {e.event_id: c.cluster_id for e, c in zip(all_events, cluster_events(all_events))}
    (tmp_path / "all").mkdir()
    (tmp_path / "handed").mkdir()
    expected = _merged([table_parts(raw)], every, tmp_path / "all")["events"]
    parts = [table_parts(raw[1::2]), table_parts(raw[0::2])]
    handed = [e for p in parts for e in p.events]
    assert 0 < len(handed) < len(all_events), "some reports cannot join a cluster and are not handed over"
    assert {e.event_id for e in handed} == {e.event_id for e in all_events if can_cluster(e)}
    cluster_of = {e.event_id: e.cluster_id for e in cluster_events(sorted(handed, key=lambda e: e.event_id))}
    got = _merged(parts, cluster_of, tmp_path / "handed")["events"]
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert expected["cluster_id"].nunique() < len(expected), "the corpus has a cluster of several reports"


def _failures(report):
    return sorted((f["check"], f["column"] or "", f["row_key"] or "") for f in report.failures)


def test_validation_in_batches_finds_what_a_whole_table_pass_finds(sample_tables, tmp_path):
    mentions = _typed("mentions", sample_tables["mentions"])
    bad = mentions.copy()
    bad.loc[3, "mention_id"] = bad.loc[len(bad) - 2, "mention_id"]  # a duplicate key, far apart
    bad.loc[5, "kind"] = "rumour"  # not an allowed value
    source = _file(tmp_path, "mentions", bad)
    whole = validate_table("mentions", source, rows_per_batch=10_000)
    batched = validate_table("mentions", source, rows_per_batch=10)
    assert not whole.ok and whole.count("mentions") == batched.count("mentions")
    checks = {f["check"] for f in batched.failures}
    assert "field_uniqueness" in checks and any("isin" in c or "allowed" in c for c in checks)
    dup = bad.loc[3, "mention_id"]
    assert sum(1 for f in batched.failures if f["check"] == "field_uniqueness" and f["value"] == dup) == 2
    assert validate_table("mentions", _file(tmp_path / "ok", "mentions", mentions), rows_per_batch=10).ok


def test_foreign_keys_and_evidence_are_checked_on_files_and_frames_alike(sample_tables, tmp_path):
    tables = {n: _typed(n, df) for n, df in sample_tables.items()}
    # one article gets characters outside the BMP and a combining accent before its text: every span moves on
    articles = tables["articles"].copy()
    aid = articles.loc[0, "article_id"]
    prefix = "\U0001F600 e\u0301 "
    articles.loc[0, "text"] = prefix + articles.loc[0, "text"]
    tables["articles"] = articles
    for name in ("events", "figures", "mentions"):
        df = tables[name].copy()
        mine = df["article_id"] == aid
        assert mine.any()
        df.loc[mine, "char_start"] += len(prefix)
        df.loc[mine, "char_end"] += len(prefix)
        tables[name] = df
    figures = tables["figures"]
    figures.loc[0, "place_id"] = "plc_nowhere"
    figures.loc[1, "quote"] = figures.loc[1, "quote"].upper() + "!"
    figures.loc[1, "char_end"] = figures.loc[1, "char_start"] + len(figures.loc[1, "quote"])
    for kind, srcs in (("frames", tables), ("files", {n: _file(tmp_path, n, df) for n, df in tables.items()})):
        fk = check_foreign_keys(srcs)
        ev = check_evidence(srcs)
        assert [(f["table"], f["column"], f["value"]) for f in fk.failures] == [("figures", "place_id", "plc_nowhere")], kind
        assert [(f["table"], f["row_key"]) for f in ev.failures] == [("figures", figures.loc[1, "figure_id"])], kind


def test_a_run_validating_in_tiny_batches_publishes_the_same_bytes(sample_run, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSLEDGER_VALIDATE_BATCH_ROWS", "7")
    monkeypatch.setenv("NEWSLEDGER_EXTRACTION_CACHE", "0")
    run = run_cli(sample_run.articles, tmp_path / "wh", tmp_path / "state")
    assert "asset checks: 11 passed, 0 failed" in run.proc.stdout
    digest = lambda folder: {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.parquet"))}  # noqa: E731
    assert digest(run.parquet) == digest(sample_run.parquet)
    assert not (run.warehouse / ".staging").exists(), "the run's scratch files are removed once published"
    assert sorted(p.name for p in (run.warehouse / ".storage" / "tables").glob("*.parquet")) == sorted(p.name for p in run.parquet.glob("*.parquet"))


def test_a_streaming_ingest_writes_the_articles_table_of_an_in_memory_ingest(tmp_path):
    """Ingest keeps no texts (ParquetArticleStore): the table it writes equals the in-memory ingest's, including
    the publication dates inferred from the corpus after the articles were stored."""
    import json

    from pipeline.stages import ParquetArticleStore
    from pipeline.ingest.corpus import ingest_corpus
    from pipeline.tables.frames import articles_frame

    folder = tmp_path / "in"
    folder.mkdir()
    feed = [
        {"id": "d1", "published_at": "2020-01-28", "text": "Shelling hit Maarat al-Numan on Monday, residents said."},
        {"id": "d2", "published_at": "2020-01-30", "text": "Aid convoys reached Idlib on Wednesday, the UN said."},
        {"id": "u1", "text": "On Monday, Jan. 27, more than 2,000 people fled the town, the UN said on Tuesday."},
        {"id": "u2", "text": "Between Jan. 20 and 26, over 129,000 people were displaced, OCHA said on Friday."},
        {"id": "u3", "text": "No date here at all, only a town and 40 families."},
        {"id": "dup", "published_at": "2020-01-28", "text": "Shelling hit Maarat al-Numan on Monday, residents said."},
    ]
    (folder / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in feed) + "{broken\n", encoding="utf-8")
    expected = ingest_corpus(folder)
    store = ParquetArticleStore(tmp_path / "spill.parquet")
    streamed = ingest_corpus(folder, store=store)
    table = store.finish(streamed.articles, tmp_path / "articles.parquet", tmp_path / "sort")
    assert all(a.text == "" for a in streamed.articles), "the streaming ingest holds no texts"
    assert not (tmp_path / "spill.parquet").exists()
    got = as_frame("articles", table)
    pd.testing.assert_frame_equal(got, _typed("articles", articles_frame(expected.articles)), check_exact=True)
    assert (got["published_at_source"] == "inferred").sum() >= 1 and got["published_at"].notna().sum() >= 3
    assert [n.kind for n in streamed.notes] == [n.kind for n in expected.notes]
    assert "date_from_corpus_year" in [n.kind for n in streamed.notes], "a date was inferred after the articles were stored"
    assert len(streamed.duplicates) == 1 and len(streamed.quarantine) == 1
