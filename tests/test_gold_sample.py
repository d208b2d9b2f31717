"""The published tables for the sample articles, compared with the project's own hand annotation
(tests/gold/sample_articles.yaml, written from the article text by an annotator who did not read the
extractor). The floors hold quality from slipping; the numbers are printed for the closing notes."""

from __future__ import annotations

import json

import pytest

from pipeline.eval.gold import load_gold, same_event_clusters, score

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scores(sample_tables):
    s = score(sample_tables, load_gold())
    print("\n" + json.dumps({k: v.as_dict() for k, v in s.items()}, indent=1))
    return s


def test_both_articles_published_with_their_dates(scores):
    a = scores["articles"]
    assert a.found == a.expected == 2
    assert a.agreement("published_at") == 1.0, a.fields
    assert a.agreement("published_at_source") == 1.0, a.fields


def test_figures_match_gold(scores):
    f = scores["figures"]
    assert f.expected >= 15
    assert f.recall >= FLOORS["figures_recall"], f.misses
    assert f.precision >= FLOORS["figures_precision"]
    assert f.agreement("category") >= FLOORS["figures_category"]
    assert f.agreement("qualifier") >= FLOORS["figures_qualifier"]
    assert f.agreement("window") >= FLOORS["figures_window"]
    assert f.agreement("window_kind") >= FLOORS["figures_window_kind"]


def test_actors_match_gold(scores):
    a = scores["actors"]
    assert a.recall >= FLOORS["actors_recall"], a.misses
    assert a.agreement("one_actor_for_all_aliases") >= FLOORS["actors_aliases"]


def test_places_match_gold(scores):
    p = scores["places"]
    assert p.recall >= FLOORS["places_recall"], p.misses
    assert p.agreement("one_place_for_all_spellings") >= FLOORS["places_spellings"]
    assert p.agreement("country") == 1.0


def test_events_match_gold(scores):
    e = scores["events"]
    assert e.recall >= FLOORS["events_recall"], e.misses
    assert e.precision >= FLOORS["events_precision"]


def test_the_same_ceasefire_shares_a_cluster_across_articles(sample_tables):
    clusters = dict(same_event_clusters(sample_tables, load_gold()))
    assert clusters.get("jan12_ceasefire") is True, clusters


# Lower bounds, a little below the scores measured when they were set (2026-11-21: figures 18/18 found with
# precision 1.0, category/qualifier/window agreement 1.0; actors 28/31; places 16/20, spellings 0.94;
# events recall 0.82, precision 0.53; session 4: window_kind 0.778 -> 0.833 with the tense of undated figures).
# Raise them as extraction improves; never lower them to pass.
FLOORS = {
    "figures_recall": 0.9,
    "figures_precision": 0.9,
    "figures_category": 0.9,
    "figures_qualifier": 0.9,
    "figures_window": 0.9,
    "figures_window_kind": 0.8,
    "actors_recall": 0.85,
    "actors_aliases": 0.95,
    "places_recall": 0.75,
    "places_spellings": 0.9,
    "events_recall": 0.75,
    "events_precision": 0.45,
}
