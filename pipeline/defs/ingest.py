"""Ingest: the articles folder becomes the articles, duplicates and quarantine tables."""


import dataclasses
import re
import shutil
from pathlib import Path

import dagster as dg

import pipeline.ids as ids_module
import pipeline.ingest as ingest_pkg

from pipeline.defs.resources import CorpusPaths
from pipeline.defs.tables import table_out, table_output
from pipeline.ingest.corpus import IngestResult, ingest_corpus
from pipeline.extract.types import Article
from pipeline.publish.tablefile import SpilledTable, TableFile, iter_frames, sorted_copy
from pipeline.publish.tables import duplicates_frame, quarantine_frame

GROUP = "ingest"
SNAPSHOT_NAME = "input_snapshot.json"  # in the run's scratch folder


@dg.multi_asset(
    outs={name: table_out(name, GROUP) for name in ("articles", "duplicates", "quarantine")},
    can_subset=False,
)
def ingest_articles(context: dg.AssetExecutionContext, paths: CorpusPaths):
    """Read every input under the articles folder (.txt, .jsonl, .html), normalise the text, recognise
    duplicates and quarantine what cannot be an article, with a reason."""
    from pipeline.ingest.snapshot import Snapshot, take_snapshot

    scratch = paths.scratch(context.run.run_id)
    given = Path(paths.snapshot_file) if paths.snapshot_file else None
    snapshot = Snapshot.from_file(given) if given is not None and given.is_file() else take_snapshot(paths.articles)
    snapshot.to_file(scratch / SNAPSHOT_NAME)  # what the accounting check compares the tables with
    store = ParquetArticleStore(scratch / "articles-unsorted.parquet")
    try:
        result = _cached_ingest(paths, store, snapshot)
        articles = store.finish(result.articles, scratch / "articles.parquet", scratch / "ingest-sort")
    except BaseException:
        store.discard()
        raise
    context.log.info(
        f"{result.n_inputs} inputs: {len(result.articles)} articles, {len(result.duplicates)} duplicates, "
        f"{len(result.quarantine)} quarantined"
    )
    if result.arrived:
        context.log.warning(f"{len(result.arrived)} entries arrived after the run's snapshot and wait for the next run: {result.arrived[:20]}")
    if result.ignored:
        context.log.warning(f"{len(result.ignored)} entries are not inputs and were left out: {result.ignored[:20]}")
    extra = {
        "n_inputs": result.n_inputs,
        "articles_dir": str(paths.articles),
        "ignored_entries": dg.MetadataValue.json(list(result.ignored)),
        "arrived_during_run": dg.MetadataValue.json(list(result.arrived)),
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
    root = package.parent  # pipeline/
    # Ingest's code, the records it writes, the cache's codec and the lexicons it reads (dates, stop words).
    files = list(package.glob("*.py")) + [Path(ids_module.__file__), root / "records.py", root / "datacodec.py",
                                          root / "lexicons" / "__init__.py", root / "lexicons" / "dates.yaml",
                                          root / "lexicons" / "stopwords.yaml"]
    return ids_module.files_digest(files, package.parent).hexdigest()[:16]


def _cached_ingest(paths: CorpusPaths, store=None, snapshot=None) -> IngestResult:
    """`ingest_corpus` on the articles folder with a per-file cache under `<warehouse>/.cache/ingest/<code hash>/`
    (pipeline.ingest.cache): a file that has not changed since the last run is not read again, so adding 10
    articles to 10,000 reads 10; duplicates and corpus-inferred dates are still decided over the whole corpus, so
    the tables are those of a full ingest. NEWSLEDGER_INGEST_CACHE=0 turns it off."""
    from pipeline.settings import settings

    if not settings().ingest_cache:
        return ingest_corpus(paths.articles, max_bytes=paths.max_input_bytes, store=store, snapshot=snapshot)
    from pipeline.ingest.cache import IngestCache

    with IngestCache(paths.warehouse / ".cache" / "ingest", _ingest_code_hash()) as cache:
        return ingest_corpus(paths.articles, max_bytes=paths.max_input_bytes, cache=cache, store=store, snapshot=snapshot)


@dg.asset_check(
    asset="quarantine",
    additional_ins={"articles": dg.AssetIn("articles"), "duplicates": dg.AssetIn("duplicates")},
    blocking=True,
    description="Every input is accounted for, against the snapshot of the articles folder taken when the run "
    "started: every entry of the snapshot has a row (article, duplicate or quarantine), no row names a file outside "
    "it, and inputs read = articles + duplicates + quarantined (checked on the quarantine table, the last of the "
    "three, so that check dependencies follow table order).",
)
def inputs_accounted_for(context: dg.AssetCheckExecutionContext, paths: CorpusPaths, quarantine, articles, duplicates) -> dg.AssetCheckResult:
    from pipeline.ingest.snapshot import Snapshot
    from pipeline.publish.tablefile import iter_frames

    snapshot = Snapshot.from_file(paths.scratch(context.run.run_id) / SNAPSHOT_NAME)
    expected = {rel for rel, ident in snapshot.entries.items() if ident[0] != "ignored"}
    files: set[str] = set()
    for name, table, column in (("articles", articles, "source_file"), ("duplicates", duplicates, "input_ref"),
                                ("quarantine", quarantine, "input_ref")):
        for chunk in iter_frames(name, table, batch_rows=50_000, columns=[column]):
            files.update(re.sub(r"#L\d+$", "", ref) for ref in chunk[column])
    event = context.instance.get_latest_materialization_event(dg.AssetKey("quarantine"))
    meta = event.asset_materialization.metadata if event is not None and event.asset_materialization else {}
    n_inputs = meta["n_inputs"].value if "n_inputs" in meta else None
    accounted = len(articles) + len(duplicates) + len(quarantine)
    missing, outside = sorted(expected - files), sorted(files - expected)
    return dg.AssetCheckResult(
        passed=not missing and not outside and n_inputs == accounted,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "inputs": n_inputs,
            "articles": len(articles),
            "duplicates": len(duplicates),
            "quarantined": len(quarantine),
            "unaccounted": (n_inputs or 0) - accounted,
            "snapshot_entries": len(expected),
            "snapshot_entries_without_a_row": dg.MetadataValue.json(missing[:50]),
            "rows_of_files_outside_the_snapshot": dg.MetadataValue.json(outside[:50]),
        },
    )


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[ingest_articles], asset_checks=[inputs_accounted_for])
