"""Compaction and garbage collection of the per-article extraction cache (pipeline.extract.cache): incremental runs
add a small shard per extraction bucket and leave results of articles that left the corpus behind; `compact`
merges the small shards and drops those results, reading no shard when there is nothing to do."""

from __future__ import annotations

import dataclasses
import logging
import math
import shutil
from pathlib import Path

import pytest

from pipeline.extract import extract_batch, iter_stream
from pipeline.extract.cache import MAX_SHARDS_ENV, CompactionStats, ExtractionCache
from pipeline.extract.nlp import load_nlp
from pipeline.extract.types import ArticleExtraction
from pipeline.ingest.corpus import ingest_corpus
from tests.conftest import SAMPLE, run_cli

# Short news items of our own (not from any gold set).
ARTICLES = {
    "strikes.txt": "date 2021-03-02\nAt least nine people were killed on Monday when air strikes hit a fuel market near "
    "Sarmada in Syria's Idlib province, the Syrian Observatory for Human Rights said.\n",
    "floods.txt": "date 2021-08-17\nFloods displaced more than 4,000 families in Sindh province on Tuesday, the provincial "
    "disaster management authority said. Rescue teams evacuated 600 people from Dadu district.\n",
    "arrests.txt": "date 2022-05-04\nPolice in Nairobi arrested 28 protesters on Wednesday after a march against rising "
    "food prices, Kenya's interior ministry said.\n",
}
# One more article per incremental CLI run.
MORE = [
    "date 2022-06-01\nGunmen killed 14 villagers in Zamfara state on Tuesday, police in Nigeria said.\n",
    "date 2022-06-02\nAbout 2,500 people fled their homes in North Kivu after clashes between the army and M23 rebels, "
    "the United Nations said on Wednesday.\n",
    "date 2022-06-03\nSecurity forces detained 40 people in Khartoum on Thursday during protests against the "
    "military government, a doctors' committee said.\n",
]

GROUP = "b0of2"


@pytest.fixture(scope="module")
def extractions(tmp_path_factory) -> list[ArticleExtraction]:
    """Real extraction results of three short articles."""
    folder = tmp_path_factory.mktemp("cache_articles")
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    result = extract_batch(ingest_corpus(folder).articles, nlp=load_nlp())
    assert len(result.extractions) == 3 and not result.failures
    assert all(ex.figures or ex.events for ex in result.extractions), "real results with records in them"
    return result.extractions


@pytest.fixture(scope="module")
def records(extractions) -> dict[str, ArticleExtraction]:
    """30 distinct results (the three real ones under other article ids), by cache key."""
    out = {}
    for n in range(30):
        ex = extractions[n % 3]
        out[f"k{n:02d}"] = dataclasses.replace(ex, article=dataclasses.replace(ex.article, article_id=f"{ex.article.article_id}_{n}"))
    return out


def _store_singles(cache: ExtractionCache, records: dict[str, ArticleExtraction], keys, group: str = GROUP) -> list[Path]:
    """One shard per key, as hourly incremental runs that each find one new article leave them."""
    return [cache.store({k: records[k]}, group) for k in keys]


def _files(cache: ExtractionCache) -> dict[str, tuple[int, int, bytes]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(cache.dir.iterdir())}


def _assert_consistent(cache: ExtractionCache) -> None:
    """Every shard has its key list (listing exactly its keys), and no key list is left without its shard."""
    from pipeline.extract.cache import _record_classes
    from pipeline.datacodec import loads

    shards = {p.stem for p in cache.dir.glob("*.json")}
    assert shards == {p.stem for p in cache.dir.glob("*.keys")}
    for p in cache.dir.glob("*.json"):
        assert sorted(loads(p.read_bytes(), _record_classes())) == p.with_suffix(".keys").read_text().split()
    assert not list(cache.dir.glob(".tmp-*"))


