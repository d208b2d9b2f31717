"""Scoring published tables against the project's own gold annotation (tests/gold/*.yaml).

The gold names things the way a reader does (quotes, names, spellings), never by the pipeline's ids, so the
annotation stays independent of the extractor. Matching rules:
- a gold figure is found when a published figure of the same article overlaps its quote and has its value;
  category, qualifier, unit, reporter and window are then compared field by field;
- a gold actor is found when a published actor's name or one of its aliases equals one of the gold names;
- a gold place is found when a published place has its canonical name, or carries one of its spellings that
  no other gold place of the article shares; those unambiguous spellings must all resolve to one place;
- a gold event is found when a published event of the same article overlaps its quote with the same type.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

GOLD_DIR = Path(__file__).resolve().parents[2] / "tests" / "gold"


@dataclass
class Score:
    name: str
    expected: int = 0
    found: int = 0
    predicted: int = 0
    correct_predicted: int = 0
    fields: dict[str, list[int]] = field(default_factory=dict)  # field -> [agree, compared]
    misses: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.correct_predicted / self.predicted if self.predicted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def agreement(self, name: str) -> float:
        agree, n = self.fields.get(name, [0, 0])
        return agree / n if n else 1.0

    def _field(self, name: str, ok: bool) -> None:
        slot = self.fields.setdefault(name, [0, 0])
        slot[0] += int(ok)
        slot[1] += 1

    def as_dict(self) -> dict:
        return {
            "expected": self.expected,
            "found": self.found,
            "predicted": self.predicted,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
            "field_agreement": {k: round(self.agreement(k), 3) for k in sorted(self.fields)},
            "misses": self.misses,
        }


def load_gold(path: Path | None = None) -> dict:
    path = path or GOLD_DIR / "sample_articles.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _spans(text: str, quote: str) -> list[tuple[int, int]]:
    out, start = [], text.find(quote)
    while start >= 0:
        out.append((start, start + len(quote)))
        start = text.find(quote, start + 1)
    return out


def gold_spans(text: str, item: dict) -> list[tuple[int, int]]:
    """Where a gold quote stands: inside its `in_context` phrase when it has one (for repeated quotes)."""
    ctx = item.get("in_context")
    if ctx:
        return [(c0 + ctx.find(item["quote"]), c0 + ctx.find(item["quote"]) + len(item["quote"])) for c0, _ in _spans(text, ctx)]
    return _spans(text, item["quote"])


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def gold_date(v) -> dt.date | None:
    if v is None or (not isinstance(v, dt.date) and pd.isna(v)):
        return None
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


def norm_text(s: str) -> str:
    return " ".join(s.replace("’", "'").lower().split())


def benchmark_documents(gold: dict, benchmarks_dir: Path) -> dict[str, dict]:
    """{doc_id: record} for the benchmark documents a gold file names (their text is never kept in the project)."""
    import json

    wanted: dict[str, set[str]] = {}
    for g in gold["articles"]:
        if g.get("doc_id"):
            wanted.setdefault(g["benchmark"], set()).add(g["doc_id"])
    docs: dict[str, dict] = {}
    for rel, ids in wanted.items():
        with open(benchmarks_dir / rel, encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                doc_id = rec.get("id") or rec.get("doc_id")
                if doc_id in ids:
                    docs[doc_id] = rec
    return docs


def _article_index(articles: pd.DataFrame, gold: dict, documents: dict[str, dict] | None) -> dict[str, pd.Series]:
    """Gold entry key (file name or doc_id) -> published article row."""
    from pipeline.ids import sha256_hex
    from pipeline.ingest.normalize import normalise_text

    rows = {}
    by_file = {Path(str(r["source_file"]).split("#")[0]).name: r for _, r in articles.iterrows()}
    by_sha = {r["text_sha256"]: r for _, r in articles.iterrows()}
    for g in gold["articles"]:
        if g.get("file"):
            if g["file"] in by_file:
                rows[g["file"]] = by_file[g["file"]]
        elif g.get("doc_id") and documents and g["doc_id"] in documents:
            sha = sha256_hex(normalise_text(documents[g["doc_id"]]["text"]))
            if sha in by_sha:
                rows[g["doc_id"]] = by_sha[sha]
    return rows


def _key(g: dict) -> str:
    return g.get("file") or g["doc_id"]


def score(tables: dict[str, pd.DataFrame], gold: dict, documents: dict[str, dict] | None = None) -> dict[str, Score]:
    """Scores of the published tables against a gold file. `documents` gives the benchmark records for gold
    entries that name a `doc_id` (see `benchmark_documents`)."""
    articles = tables["articles"]
    by_file = _article_index(articles, gold, documents)
    actors = tables["actors"]
    places = tables["places"]
    actor_names = {
        r.actor_id: {norm_text(r.name), *(norm_text(a) for a in r.aliases)} for r in actors.itertuples()
    }
    place_names = {r.place_id: {norm_text(r.name), *(norm_text(a) for a in r.aliases)} for r in places.itertuples()}

    s_fig, s_act, s_plc, s_evt, s_art = Score("figures"), Score("actors"), Score("places"), Score("events"), Score("articles")
    matched_figs: set[str] = set()
    matched_evts: set[str] = set()
    for g in gold["articles"]:
        art = by_file.get(_key(g))
        s_art.expected += 1
        if art is None:
            s_art.misses.append(f"{_key(g)}: not published")
            continue
        s_art.found += 1
        s_art._field("published_at", gold_date(art["published_at"]) == gold_date(g.get("published_at")))
        s_art._field("published_at_source", art["published_at_source"] == g.get("published_at_source"))
        text, aid = art["text"], art["article_id"]
        figs = tables["figures"][tables["figures"]["article_id"] == aid]
        _score_figures(g, text, figs, actor_names, s_fig, matched_figs)
        _score_actors(g, actor_names, s_act)
        _score_places(g, places, place_names, s_plc)
        evts = tables["events"][tables["events"]["article_id"] == aid]
        _score_events(g, text, evts, s_evt, matched_evts)

    s_fig.correct_predicted = len(matched_figs)
    s_evt.correct_predicted = len(matched_evts)
    s_act.predicted = s_act.correct_predicted = s_act.found
    s_plc.predicted = s_plc.correct_predicted = s_plc.found
    return {"articles": s_art, "figures": s_fig, "actors": s_act, "places": s_plc, "events": s_evt}


def _score_figures(g: dict, text: str, figs: pd.DataFrame, actor_names: dict, s_fig: Score, matched: set[str]) -> None:
    """One gold article's figures: found by span and value, then each field."""
    for gf in g.get("figures", []):
        s_fig.expected += 1
        spans = gold_spans(text, gf)
        cands = [
            f for f in figs.itertuples()
            if any(_overlaps((f.char_start, f.char_end), sp) for sp in spans) and float(f.value) == float(gf["value"])
        ]
        if not cands:
            s_fig.misses.append(f"{_key(g)}: {gf['quote']!r} = {gf['value']}")
            continue
        f = cands[0]
        s_fig.found += 1
        matched.add(f.figure_id)
        s_fig._field("category", f.category == gf["category"])
        s_fig._field("qualifier", f.qualifier == gf["qualifier"])
        s_fig._field("unit", f.unit == gf.get("unit", "people"))
        if gf.get("reporter_actor") is not None:
            want = norm_text(gf["reporter_actor"])
            s_fig._field("reporter", f.reporter_actor_id is not None and want in actor_names.get(f.reporter_actor_id, set()))
        s_fig._field("window_kind", f.window_kind == gf.get("window_kind", "unknown"))
        if gf.get("window_start") is not None:
            s_fig._field("window", gold_date(f.window_start) == gold_date(gf["window_start"]) and gold_date(f.window_end) == gold_date(gf.get("window_end")))
    s_fig.predicted += len(figs)


