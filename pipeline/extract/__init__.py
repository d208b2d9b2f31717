"""The extraction library: text in, typed records with spans out. No Dagster here.

`extract_corpus(articles)` runs spaCy once per article (batched with `nlp.pipe`) and hands each Doc to the
extractors in dependency order: actors, places (which must not count an actor's metonym as a place), dates,
then figures and events (which use the three before), then links figures to the events they belong to, and
finally clusters event reports across articles.
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


def iter_extractions(articles: Iterable[Article], nlp=None, batch_size: int = 16) -> Iterator[ArticleExtraction | ExtractionFailure]:
    """Per-article results in input order; an article whose extraction raises yields an ExtractionFailure."""
    from pipeline.extract.nlp import load_nlp

    nlp = nlp or load_nlp()
    articles = list(articles)
    docs = nlp.pipe((a.text for a in articles), batch_size=batch_size)
    for article, doc in zip(articles, docs):
        try:
            yield extract_article(article, doc)
        except Exception as exc:  # one bad article must not stop the corpus; it is reported, never dropped
            log.exception("extraction failed for %s", article.source_file)
            yield ExtractionFailure(article.article_id, article.source_file, f"{type(exc).__name__}: {exc}")


def extract_corpus(articles: Iterable[Article], nlp=None, batch_size: int = 16) -> CorpusExtraction:
    from pipeline.extract.events import cluster_events

    result = CorpusExtraction()
    for item in iter_extractions(articles, nlp, batch_size):
        if isinstance(item, ExtractionFailure):
            result.failures.append(item)
        else:
            result.extractions.append(item)
    clustered = {e.event_id: e for e in cluster_events([e for ex in result.extractions for e in ex.events])}
    for ex in result.extractions:
        ex.events = [clustered[e.event_id] for e in ex.events]
    return result
