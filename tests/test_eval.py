"""The evaluation harness: the scorer's arithmetic on hand-made cases, the adapters on the public benchmark files
(../shared/benchmarks, skipped with a reason when that folder is absent), the `eval` command, and floors that
hold the benchmark scores from slipping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.eval.adapters import adapter_for, benchmark_files, cameo_spans, gva, idetect, petrarch, petrarch_unittest, re3d
from pipeline.eval.cli import format_table
from pipeline.eval.split import PARTS, in_part, part_of
from pipeline.eval.metrics import PRF, Agreement, overlaps
from pipeline.eval.report import make_report, target
from pipeline.extract.types import ActorInfo, Article, ArticleExtraction, Event

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "benchmarks"
needs_bench = pytest.mark.skipif(
    not (BENCH / "README.md").is_file(),
    reason=f"public benchmarks not found at {BENCH} (they live beside the project, in shared/benchmarks)",
)


# ------------------------------------------------------------------------------------------------ arithmetic


def test_prf_counts_gold_and_predictions_separately():
    p = PRF()
    for found in (True, True, False, True):
        p.add_gold(found, "g")
    for ok in (True, False, False, True, True):
        p.add_predicted(ok, "p")
    assert (p.gold, p.gold_found, p.predicted, p.predicted_correct) == (4, 3, 5, 3)
    assert p.recall == pytest.approx(0.75) and p.precision == pytest.approx(0.6)
    assert p.f1 == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    assert p.misses == ["g"] and p.false_positives == ["p", "p"]


def test_empty_counts_are_not_perfect_scores():
    p = PRF()
    assert p.recall is None and p.precision is None and p.f1 is None
    assert Agreement().rate is None
    assert target("x", None, 0.5)["met"] is False


def test_agreement_and_targets():
    a = Agreement()
    for ok in (True, False, True, True):
        a.add(ok, "why")
    assert a.rate == 0.75 and a.disagreements == ["why"]
    assert target("t", 0.8496, 0.85)["met"] is False  # no rounding up into a target
    assert target("t", 0.85, 0.85)["met"] is True


def test_overlap_is_half_open():
    assert overlaps(0, 5, 4, 9) and not overlaps(0, 5, 5, 9) and overlaps(3, 4, 0, 10)


def test_report_round_trips_through_json_and_prints():
    rep = make_report("demo", "f.jsonl", 2, 0, "how", {"figures": PRF(gold=2, gold_found=1)},
                      {"figures.category_agreement": Agreement(1, 2)}, [target("recall", 0.5, 0.9)])
    back = json.loads(json.dumps(rep))
    assert back["tables"]["figures"]["recall"] == 0.5
    table = format_table([back])
    assert "demo" in table and "MISS" in table and "0.500" in table


def _extraction(actors: dict[str, ActorInfo], events: list[Event]) -> ArticleExtraction:
    art = Article("art_x", "x", "0", None, None, None, None, "unknown", "en", "f", "jsonl", 1)
    return ArticleExtraction(article=art, actors=actors, events=events)


def _event(a1: str | None, a2: str | None, root: str | None) -> Event:
    return Event("evt", "art_x", "ASSAULT", None, (), a1, a2, (), None, None, None, "unknown", root, None, 0.5,
                 "evt", 0, 1, "x", "x")


def test_petrarch_codes_from_actor_countries_and_types():
    actors = {
        "usa_gov": ActorInfo("usa_gov", "Government of United States", "government", "USA"),
        "act_un": ActorInfo("act_un", "United Nations", "igo"),
        "disc_x": ActorInfo("disc_x", "Some rebels", "rebel_group"),
    }
    ex = _extraction(actors, [_event("usa_gov", "act_un", "19"), _event("disc_x", None, "19"), _event("usa_gov", None, None)])
    got = [t for t, _ in petrarch.predicted_triples(ex)]
    assert got == [petrarch.Triple("USA", "IGO", "19"), petrarch.Triple("---", "---", "19")]  # no root: not scored
    assert petrarch.gold_code("GUYJUD") == "GUY" and petrarch.gold_code("---REB") == "---" and petrarch.gold_code("") == "---"


def test_petrarch_cameo_conventions_place_target_parties_and_negation():
    from pipeline.extract.types import PlaceInfo

    actors = {
        "gbr": ActorInfo("gbr", "Activists (GBR)", "civilians", "GBR"),
        "usa": ActorInfo("usa", "Government of United States", "government", "USA"),
        "rus": ActorInfo("rus", "Government of Russia", "government", "RUS"),
        "che": ActorInfo("che", "Government of Switzerland", "government", "CHE"),
    }
    places = {"bj": PlaceInfo("bj", "Beijing", "CHN", None, None, None, "city", None),
              "sea": PlaceInfo("sea", "Open sea", None, None, None, None, None, None)}

    def ev(etype, a1, a2, root, place=None, assoc=(), context=()):
        return Event("evt", "art_x", etype, None, context, a1, a2, assoc, place, None, None, "unknown", root, None,
                     0.5, "evt", 0, 1, "x", "x")

    protest = ev("PROTEST", "gbr", None, "14", "bj")
    ex = ArticleExtraction(article=_extraction({}, []).article, actors=actors, places=places, events=[
        protest,
        ev("PROTEST", "gbr", None, "14", "sea"),  # a place without a country: no target
        ev("ASSAULT", "usa", "rus", "19", "bj"),  # a named target is kept, the place does not replace it
        ev("CONSULT", "usa", "rus", "04", assoc=("che",)),
        ev("SUPPORT", "usa", "rus", "05", context=("negated",)),  # not coded
    ])
    got = [ts for ts, _ in petrarch.event_triples(ex)]
    T = petrarch.Triple
    assert got[0] == (T("GBR", "CHN", "14"),)
    assert got[1] == (T("GBR", "---", "14"),)
    assert got[2] == (T("USA", "RUS", "19"),)
    assert set(got[3]) == {T(a, b, "04") for a in ("USA", "RUS", "CHE") for b in ("USA", "RUS", "CHE") if a != b}
    assert len(got) == 4
    # without the place convention the located protest has no target
    strict = [ts for ts, _ in petrarch.event_triples(ex, place_targets=False)]
    assert strict[0] == (T("GBR", "---", "14"),)


def test_adapter_lookup_by_file_name(tmp_path):
    assert adapter_for(Path("/x/figures/idetect_excerpts_dev.jsonl")) is idetect
    assert adapter_for(Path("events/petrarch_unittest.jsonl")) is petrarch_unittest
    assert adapter_for(tmp_path / "other.jsonl") is None
    assert benchmark_files(tmp_path) == []


def test_malformed_benchmark_line_is_reported_with_its_line_number(tmp_path):
    f = tmp_path / "idetect_excerpts_dev.jsonl"
    f.write_text('{"id": "a", "text": "t", "gold_figure": {"quantity": 5, "term": "Displaced", "unit": "People"}}\n{"id": 2}\n')
    with pytest.raises(ValueError, match=":2:"):
        idetect.load(f)


def test_eval_command_on_a_small_hand_made_benchmark(tmp_path):
    from pipeline.cli import main

    d = tmp_path / "figures"
    d.mkdir()
    lines = [
        {"id": "a", "text": "More than 2,000 people fled Saraqib in Syria's Idlib province on Sunday, the UN said.",
         "gold_figure": {"quantity": 2000, "term": "Displaced", "unit": "People", "location": "Saraqib", "country_iso3": "SYR"}},
        {"id": "b", "text": "The storm destroyed 300 houses in the province.",
         "gold_figure": {"quantity": 300, "term": "Destroyed Housing", "unit": "Households", "location": None, "country_iso3": None}},
    ]
    (d / "idetect_excerpts_dev.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    out = tmp_path / "report.json"
    assert main(["eval", "--no-gold", "--benchmark", str(tmp_path), "--report", str(out)]) == 0
    reps = json.loads(out.read_text())["reports"]
    assert [r["benchmark"] for r in reps] == ["idetect_figures:studied", "idetect_figures:checked"]
    assert [r["items"] for r in reps] == [sum(part_of(x) == p for x in "ab") for p in PARTS]
    assert sum(r["tables"]["figures"]["gold_found"] for r in reps) == 2
    assert sum(r["metrics"]["figures.category_agreement"]["agree"] for r in reps) == 2
    assert sum(r["tables"]["places"]["gold_found"] for r in reps) == 1
    assert main(["eval", "--no-gold", "--benchmark", str(tmp_path / "nothing.jsonl"), "--report", str(out)]) == 2


def test_the_split_is_fixed_by_the_item_id_and_about_half_each():
    ids = [f"item-{i}" for i in range(400)]
    parts = [part_of(i) for i in ids]
    assert parts == [part_of(i) for i in ids] and set(parts) == set(PARTS)
    assert 150 < parts.count("checked") < 250

    class It:
        def __init__(self, item_id):
            self.item_id = item_id

    items = [It(i) for i in ids]
    studied, checked = in_part(items, "studied"), in_part(items, "checked")
    assert len(studied) + len(checked) == 400 and not {x.item_id for x in studied} & {x.item_id for x in checked}
    assert len(in_part(items, None)) == 400
    with pytest.raises(ValueError, match="unknown part"):
        in_part(items, "held_out")


def test_gva_adapter_on_a_hand_made_incident_file(tmp_path):
    def rec(i, text, killed, injured, violent, city="Millbrook"):
        return {"id": i, "text": text, "published_at": "2019-05-14",
                "gold": {"incident_date": "2019-05-13", "state": "Ohio", "city_or_county": city, "killed": killed,
                         "injured": injured, "violent": violent, "killed_stated": killed > 0,
                         "injured_stated": injured > 0, "city_in_text": True}}
    lines = [
        rec("v1", "Two people were killed and three others were wounded in a shooting in Millbrook, Ohio, on Monday "
                  "night, police said.", 2, 3, True),
        rec("a1", "A boy was hurt in Millbrook, Ohio, when a rifle went off by accident while he cleaned it.", 0, 1, False),
    ]
    f = tmp_path / "gva.jsonl"
    f.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    assert [x.item_id for x in gva.load(f)] == ["v1", "a1"] and gva.load(f)[0].killed == 2
    rep = gva.evaluate(f)
    assert rep["benchmark"] == "gva_incidents" and rep["items"] == 2 and rep["failed"] == 0
    assert rep["tables"]["killed"]["gold"] == 1 and rep["tables"]["injured"]["gold"] == 2
    assert rep["tables"]["killed"]["gold_found"] == 1 and rep["tables"]["places"]["gold"] == 2
    assert rep["metrics"]["events.assault_on_violent"]["compared"] == 1
    assert rep["metrics"]["events.no_assault_on_accidental"]["compared"] == 1
    assert {t["name"] for t in rep["targets"]} >= {"killed recall (stated counts)", "ASSAULT on violent incidents"}
    parts = [gva.evaluate(f, part=p)["items"] for p in PARTS]
    assert sum(parts) == 2
    (tmp_path / "bad.jsonl").write_text('{"id": "x", "text": "t"}\n')
    with pytest.raises(ValueError, match="bad.jsonl:1: not a GVA incident article"):
        gva.load(tmp_path / "bad.jsonl")


# ------------------------------------------------------------------------------------------------ benchmarks


@needs_bench
@pytest.mark.parametrize("mod, n", [(idetect, 135), (re3d, 50), (petrarch, 78), (petrarch_unittest, 284), (cameo_spans, 1349),
                                    (gva, 385)])
def test_adapters_parse_the_benchmark_files(mod, n):
    items = mod.load(BENCH / mod.FILE)
    assert len(items) == n
    assert sum(bool(x.text.strip()) for x in items) >= n - 1  # the PETRARCH file holds one empty sentence


@needs_bench
def test_re3d_spans_are_offsets_into_the_text():
    docs = re3d.load(BENCH / re3d.FILE)
    ents = [(d, e) for d in docs for e in d.entities if e.type in ("Location", "Organisation", "Person")]
    exact = sum(d.text[e.start:e.end] == e.value for d, e in ents)
    assert exact / len(ents) > 0.99


# Lower bounds, a little below the scores measured when they were set (2026-11-21: idetect recall 0.985,
# category 0.850, unit 0.962; re3d actors recall 0.493 precision 0.892, places recall 0.624 precision 0.792;
# petrarch2 GSR root_any 0.325, dyad recall 0.062; raised the same day after the actor work of session 2: GSR
# triple recall 0.375, dyad recall 0.438, root accuracy on found dyads 0.857, root_any 0.613; then the place work:
# re3d places recall 0.941 precision 0.815, GSR dyad recall 0.450, root accuracy 0.833; session 3 event rules:
# GSR triple recall 0.487, precision 0.368, dyad recall 0.550, root accuracy 0.886, root_any 0.738; session 4, the
# scorer's CAMEO conventions (place's state as target, every pair of a meeting's parties, negated not coded):
# triple recall 0.613, precision 0.441, actors-only recall 0.538, dyad recall 0.688, root accuracy 0.891; then the
# event actor rules: triple recall 0.625, precision 0.447, dyad recall 0.700, root accuracy 0.893).
# Raise them as extraction improves; never lower them to pass.
FLOORS = {
    "idetect_recall": 0.95,
    "idetect_category": 0.86,
    "idetect_unit": 0.93,
    "re3d_actors_recall": 0.80,
    "re3d_actors_precision": 0.85,
    "re3d_places_recall": 0.92,
    "re3d_places_precision": 0.80,
    "petrarch_root_any": 0.70,
    "petrarch_triple_recall": 0.60,
    "petrarch_triple_recall_actors_only": 0.51,
    "petrarch_dyad_recall": 0.68,
    "petrarch_root_accuracy": 0.85,
}


@needs_bench
@pytest.mark.slow
def test_idetect_floors():
    rep = idetect.evaluate(BENCH / idetect.FILE)
    assert rep["failed"] == 0
    assert rep["tables"]["figures"]["recall"] >= FLOORS["idetect_recall"], rep["tables"]["figures"]["misses"]
    assert rep["metrics"]["figures.category_agreement"]["rate"] >= FLOORS["idetect_category"]
    assert rep["metrics"]["figures.unit_agreement"]["rate"] >= FLOORS["idetect_unit"]


@needs_bench
@pytest.mark.slow
def test_re3d_floors():
    rep = re3d.evaluate(BENCH / re3d.FILE)
    a, p = rep["tables"]["actors"], rep["tables"]["places"]
    assert rep["failed"] == 0
    assert a["recall"] >= FLOORS["re3d_actors_recall"] and a["precision"] >= FLOORS["re3d_actors_precision"]
    assert p["recall"] >= FLOORS["re3d_places_recall"] and p["precision"] >= FLOORS["re3d_places_precision"]


@needs_bench
@pytest.mark.slow
def test_petrarch_floors():
    rep = petrarch.evaluate(BENCH / petrarch.FILE)
    assert rep["failed"] == 0
    assert rep["metrics"]["events.root_any"]["rate"] >= FLOORS["petrarch_root_any"]
    assert rep["tables"]["events"]["recall"] >= FLOORS["petrarch_triple_recall"], rep["tables"]["events"].get("misses")
    assert rep["tables"]["events_actors_only"]["recall"] >= FLOORS["petrarch_triple_recall_actors_only"]
    assert rep["metrics"]["events.dyad_recall"] >= FLOORS["petrarch_dyad_recall"]
    assert rep["metrics"]["events.cameo_root_accuracy"]["rate"] >= FLOORS["petrarch_root_accuracy"]
