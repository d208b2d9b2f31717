"""The extraction library: text in, typed records with spans out. No Dagster here.

`iter_extractions(articles)` runs spaCy once per article (batched with `nlp.pipe`, streaming: only one batch of
Docs is alive at a time) and hands each Doc to the extractors in dependency order: actors, places (which must
not count an actor's metonym as a place), dates, then figures and events (which use the three before), then
links figures to the events they belong to.

Every article is independent of every other, so batches run in parallel processes or on other machines, and
results are cached per article (`pipeline.extract.cache`): `iter_stream` streams a bucket of articles through the
cache and the extractors, `extract_batch` collects one batch. The cross-article step (event clustering,
`pipeline.extract.events.cluster_events`) and the tables are pipeline.stages' work (`combine`)."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from pipeline.extract.recase import restore_text
from pipeline.extract.types import Article, ArticleExtraction, Event, Figure

log = logging.getLogger(__name__)

# Figure categories and the event types they can belong to, in order of preference.
_FIGURE_EVENT_TYPES = {
    "displaced": ("DISPLACEMENT",),
    "evacuated": ("DISPLACEMENT",),
    "refugees": ("DISPLACEMENT",),
    "returnees": ("DISPLACEMENT",),
    "killed": ("ASSAULT",),
    "injured": ("ASSAULT",),
    "missing": ("ASSAULT",),
    "homes_destroyed": ("ASSAULT",),
    "besieged": ("ASSAULT",),
    "detained": ("COERCE",),
}


@dataclass
class ExtractionFailure:
    """An article whose extraction stopped: `stage` is the extractor that raised or ran out of budget, `reason`
    `extraction_error` or `work_budget_exceeded`; `partial` holds what the earlier stages found (published)."""

    article_id: str
    source_file: str
    error: str
    stage: str = "article"
    reason: str = "extraction_error"
    partial: ArticleExtraction | None = field(default=None, repr=False)


class StageFailed(Exception):
    """An extractor raised: `stage` names it, `partial` holds what the earlier extractors found."""

    def __init__(self, stage: str, cause: BaseException, partial: ArticleExtraction | None):
        super().__init__(f"{stage}: {type(cause).__name__}: {cause}")
        self.stage, self.cause, self.partial = stage, cause, partial


@dataclass
class CorpusExtraction:
    extractions: list[ArticleExtraction] = field(default_factory=list)
    failures: list[ExtractionFailure] = field(default_factory=list)
    cached: int = 0  # articles whose results came from the extraction cache


def extract_article(article: Article, doc, budget=None) -> ArticleExtraction:
    """Every extractor on one article, in dependency order. With a `budget` (pipeline.extract.budget), each
    extractor runs as one of its stages; when one raises or the budget runs out, `StageFailed` or
    `BudgetExceeded` carries what the earlier stages found (`partial`; figures without event links when the
    events stopped)."""
    from pipeline.extract.actors import extract_actors, load_registry
    from pipeline.extract.budget import BudgetExceeded
    from pipeline.extract.context import ArticleContext
    from pipeline.extract.events import extract_events
    from pipeline.extract.figures import extract_figures
    from pipeline.extract.places import extract_places, load_gazetteer
    from pipeline.extract.temporal import extract_dates

    ctx = ArticleContext(article, doc)
    found = ArticleExtraction(article=article, sentences=list(ctx.sentences), actor_mentions=[], place_mentions=[],
                              date_mentions=[], figures=[], events=[], actors={}, places={})
    stage = contextlib.nullcontext if budget is None else budget.stage
    name = "actors"
    try:
        with stage(name):
            found.actor_mentions, found.actors = extract_actors(ctx, load_registry())
        name = "places"
        with stage(name):
            found.place_mentions, found.places = extract_places(ctx, load_gazetteer(), found.actor_mentions)
        name = "dates"
        with stage(name):
            found.date_mentions = extract_dates(ctx)
        name = "figures"
        with stage(name):
            figures = extract_figures(ctx, found.actor_mentions, found.place_mentions, found.date_mentions, found.actors)
        found.figures = figures  # published without their event links should the events stop
        name = "events"
        with stage(name):
            events = extract_events(ctx, found.actor_mentions, found.place_mentions, found.date_mentions, found.actors)
            figures = link_figures_to_events(figures, events)
    except BudgetExceeded as exc:
        exc.partial = found
        raise
    except Exception as exc:  # noqa: BLE001 - reported with what was found, never dropped
        raise StageFailed(name, exc, found) from exc
    # Every id a figure or event points at must be described.
    for ev in events:
        for aid in (ev.actor1_id, ev.actor2_id, *ev.assoc_actor_ids):
            if aid and aid not in found.actors:
                raise StageFailed("events", ValueError(f"event {ev.event_id} names actor {aid} that the actor extractor did not describe"), found)
    found.figures, found.events = figures, events
    return found


def link_figures_to_events(figures: list[Figure], events: list[Event]) -> list[Figure]:
    """A figure belongs to the nearest event of a fitting type in its own sentence."""
    out = []
    for f in figures:
        wanted = _FIGURE_EVENT_TYPES.get(f.category, ())
        candidates = [e for e in events if e.sentence_index == f.sentence_index and e.event_type in wanted]
        if candidates:
            best = min(candidates, key=lambda e: (wanted.index(e.event_type), abs(e.char_start - f.char_start), e.event_id))
            f = dataclasses.replace(f, event_id=best.event_id)
        out.append(f)
    return out


DEFAULT_BATCH_SIZE = 64  # at most this many texts per nlp.pipe batch
# ... and at most about this many words: spaCy's working memory grows with the tokens of a batch (the parser and
# NER hold per-token feature arrays), about 20 MiB per 1,000 words with en_core_web_sm, while throughput does not
# depend on it (160 news articles: 16.8-16.9 s with budgets of 3,000 to 100,000 words; peak RSS 231 MiB at 3,000
# words, 290 at 6,000, 716 at 100,000, i.e. 64 articles per batch). One longer article is a batch of its own.
DEFAULT_BATCH_WORDS = 4_000


def word_batches(articles: Iterable[Article], max_words: int = DEFAULT_BATCH_WORDS, max_texts: int = DEFAULT_BATCH_SIZE) -> Iterator[list[Article]]:
    """Consecutive batches of `articles` (in order) of at most `max_texts` texts and, unless one article alone is
    longer, at most `max_words` words."""
    batch: list[Article] = []
    words = 0
    for a in articles:
        n = a.n_words or len(a.text) // 6
        if batch and (words + n > max_words or len(batch) >= max_texts):
            yield batch
            batch, words = [], 0
        batch.append(a)
        words += n
    if batch:
        yield batch


def for_nlp(article: Article) -> Article:
    """The article the extractors read: itself, or for an article written all in lower case a copy whose text has
    the capitals back (same length: pipeline.extract.recase); `restore_text` puts the original words back into the
    records."""
    from pipeline.extract.recase import recase_for_nlp

    text = recase_for_nlp(article.text)
    return article if text is article.text else dataclasses.replace(article, text=text)


def iter_extractions(
    articles: Iterable[Article], nlp=None, batch_size: int = DEFAULT_BATCH_SIZE, n_process: int = 1,
    batch_words: int = DEFAULT_BATCH_WORDS, budget_seconds: float | None = None,
) -> Iterator[ArticleExtraction | ExtractionFailure]:
    """Per-article results in input order; an article whose extraction raises or uses up its work budget
    (`budget_seconds`, default NEWSLEDGER_EXTRACT_BUDGET_SECONDS: pipeline.extract.budget) yields an
    ExtractionFailure with what the earlier extractors found.

    Streams: `articles` may be a generator, and only one batch of Docs is alive at a time. Batches hold at most
    `batch_size` texts and `batch_words` words (see DEFAULT_BATCH_WORDS). `n_process` > 1 parses in that many
    worker processes (spaCy's own multiprocessing, batches of `batch_size` texts)."""
    from pipeline.extract.nlp import load_nlp

    nlp = nlp or load_nlp()
    if n_process > 1:
        pairs = ((w.text, (w, a)) for a in articles for w in (for_nlp(a),))
        docs = ((doc, w, a) for doc, (w, a) in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size, n_process=n_process))
    else:
        docs = (
            (doc, work, article)
            for batch in word_batches(articles, batch_words, batch_size)
            for works in ([for_nlp(a) for a in batch],)
            for doc, work, article in zip(nlp.pipe([w.text for w in works], batch_size=len(batch)), works, batch)
        )
    from pipeline.extract.budget import BudgetExceeded, article_budget

    for doc, work, article in docs:
        try:
            with article_budget(budget_seconds) as budget:
                result = extract_article(work, doc, budget)
            yield result if work is article else restore_text(result, article)
        except BudgetExceeded as exc:  # published with what was found, and a row that says why the rest is not
            log.warning("extraction of %s stopped: %s", article.source_file, exc)
            yield _failure(article, work, str(exc), exc.stage, "work_budget_exceeded", getattr(exc, "partial", None))
        except StageFailed as exc:
            log.error("extraction failed for %s in %s", article.source_file, exc.stage, exc_info=exc.cause)
            yield _failure(article, work, f"{type(exc.cause).__name__}: {exc.cause}", exc.stage, "extraction_error", exc.partial)
        except Exception as exc:  # one bad article must not stop the corpus; it is reported, never dropped
            log.exception("extraction failed for %s", article.source_file)
            yield _failure(article, work, f"{type(exc).__name__}: {exc}", "article", "extraction_error", None)


