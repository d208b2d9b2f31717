"""IDETECT excerpts (figures/idetect_excerpts_dev.jsonl): one labelled displacement figure per excerpt.

Mapping to this project's figures table:
- the gold figure is found when one extracted figure of the excerpt has `value`, `value_low` or
  `value_high` equal to the gold `quantity`;
- `term` -> accepted figure categories (TERM_CATEGORIES below), `unit` -> accepted units (UNIT_UNITS);
  both compared on found figures only;
- precision counts extracted figures equal to the gold quantity; excerpts hold other, unlabelled figures,
  so it is a lower bound, reported for reading, not as a target;
- places: the gold `location` is found when a place of the excerpt has that name (or alias, or quote),
  folded; the country agrees when a place of the excerpt lies in the gold `country_iso3`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.eval.metrics import PRF, Agreement
from pipeline.eval.report import make_report, target
from pipeline.eval.runner import TextItem, extract_items, fold_name, limit_items, place_names
from pipeline.eval.adapters.jsonl import read_records

FILE = "figures/idetect_excerpts_dev.jsonl"
NAME = "idetect_figures"

# IDMC/IDETECT reporting terms -> the figure categories of schemas/tables.yaml that say the same thing.
TERM_CATEGORIES: dict[str, frozenset[str]] = {
    "Displaced": frozenset({"displaced", "refugees"}),
    "Forced to Flee": frozenset({"displaced", "refugees"}),
    "Evacuated": frozenset({"evacuated"}),
    "Sheltered": frozenset({"displaced", "evacuated"}),
    "In Relief Camp": frozenset({"displaced", "evacuated"}),
    "Relocated": frozenset({"displaced", "evacuated"}),
    "Homeless": frozenset({"displaced", "homes_destroyed"}),
    "Destroyed Housing": frozenset({"homes_destroyed"}),
    "Partially Destroyed Housing": frozenset({"homes_destroyed"}),
}
UNIT_UNITS: dict[str, frozenset[str]] = {
    "People": frozenset({"people", "children"}),
    "Households": frozenset({"households", "families", "homes", "buildings"}),
}


@dataclass(frozen=True)
class Excerpt:
    item_id: str
    text: str
    quantity: float
    term: str
    unit: str
    location: str | None
    country_iso3: str | None


def _excerpt(d: dict) -> Excerpt:
    g = d["gold_figure"]
    return Excerpt(str(d["id"]), d["text"], float(g["quantity"]), g["term"], g["unit"], g.get("location"), g.get("country_iso3"))


def load(path: Path) -> list[Excerpt]:
    return read_records(path, _excerpt, "an IDETECT excerpt")


def evaluate(path: Path, limit: int | None = None, part: str | None = None) -> dict:
    items = limit_items(load(path), limit, part)
    extractions = extract_items([TextItem(x.item_id, x.text) for x in items])
    figs, places = PRF(), PRF()
    category, unit, country = Agreement(), Agreement(), Agreement()
    failed = 0
    for x in items:
        ex = extractions[x.item_id]
        if ex is None:
            failed += 1
            figs.add_gold(False, f"{x.item_id}: extraction failed")
            continue
        q = x.quantity
        hits = [f for f in ex.figures if q in (f.value, f.value_low, f.value_high)]
        for f in ex.figures:
            figs.add_predicted(bool(q in (f.value, f.value_low, f.value_high)))
        figs.add_gold(bool(hits), f"{x.item_id}: {q:g} {x.term} (got {[f.value for f in ex.figures]})")
        if hits:
            want = TERM_CATEGORIES.get(x.term, frozenset())
            best = next((f for f in hits if f.category in want), hits[0])
            category.add(best.category in want, f"{x.item_id}: {x.term} -> {best.category} ({best.quote!r})")
            unit.add(best.unit in UNIT_UNITS.get(x.unit, frozenset()), f"{x.item_id}: {x.unit} -> {best.unit}")
        if x.location:
            names = set().union(*place_names(ex).values())
            loc = fold_name(x.location)
            quotes = [fold_name(m.quote) for m in ex.place_mentions]
            inside = any(f" {loc} " in f" {q} " or f" {loc}'s " in f" {q} " for q in quotes)  # "Turkey's border"
            places.add_gold(loc in names or inside, f"{x.item_id}: {x.location}")
        if x.country_iso3:
            isos = {ex.places[m.place_id].country_iso3 for m in ex.place_mentions if m.place_id in ex.places}
            country.add(x.country_iso3 in isos, f"{x.item_id}: {x.country_iso3} not in {sorted(i for i in isos if i)}")
    return make_report(
        NAME, str(path), len(items), failed,
        "figures: gold found when an extracted figure's value/value_low/value_high equals the gold quantity; "
        "precision = extracted figures equal to the gold quantity / all extracted figures (a lower bound: "
        "excerpts hold unlabelled figures). places: gold location name among the excerpt's place names, aliases "
        "or inside a place quote (\"Turkey's border\").",
        {"figures": figs, "places": places},
        {"figures.category_agreement": category, "figures.unit_agreement": unit, "places.country_agreement": country},
        [target("figures recall (gold quantity extracted)", figs.recall, 0.90),
         target("figures category agreement on found", category.rate, 0.85)],
    )
