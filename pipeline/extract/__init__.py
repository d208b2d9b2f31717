"""The extraction library: text in, typed records with spans out. No Dagster here.

`extract_corpus(articles)` runs spaCy once per article (batched with `nlp.pipe`, streaming: only one batch of
Docs is alive at a time) and hands each Doc to the extractors in dependency order: actors, places (which must
not count an actor's metonym as a place), dates, then figures and events (which use the three before), then
links figures to the events they belong to, and finally clusters event reports across articles.

For large corpora the work splits in two: `extract_batch` does the per-article part of one batch of articles
(independent of every other article, so batches run in parallel processes or on other machines, and its
results can be cached per article: `pipeline.extract.cache`), and `combine` does the cross-article part
(event clustering) over the results of all batches. `extract_corpus` is both in one call.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from typing import Iterable, Iterator

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
    article_id: str
    source_file: str
    error: str


@dataclass
class CorpusExtraction:
    extractions: list[ArticleExtraction] = field(default_factory=list)
    failures: list[ExtractionFailure] = field(default_factory=list)
    cached: int = 0  # articles whose results came from the extraction cache


def extract_article(article: Article, doc) -> ArticleExtraction:
    from pipeline.extract.actors import extract_actors, load_registry
    from pipeline.extract.context import ArticleContext
    from pipeline.extract.events import extract_events
    from pipeline.extract.figures import extract_figures
    from pipeline.extract.places import extract_places, load_gazetteer
    from pipeline.extract.temporal import extract_dates

    ctx = ArticleContext(article, doc)
    actor_mentions, actors = extract_actors(ctx, load_registry())
    place_mentions, places = extract_places(ctx, load_gazetteer(), actor_mentions)
    date_mentions = extract_dates(ctx)
    figures = extract_figures(ctx, actor_mentions, place_mentions, date_mentions, actors)
    events = extract_events(ctx, actor_mentions, place_mentions, date_mentions, actors)
    figures = link_figures_to_events(figures, events)
    # Every id a figure or event points at must be described.
    for ev in events:
        for aid in (ev.actor1_id, ev.actor2_id, *ev.assoc_actor_ids):
            if aid and aid not in actors:
                raise ValueError(f"event {ev.event_id} names actor {aid} that the actor extractor did not describe")
    return ArticleExtraction(
        article=article,
        sentences=list(ctx.sentences),
        actor_mentions=actor_mentions,
        place_mentions=place_mentions,
        date_mentions=date_mentions,
        figures=figures,
        events=events,
        actors=actors,
        places=places,
    )


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


DEFAULT_BATCH_SIZE = 64  # texts per nlp.pipe batch: bounded memory (Docs are dropped as soon as extracted)


def iter_extractions(
    articles: Iterable[Article], nlp=None, batch_size: int = DEFAULT_BATCH_SIZE, n_process: int = 1
) -> Iterator[ArticleExtraction | ExtractionFailure]:
    """Per-article results in input order; an article whose extraction raises yields an ExtractionFailure.

    Streams: `articles` may be a generator, and only one `nlp.pipe` batch of Docs is alive at a time.
    `n_process` > 1 parses in that many worker processes (spaCy's own multiprocessing)."""
    from pipeline.extract.nlp import load_nlp

    nlp = nlp or load_nlp()
    pairs = ((a.text, a) for a in articles)
    for doc, article in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size, n_process=n_process):
        try:
            yield extract_article(article, doc)
        except Exception as exc:  # one bad article must not stop the corpus; it is reported, never dropped
            log.exception("extraction failed for %s", article.source_file)
            yield ExtractionFailure(article.article_id, article.source_file, f"{type(exc).__name__}: {exc}")


def extract_batch(
    articles: Iterable[Article],
    cache=None,
    nlp=None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    n_process: int = 1,
    flush_every: int = 500,
) -> CorpusExtraction:
    """Per-article extraction of one batch of articles, without the cross-article steps.

    With an `ExtractionCache` (pipeline.extract.cache), articles already in the cache are taken from it and
    only the others go through spaCy and the extractors; their results are stored in shards of `flush_every`.
    Results come back sorted by article id; `CorpusExtraction.cached` counts the articles taken from the cache.
    """
    from pipeline.extract.cache import article_key

    articles = list(articles)
    keys = {a.article_id: article_key(a) for a in articles} if cache is not None else {}
    found = cache.load(keys.values()) if cache is not None else {}
    todo = [a for a in articles if cache is None or keys[a.article_id] not in found]
    result = CorpusExtraction(cached=len(articles) - len(todo))
    fresh: dict[str, ArticleExtraction] = {}
    if todo:
        for item in iter_extractions(todo, nlp, batch_size, n_process):
            if isinstance(item, ExtractionFailure):
                result.failures.append(item)
                continue
            result.extractions.append(item)
            if cache is not None:
                fresh[keys[item.article.article_id]] = item
                if len(fresh) >= flush_every:  # a crash later in the batch keeps what was done
                    cache.store(fresh)
                    fresh = {}
    if cache is not None:
        cache.store(fresh)
        result.extractions.extend(found[keys[a.article_id]] for a in articles if keys[a.article_id] in found)
    result.extractions.sort(key=lambda ex: ex.article.article_id)
    result.failures.sort(key=lambda f: (f.article_id, f.source_file))
    return result


def combine(batches: Iterable[CorpusExtraction]) -> CorpusExtraction:
    """The cross-article steps over the per-article results of every batch: event reports are clustered
    across all articles (the same result whatever the batches and their order: extractions are sorted by
    article id first)."""
    from pipeline.extract.events import cluster_events

    result = CorpusExtraction()
    for b in batches:
        result.extractions.extend(b.extractions)
        result.failures.extend(b.failures)
        result.cached += b.cached
    result.extractions.sort(key=lambda ex: ex.article.article_id)
    result.failures.sort(key=lambda f: (f.article_id, f.source_file))
    clustered = {e.event_id: e for e in cluster_events([e for ex in result.extractions for e in ex.events])}
    for ex in result.extractions:
        ex.events = [clustered[e.event_id] for e in ex.events]
    return result


def extract_corpus(
    articles: Iterable[Article], nlp=None, batch_size: int = DEFAULT_BATCH_SIZE, cache=None, n_process: int = 1
) -> CorpusExtraction:
    """Every article extracted (from `cache` where it holds them), then the cross-article steps."""
    return combine([extract_batch(articles, cache=cache, nlp=nlp, batch_size=batch_size, n_process=n_process)])
