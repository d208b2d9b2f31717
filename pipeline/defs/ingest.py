"""Ingest: the articles folder becomes the articles, duplicates and quarantine tables."""


import dataclasses
import os
import shutil
from pathlib import Path

import dagster as dg

import pipeline.ids as ids_module
import pipeline.ingest as ingest_pkg

from pipeline.defs.resources import CorpusPaths
from pipeline.defs.tables import table_out, table_output
from pipeline.ingest.corpus import IngestResult, ingest_corpus, iter_inputs
from pipeline.extract.types import Article
from pipeline.publish.tablefile import SpilledTable, TableFile, iter_frames, sorted_copy
from pipeline.publish.tables import duplicates_frame, quarantine_frame

GROUP = "ingest"


@dg.multi_asset(
    outs={name: table_out(name, GROUP) for name in ("articles", "duplicates", "quarantine")},
    can_subset=False,
)
def ingest_articles(context: dg.AssetExecutionContext, paths: CorpusPaths):
    """Read every input under the articles folder (.txt, .jsonl, .html), normalise the text, recognise
    duplicates and quarantine what cannot be an article, with a reason."""
    scratch = paths.scratch(context.run.run_id)
    store = ParquetArticleStore(scratch / "articles-unsorted.parquet")
    try:
        result = _cached_ingest(paths, store)
        articles = store.finish(result.articles, scratch / "articles.parquet", scratch / "ingest-sort")
    except BaseException:
        store.discard()
        raise
    context.log.info(
        f"{result.n_inputs} inputs: {len(result.articles)} articles, {len(result.duplicates)} duplicates, "
        f"{len(result.quarantine)} quarantined"
    )
    if result.ignored:
        context.log.warning(f"{len(result.ignored)} entries are not inputs and were left out: {result.ignored[:20]}")
    extra = {
        "n_inputs": result.n_inputs,
        "articles_dir": str(paths.articles),
        "ignored_entries": dg.MetadataValue.json(list(result.ignored)),
        "ingest_notes": dg.MetadataValue.json([dataclasses.asdict(n) for n in result.notes]),
    }
    yield table_output("articles", articles, extra)
    yield table_output("duplicates", duplicates_frame(result.duplicates), extra)
    yield table_output("quarantine", quarantine_frame(result.quarantine), extra)


class ParquetArticleStore:
    """Ingest's articles go to a Parquet file as they are read (pipeline.ingest.corpus.ArticleStore), so that the
    ingest step holds each article's metadata but not its text: the texts are read back in batches for the
    corpus-inferred dates, and the file is sorted into the articles table at the end (`finish`)."""

    def __init__(self, path: Path):
        self.spill = SpilledTable("articles", path)
        self.path = path
        self._stored: dict[str, tuple] = {}  # article id -> (published_at, published_at_source) as stored

    def add(self, article: Article) -> Article:
        self.spill.add({f.name: getattr(article, f.name) for f in dataclasses.fields(article)})
        self._stored[article.article_id] = (article.published_at, article.published_at_source)
        return dataclasses.replace(article, text="")

    def texts(self, article_ids: set[str]):
        source = self.spill.close() if self.spill is not None else TableFile.open("articles", self.path)
        self.spill = None
        for chunk in iter_frames("articles", source, batch_rows=2_000, columns=["article_id", "text"]):
            for aid, text in zip(chunk["article_id"], chunk["text"]):
                if aid in article_ids:
                    yield aid, text

    def finish(self, kept: list[Article], out: Path, temp_dir: Path) -> TableFile:
        """The articles table, sorted by id, with the dates inferred after the articles were stored."""
        import pyarrow as pa

        if self.spill is not None:
            self.spill.close()
            self.spill = None
        changed = [a for a in kept if self._stored[a.article_id] != (a.published_at, a.published_at_source)]
        lookup = pa.table({
            "article_id": pa.array([a.article_id for a in changed], pa.string()),
            "published_at": pa.array([a.published_at for a in changed], pa.date32()),
            "published_at_source": pa.array([a.published_at_source for a in changed], pa.string()),
        })
        table = sorted_copy("articles", [str(self.path)], out, temp_dir, lookup)
        self.path.unlink(missing_ok=True)
        shutil.rmtree(temp_dir, ignore_errors=True)
        return table

    def discard(self) -> None:
        if self.spill is not None:
            self.spill.abort()
        self.path.unlink(missing_ok=True)


def _ingest_code_hash() -> str:
    package = Path(ingest_pkg.__file__).parent
    files = list(package.glob("*.py")) + [Path(ids_module.__file__)]
    return ids_module.files_digest(files, package.parent).hexdigest()[:16]


def _cached_ingest(paths: CorpusPaths, store=None) -> IngestResult:
    """`ingest_corpus` on the articles folder with a per-file cache under `<warehouse>/.cache/ingest/<code hash>/`
    (pipeline.ingest.cache): a file that has not changed since the last run is not read again, so adding 10
    articles to 10,000 reads 10; duplicates and corpus-inferred dates are still decided over the whole corpus, so
    the tables are those of a full ingest. NEWSLEDGER_INGEST_CACHE=0 turns it off."""
    if os.environ.get("NEWSLEDGER_INGEST_CACHE", "1").strip().lower() in ("0", "false", "no", "off"):
        return ingest_corpus(paths.articles, max_bytes=paths.max_input_bytes, store=store)
    from pipeline.ingest.cache import IngestCache

    with IngestCache(paths.warehouse / ".cache" / "ingest", _ingest_code_hash()) as cache:
        return ingest_corpus(paths.articles, max_bytes=paths.max_input_bytes, cache=cache, store=store)


@dg.asset_check(
    asset="quarantine",
    additional_ins={"articles": dg.AssetIn("articles"), "duplicates": dg.AssetIn("duplicates")},
    blocking=True,
    description="Every input is accounted for: inputs found in the folder = articles + duplicates + quarantined "
    "(checked on the quarantine table, the last of the three, so that check dependencies follow table order).",
)
def inputs_accounted_for(paths: CorpusPaths, quarantine, articles, duplicates) -> dg.AssetCheckResult:
    n_inputs = sum(1 for _ in iter_inputs(paths.articles))
    accounted = len(articles) + len(duplicates) + len(quarantine)
    return dg.AssetCheckResult(
        passed=n_inputs == accounted,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "inputs": n_inputs,
            "articles": len(articles),
            "duplicates": len(duplicates),
            "quarantined": len(quarantine),
            "unaccounted": n_inputs - accounted,
        },
    )


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[ingest_articles], asset_checks=[inputs_accounted_for])
