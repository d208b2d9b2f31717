"""Extraction: articles become actors, places, events, figures and mentions.

The five tables are one graph-backed multi-asset whose per-article work fans out over parallel steps:

    articles -> extract_bucket_0_of_K, ..., extract_bucket_(K-1)_of_K -> combine_extractions -> the 5 tables

- Each `extract_bucket_i_of_K` step takes the articles whose id hashes to bucket i (K = NEWSLEDGER_EXTRACT_BUCKETS,
  read when the definitions load, default 4): a few large batches, never one step per article (a step costs a
  process start and a model load). The graph is static, so every Dagster executor runs it: the buckets run in
  parallel on the multiprocess executor, and as tasks on the workers of a distributed executor (dask, celery,
  k8s). A bucket reads the articles table in batches, holding only its own articles of one batch
  (pipeline.extract.iter_stream), streams them through spaCy in `nlp.pipe` batches of a bounded number of words
  and turns each result into table rows at once, written to part files every so often (`BucketTables`): a
  bucket holds neither its articles nor the extraction records. What it keeps grows slowly with its share (a
  cache key per article, the events that can join a cluster, actor and place descriptions, spaCy's vocabulary):
  about 450 to 700 MiB over 25,000 bench articles, so raise K for corpora beyond 100,000 (README, Benchmark).
- Results are cached per article on disk (`<warehouse>/.cache/extraction/<version>/`, see
  pipeline.extract.cache), so a later run extracts only the articles it has not seen; the cache is keyed by the
  whole article record and by a hash of the extraction code, lexicons and model, so a changed article or
  extractor is extracted again. `NEWSLEDGER_EXTRACTION_CACHE=0` turns it off.
- `combine_extractions` runs the cross-article steps over all buckets (event clustering, merging the actor and
  place descriptions, sorting rows by key) and emits the five tables: the result is the same as one full rebuild,
  whatever the buckets or cache (pipeline.publish.tables.merge_table_parts).
"""


import dataclasses
import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipeline.defs.resources import CorpusPaths
from pipeline.defs.tables import table_out, table_output
from pipeline.extract import ExtractionFailure, iter_stream
from pipeline.extract.nlp import model_version
from pipeline.publish.tables import TableParts, merge_table_files

GROUP = "extract"
TABLES = ("actors", "places", "events", "figures", "mentions")
OUT_TABLES = TABLES + ("extraction_problems",)  # the five, and the articles whose extraction stopped (with why)
CACHE_ENV = "NEWSLEDGER_EXTRACTION_CACHE"  # "0" turns the per-article cache off (every run extracts everything)
BUCKETS_ENV = "NEWSLEDGER_EXTRACT_BUCKETS"  # parallel extraction steps (hash buckets of the article id)
DEFAULT_BUCKETS = 4


def _cache_for(paths: CorpusPaths):
    from pipeline.settings import settings

    if not settings().extraction_cache:
        return None
    from pipeline.extract.cache import ExtractionCache, extractor_version
    from pipeline.extract.nlp import pipeline_signature

    return ExtractionCache(paths.warehouse / ".cache" / "extraction", extractor_version(pipeline_signature()))


def n_buckets() -> int:
    from pipeline.settings import settings

    return settings().extract_buckets


def bucket_of(article_id: str, k: int) -> int:
    """A stable bucket in [0, k) for an article id (a hash, so buckets are even and do not depend on order)."""
    return int(hashlib.sha256(article_id.encode("utf-8", "surrogatepass")).hexdigest()[:8], 16) % k


@dataclass
class BucketTables:
    """What an extraction bucket hands to `combine_extractions`: its rows of the five tables (not the extraction
    records, which stay in the cache), its event records for clustering, and its failures."""

    parts: TableParts
    failures: list[ExtractionFailure] = field(default_factory=list)
    n_articles: int = 0
    cached: int = 0


def _bucket_op(i: int, k: int) -> dg.OpDefinition:
    @dg.op(
        name=f"extract_bucket_{i}_of_{k}",
        ins={"articles": dg.In(), "after_batches": dg.In(dg.Nothing)},  # after batch_extraction stored its results
        description=f"spaCy and the per-article extractors on the articles of hash bucket {i} of {k} (cached per "
        "article); the bucket's rows of the five tables.",
    )
    def extract_bucket(context: dg.OpExecutionContext, paths: CorpusPaths, articles) -> BucketTables:
        from pipeline.publish.tablefile import iter_frames
        from pipeline.publish.tables import articles_from_frame

        def own_articles():
            # The articles table streams past in batches; only this bucket's articles of one batch are held.
            for chunk in iter_frames("articles", articles, batch_rows=2_000):
                yield articles_from_frame(chunk[[bucket_of(a, k) == i for a in chunk["article_id"]]])

        spill = paths.scratch(context.run.run_id) / f"bucket_{i}_of_{k}"
        shutil.rmtree(spill, ignore_errors=True)  # what an earlier attempt of this step left
        spill.mkdir(parents=True)
        out = BucketTables(parts=TableParts(spill_dir=str(spill)))
        counts: dict = {}
        keys: set[str] = set()
        cache, group = _cache_for(paths), f"b{i}of{k}"
        # Streamed: each result becomes table rows at once, and the rows go to part files every so often, so the
        # bucket holds neither its articles, nor its extraction records, nor its table rows.
        import pyarrow.parquet as pq

        from pipeline.defs.progress import StepProgress

        ids = pq.read_table(articles.path, columns=["article_id"]).column("article_id").to_pylist() if hasattr(articles, "path") \
            else list(articles["article_id"])
        progress = StepProgress(context.log, f"extract bucket {i}/{k}", sum(bucket_of(a, k) == i for a in ids))
        del ids
        for item in iter_stream(own_articles, cache=cache, group=group, counts=counts, keys=keys):
            progress.tick()
            if isinstance(item, ExtractionFailure):  # published with what was found, and a row that says why
                if item.partial is not None:
                    out.parts.add(item.partial)
                out.failures.append(dataclasses.replace(item, partial=None))
            else:
                out.parts.add(item)
        out.parts.frozen()
        progress.finish()
        n = out.n_articles = counts["articles"]
        out.cached = counts["cached"]
        out.failures.sort(key=lambda f: (f.article_id, f.source_file))
        compacted = ""
        if cache is not None:
            # Merge the small shards incremental runs leave and drop results of articles no longer in the bucket
            # (reads only the key lists when there is nothing to do). Housekeeping: a failure costs no result.
            from pipeline.extract.cache import compaction_max_shards

            try:
                stats = cache.compact(group, keep=keys, max_shards=compaction_max_shards())
                compacted = f"; {stats}" if stats.changed else ""
            except Exception as exc:  # noqa: BLE001 - the cache is an optimisation; the next run tries again
                context.log.warning(f"bucket {i}/{k}: extraction cache compaction failed: {type(exc).__name__}: {exc}")
        context.log.info(
            f"bucket {i}/{k}: {n} articles, {out.cached} from the cache, "
            f"{n - out.cached - len(out.failures)} extracted, {len(out.failures)} failed{compacted}"
        )
        return out

    return extract_bucket


