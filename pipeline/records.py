"""The typed records that cross a layer: what ingest hands on (articles, quarantine, duplicates) and what the
extraction library returns (`pipeline.extract.types` re-exports those). Pure Python: no Dagster, no pandas.

Every record that becomes a table row has the fields of its table in `schemas/tables.yaml`, in its order
(tests/test_records.py), and the enums the extractors use are read from there (`enum`). Every record that
comes out of text carries `char_start`/`char_end` (offsets into the article's normalised text, end exclusive)
and the `quote` with `text[char_start:char_end] == quote`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from schemas.metadata import table_meta


def enum(table: str, column: str) -> tuple[str, ...]:
    """The allowed values of a column, as `schemas/tables.yaml` lists them."""
    values = table_meta(table).column(column).enum
    if not values:
        raise ValueError(f"schemas/tables.yaml: {table}.{column} has no enum")
    return values


# ------------------------------------------------------------------------------------------------- ingest


@dataclass(frozen=True)
class Article:
    article_id: str
    text: str
    text_sha256: str
    title: str | None
    url: str | None
    outlet: str | None
    published_at: dt.date | None
    published_at_source: str  # header | metadata | html | inferred | unknown
    language: str
    source_file: str
    source_format: str  # txt | jsonl | html
    n_words: int


@dataclass(frozen=True)
class QuarantineRecord:
    """An input that did not become an article (a row of the `quarantine` table)."""

    quarantine_id: str
    input_ref: str
    stage: str  # discover | read | decode | parse | normalise | validate
    reason: str  # see schemas/tables.yaml, quarantine.reason
    detail: str
    input_sha256: str | None


@dataclass(frozen=True)
class DuplicateRecord:
    """An input whose normalised text equals an earlier article's (a row of the `duplicates` table)."""

    input_ref: str
    article_id: str
    kind: str  # exact_bytes | same_text



# ------------------------------------------------------------------------------------------------ extract


@dataclass(frozen=True)
class Sentence:
    index: int
    char_start: int
    char_end: int


@dataclass(frozen=True)
class ActorInfo:
    actor_id: str
    name: str
    actor_type: str
    country_iso3: str | None = None
    parent_actor_id: str | None = None
    aliases: tuple[str, ...] = ()
    wikidata_qid: str | None = None
    curated: bool = True


@dataclass(frozen=True)
class ActorMention:
    article_id: str
    char_start: int
    char_end: int
    quote: str
    actor_id: str
    sentence_index: int
    role_hint: str | None = None  # e.g. "person", "org", "metonym", "nationality"


@dataclass(frozen=True)
class PlaceInfo:
    place_id: str
    name: str
    country_iso3: str | None
    admin1: str | None
    lat: float | None
    lon: float | None
    precision: str | None  # point | city | admin1 | country | region; None when unresolved
    gazetteer_id: str | None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlaceMention:
    article_id: str
    char_start: int
    char_end: int
    quote: str
    place_id: str
    sentence_index: int


@dataclass(frozen=True)
class DateMention:
    """A date expression in text, resolved against the publication date where it is relative."""

    article_id: str
    char_start: int
    char_end: int
    quote: str
    date_start: dt.date | None
    date_end: dt.date | None
    precision: str  # day | week | month | year | unknown
    sentence_index: int


@dataclass(frozen=True)
class Figure:
    figure_id: str
    article_id: str
    value: float
    value_low: float | None
    value_high: float | None
    qualifier: str
    category: str
    unit: str
    reporter_actor_id: str | None
    reporter_text: str | None
    place_id: str | None
    window_start: dt.date | None
    window_end: dt.date | None
    window_kind: str
    event_id: str | None
    confidence: float
    char_start: int
    char_end: int
    quote: str
    sentence: str
    sentence_index: int = 0


@dataclass(frozen=True)
class Event:
    event_id: str
    article_id: str
    event_type: str
    mode: str | None
    context: tuple[str, ...]
    actor1_id: str | None
    actor2_id: str | None
    assoc_actor_ids: tuple[str, ...]
    place_id: str | None
    date_start: dt.date | None
    date_end: dt.date | None
    date_precision: str
    cameo_root: str | None
    acled_event_type: str | None
    confidence: float
    cluster_id: str  # filled in by cross-article clustering; a per-event placeholder until then
    char_start: int
    char_end: int
    quote: str
    sentence: str
    sentence_index: int = 0


@dataclass
class ArticleExtraction:
    """Everything extracted from one article."""

    article: Article
    sentences: list[Sentence] = field(default_factory=list)
    actor_mentions: list[ActorMention] = field(default_factory=list)
    place_mentions: list[PlaceMention] = field(default_factory=list)
    date_mentions: list[DateMention] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    actors: dict[str, ActorInfo] = field(default_factory=dict)  # every actor_id referenced above
    places: dict[str, PlaceInfo] = field(default_factory=dict)  # every place_id referenced above