def _failure(article: Article, work: Article, error: str, stage: str, reason: str, partial) -> ExtractionFailure:
    if partial is not None and work is not article:
        try:
            partial = restore_text(partial, article)
        except Exception:  # noqa: BLE001 - nothing partial then, the row still says why
            partial = None
    return ExtractionFailure(article.article_id, article.source_file, error[:2000], stage, reason, partial)


def iter_stream(
    read: Callable[[], Iterable[list[Article]]],
    cache=None,
    nlp=None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    n_process: int = 1,
    flush_every: int = 500,
    group: str = "",
    counts: dict | None = None,
    keys: set[str] | None = None,
) -> Iterator[ArticleExtraction | ExtractionFailure]:
    """Per-article extraction of more articles than should be held at once: `read()` yields them in chunks, and
    only the chunk being read is held (with one cache key per article).

    Articles no shard of the `ExtractionCache` (pipeline.extract.cache) lists go through spaCy and the extractors
    as the chunks come (in `nlp.pipe` batches across chunks), and their results are stored in shards of
    `flush_every` (named for `group`: a crash later keeps what was done). The others come from the cache after
    that, one cache shard at a time. `read` is called a second time only when a listed shard turned out not to
    hold an article (removed by a concurrent compaction, or damaged): those articles are extracted then. No result
    is held beyond what the consumer keeps. Order: new results in input order, then cached ones (by shard).
    `counts["articles"]` counts the articles read, `counts["cached"]` those taken from the cache; `keys`, when
    given, receives every article's cache key."""
    from pipeline.extract.cache import article_key

    counts = counts if counts is not None else {}
    counts["articles"] = counts["cached"] = 0
    listed = cache.listed_keys() if cache is not None else frozenset()
    deferred: dict[str, str] = {}  # article id -> key, for articles a cache shard lists
    pending: dict[str, str] = {}  # article id -> key, for articles on their way through spaCy
    fresh: dict[str, ArticleExtraction] = {}

    def extract(todo: Iterable[Article]) -> Iterator[ArticleExtraction | ExtractionFailure]:
        nonlocal fresh
        for item in iter_extractions(todo, nlp, batch_size, n_process):
            if isinstance(item, ExtractionFailure):
                pending.pop(item.article_id, None)
                yield item
                continue
            key = pending.pop(item.article.article_id, None)
            if key is not None:
                fresh[key] = item
                if len(fresh) >= flush_every:
                    cache.store(fresh, group)
                    fresh = {}
            yield item

    def first_pass() -> Iterator[Article]:
        for chunk in read():
            for a in chunk:
                counts["articles"] += 1
                if cache is None:
                    yield a
                    continue
                key = article_key(a)
                if keys is not None:
                    keys.add(key)
                if key in listed:
                    deferred[a.article_id] = key
                else:
                    pending[a.article_id] = key
                    yield a

    yield from extract(first_pass())
    found: set[str] = set()
    if deferred:
        for key, ex in cache.iter_found(deferred.values(), group):
            found.add(key)
            counts["cached"] += 1
            yield ex
    missing = {aid for aid, key in deferred.items() if key not in found}
    if missing:
        log.info("%d articles listed in the extraction cache were not found there: extracted again", len(missing))
        pending.update((aid, deferred[aid]) for aid in missing)
        yield from extract(a for chunk in read() for a in chunk if a.article_id in missing)
    if cache is not None:
        cache.store(fresh, group)


def extract_batch(
    articles: Iterable[Article],
    cache=None,
    nlp=None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    n_process: int = 1,
    flush_every: int = 500,
) -> CorpusExtraction:
    """Per-article extraction of one batch of articles, without the cross-article steps (`iter_stream` over the
    batch as one chunk, collected).
    Results come back sorted by article id; `CorpusExtraction.cached` counts the articles taken from the cache."""
    counts: dict = {}
    result = CorpusExtraction()
    articles = list(articles)
    for item in iter_stream(lambda: [articles], cache, nlp, batch_size, n_process, flush_every, counts=counts):
        if isinstance(item, ExtractionFailure):
            result.failures.append(item)
        else:
            result.extractions.append(item)
    result.cached = counts["cached"]
    result.extractions.sort(key=lambda ex: ex.article.article_id)
    result.failures.sort(key=lambda f: (f.article_id, f.source_file))
    return result
