"""GVA incidents (incidents/gva_dev.jsonl): US local news articles, each linked to one Gun Violence Archive
incident with its killed and injured counts, city, state, date and whether it was violent or accidental.

The archive's counts are incident-level, not read off the text, so the counts are scored only where the file
says the text states them as a number (`killed_stated`, `injured_stated`) and the city only where it appears
in the text (`city_in_text`). Mapping to this project's tables:
- killed / injured recall: an extracted figure of category `killed` / `injured` whose value (or bound) equals
  the incident's count, over the articles that state a non-zero count;
- casualty figure precision: figures of category `killed` or `injured` whose value equals the incident's count
  of that category (a lower bound: an article may cite other incidents);
- places: the gold city among the article's place names, aliases or quotes (folded); in the right country
  when such a place lies in the United States;
- dates: an event dated exactly on the incident day;
- events: an ASSAULT among the events of violent incidents, and none among those of accidental ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pipeline.eval.adapters.jsonl import read_records
from pipeline.eval.metrics import PRF, Agreement
from pipeline.eval.report import make_report, target
from pipeline.eval.runner import TextItem, extract_items, fold_name, limit_items, parse_yyyymmdd, place_names

FILE = "incidents/gva_dev.jsonl"
NAME = "gva_incidents"
_COUNTRY = "USA"


@dataclass(frozen=True)
class Incident:
    item_id: str
    text: str
    published_at: dt.date | None
    incident_date: dt.date | None
    city: str | None
    killed: int
    injured: int
    killed_stated: bool
    injured_stated: bool
    city_in_text: bool
    violent: bool


def _incident(d: dict) -> Incident:
    g = d["gold"]
    return Incident(
        str(d["id"]), d["text"], parse_yyyymmdd(d.get("published_at")), parse_yyyymmdd(g.get("incident_date")),
        g.get("city_or_county"), int(g["killed"]), int(g["injured"]), bool(g.get("killed_stated")),
        bool(g.get("injured_stated")), bool(g.get("city_in_text")), bool(g["violent"]),
    )


def load(path: Path) -> list[Incident]:
    return read_records(path, _incident, "a GVA incident article")


def _count_found(figures, category: str, value: int) -> bool:
    return any(f.category == category and float(value) in (f.value, f.value_low, f.value_high) for f in figures)


def _score_item(x: Incident, ex, m: dict) -> None:
    """Add one article's extraction to the measures `m`."""
    for cat, n, stated in (("killed", x.killed, x.killed_stated), ("injured", x.injured, x.injured_stated)):
        if stated and n > 0:
            got = sorted(f.value for f in ex.figures if f.category == cat)
            m[cat].add_gold(_count_found(ex.figures, cat, n), f"{x.item_id}: {cat} {n} (got {got})")
    for f in ex.figures:
        if f.category in ("killed", "injured"):
            gold = x.killed if f.category == "killed" else x.injured
            m["casualties"].add_predicted(f.value == gold, f"{x.item_id}: {f.category} {f.value:g} {f.quote!r}, "
                                                             f"gold {gold}")
    if x.city and x.city_in_text:
        city = fold_name(x.city)
        hits = [pid for pid, names in place_names(ex).items() if city in names]
        m["places"].add_gold(bool(hits), f"{x.item_id}: {x.city}")
        m["country"].add(any(ex.places[p].country_iso3 == _COUNTRY for p in hits if p in ex.places),
                         f"{x.item_id}: {x.city} not placed in {_COUNTRY}")
    if x.incident_date:
        days = sorted({(e.date_start, e.date_end) for e in ex.events if e.date_start}, key=str)
        m["dated"].add(any(e.date_start == x.incident_date and e.date_end in (None, x.incident_date)
                           for e in ex.events), f"{x.item_id}: {x.incident_date} (got {days[:4]})")
    assault = any(e.event_type == "ASSAULT" for e in ex.events)
    if x.violent:
        m["assault_violent"].add(assault, f"{x.item_id}: no ASSAULT")
    else:
        m["no_assault_accidental"].add(not assault, f"{x.item_id}: ASSAULT on an accidental shooting")


def evaluate(path: Path, limit: int | None = None, part: str | None = None) -> dict:
    items = limit_items(load(path), limit, part)
    extractions = extract_items([TextItem(x.item_id, x.text, x.published_at) for x in items])
    m = {"killed": PRF(), "injured": PRF(), "casualties": PRF(), "places": PRF(), "country": Agreement(),
         "dated": Agreement(), "assault_violent": Agreement(), "no_assault_accidental": Agreement()}
    failed = 0
    for x in items:
        ex = extractions[x.item_id]
        if ex is None:
            failed += 1
            m["killed"].add_gold(False, f"{x.item_id}: extraction failed")
            continue
        _score_item(x, ex, m)
    fig = m["killed"], m["injured"], m["casualties"]
    return make_report(
        NAME, str(path), len(items), failed,
        "killed/injured: recall of the incident's count as a figure of that category, over articles stating a "
        "non-zero count; casualties: precision of killed/injured figures against the incident's count (a lower "
        "bound); places: the city among the article's places (where the city is in the text).",
        {"killed": fig[0], "injured": fig[1], "casualties": fig[2], "places": m["places"]},
        {"places.city_in_country": m["country"], "events.dated_on_incident_day": m["dated"],
         "events.assault_on_violent": m["assault_violent"], "events.no_assault_on_accidental": m["no_assault_accidental"]},
        [target("killed recall (stated counts)", fig[0].recall, 0.90),
         target("injured recall (stated counts)", fig[1].recall, 0.85),
         target("casualty figure precision", fig[2].precision, 0.85),
         target("gold city among the places", m["places"].recall, 0.90),
         target("gold city in the right country", m["country"].rate, 0.85),
         target("an event dated on the incident day", m["dated"].rate, 0.85),
         target("ASSAULT on violent incidents", m["assault_violent"].rate, 0.95),
         target("no ASSAULT on accidental ones (1 - rate)", m["no_assault_accidental"].rate, 0.85)],
    )
