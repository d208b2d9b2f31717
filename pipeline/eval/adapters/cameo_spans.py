"""ConfliBERT's CAMEO sentences (events/cameo_actor_spans_dev.jsonl): one PENTA class per sentence
(0 statement, 1 verbal cooperation, 2 material cooperation, 3 verbal conflict, 4 material conflict) and the
source/target spans.

Mapping: an extracted event's PENTA class is the crosswalk's (pipeline/lexicons/event_crosswalk.csv) for its
(event_type, mode). A sentence's gold class is found when one of its events has that class; `top_accuracy`
compares the gold class with the class of the sentence's most confident event (sentences with no event
count as wrong); precision counts events whose class is the sentence's gold class. Reported for reading (no
targets): this project extracts no plain statements (class 0), so those sentences cannot be found.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.eval.metrics import PRF, Agreement
from pipeline.eval.report import make_report
from pipeline.eval.runner import TextItem, extract_items, limit_items
from pipeline.extract.events import crosswalk_row
from pipeline.eval.adapters.jsonl import read_records

FILE = "events/cameo_actor_spans_dev.jsonl"
NAME = "cameo_penta_events"


@dataclass(frozen=True)
class Sentence:
    item_id: str
    text: str
    penta: int


def load(path: Path) -> list[Sentence]:
    return read_records(path, lambda d: Sentence(str(d["id"]), d["text"], int(d["penta_class"])), "a CAMEO sentence")


def penta_of(event_type: str, mode: str | None) -> int | None:
    row = crosswalk_row(event_type, mode)
    val = (row or {}).get("penta_class") or ""
    return int(val) if str(val).isdigit() else None


def evaluate(path: Path, limit: int | None = None, part: str | None = None) -> dict:
    sents = limit_items(load(path), limit, part)
    extractions = extract_items([TextItem(s.item_id, s.text) for s in sents])
    events = PRF()
    top = Agreement()
    per_class = {c: PRF() for c in range(5)}
    failed = 0
    for s in sents:
        ex = extractions[s.item_id]
        if ex is None:
            failed += 1
            continue
        classes = [(penta_of(e.event_type, e.mode), e) for e in ex.events]
        got = {c for c, _ in classes if c is not None}
        events.add_gold(s.penta in got, f"{s.item_id}: class {s.penta} (got {sorted(got)}) {s.text[:90]!r}")
        if s.penta in per_class:
            per_class[s.penta].add_gold(s.penta in got)
        for c, e in classes:
            events.add_predicted(c == s.penta, f"{s.item_id}: {e.event_type}/{e.mode} -> {c}, gold {s.penta}")
        best = max(classes, key=lambda ce: (ce[1].confidence, -ce[1].char_start), default=None)
        top.add(best is not None and best[0] == s.penta)
    return make_report(
        NAME, str(path), len(sents), failed,
        "gold PENTA class found when one of the sentence's events maps to it through the crosswalk; "
        "top_accuracy: class of the most confident event; precision: events whose class is the gold class.",
        {"events": events},
        {"events.top_accuracy": top, **{f"events.recall_class_{c}": p.recall for c, p in per_class.items()}},
        [],
    )
