"""Incremental runs: per-article extraction results are cached, and a run after adding articles publishes exactly
what a full rebuild publishes (byte-identical Parquet), while extracting only the new articles."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.extract import extract_batch
from pipeline.extract.cache import ExtractionCache, article_key, extractor_version
from pipeline.extract.nlp import load_nlp, pipeline_signature
from pipeline.ingest.corpus import ingest_corpus
from pipeline.tables.files import TableFile, as_frame
from pipeline.tables.frames import articles_frame
from pipeline.tables.parts import merge_table_files, table_parts
from pipeline.stages import extracted_tables
from tests.conftest import SAMPLE, run_cli

# Realistic news items of our own (not from any gold set), as a JSON Lines feed.
FEED = [
    {"id": "w1", "published_at": "2020-02-10", "text": "At least 12 civilians were killed on Sunday when air strikes hit a market in "
     "Saraqeb, in Syria's Idlib province, the Syrian Observatory for Human Rights said. Rescue workers said the "
     "toll could rise."},
    {"id": "w2", "published_at": "2020-02-11", "text": "More than 140,000 people have fled their homes in northwest Syria since "
     "the start of February, the United Nations said on Tuesday. Most of them moved towards the Turkish border."},
    {"id": "w3", "published_at": "2020-02-12", "text": "Turkish troops shelled Syrian government positions near Saraqeb on "
     "Wednesday after two Turkish soldiers were killed, Turkey's defence ministry said."},
]
NEW = {"id": "w4", "published_at": "2020-02-13", "text": "Police arrested 35 protesters in Ankara on Thursday, the interior "
       "ministry said, after a march against the military operation in Syria was banned."}


def _write_corpus(folder: Path, feed: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for p in SAMPLE.glob("*.txt"):
        shutil.copy(p, folder / p.name)
    (folder / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in feed), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list:
    folder = _write_corpus(tmp_path_factory.mktemp("incr_lib"), FEED + [NEW])
    return ingest_corpus(folder).articles


def _tables(articles, folder, nlp, cache=None):
    """The extracted tables of `articles` as a run makes them (pipeline.stages), and the counts."""
    return extracted_tables(articles_frame(articles), folder, nlp=nlp, cache=cache)


def test_cached_results_equal_a_full_extraction(tmp_path, nlp, corpus):
    full = _tables(corpus, tmp_path / "full", nlp).tables
    cache = ExtractionCache(tmp_path / "cache", extractor_version(pipeline_signature()))
    first = _tables(corpus[:3], tmp_path / "first", nlp, cache)
    assert first.cached == 0 and first.n_articles == 3
    second = _tables(corpus, tmp_path / "second", nlp, cache)
    assert second.cached == 3, "the three articles seen before must come from the cache"
    assert second.n_articles == len(corpus) and not second.failures
    again = second.tables
    for name, df in full.items():
        pd.testing.assert_frame_equal(again[name], df, check_exact=True, obj=name)
    # a run with nothing new extracts nothing
    third = extract_batch(corpus, nlp=nlp, cache=cache)
    assert third.cached == len(corpus)


def test_changed_article_record_is_extracted_again(tmp_path, nlp, corpus):
    """Same text, a different publication date (a corpus-inferred date can change when articles arrive): the
    cached result must not be reused, as relative dates resolve against the publication date."""
    cache = ExtractionCache(tmp_path / "cache", "v")
    art = next(a for a in corpus if a.published_at is not None)
    moved = dataclasses.replace(art, published_at=art.published_at + dt.timedelta(days=400))
    assert article_key(art) != article_key(moved)
    extract_batch([art], nlp=nlp, cache=cache)
    again = extract_batch([moved], nlp=nlp, cache=cache)
    assert again.cached == 0
    assert again.extractions[0].article.published_at == moved.published_at


def test_cache_version_follows_the_extraction_code_and_model():
    v = extractor_version(pipeline_signature())
    assert v == extractor_version(pipeline_signature())
    assert v != extractor_version(pipeline_signature() + ("ner",))


def test_damaged_shard_is_ignored(tmp_path, nlp, corpus):
    cache = ExtractionCache(tmp_path / "cache", "v")
    extract_batch(corpus[:1], nlp=nlp, cache=cache)
    shard = cache.shards()[0]
    shard.write_bytes(b"not a cache file")
    again = extract_batch(corpus[:1], nlp=nlp, cache=cache)
    assert again.cached == 0 and len(again.extractions) == 1


@pytest.mark.slow
def test_incremental_run_publishes_what_a_full_rebuild_publishes(tmp_path):
    articles = _write_corpus(tmp_path / "articles", FEED)
    inc_wh, inc_state = tmp_path / "incremental", tmp_path / "state_inc"
    run_cli(articles, inc_wh, inc_state)
    shards_before = set((inc_wh / ".cache" / "extraction").rglob("*.json"))
    assert shards_before, "the first run must fill the extraction cache"

    with (articles / "feed.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(NEW) + "\n")
    run_cli(articles, inc_wh, inc_state)
    new_shards = set((inc_wh / ".cache" / "extraction").rglob("*.json")) - shards_before
    from pipeline.datacodec import loads
    from pipeline.extract.cache import _record_classes

    extracted = [k for s in new_shards for k in loads(s.read_bytes(), _record_classes())]
    assert len(extracted) == 1, f"only the new article may be extracted, got {len(extracted)}"

    full_wh = tmp_path / "full"
    run_cli(articles, full_wh, tmp_path / "state_full")
    inc_files = sorted(p.name for p in (inc_wh / "parquet").glob("*.parquet"))
    assert inc_files == sorted(p.name for p in (full_wh / "parquet").glob("*.parquet"))
    for name in inc_files:
        assert (inc_wh / "parquet" / name).read_bytes() == (full_wh / "parquet" / name).read_bytes(), name


    # Nothing new since that publication: no run is launched and nothing is rewritten.
    published = {p.name: p.read_bytes() for p in (inc_wh / "parquet").glob("*.parquet")}
    same = run_cli(articles, inc_wh, inc_state)
    assert "nothing new" in same.proc.stdout and "newsledger run " not in same.proc.stdout
    assert {p.name: p.read_bytes() for p in (inc_wh / "parquet").glob("*.parquet")} == published

    # A published file that no longer matches its stamp is not "up to date": the next run republishes it.
    damaged = inc_wh / "parquet" / "figures.parquet"
    damaged.write_bytes(b"edited by hand")
    repaired = run_cli(articles, inc_wh, inc_state)
    assert "newsledger run " in repaired.proc.stdout and "SUCCESS" in repaired.proc.stdout
    assert {p.name: p.read_bytes() for p in (inc_wh / "parquet").glob("*.parquet")} == published

    # --force runs even when nothing changed.
    forced = run_cli(articles, inc_wh, inc_state, "--force")
    assert "newsledger run " in forced.proc.stdout


# ------------------------------------------------------------------------------------------------------------
# Ingest reads only changed files; table rows merge the same whatever the batches
# ------------------------------------------------------------------------------------------------------------


def _ingest_cached(folder: Path, cache_root: Path):
    from pipeline.ingest.cache import IngestCache

    with IngestCache(cache_root, "v") as cache:
        result = ingest_corpus(folder, cache=cache)
    return result, cache


def test_cached_ingest_reads_only_changed_files_and_equals_a_full_ingest(tmp_path):
    folder = _write_corpus(tmp_path / "articles", FEED)
    # A year-less article whose date comes from the corpus (phase 2) and an exact duplicate across files.
    (folder / "later.txt").write_text("Between Jan. 20 and 26, more than 1,000 people fled, officials said on Monday.\n", encoding="utf-8")
    shutil.copy(folder / "000_a1a949affc85c4c7.txt", folder / "copy.txt")
    cache_root = tmp_path / "cache"
    first, c1 = _ingest_cached(folder, cache_root)
    assert (c1.hits, c1.misses) == (0, 5)
    assert first == ingest_corpus(folder)
    again, c2 = _ingest_cached(folder, cache_root)
    assert (c2.hits, c2.misses) == (5, 0), "nothing changed: no file is read again"
    assert again == first

    # Append a line to the feed, add a file, remove one: only the feed and the new file are read.
    with (folder / "feed.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(NEW) + "\n")
    (folder / "new.txt").write_text("Floods displaced 2,000 families in Sindh on Tuesday, the provincial government said.\n", encoding="utf-8")
    (folder / "copy.txt").unlink()
    third, c3 = _ingest_cached(folder, cache_root)
    assert (c3.hits, c3.misses) == (3, 2)
    full = ingest_corpus(folder)
    assert third == full
    assert len(third.articles) == len(first.articles) + 2 and not third.duplicates
    assert len(list((cache_root / "v" / "entries").glob("*.json"))) == 5, "the removed file's entry is dropped"

    # A damaged cache entry is read again, never trusted.
    for f in (cache_root / "v" / "entries").glob("*.json"):
        f.write_bytes(b"not a cache file")
    fourth, c4 = _ingest_cached(folder, cache_root)
    assert c4.hits == 0 and fourth == full


def test_word_batches_bound_words_and_texts(corpus):
    from pipeline.extract import word_batches

    batches = list(word_batches(corpus, max_words=300, max_texts=2))
    assert [a for b in batches for a in b] == list(corpus), "every article once, in order"
    for b in batches:
        assert len(b) <= 2
        assert len(b) == 1 or sum(a.n_words for a in b) <= 300
    assert any(len(b) == 1 and b[0].n_words > 300 for b in batches), "a long article is a batch of its own"


def test_table_rows_merge_the_same_whatever_the_batches(tmp_path, nlp, corpus):
    from pipeline.extract.events import cluster_events

    whole = _tables(corpus, tmp_path / "whole", nlp).tables
    raw = extract_batch(corpus, nlp=nlp).extractions  # not clustered: clusters come from all parts' events
    odd, even = raw[1::2], raw[0::2]
    parts = [table_parts(list(reversed(odd))), table_parts(even)]
    cluster_of = {e.event_id: e.cluster_id for e in cluster_events([e for p in parts for e in p.events])}
    (tmp_path / "merged").mkdir()
    merged = merge_table_files(parts, cluster_of, tmp_path / "merged", tmp_path / "merged" / "tmp")
    for name in ("actors", "places", "events", "figures", "mentions"):
        got = as_frame(name, merged[name]) if isinstance(merged[name], TableFile) else merged[name]
        pd.testing.assert_frame_equal(got, whole[name], check_exact=True, obj=name)
    assert whole["events"]["cluster_id"].nunique() < len(whole["events"]), "the sample ceasefire reports share a cluster"


def test_a_lookup_reads_only_the_shards_that_hold_wanted_articles(tmp_path, caplog, corpus):
    from pipeline.extract.types import ArticleExtraction

    cache = ExtractionCache(tmp_path / "cache", "v")
    rec = lambda i: ArticleExtraction(article=dataclasses.replace(corpus[0], article_id=f"art_{i}"))  # noqa: E731
    a = cache.store({"ka1": rec(1), "ka2": rec(2)}, group="b0of2")
    cache.store({"kb1": rec(3)}, group="b1of2")
    assert sorted(p.name.split("-")[0] for p in cache.shards()) == ["b0of2", "b1of2"]
    assert a.with_suffix(".keys").read_text().split() == ["ka1", "ka2"]
    a.write_bytes(b"not a cache file")  # shard a damaged: reading it would log a warning
    with caplog.at_level("WARNING"):
        found = dict(cache.iter_found(["kb1", "new"], group="b0of2"))
    assert list(found) == ["kb1"] and found["kb1"].article.article_id == "art_3"
    assert "unreadable" not in caplog.text, "a shard holding none of the wanted keys must not be read"
    with caplog.at_level("WARNING"):
        assert dict(cache.iter_found(["ka1"])) == {}
    assert "unreadable" in caplog.text
