"""The pipeline's stages as plain functions: ingest, extract a bucket, combine, validate, publish. No Dagster here.

The Dagster assets (pipeline/defs/) are thin wrappers that call these and turn the results into outputs, check
results and metadata; `python -m pipeline eval` and the tests call the same functions (`corpus_tables` runs
ingest, one extraction bucket and combine in a folder), so what eval scores is what a run publishes:

    ingest(articles folder)            -> articles (a table file), duplicates, quarantine
    extract_bucket(articles, i, k)     -> one hash bucket's rows of the five tables, as part files (BucketTables)
    combine(buckets)                   -> actors, places, events, figures, mentions, extraction_problems
    validate(names, tables)            -> per table, its pandera failures and the cross-table ones
    publish(warehouse, tables)         -> Parquet first, then DuckDB loaded once (pipeline.publish.writer)
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import pipeline.ids as ids_module
import pipeline.ingest as ingest_pkg
from pipeline import __version__
from pipeline.extract import ExtractionFailure, iter_stream
from pipeline.extract.events import cluster_events
from pipeline.extract.cache import ExtractionCache, compaction_max_shards, extractor_version
from pipeline.extract.nlp import model_version, pipeline_signature
from pipeline.extract.types import Article
from pipeline.ingest.cache import IngestCache
from pipeline.ingest.corpus import DEFAULT_MAX_BYTES, IngestResult, ingest_corpus
from pipeline.ingest.snapshot import Snapshot, take_snapshot
from pipeline.publish.lineage import inputs_hash
from pipeline.publish.state import clear_stamp, write_stamp
from pipeline.tables.files import SpilledTable, TableFile, as_frame, iter_frames, sorted_copy
from pipeline.tables.frames import articles_from_frame, duplicates_frame, extraction_problems_frame, quarantine_frame
from pipeline.tables.parts import TableParts, merge_table_files
from pipeline.tables.validate import ValidationReport, check_evidence, check_foreign_keys, validate_table
from pipeline.publish.views import views_sql
from pipeline.publish.writer import publish as write
from pipeline.settings import settings

log = logging.getLogger(__name__)

EXTRACTED = ("actors", "places", "events", "figures", "mentions")
SNAPSHOT_NAME = "input_snapshot.json"  # in the run's scratch folder


# -- ingest ---------------------------------------------------------------------------------------------------

@dataclass
class Ingested:
    """What ingest hands on: the articles table as a sorted table file, the two small tables, and the raw result
    (counts, notes, entries ignored or arrived during the run)."""

    result: IngestResult
    articles: TableFile
    duplicates: pd.DataFrame
    quarantine: pd.DataFrame


def ingest(articles_dir: Path, scratch: Path, cache_dir: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
           snapshot: Snapshot | None = None) -> Ingested:
    """Read every input under `articles_dir`, normalise, recognise duplicates and quarantine what cannot be an
    article; the snapshot of the folder is written to `scratch/SNAPSHOT_NAME` (what the accounting check reads).
    With `cache_dir`, unchanged files are not read again (pipeline.ingest.cache)."""
    snapshot = snapshot if snapshot is not None else take_snapshot(articles_dir)
    snapshot.to_file(scratch / SNAPSHOT_NAME)
    store = ParquetArticleStore(scratch / "articles-unsorted.parquet")
    try:
        result = _cached_ingest(articles_dir, cache_dir, max_bytes, store, snapshot)
        articles = store.finish(result.articles, scratch / "articles.parquet", scratch / "ingest-sort")
    except BaseException:
        store.discard()
        raise
    return Ingested(result, articles, duplicates_frame(result.duplicates), quarantine_frame(result.quarantine))


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


def ingest_code_hash() -> str:
    package = Path(ingest_pkg.__file__).parent
    root = package.parent  # pipeline/
    # Ingest's code, the records it writes, the cache's codec and the lexicons it reads (dates, stop words).
    files = list(package.glob("*.py")) + [Path(ids_module.__file__), root / "records.py", root / "datacodec.py",
                                          root / "lexicons" / "__init__.py", root / "lexicons" / "dates.yaml",
                                          root / "lexicons" / "stopwords.yaml"]
    return ids_module.files_digest(files, package.parent).hexdigest()[:16]


def ingest_cache_dir(warehouse: Path) -> Path | None:
    """`<warehouse>/.cache/ingest/`, or None when NEWSLEDGER_INGEST_CACHE=0 turns the ingest cache off."""
    return warehouse / ".cache" / "ingest" if settings().ingest_cache else None


def _cached_ingest(articles_dir: Path, cache_dir: Path | None, max_bytes: int, store, snapshot) -> IngestResult:
    """`ingest_corpus` with a per-file cache under `<cache_dir>/<code hash>/` (pipeline.ingest.cache): a file that
    has not changed since the last run is not read again, so adding 10 articles to 10,000 reads 10; duplicates
    and corpus-inferred dates are still decided over the whole corpus, so the tables are those of a full ingest."""
    if cache_dir is None:
        return ingest_corpus(articles_dir, max_bytes=max_bytes, store=store, snapshot=snapshot)
    with IngestCache(cache_dir, ingest_code_hash()) as cache:
        return ingest_corpus(articles_dir, max_bytes=max_bytes, cache=cache, store=store, snapshot=snapshot)


# -- extract a bucket -----------------------------------------------------------------------------------------

def extraction_cache(warehouse: Path):
    """The per-article extraction cache under `<warehouse>/.cache/extraction/` (pipeline.extract.cache), or None
    when NEWSLEDGER_EXTRACTION_CACHE=0 turns it off."""
    if not settings().extraction_cache:
        return None
    return ExtractionCache(warehouse / ".cache" / "extraction", extractor_version(pipeline_signature()))


def bucket_of(article_id: str, k: int) -> int:
    """A stable bucket in [0, k) for an article id (a hash, so buckets are even and do not depend on order)."""
    return int(hashlib.sha256(article_id.encode("utf-8", "surrogatepass")).hexdigest()[:8], 16) % k


def bucket_size(articles: TableFile | pd.DataFrame, i: int, k: int) -> int:
    """How many articles of the articles table fall in bucket `i` of `k` (for a progress total)."""
    ids = pq.read_table(articles.path, columns=["article_id"]).column("article_id").to_pylist() \
        if hasattr(articles, "path") else list(articles["article_id"])
    return sum(bucket_of(a, k) == i for a in ids)


@dataclass
class BucketTables:
    """What an extraction bucket hands to `combine`: its rows of the five tables (not the extraction records,
    which stay in the cache), its event records for clustering, and its failures."""

    parts: TableParts
    failures: list[ExtractionFailure] = field(default_factory=list)
    n_articles: int = 0
    cached: int = 0
    compacted: str = ""  # what the cache compaction did, for the step's log ("" when nothing)


def extract_bucket(articles: TableFile | pd.DataFrame, i: int, k: int, spill_dir: Path, cache=None, nlp=None,
                   progress=None, log=log) -> BucketTables:
    """spaCy and the per-article extractors on the articles of hash bucket `i` of `k`, streamed: the articles table
    passes in batches (only this bucket's articles of one batch are held), each result becomes table rows at once
    and the rows go to part files in `spill_dir` every so often. `progress.tick()` is called per article."""

    def own_articles():
        for chunk in iter_frames("articles", articles, batch_rows=2_000):
            yield articles_from_frame(chunk[[bucket_of(a, k) == i for a in chunk["article_id"]]])

    shutil.rmtree(spill_dir, ignore_errors=True)  # what an earlier attempt of this step left
    spill_dir.mkdir(parents=True)
    out = BucketTables(parts=TableParts(spill_dir=str(spill_dir)))
    counts: dict = {}
    keys: set[str] = set()
    group = f"b{i}of{k}"
    for item in iter_stream(own_articles, cache=cache, nlp=nlp, group=group, counts=counts, keys=keys):
        if progress is not None:
            progress.tick()
        if isinstance(item, ExtractionFailure):  # published with what was found, and a row that says why
            if item.partial is not None:
                out.parts.add(item.partial)
            out.failures.append(dataclasses.replace(item, partial=None))
        else:
            out.parts.add(item)
    out.parts.frozen()
    out.n_articles, out.cached = counts["articles"], counts["cached"]
    out.failures.sort(key=lambda f: (f.article_id, f.source_file))
    if cache is not None:
        out.compacted = _compact(cache, group, keys, f"bucket {i}/{k}", log)
    return out


def _compact(cache, group: str, keys: set[str], label: str, log) -> str:
    """Merge the small shards incremental runs leave and drop results of articles no longer in the bucket (reads
    only the key lists when there is nothing to do). Housekeeping: a failure costs no result."""
    try:
        stats = cache.compact(group, keep=keys, max_shards=compaction_max_shards())
        return f"; {stats}" if stats.changed else ""
    except Exception as exc:  # noqa: BLE001 - the cache is an optimisation; the next run tries again
        log.warning(f"{label}: extraction cache compaction failed: {type(exc).__name__}: {exc}")
        return ""


# -- combine --------------------------------------------------------------------------------------------------

@dataclass
class Combined:
    """The extracted tables (actors and places as DataFrames, events, figures and mentions as table files) and
    the extraction_problems table, with the counts the step reports."""

    tables: dict
    failures: list[ExtractionFailure]
    n_articles: int
    cached: int


def combine(buckets: list[BucketTables], scratch: Path, cache=None, log=log) -> Combined:
    """The cross-article steps over every bucket (event clustering, merging the actor and place descriptions,
    sorting rows by key): the same tables as one full rebuild, whatever the buckets or cache. The buckets' part
    files are removed once merged."""
    if cache is not None and cache.prune():  # results of older extraction code are never read again
        log.info("removed extraction cache folders of older extractor versions")
    events = sorted((e for b in buckets for e in b.parts.events), key=lambda e: e.event_id)
    # Only the reports that joined a cluster: the others keep the placeholder id their rows carry.
    cluster_of = {e.event_id: c.cluster_id for e, c in zip(events, cluster_events(events)) if c.cluster_id != e.cluster_id}
    del events
    merge_tmp = scratch / "combine"
    tables = merge_table_files([b.parts for b in buckets], cluster_of, scratch, merge_tmp)
    for b in buckets:  # the part files are merged into the tables now
        for files in b.parts.files.values():
            for f in files:
                Path(f).unlink(missing_ok=True)
    shutil.rmtree(merge_tmp, ignore_errors=True)
    failures = sorted((f for b in buckets for f in b.failures), key=lambda f: (f.article_id, f.source_file))
    tables["extraction_problems"] = extraction_problems_frame(failures)
    return Combined(tables, failures, sum(b.n_articles for b in buckets), sum(b.cached for b in buckets))


def extracted_tables(articles: TableFile | pd.DataFrame, work_dir: Path, nlp=None, cache=None) -> Combined:
    """`extract_bucket` (one bucket) then `combine` over an articles table, in `work_dir`: the extracted tables
    as a run makes them, with every table read back as a DataFrame."""
    work_dir.mkdir(parents=True, exist_ok=True)
    bucket = extract_bucket(articles, 0, 1, work_dir / "bucket_0_of_1", cache=cache, nlp=nlp)
    done = combine([bucket], work_dir)
    done.tables = {name: as_frame(name, t) if isinstance(t, TableFile) else t for name, t in done.tables.items()}
    return done


def corpus_tables(articles_dir: Path, work_dir: Path, nlp=None, cache=None) -> dict[str, pd.DataFrame]:
    """Every table of a run on `articles_dir` (ingest, one extraction bucket, combine), read back as DataFrames:
    what eval scores and tests compare, by the same functions a Dagster run calls. `work_dir` holds the files."""
    work_dir.mkdir(parents=True, exist_ok=True)
    ingested = ingest(articles_dir, work_dir)
    tables = {"articles": as_frame("articles", ingested.articles), "duplicates": ingested.duplicates,
              "quarantine": ingested.quarantine}
    tables.update(extracted_tables(ingested.articles, work_dir, nlp, cache).tables)
    return tables


# -- validate -------------------------------------------------------------------------------------------------

@dataclass
class TableValidation:
    rows: int
    failures: list[dict]  # the recorded failure cases (pandera's and the cross-table ones)
    total: int  # every failure, recorded or only counted


def validate(names: list[str], tables: dict) -> dict[str, TableValidation]:
    """Each table of `names` against its pandera model, with the foreign keys and evidence quotes it takes part
    in (`tables` holds the tables named and those they refer to)."""
    cross_table: ValidationReport = check_foreign_keys(tables).extend(check_evidence(tables))
    out = {}
    for name in names:
        report = validate_table(name, tables[name])
        out[name] = TableValidation(len(tables[name]), report.failures + cross_table.for_table(name),
                                    report.count(name) + cross_table.count(name))
    return out


# -- publish --------------------------------------------------------------------------------------------------

def publish(warehouse: Path, tables: dict, state: str | None = None):
    """The one writer step: every table as Parquet, then DuckDB loaded once from them (pipeline.publish.writer),
    with the views; the up-to-date stamp is removed first and, when the launcher gave the input `state`, written
    after. Returns the writer's `Published` and the key-value metadata written into every Parquet file."""
    kv = {
        "newsledger.pipeline_version": __version__,
        "newsledger.inputs_sha256": inputs_hash(tables["articles"], tables["duplicates"], tables["quarantine"]),
        "newsledger.model": model_version(),
    }
    clear_stamp(warehouse)  # whatever happens next, the old stamp no longer describes the warehouse
    result = write(warehouse, tables, kv, views_sql())
    if state:  # the launcher fingerprinted the inputs and code before the run read them (pipeline/publish/state.py)
        write_stamp(warehouse, state, result.rows, result.files)
    return result, kv