def test_compaction_merges_small_shards_and_keeps_every_result(tmp_path, records):
    cache = ExtractionCache(tmp_path / "cache", "v")
    keys = sorted(records)[:23]
    old = _store_singles(cache, records, keys)
    other = cache.store({"k29": records["k29"]}, "b1of2")  # another bucket's shard: never touched
    other_before = _files(cache)[other.name]

    stats = cache.compact(GROUP, keep=set(keys), max_shards=4, target_articles=5)

    assert stats == CompactionStats(shards_before=23, shards_after=math.ceil(23 / 5), results_kept=23, results_dropped=0)
    assert stats.changed and "23 -> 5" in str(stats)
    shards = cache.shards(GROUP)
    assert len(shards) == 5 and not any(p.exists() or p.with_suffix(".keys").exists() for p in old)
    assert sorted(len(p.with_suffix(".keys").read_text().split()) for p in shards) == [3, 5, 5, 5, 5]
    assert dict(cache.iter_found(keys, GROUP)) == {k: records[k] for k in keys}
    assert _files(cache)[other.name] == other_before
    _assert_consistent(cache)

    # Four full shards and one small one: nothing more to do.
    again = cache.compact(GROUP, keep=set(keys), max_shards=4, target_articles=5)
    assert again == CompactionStats(5, 5) and not again.changed


def test_compaction_is_deterministic(tmp_path, records):
    keys = sorted(records)[:17]
    results = []
    for name in ("one", "two"):
        cache = ExtractionCache(tmp_path / name, "v")
        _store_singles(cache, records, keys)
        cache.compact(GROUP, keep=set(keys[2:]), max_shards=2, target_articles=4)
        results.append({p.name: p.read_bytes() for p in sorted(cache.dir.iterdir())})
    assert results[0] == results[1]
    assert len([n for n in results[0] if n.endswith(".json")]) == math.ceil(15 / 4)


def test_results_of_articles_no_longer_in_the_corpus_are_dropped(tmp_path, records):
    cache = ExtractionCache(tmp_path / "cache", "v")
    keys = sorted(records)[:12]
    cache.store({k: records[k] for k in keys[:6]}, GROUP)  # a full shard (target 6) ...
    cache.store({k: records[k] for k in keys[6:]}, GROUP)  # ... and another
    gone = {keys[1], keys[7], keys[8]}
    keep = set(keys) - gone

    stats = cache.compact(GROUP, keep=keep, max_shards=8, target_articles=6)

    assert (stats.results_kept, stats.results_dropped) == (9, 3)
    found = dict(cache.iter_found(keys, GROUP))
    assert found == {k: records[k] for k in sorted(keep)}
    listed = {k for p in cache.shards(GROUP) for k in p.with_suffix(".keys").read_text().split()}
    assert listed == keep
    _assert_consistent(cache)


def test_full_shards_without_garbage_are_left_as_they_are(tmp_path, records):
    """A compaction's work is the small shards (and those with garbage), not the whole group."""
    cache = ExtractionCache(tmp_path / "cache", "v")
    keys = sorted(records)
    full = [cache.store({k: records[k] for k in keys[j:j + 4]}, GROUP) for j in (0, 4, 8)]
    before = {name: v for name, v in _files(cache).items() if name.endswith(".json")}
    small = _store_singles(cache, records, keys[12:16])

    stats = cache.compact(GROUP, keep=set(keys[:16]), max_shards=3, target_articles=4)

    assert stats == CompactionStats(shards_before=7, shards_after=4, results_kept=4, results_dropped=0)
    after = _files(cache)
    assert {name: after[name] for name in before} == before, "full shards are not rewritten"
    assert not any(p.exists() for p in small)
    assert dict(cache.iter_found(keys[:16], GROUP)) == {k: records[k] for k in keys[:16]}


def test_nothing_to_do_reads_no_shard_and_writes_nothing(tmp_path, records, caplog):
    cache = ExtractionCache(tmp_path / "cache", "v")
    keys = sorted(records)[:6]
    shards = [cache.store({k: records[k] for k in keys[j:j + 2]}, GROUP) for j in (0, 2, 4)]
    for p in shards:  # reading any of them now would log a warning and drop its results
        p.write_bytes(b"not a cache shard")
    before = _files(cache)
    with caplog.at_level(logging.DEBUG, logger="pipeline.extract.cache"):
        stats = cache.compact(GROUP, keep=set(keys) | {"not-yet-extracted"}, max_shards=3, target_articles=500)
    assert stats == CompactionStats(3, 3) and not stats.changed
    assert "unreadable" not in caplog.text
    assert _files(cache) == before


