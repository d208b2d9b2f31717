"""PETRARCH2 gold-standard validation sentences (events/petrarch2_gsr_validation.jsonl).

Each sentence carries gold (source, target, CAMEO event code) triples whose actor codes start with an ISO3
country ("USA", "GUYJUD") or with a sector root when the actor has no country ("IGOUNO", "---REB").
Mapping to this project's events (the CAMEO coding conventions PETRARCH applies, stated once here):
- an event's source/target code is that of actor1/actor2: IGO/NGO for actors of type igo/ngo without a
  country, else the actor's `country_iso3`, else "---" (also for a missing actor);
- located event without a named target: CAMEO codes an act that names no target against the state where it
  happens ("British activists staged a protest in Beijing" -> GBR CHN 14, "Obama will attend a summit in
  Switzerland" -> USA CHE 04), as PETRARCH's dictionaries read a place name in the sentence as that state.
  Our events keep actor2 for a named actor only and publish the place separately (`place_id`), so here an
  event with no actor2 takes its place's country as target. The report also gives the recall without this
  convention (`events_actors_only`: targets from actor2 alone), so the effect of the convention is visible;
- the event's CAMEO root is the crosswalk's (pipeline/lexicons/event_crosswalk.csv), compared with the
  first two digits of the gold code;
- symmetric events: an event whose type the event lexicon marks symmetric (AGREE, CONSULT, COOPERATE:
  `symmetric_types` in pipeline/lexicons/event_context.yaml) records "A and B met" once, where PETRARCH codes
  every direction between the parties; such an event stands for every ordered pair of its participants
  (actor1, actor2, the associated actors, and the place's state when it has no actor2: "The US, Russia and
  Switzerland met" -> six triples). It still counts once in precision (correct when any of them is gold);
- negated events ("would not provide support") are not coded: CAMEO codes what was done or said (the refusal
  itself is a REJECT event of its own);
- recall: gold triples with an extracted event of the same source, target and root; dyad recall: same
  source and target; CAMEO-root accuracy: among gold triples whose dyad was found, those whose root matches
  too; precision: extracted events with a CAMEO root whose (source, target, root) is a gold triple of the
  sentence (sentences marked `noevents` count their events as false).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.eval.metrics import PRF, Agreement
from pipeline.eval.report import make_report, target
from pipeline.eval.runner import TextItem, extract_items, limit_items, parse_yyyymmdd
from pipeline.extract.types import ArticleExtraction
from pipeline.eval.adapters.jsonl import read_records

FILE = "events/petrarch2_gsr_validation.jsonl"
NAME = "petrarch2_gsr_events"
SECTOR_ROOTS = {"igo": "IGO", "ngo": "NGO"}


@dataclass(frozen=True)
class Triple:
    source: str
    target: str
    root: str


@dataclass(frozen=True)
class Sentence:
    item_id: str
    text: str
    date: object
    gold: tuple[Triple, ...]
    noevents: bool


def gold_code(code: str) -> str:
    """The part of a CAMEO actor code compared here: its first three characters ("GUYJUD" -> "GUY")."""
    return (code or "---")[:3].upper()


def _sentence(d: dict) -> Sentence:
    gold = tuple(
        Triple(gold_code(e.get("source", "")), gold_code(e.get("target", "")), str(e["eventcode"])[:2])
        for e in d.get("gold_events") or []
    )
    return Sentence(str(d["id"]), d["text"], parse_yyyymmdd(d.get("date")), gold, bool(d.get("noevents")))


def load(path: Path) -> list[Sentence]:
    return read_records(path, _sentence, "a PETRARCH sentence")


def actor_code(ex: ArticleExtraction, actor_id: str | None) -> str:
    if not actor_id:
        return "---"
    info = ex.actors.get(actor_id)
    if info is None:
        return "---"
    if info.country_iso3:
        return info.country_iso3
    return SECTOR_ROOTS.get(info.actor_type, "---")


def place_code(ex: ArticleExtraction, place_id: str | None) -> str | None:
    """The country code of an event's place (None when it has no place or the place has no country)."""
    info = ex.places.get(place_id) if place_id else None
    return info.country_iso3 if info and info.country_iso3 else None


