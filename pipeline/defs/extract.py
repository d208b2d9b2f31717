"""Extraction: articles become actors, places, events, figures and mentions.

The five tables are one graph-backed multi-asset whose per-article work fans out over parallel steps:

    articles -> extract_bucket_0_of_K, ..., extract_bucket_(K-1)_of_K -> combine_extractions -> the 5 tables

- Each `extract_bucket_i_of_K` step takes the articles whose id hashes to bucket i (K = NEWSLEDGER_EXTRACT_BUCKETS,
  read when the definitions load, default 4): a few large batches, never one step per article (a step costs a
  process start and a model load). The graph is static, so every Dagster executor runs it: the buckets run in
  parallel on the multiprocess executor, and as tasks on the workers of a distributed executor (dask, celery,
  k8s). A bucket reads the articles table in batches, holding only its own articles of one batch
  (pipeline.extract.iter_stream), streams them through spaCy in `nlp.pipe` batches of a bounded number of words
  and turns each result into table rows at once, written to part files every so often (pipeline.stages): a
  bucket holds neither its articles nor the extraction records. What it keeps grows slowly with its share (a
  cache key per article, the events that can join a cluster, actor and place descriptions, spaCy's vocabulary):
  about 450 to 700 MiB over 25,000 bench articles, so raise K for corpora beyond 100,000 (README, Benchmark).
- Results are cached per article on disk (`<warehouse>/.cache/extraction/<version>/`, see
  pipeline.extract.cache), so a later run extracts only the articles it has not seen; the cache is keyed by the
  whole article record and by a hash of the extraction code, lexicons and model, so a changed article or
  extractor is extracted again. `NEWSLEDGER_EXTRACTION_CACHE=0` turns it off.
- `combine_extractions` runs the cross-article steps over all buckets (event clustering, merging the actor and
  place descriptions, sorting rows by key) and emits the five tables: the result is the same as one full rebuild,
  whatever the buckets or cache (pipeline.stages.combine).

The ops only call pipeline.stages (extract_bucket, combine) and report what they return.
"""


import dagster as dg

from pipeline import stages
from pipeline.defs.progress import StepProgress
from pipeline.defs.resources import CorpusPaths
from pipeline.defs.tables import table_out, table_output
from pipeline.extract.nlp import model_version
from pipeline.settings import settings
from pipeline.stages import BucketTables

GROUP = "extract"
TABLES = stages.EXTRACTED
OUT_TABLES = TABLES + ("extraction_problems",)  # the five, and the articles whose extraction stopped (with why)


def n_buckets() -> int:
    """K, the parallel extraction steps (NEWSLEDGER_EXTRACT_BUCKETS, read when the definitions load)."""
    return settings().extract_buckets


def _bucket_op(i: int, k: int) -> dg.OpDefinition:
    @dg.op(
        name=f"extract_bucket_{i}_of_{k}",
        description=f"spaCy and the per-article extractors on the articles of hash bucket {i} of {k} (cached per "
        "article); the bucket's rows of the five tables.",
    )
    def extract_bucket(context: dg.OpExecutionContext, paths: CorpusPaths, articles) -> BucketTables:
        progress = StepProgress(context.log, f"extract bucket {i}/{k}", stages.bucket_size(articles, i, k))
        spill = paths.scratch(context.run.run_id) / f"bucket_{i}_of_{k}"
        out = stages.extract_bucket(articles, i, k, spill, stages.extraction_cache(paths.warehouse),
                                    progress=progress, log=context.log)
        progress.finish()
        n = out.n_articles
        context.log.info(
            f"bucket {i}/{k}: {n} articles, {out.cached} from the cache, "
            f"{n - out.cached - len(out.failures)} extracted, {len(out.failures)} failed{out.compacted}"
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
    done = stages.combine(buckets, paths.scratch(context.run.run_id), stages.extraction_cache(paths.warehouse),
                          log=context.log)
    failures = [{k: v for k, v in f.__dict__.items() if k != "partial"} for f in done.failures]
    if failures:
        context.log.warning(f"extraction stopped on {len(failures)} article(s), published with what was found: {failures[:5]}")
    extra = {"model": model_version(), "articles_failed": len(failures), "articles_from_cache": done.cached}
    for name in OUT_TABLES:
        yield table_output(name, done.tables[name], extra)
    yield dg.AssetCheckResult(
        check_name="all_articles_extracted",
        asset_key="mentions",
        passed=not failures,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"articles": done.n_articles, "failed": len(failures), "failures": dg.MetadataValue.json(failures[:50])},
    )


@dg.graph_multi_asset(
    outs={name: table_out(name, GROUP) for name in OUT_TABLES},
    group_name=GROUP,  # a graph-backed asset takes its group here, not from its outs
    ins={"articles": dg.AssetIn("articles")},
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
def extract_tables(articles):
    """Run spaCy's English model over the articles (in parallel batches, cached per article) and the rule- and
    lexicon-based extractors: actors resolved against the curated registry, places against the GeoNames
    gazetteer, figures with qualifier, category, reporter and time window, and PLOVER events clustered across
    articles."""
    k = n_buckets()
    outs = _combine_op(k)(**{f"bucket_{i}": _bucket_op(i, k)(articles) for i in range(k)})
    return {name: getattr(outs, name) for name in OUT_TABLES} | {"mentions_all_articles_extracted": outs.all_articles_extracted}


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[extract_tables])
