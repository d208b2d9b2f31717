"""PETRARCH2 gold-standard validation sentences (events/petrarch2_gsr_validation.jsonl).

Each sentence carries gold (source, target, CAMEO event code) triples whose actor codes start with an ISO3
country ("USA", "GUYJUD") or with a sector root when the actor has no country ("IGOUNO", "---REB").
Mapping to this project's events:
- an event's source/target code is that of actor1/actor2: IGO/NGO for actors of type igo/ngo without a
  country, else the actor's `country_iso3`, else "---" (also for a missing actor);
- the event's CAMEO root is the crosswalk's (pipeline/lexicons/event_crosswalk.csv), compared with the
  first two digits of the gold code;
- symmetric events: an event whose type the event lexicon marks symmetric (AGREE, CONSULT, COOPERATE:
  `symmetric_types` in pipeline/lexicons/event_context.yaml) records "A and B met" once, as actor1 A and
  actor2 B, where PETRARCH codes both directions; such an event stands for (A, B, root) and (B, A, root).
  It still counts once in precision (correct when either direction is gold);
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


def event_triples(ex: ArticleExtraction) -> list[tuple[tuple[Triple, ...], str]]:
    """For every extracted event that has a CAMEO root: the (source, target, root) triples it stands for (both
    directions for a symmetric event with two actors), with its quote."""
    from pipeline.extract.events import load_event_lexicon

    symmetric = load_event_lexicon().symmetric_types
    out = []
    for e in ex.events:
        if not e.cameo_root:
            continue
        t = Triple(actor_code(ex, e.actor1_id), actor_code(ex, e.actor2_id), e.cameo_root)
        both = (t,)
        if e.event_type in symmetric and e.actor1_id and e.actor2_id:
            both = (t, Triple(t.target, t.source, t.root))
        out.append((both, e.quote))
    return out


def predicted_triples(ex: ArticleExtraction) -> list[tuple[Triple, str]]:
    """(source, target, root) of every extracted event that has a CAMEO root, with its quote (a symmetric
    event gives both directions)."""
    return [(t, quote) for ts, quote in event_triples(ex) for t in ts]


def evaluate(path: Path, limit: int | None = None, name: str = NAME, with_targets: bool = True) -> dict:
    sents = limit_items(load(path), limit)
    extractions = extract_items([TextItem(s.item_id, s.text, s.date) for s in sents])
    events, dyads = PRF(), PRF()
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
    targets = []
    if with_targets:
        targets = [target("events recall (source, target, CAMEO root)", events.recall, 0.70),
                   target("events CAMEO-root accuracy on found dyads", root_acc.rate, 0.70)]
    return make_report(
        name, str(path), len(sents), failed,
        "gold (source, target, root) triples with actor codes cut to three characters (ISO3 country or IGO/NGO/"
        "---); an event's codes come from actor1/actor2 (country_iso3, else IGO/NGO by type, else ---) and its "
        "root from the published crosswalk. root accuracy: among gold triples whose (source, target) was "
        "extracted, share with the same root; root_any: gold root among the sentence's event roots whatever "
        "the actors.",
        {"events": events},
        {"events.dyad_recall": dyads.recall, "events.cameo_root_accuracy": root_acc, "events.root_any": any_root},
        targets,
    )