def event_triples(ex: ArticleExtraction, place_targets: bool = True) -> list[tuple[tuple[Triple, ...], str]]:
    """For every extracted event that has a CAMEO root and is not negated: the (source, target, root) triples
    it stands for (see the module docstring: every ordered pair of participants of a symmetric event; with
    `place_targets`, the place's state as target of an event without actor2), with its quote."""
    from itertools import permutations

    from pipeline.extract.events import load_event_lexicon

    symmetric = load_event_lexicon().symmetric_types
    out = []
    for e in ex.events:
        if not e.cameo_root or "negated" in e.context:
            continue
        source = actor_code(ex, e.actor1_id)
        target = actor_code(ex, e.actor2_id)
        located = place_code(ex, e.place_id) if place_targets and not e.actor2_id else None
        triples = [Triple(source, located or target, e.cameo_root)]
        if e.event_type in symmetric:
            parties = [actor_code(ex, a) for a in dict.fromkeys(x for x in (e.actor1_id, e.actor2_id, *e.assoc_actor_ids) if x)]
            if located:
                parties.append(located)
            triples += [Triple(a, b, e.cameo_root) for a, b in permutations(parties, 2)]
        out.append((tuple(dict.fromkeys(triples)), e.quote))
    return out


def predicted_triples(ex: ArticleExtraction, place_targets: bool = True) -> list[tuple[Triple, str]]:
    """(source, target, root) of every coded event (all the triples a symmetric event stands for), with its
    quote."""
    return [(t, quote) for ts, quote in event_triples(ex, place_targets) for t in ts]


def evaluate(path: Path, limit: int | None = None, name: str = NAME, with_targets: bool = True,
             part: str | None = None) -> dict:
    sents = limit_items(load(path), limit, part)
    extractions = extract_items([TextItem(s.item_id, s.text, s.date) for s in sents])
    events, dyads, actors_only = PRF(), PRF(), PRF()
    root_acc, any_root = Agreement(), Agreement()
    failed = 0
    for s in sents:
        ex = extractions[s.item_id]
        if ex is None:
            failed += 1
            continue
        pred = event_triples(ex)
        got = {t for ts, _ in pred for t in ts}
        for g in s.gold:
            label = f"{s.item_id}: {g.source}->{g.target} {g.root} (got {sorted((t.source, t.target, t.root) for t in got)})"
            events.add_gold(g in got, label)
            dyad = [t for t in got if (t.source, t.target) == (g.source, g.target)]
            dyads.add_gold(bool(dyad))
            if dyad:
                root_acc.add(any(t.root == g.root for t in dyad), label)
            any_root.add(any(t.root == g.root for t in got))
        gold = set(s.gold)
        for ts, quote in pred:
            t = ts[0]
            events.add_predicted(any(x in gold for x in ts), f"{s.item_id}: {t.source}->{t.target} {t.root} {quote!r}")
        strict = event_triples(ex, place_targets=False)
        strict_got = {t for ts, _ in strict for t in ts}
        for g in s.gold:
            actors_only.add_gold(g in strict_got)
        for ts, _ in strict:
            actors_only.add_predicted(any(x in gold for x in ts))
    targets = []
    if with_targets:
        targets = [target("events recall (source, target, CAMEO root)", events.recall, 0.70),
                   target("events CAMEO-root accuracy on found dyads", root_acc.rate, 0.70)]
    return make_report(
        name, str(path), len(sents), failed,
        "gold (source, target, root) triples with actor codes cut to three characters (ISO3 country or IGO/NGO/"
        "---); an event's codes come from actor1/actor2 (country_iso3, else IGO/NGO by type, else ---), the "
        "target of an event without actor2 from its place's country (CAMEO convention; events_actors_only "
        "scores without it), every ordered pair of participants for a symmetric event, negated events not "
        "coded, and its root from the published crosswalk. root accuracy: among gold triples whose (source, target) was "
        "extracted, share with the same root; root_any: gold root among the sentence's event roots whatever "
        "the actors.",
        {"events": events, "events_actors_only": actors_only},
        {"events.dyad_recall": dyads.recall, "events.cameo_root_accuracy": root_acc, "events.root_any": any_root},
        targets,
    )