def test_damaged_shard_and_missing_key_list(tmp_path, records, caplog):
    cache = ExtractionCache(tmp_path / "cache", "v")
    keys = sorted(records)[:6]
    damaged = cache.store({k: records[k] for k in keys[0:2]}, GROUP)
    keyless = cache.store({k: records[k] for k in keys[2:4]}, GROUP)
    cache.store({k: records[k] for k in keys[4:6]}, GROUP)
    damaged.write_bytes(b"\x80\x05 truncated")
    keyless.with_suffix(".keys").unlink()

    with caplog.at_level(logging.WARNING, logger="pipeline.extract.cache"):
        stats = cache.compact(GROUP, keep=set(keys), max_shards=8, target_articles=500)

    assert "unreadable" in caplog.text and damaged.name in caplog.text
    assert stats == CompactionStats(shards_before=3, shards_after=1, results_kept=4, results_dropped=2)
    assert not damaged.exists() and not damaged.with_suffix(".keys").exists()
    assert dict(cache.iter_found(keys, GROUP)) == {k: records[k] for k in keys[2:]}, "the damaged shard's are misses"
    _assert_consistent(cache)


def test_a_shard_rewritten_under_its_own_name_is_not_removed(tmp_path, records):
    """A shard without a key list is rewritten to learn its keys; the new shard has the same keys, hence the same
    name: it replaces the old one in place and must survive the removal of the old shards."""
    cache = ExtractionCache(tmp_path / "cache", "v")
    keys = sorted(records)[:2]
    shard = cache.store({k: records[k] for k in keys}, GROUP)
    shard.with_suffix(".keys").unlink()
    stats = cache.compact(GROUP, keep=set(keys), max_shards=8, target_articles=500)
    assert stats == CompactionStats(shards_before=1, shards_after=1, results_kept=2, results_dropped=0)
    assert cache.shards(GROUP) == [shard] and shard.with_suffix(".keys").read_text().split() == keys
    assert dict(cache.iter_found(keys, GROUP)) == {k: records[k] for k in keys}
    assert cache.compact(GROUP, keep=set(keys), max_shards=8, target_articles=500) == CompactionStats(1, 1)


def test_a_key_held_twice_is_kept_once(tmp_path, records):
    """Two runs extracting the same article, or a crash between writing new shards and removing old ones, leave
    a key in two shards: the next compaction keeps one copy."""
    cache = ExtractionCache(tmp_path / "cache", "v")
    keys = sorted(records)[:3]
    cache.store({k: records[k] for k in keys[:2]}, GROUP)
    cache.store({k: records[k] for k in keys[1:]}, GROUP)
    stats = cache.compact(GROUP, keep=set(keys), max_shards=8, target_articles=500)
    assert (stats.shards_after, stats.results_kept, stats.results_dropped) == (1, 3, 1)
    assert dict(cache.iter_found(keys, GROUP)) == {k: records[k] for k in keys}
    _assert_consistent(cache)


def test_a_reader_that_listed_a_removed_shard_counts_it_as_a_miss(tmp_path, records, caplog):
    cache = ExtractionCache(tmp_path / "cache", "v")
    keys = sorted(records)[:5]
    _store_singles(cache, records, keys)
    reader = cache.iter_found(keys, GROUP)  # lists the five shards on its first step
    first_key, first = next(reader)
    assert first == records[first_key]
    with caplog.at_level(logging.WARNING, logger="pipeline.extract.cache"):
        cache.compact(GROUP, keep=set(keys), max_shards=2, target_articles=500)
        rest = dict(reader)
    assert rest == {}, "the shards it listed are gone: misses, not errors"
    assert "unreadable" not in caplog.text
    # A reader that lists the cache now finds everything in the new shard.
    assert dict(cache.iter_found(keys, GROUP)) == {k: records[k] for k in keys}


def test_group_names_do_not_overlap(tmp_path, records):
    cache = ExtractionCache(tmp_path / "cache", "v")
    cache.store({"k00": records["k00"]}, "b1of1")
    cache.store({"k01": records["k01"]}, "b1of10")
    cache.store({"k02": records["k02"]})
    assert [p.name.split("-")[0] for p in cache.shards("b1of1")] == ["b1of1"]
    assert len(cache.shards("")) == 1 and len(cache.shards()) == 3
    cache.compact("b1of1", keep=set(), max_shards=8)
    assert len(cache.shards()) == 2 and not cache.shards("b1of1")


