"""The typed records the extraction library returns (defined with every cross-layer record in pipeline.records)."""

from pipeline.records import (
    ActorInfo,
    ActorMention,
    Article,
    ArticleExtraction,
    DateMention,
    Event,
    Figure,
    PlaceInfo,
    PlaceMention,
    Sentence,
)

__all__ = ["ActorInfo", "ActorMention", "Article", "ArticleExtraction", "DateMention", "Event", "Figure",
           "PlaceInfo", "PlaceMention", "Sentence"]
