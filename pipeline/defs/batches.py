"""Batches: the units in which new material arrives, as Dagster dynamic partitions.

A batch is a top-level entry of the articles folder (the inbox): a file dropped there (`2020-02-05.jsonl`,
`report.txt`) or a folder of files delivered together (`delivery-07/`). Batches are dynamic partitions
(`batches`), not daily ones: material arrives as files, not as days; many articles carry no publication date until
ingest infers one from the whole corpus; and a file holds articles of many days. The sensor adds a partition for
each new batch it sees.

`batch_extraction` (partitioned by batch) re-extracts the articles of its batches (spaCy and the extractors, the
cache not read) and stores the results in the per-article extraction cache. Everything downstream of it is the
unpartitioned graph, which reads the whole corpus: so a run for a batch (or a backfill of a range of batches)
extracts only those batches, and `extract_tables` then takes every article from the cache (the fast path) and runs
the cross-article steps over the whole corpus; the published tables are the union of the batches, the same bytes
as a full rebuild. Backfills of a range run as one run (`BackfillPolicy.single_run`).
"""

import warnings

import dagster as dg

from pipeline.defs.resources import CorpusPaths

PARTITIONS_NAME = "batches"
BATCH_JOB_NAME = "newsledger_batches"
batches = dg.DynamicPartitionsDefinition(name=PARTITIONS_NAME)


def batch_of(rel_path: str) -> str:
    """The batch of an input: its top-level entry in the articles folder (`a/b.txt#L3` -> `a`)."""
    return rel_path.split("#L", 1)[0].split("/", 1)[0]


def valid_key(key: str) -> bool:
    from dagster._core.definitions.partitions.utils.base import INVALID_PARTITION_SUBSTRINGS

    return bool(key) and not any(s in key for s in INVALID_PARTITION_SUBSTRINGS)


def folder_batches(snapshot) -> list[str]:
    """The batches of a snapshot of the articles folder (pipeline.ingest.snapshot), sorted; entries whose name
    cannot be a partition key are still published by every run, they only have no partition of their own."""
    return sorted({batch_of(rel) for rel, ident in snapshot.entries.items() if ident[0] != "ignored"} - {""})


warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)


@dg.asset(
    partitions_def=batches,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="extract",
    ins={"articles": dg.AssetIn("articles")},
    description="Re-extract the articles of a batch (a file or folder dropped in the articles folder) into the "
    "per-article extraction cache; the tables downstream are then rebuilt over the whole corpus, from the cache.",
)
def batch_extraction(context: dg.AssetExecutionContext, paths: CorpusPaths, articles) -> dg.MaterializeResult:
    keys = set(context.partition_keys)
    stats = extract_batches(paths, articles, keys, log=context.log)
    context.log.info(f"batches {sorted(keys)[:10]}: {stats['articles']} articles re-extracted, {stats['failed']} failed")
    return dg.MaterializeResult(metadata={
        "articles": stats["articles"], "failed": stats["failed"],
        "batches": dg.MetadataValue.json(sorted(keys)[:100]),
    })


def extract_batches(paths: CorpusPaths, articles, keys: set[str], log=None, flush_every: int = 500) -> dict:
    """Extract the articles of the articles table whose batch is in `keys`, the cache not read, and store each
    result in the extraction cache under its hash bucket's group (where `extract_tables` looks first)."""
    from pipeline.defs.extract import _cache_for, bucket_of, n_buckets
    from pipeline.extract import ExtractionFailure, iter_stream
    from pipeline.extract.cache import article_key
    from pipeline.publish.tablefile import iter_frames
    from pipeline.publish.tables import articles_from_frame

    def own_articles():
        for chunk in iter_frames("articles", articles, batch_rows=2_000):
            yield articles_from_frame(chunk[[batch_of(ref) in keys for ref in chunk["source_file"]]])

    cache, k = _cache_for(paths), n_buckets()
    pending: dict[int, dict] = {}
    stats = {"articles": 0, "failed": 0}

    def flush(bucket: int) -> None:
        if cache is not None and pending.get(bucket):
            cache.store(pending.pop(bucket), group=f"b{bucket}of{k}")

    for item in iter_stream(own_articles, cache=None):
        stats["articles"] += 1
        if isinstance(item, ExtractionFailure):  # not cached: extract_tables meets it again and reports it
            stats["failed"] += 1
            continue
        bucket = bucket_of(item.article.article_id, k)
        pending.setdefault(bucket, {})[article_key(item.article)] = item
        if len(pending[bucket]) >= flush_every:
            flush(bucket)
    for bucket in list(pending):
        flush(bucket)
    return stats


def partition_requests(instance: dg.DagsterInstance, snapshot) -> tuple[list[str], list]:
    """The batches of the folder that are not partitions yet, and the request that adds them."""
    known = set(instance.get_dynamic_partitions(PARTITIONS_NAME))
    new = [b for b in folder_batches(snapshot) if b not in known and valid_key(b)]
    return new, ([batches.build_add_request(new)] if new else [])