def _score_actors(g: dict, actor_names: dict, s_act: Score) -> None:
    for ga in g.get("actors", []):
        s_act.expected += 1
        names = {norm_text(ga["name"]), *(norm_text(a) for a in ga.get("aliases_in_text", []))}
        hit = [aid_ for aid_, ns in actor_names.items() if ns & names]
        if hit:
            s_act.found += 1
            s_act._field("one_actor_for_all_aliases", len(hit) == 1)
        else:
            s_act.misses.append(f"{_key(g)}: {ga['name']}")


def _score_places(g: dict, places: pd.DataFrame, place_names: dict, s_plc: Score) -> None:
    places_by_id = dict(zip(places["place_id"], places["name"]))
    gold_places = g.get("places", [])
    spelling_owners: dict[str, int] = {}
    for gp in gold_places:
        for sp in {norm_text(x) for x in gp.get("spellings_in_text", [])}:
            spelling_owners[sp] = spelling_owners.get(sp, 0) + 1
    for gp in gold_places:
        s_plc.expected += 1
        # A spelling shared by two gold places ("Idlib": the city, and the province) says nothing alone.
        spellings = {norm_text(x) for x in gp.get("spellings_in_text", [])}
        unambiguous = {sp for sp in spellings if spelling_owners.get(sp) == 1}
        by_name = [pid for pid, ns in place_names.items() if norm_text(gp["name"]) == norm_text(places_by_id[pid])]
        by_spelling = [pid for pid, ns in place_names.items() if ns & unambiguous]
        hit = by_name or by_spelling
        if hit:
            s_plc.found += 1
            s_plc._field("one_place_for_all_spellings", len(set(by_spelling)) <= 1)
            row = places[places["place_id"] == hit[0]].iloc[0]
            if gp.get("country_iso3"):
                s_plc._field("country", row["country_iso3"] == gp["country_iso3"])
        else:
            s_plc.misses.append(f"{_key(g)}: {gp['name']}")