def _combine_op(k: int) -> dg.OpDefinition:
    """The fan-in step, with one input per bucket (not a fan-in list: executors that run each step on its own,
    such as dagster-dask, load every named input from storage, while a list input would come in empty)."""

    @dg.op(
        name="combine_extractions",
        ins={f"bucket_{i}": dg.In(BucketTables) for i in range(k)},
        out={name: dg.Out() for name in OUT_TABLES} | {"all_articles_extracted": dg.Out(dg.Nothing, is_required=False)},
        description="Cross-article steps over every bucket (event clustering, actor and place tables); the five tables.",
    )
    def combine_extractions(context: dg.OpExecutionContext, paths: CorpusPaths, **buckets: BucketTables):
        yield from _combine(context, [buckets[f"bucket_{i}"] for i in range(k)], paths)

    return combine_extractions


def _combine(context: dg.OpExecutionContext, buckets: list[BucketTables], paths: CorpusPaths):
    from pipeline.extract.events import cluster_events

    cache = _cache_for(paths)
    if cache is not None and cache.prune():  # results of older extraction code are never read again
        context.log.info("removed extraction cache folders of older extractor versions")
    events = sorted((e for b in buckets for e in b.parts.events), key=lambda e: e.event_id)
    # Only the reports that joined a cluster: the others keep the placeholder id their rows carry.
    cluster_of = {e.event_id: c.cluster_id for e, c in zip(events, cluster_events(events)) if c.cluster_id != e.cluster_id}
    del events
    scratch = paths.scratch(context.run.run_id)
    merge_tmp = scratch / "combine"
    frames = merge_table_files([b.parts for b in buckets], cluster_of, scratch, merge_tmp)
    for b in buckets:  # the part files are merged into the tables now
        for files in b.parts.files.values():
            for f in files:
                Path(f).unlink(missing_ok=True)
    shutil.rmtree(merge_tmp, ignore_errors=True)
    from pipeline.publish.tables import extraction_problems_frame

    failure_records = sorted((f for b in buckets for f in b.failures), key=lambda f: (f.article_id, f.source_file))
    failures = [{k: v for k, v in f.__dict__.items() if k != "partial"} for f in failure_records]
    n_articles = sum(b.n_articles for b in buckets)
    cached = sum(b.cached for b in buckets)
    if failures:
        context.log.warning(f"extraction stopped on {len(failures)} article(s), published with what was found: {failures[:5]}")
    extra = {"model": model_version(), "articles_failed": len(failures), "articles_from_cache": cached}
    for name in TABLES:
        yield table_output(name, frames[name], extra)
    yield table_output("extraction_problems", extraction_problems_frame(failure_records), extra)
    yield dg.AssetCheckResult(
        check_name="all_articles_extracted",
        asset_key="mentions",
        passed=not failures,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"articles": n_articles, "failed": len(failures), "failures": dg.MetadataValue.json(failures[:50])},
    )


@dg.graph_multi_asset(
    outs={name: table_out(name, GROUP) for name in OUT_TABLES},
    group_name=GROUP,  # a graph-backed asset takes its group here, not from its outs
    # batch_extraction (pipeline/defs/batches.py): a run for some batches re-extracts them first, into the cache.
    ins={"articles": dg.AssetIn("articles"), "batch_extraction": dg.AssetIn("batch_extraction", dagster_type=dg.Nothing)},
    check_specs=[
        dg.AssetCheckSpec(
            "all_articles_extracted",
            asset="mentions",
            description="Extraction ran to completion on every article (an article whose extraction stopped is a row "
            "of the extraction_problems table, and is reported here).",
        )
    ],
    can_subset=False,
)
def extract_tables(articles, batch_extraction):
    """Run spaCy's English model over the articles (in parallel batches, cached per article) and the rule- and
    lexicon-based extractors: actors resolved against the curated registry, places against the GeoNames
    gazetteer, figures with qualifier, category, reporter and time window, and PLOVER events clustered across
    articles."""
    k = n_buckets()
    outs = _combine_op(k)(**{f"bucket_{i}": _bucket_op(i, k)(articles, batch_extraction) for i in range(k)})
    return {name: getattr(outs, name) for name in OUT_TABLES} | {"mentions_all_articles_extracted": outs.all_articles_extracted}


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[extract_tables])
