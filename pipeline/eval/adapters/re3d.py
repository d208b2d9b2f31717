"""re3d (entities/re3d_dev.jsonl): entity spans on Syria/Iraq conflict text.

Mapping to this project's mentions:
- Organisation and Person spans <-> actor mentions; Location spans <-> place mentions; a gold span is
  found when a mention of the right kind overlaps it by at least one character;
- re3d merges several annotators and gives each span a `confidence` (their agreement). Recall is counted
  on the spans with confidence > 0.5 (most annotators agreed; the spans below include noise such as
  "may" or "Truly" as Person) and, for reading, on all spans (`recall_all`);
- precision: a mention is correct when it overlaps a gold span of an accepted type, whatever its confidence
  (actors: Organisation, Person, Nationality; places: Location).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.eval.metrics import PRF, overlaps
from pipeline.eval.report import make_report, target
from pipeline.eval.runner import TextItem, extract_items, limit_items
from pipeline.eval.adapters.jsonl import read_records

FILE = "entities/re3d_dev.jsonl"
NAME = "re3d_entities"
CONFIDENT = 0.5

ACTOR_GOLD = ("Organisation", "Person")
ACTOR_ACCEPT = ("Organisation", "Person", "Nationality")
PLACE_GOLD = ("Location",)
PLACE_ACCEPT = ("Location",)


@dataclass(frozen=True)
class Entity:
    start: int
    end: int
    type: str
    value: str
    confidence: float


@dataclass(frozen=True)
class Document:
    item_id: str
    text: str
    entities: tuple[Entity, ...]


def _document(d: dict) -> Document:
    ents = tuple(
        Entity(int(e["start"]), int(e["end"]), str(e["type"]), str(e.get("value", "")), float(e.get("confidence", 1)))
        for e in d["entities"]
    )
    return Document(str(d["id"]), d["text"], ents)


def load(path: Path) -> list[Document]:
    return read_records(path, _document, "a re3d document")


def _score(doc: Document, spans: list[tuple[int, int, str]], gold_types, accept_types,
           confident: PRF, every: PRF) -> None:
    for e in doc.entities:
        if e.type not in gold_types:
            continue
        found = any(overlaps(s0, s1, e.start, e.end) for s0, s1, _ in spans)
        label = f"{doc.item_id[:8]} {e.type}: {e.value!r}"
        every.add_gold(found, label)
        if e.confidence > CONFIDENT:
            confident.add_gold(found, label)
    accepted = [e for e in doc.entities if e.type in accept_types]
    for s0, s1, q in spans:
        ok = any(overlaps(s0, s1, e.start, e.end) for e in accepted)
        confident.add_predicted(ok, f"{doc.item_id[:8]}: {q!r}")
        every.add_predicted(ok)


def evaluate(path: Path, limit: int | None = None, part: str | None = None) -> dict:
    docs = limit_items(load(path), limit, part)
    extractions = extract_items([TextItem(d.item_id, d.text) for d in docs])
    actors, actors_all, places, places_all = PRF(), PRF(), PRF(), PRF()
    per_type = {t: PRF() for t in ACTOR_GOLD}
    failed = 0
    for d in docs:
        ex = extractions[d.item_id]
        if ex is None:
            failed += 1
            continue
        a_spans = [(m.char_start, m.char_end, m.quote) for m in ex.actor_mentions]
        p_spans = [(m.char_start, m.char_end, m.quote) for m in ex.place_mentions]
        _score(d, a_spans, ACTOR_GOLD, ACTOR_ACCEPT, actors, actors_all)
        _score(d, p_spans, PLACE_GOLD, PLACE_ACCEPT, places, places_all)
        for t in ACTOR_GOLD:
            for e in d.entities:
                if e.type == t and e.confidence > CONFIDENT:
                    per_type[t].add_gold(any(overlaps(s0, s1, e.start, e.end) for s0, s1, _ in a_spans),
                                         f"{d.item_id[:8]}: {e.value!r}")
    return make_report(
        NAME, str(path), len(docs), failed,
        f"recall over gold spans with confidence > {CONFIDENT} (recall_all: every span); a gold span is found by "
        "an overlapping mention (actors: Organisation+Person spans; places: Location spans); precision: "
        "mentions overlapping any gold span of an accepted type (actors: Organisation, Person, Nationality; "
        "places: Location).",
        {"actors": actors, "places": places},
        {"actors.recall_all": actors_all.recall, "places.recall_all": places_all.recall,
         "actors.recall_organisation": per_type["Organisation"].recall,
         "actors.recall_person": per_type["Person"].recall},
        [target("actors recall (Organisation+Person)", actors.recall, 0.80),
         target("places recall (Location)", places.recall, 0.85)],
    )
