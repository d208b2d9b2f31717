"""Extraction: articles become actors, places, events, figures and mentions.

The five tables are one graph-backed multi-asset whose per-article work fans out over parallel steps:

    articles -> extract_bucket_0_of_K, ..., extract_bucket_(K-1)_of_K -> combine_extractions -> the 5 tables

- Each `extract_bucket_i_of_K` step takes the articles whose id hashes to bucket i (K = NEWSLEDGER_EXTRACT_BUCKETS,
  read when the definitions load, default 4): a few large batches, never one step per article (a step costs a
  process start and a model load). The graph is static, so every Dagster executor runs it: the buckets run in
  parallel on the multiprocess executor, and as tasks on the workers of a distributed executor (dask, celery,
  k8s). A bucket streams its articles through spaCy in `nlp.pipe` batches.
- Results are cached per article on disk (`<warehouse>/.cache/extraction/<version>/`, see
  pipeline.extract.cache), so a later run extracts only the articles it has not seen; the cache is keyed by the
  whole article record and by a hash of the extraction code, lexicons and model, so a changed article or
  extractor is extracted again. `NEWSLEDGER_EXTRACTION_CACHE=0` turns it off.
- `combine_extractions` runs the cross-article steps over all buckets (event clustering, the actor and place
  tables) and emits the five tables: the result is the same as one full rebuild, whatever the buckets or cache.
"""


import hashlib
import os

import dagster as dg
import pandas as pd

from pipeline.defs.resources import CorpusPaths
from pipeline.defs.tables import table_out, table_output
from pipeline.extract import CorpusExtraction, combine, extract_batch
from pipeline.extract.nlp import model_version
from pipeline.publish.tables import extraction_frames

GROUP = "extract"
TABLES = ("actors", "places", "events", "figures", "mentions")
CACHE_ENV = "NEWSLEDGER_EXTRACTION_CACHE"  # "0" turns the per-article cache off (every run extracts everything)
BUCKETS_ENV = "NEWSLEDGER_EXTRACT_BUCKETS"  # parallel extraction steps (hash buckets of the article id)
DEFAULT_BUCKETS = 4


def _cache_for(paths: CorpusPaths):
    if os.environ.get(CACHE_ENV, "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    from pipeline.extract.cache import ExtractionCache, extractor_version
    from pipeline.extract.nlp import pipeline_signature

    return ExtractionCache(paths.warehouse / ".cache" / "extraction", extractor_version(pipeline_signature()))


def n_buckets() -> int:
    try:
        return max(1, int(os.environ.get(BUCKETS_ENV, "")))
    except ValueError:
        return DEFAULT_BUCKETS


def bucket_of(article_id: str, k: int) -> int:
    """A stable bucket in [0, k) for an article id (a hash, so buckets are even and do not depend on order)."""
    return int(hashlib.sha256(article_id.encode("utf-8", "surrogatepass")).hexdigest()[:8], 16) % k


def _bucket_op(i: int, k: int) -> dg.OpDefinition:
    @dg.op(
        name=f"extract_bucket_{i}_of_{k}",
        description=f"spaCy and the per-article extractors on the articles of hash bucket {i} of {k} (cached per article).",
    )
    def extract_bucket(context: dg.OpExecutionContext, paths: CorpusPaths, articles: pd.DataFrame) -> CorpusExtraction:
        from pipeline.publish.tables import articles_from_frame

        mine = articles[[bucket_of(a, k) == i for a in articles["article_id"]]]
        cache = _cache_for(paths)
        result = extract_batch(articles_from_frame(mine), cache=cache)
        context.log.info(
            f"bucket {i}/{k}: {len(mine)} articles, {result.cached} from the cache, "
            f"{len(mine) - result.cached - len(result.failures)} extracted, {len(result.failures)} failed"
        )
        return result

    return extract_bucket


def _combine_op(k: int) -> dg.OpDefinition:
    """The fan-in step, with one input per bucket (not a fan-in list: executors that run each step on its own,
    such as dagster-dask, load every named input from storage, while a list input would come in empty)."""

    @dg.op(
        name="combine_extractions",
        ins={f"bucket_{i}": dg.In(CorpusExtraction) for i in range(k)},
        out={name: dg.Out(pd.DataFrame) for name in TABLES} | {"all_articles_extracted": dg.Out(dg.Nothing, is_required=False)},
        description="Cross-article steps over every bucket (event clustering, actor and place tables); the five tables.",
    )
    def combine_extractions(context: dg.OpExecutionContext, paths: CorpusPaths, **buckets: CorpusExtraction):
        yield from _combine(context, [buckets[f"bucket_{i}"] for i in range(k)], paths)

    return combine_extractions


def _combine(context: dg.OpExecutionContext, batches: list[CorpusExtraction], paths: CorpusPaths):
    cache = _cache_for(paths)
    if cache is not None and cache.prune():  # results of older extraction code are never read again
        context.log.info("removed extraction cache folders of older extractor versions")
    result = combine(batches)
    frames = extraction_frames(result.extractions)
    failures = [f.__dict__ for f in result.failures]
    n_articles = len(result.extractions) + len(result.failures)
    if failures:
        context.log.warning(f"extraction failed on {len(failures)} article(s): {failures[:5]}")
    extra = {"model": model_version(), "articles_failed": len(failures), "articles_from_cache": result.cached}
    for name in TABLES:
        yield table_output(name, frames[name], extra)
    yield dg.AssetCheckResult(
        check_name="all_articles_extracted",
        asset_key="mentions",
        passed=not failures,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"articles": n_articles, "failed": len(failures), "failures": dg.MetadataValue.json(failures[:50])},
    )


@dg.graph_multi_asset(
    outs={name: table_out(name, GROUP) for name in TABLES},
    ins={"articles": dg.AssetIn("articles")},
    check_specs=[
        dg.AssetCheckSpec(
            "all_articles_extracted",
            asset="mentions",
            description="Extraction ran to completion on every article (a failure is reported here, never dropped).",
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
    return {name: getattr(outs, name) for name in TABLES} | {"mentions_all_articles_extracted": outs.all_articles_extracted}


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[extract_tables])