def _score_events(g: dict, text: str, evts: pd.DataFrame, s_evt: Score, matched: set[str]) -> None:
    for ge in g.get("events", []):
        s_evt.expected += 1
        spans = gold_spans(text, ge)
        cands = [e for e in evts.itertuples() if any(_overlaps((e.char_start, e.char_end), sp) for sp in spans)]
        typed = [e for e in cands if e.event_type == ge["event_type"]]
        if not typed:
            got = sorted({e.event_type for e in cands})
            s_evt.misses.append(f"{_key(g)}: {ge['event_type']} {ge['quote']!r} (got {got})")
            continue
        s_evt.found += 1
        matched.add(typed[0].event_id)
    s_evt.predicted += len(evts)


def same_event_clusters(tables: dict[str, pd.DataFrame], gold: dict, documents: dict[str, dict] | None = None) -> list[tuple[str, bool]]:
    """For each gold `same_as` label seen in several articles: whether the matched events share a cluster."""
    by_file = _article_index(tables["articles"], gold, documents)
    groups: dict[str, list[set[str]]] = {}
    for g in gold["articles"]:
        art = by_file.get(_key(g))
        if art is None:
            continue
        evts = tables["events"][tables["events"]["article_id"] == art["article_id"]]
        for ge in g.get("events", []):
            label = ge.get("same_as")
            if not label:
                continue
            spans = gold_spans(art["text"], ge)
            clusters = {
                e.cluster_id for e in evts.itertuples()
                if e.event_type == ge["event_type"] and any(_overlaps((e.char_start, e.char_end), sp) for sp in spans)
            }
            groups.setdefault(label, []).append(clusters)
    out = []
    for label, sets in sorted(groups.items()):
        if len(sets) < 2:
            continue
        common = set.intersection(*sets) if all(sets) else set()
        out.append((label, bool(common)))
    return out