# ------------------------------------------------------------------------------------------------------------
# Through the real CLI: many incremental runs keep the cache bounded and publish what a full rebuild publishes
# ------------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_incremental_runs_keep_the_cache_bounded(tmp_path, monkeypatch):
    max_shards = 2
    monkeypatch.setenv("NEWSLEDGER_EXTRACT_BUCKETS", "1")
    monkeypatch.setenv(MAX_SHARDS_ENV, str(max_shards))
    monkeypatch.delenv("NEWSLEDGER_EXTRACTION_CACHE", raising=False)
    articles = tmp_path / "articles"
    articles.mkdir()
    for p in SAMPLE.glob("*.txt"):
        shutil.copy(p, articles / p.name)
    (articles / "strikes.txt").write_text(ARTICLES["strikes.txt"], encoding="utf-8")
    wh, state = tmp_path / "wh", tmp_path / "state"
    cache_dir = wh / ".cache" / "extraction"

    counts = []
    for n, text in enumerate([None, *MORE]):
        if text is not None:
            (articles / f"more_{n}.txt").write_text(text, encoding="utf-8")
        if n == len(MORE):  # the last run also loses an article: its result must leave the cache
            (articles / "strikes.txt").unlink()
        run_cli(articles, wh, state)
        shards = sorted(cache_dir.rglob("*.json"))
        counts.append(len(shards))
        assert {p.with_suffix(".keys") for p in shards} == set(cache_dir.rglob("*.keys")), "no key list without its shard"
    # Each run stores one new shard (more when a corpus-inferred date of a sample article changes): without
    # compaction the last run would leave len(counts) shards.
    assert len(counts) > max_shards + 1 and max(counts) <= max_shards, f"shards per run: {counts}"

    from pipeline.extract.cache import _record_classes
    from pipeline.datacodec import loads

    cached = [loads(p.read_bytes(), _record_classes()) for p in cache_dir.rglob("*.json")]
    assert sum(len(d) for d in cached) == 2 + len(MORE), "one result per article in the corpus, none for the removed one"
    assert not any(ex.article.source_file.endswith("strikes.txt") for d in cached for ex in d.values())

    monkeypatch.setenv("NEWSLEDGER_EXTRACTION_CACHE", "0")
    full = tmp_path / "full"
    run_cli(articles, full, tmp_path / "state_full")
    assert not (full / ".cache" / "extraction").exists() or not list((full / ".cache" / "extraction").rglob("*.json"))
    names = sorted(p.name for p in (wh / "parquet").glob("*.parquet"))
    assert names == sorted(p.name for p in (full / "parquet").glob("*.parquet")) and names
    for name in names:
        assert (wh / "parquet" / name).read_bytes() == (full / "parquet" / name).read_bytes(), name


def test_a_stream_of_chunks_extracts_what_a_batch_does_reading_the_chunks_once(tmp_path):
    """`iter_stream` (what an extraction bucket runs: the articles table read in chunks, none held after its
    chunk) gives the results of `extract_batch`; articles the cache lists come from the cache, the others are
    extracted, and the chunks are read once. An article a listed shard does not hold (damaged) is extracted on a
    second read."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    for n, text in enumerate(MORE):
        (folder / f"more{n}.txt").write_text(text, encoding="utf-8")
    articles = sorted(ingest_corpus(folder).articles, key=lambda a: a.article_id)
    expected = {ex.article.article_id: ex for ex in extract_batch(articles, nlp=load_nlp()).extractions}
    cache = ExtractionCache(tmp_path / "cache", "v")
    extract_batch(articles[:2], cache=cache, nlp=load_nlp())  # two articles are in the cache already
    reads = []

    def read():
        reads.append(1)
        return ([a] for a in articles)  # one article per chunk

    counts, keys = {}, set()
    got = {ex.article.article_id: ex for ex in iter_stream(read, cache=cache, group=GROUP, counts=counts, keys=keys)}
    assert got == expected and len(reads) == 1
    assert counts == {"articles": len(articles), "cached": 2} and len(keys) == len(articles)
    assert set(cache.listed_keys()) == keys, "the new results were stored"

    # A shard whose key list names articles it no longer holds: those are extracted again, on a second read.
    shard = next(p for p in cache.shards() if len(p.with_suffix(".keys").read_text().split()) == 2)
    shard.write_bytes(b"\x80\x05 truncated")
    reads.clear()
    got = {ex.article.article_id: ex for ex in iter_stream(read, cache=cache, group=GROUP, counts=counts)}
    assert got == expected and len(reads) == 2 and counts["cached"] == len(articles) - 2
