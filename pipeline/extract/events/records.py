"""The extractor's working records (mention index, argument, trigger, sentence, frame) and span helpers."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pipeline.extract.events.lexicon import Sense
from pipeline.extract.types import ActorMention, DateMention, PlaceMention

# Confidence adjustments (subtracted from the sense's base confidence).


PENALTY = {
    "no_actor1": 0.2,
    "no_target": 0.05,
    "pronoun": 0.05,
    "negated": 0.15,
    "hypothetical": 0.1,
    "future": 0.1,
    "historical": 0.05,
    "claimed": 0.1,
}


MAX_QUOTE_CHARS = 400



CLAUSE_BOUNDARY_DEPS = ("ccomp", "parataxis", "relcl", "advcl", "csubj")


NAME_ENTITY_TYPES = ("ORG", "GPE", "FAC", "PERSON", "LOC", "WORK_OF_ART", "LAW", "PRODUCT")


class Mentions:
    """Character-span lookup of actor, place and date mentions."""

    def __init__(self, actors: list[ActorMention], places: list[PlaceMention], dates: list[DateMention]):
        self.actors = sorted(actors, key=lambda m: (m.char_start, m.char_end, m.actor_id))
        self.places = sorted(places, key=lambda m: (m.char_start, m.char_end, m.place_id))
        self.dates = sorted(dates, key=lambda m: (m.char_start, m.char_end))

    @staticmethod
    def _covering(mentions: list, start: int, end: int):
        best = None
        for m in mentions:
            if m.char_start > start:
                break
            if m.char_start <= start and end <= m.char_end:
                if best is None or (m.char_end - m.char_start) > (best.char_end - best.char_start):
                    best = m
        return best

    def actor_at(self, tok) -> ActorMention | None:
        return self._covering(self.actors, tok.idx, tok.idx + len(tok.text))

    def place_at(self, tok) -> PlaceMention | None:
        return self._covering(self.places, tok.idx, tok.idx + len(tok.text))

    def date_at(self, tok) -> DateMention | None:
        return self._covering(self.dates, tok.idx, tok.idx + len(tok.text))


@dataclass(frozen=True)
class Arg:
    """An actor filling a role, with the words in this sentence that name it."""

    actor_id: str
    start: int
    end: int
    token_i: int
    via_pronoun: bool = False
    remote: bool = False  # known through another event's words ("killed in an air strike by X"): not quoted


@dataclass
class Trigger:
    token: object  # spacy Token
    sense: Sense
    kind: str  # verb | noun | adj
    tokens: tuple  # all tokens that make up the trigger words (prefix, particle, compound)
    theme: object | None = None  # the token that satisfied a theme condition


@dataclass
class Sent:
    index: int
    start: int
    end: int
    tokens: list  # spaCy tokens of the sentence

    def has(self, tok) -> bool:
        return self.start <= tok.idx < self.end


@dataclass
class Frame:
    actor1: list[Arg]
    actor2: list[Arg]
    assoc: list[Arg]
    anchor: object  # token whose clause carries modality
    search_roots: list  # tokens whose subtrees hold the event's place/date
    phrase_ends: list[int]  # right edges of argument phrases, for the quote
    phrase_starts: list[int] = dataclasses.field(default_factory=list)  # left edges of non-actor arguments
    flags: tuple[str, ...] = ()  # context flags the frame itself implies ("claimed responsibility for")


@dataclass
class Roles:
    """The roles of a frame while its rules fill them in."""

    actor1: list[Arg]
    actor2: list[Arg]
    ends: list[int]  # right edges of argument phrases, for the quote
    flags: tuple[str, ...] = ()


def core_end(tok) -> int:
    """End offset of a phrase without trailing relative clauses, appositions and parentheticals."""
    end = tok.idx + len(tok.text)
    for c in tok.children:
        if c.i > tok.i and c.dep_ not in ("relcl", "appos", "punct", "cc", "advcl", "acl", "parataxis", "conj"):
            end = max(end, core_end(c))
        elif c.i > tok.i and c.dep_ == "conj" and c.pos_ not in ("VERB", "AUX"):
            end = max(end, core_end(c))
    return end


def predicate_end(verb) -> int:
    """End offset of a verb with its particle and direct object ("stop its bombing campaign", "leave their
    homes"), without adjuncts."""
    end = verb.idx + len(verb.text)
    for c in verb.children:
        if c.i > verb.i and c.dep_ in ("dobj", "prt", "attr", "acomp", "advmod", "dative"):
            end = max(end, core_end(c))
    return end


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in ",;:—–-"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:—–-("):
        end -= 1
    return start, end
