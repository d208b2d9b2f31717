"""Best estimates: the figures that speak of the same thing, reconciled in UCDP's form (low / best / high), with
every claim kept and linked.

A group is the figures with the same `category`, `unit`, `place_id` and time window (`window_start`,
`window_end`), across articles and reporters; figures without a place or without any window date are not
grouped (they stay in `figures`). Rule `median_of_sources` (the only rule so far, named in each row):

- a source is the reporter actor, else the reporter's words, else the article; each source counts once, with
  the highest value it gave for the group (a source repeating or updating a number is not several sources);
- `best` is the median of the sources' values (the lower middle one when their number is even, so that
  `best` is always a number someone reported);
- `low` is the smallest `value_low` (else `value`) of all the claims, `high` the largest `value_high` (else
  `value`) of all the claims;
- `figure_ids` lists every claim of the group, `n_claims`, `n_articles` and `n_reporters` count them.

The table is derived at release time from the published figures (`derive_best_estimates`), defined in
`schemas/tables.yaml` under `derived_tables`, validated by its pandera model and its Great Expectations suite,
and published in every release like the other tables.
"""

from __future__ import annotations

import hashlib
import math

import pandas as pd

RULE = "median_of_sources"
NAME = "best_estimates"


def _known(v) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v)) and v is not pd.NaT


def _source(r) -> str:
    if _known(r.reporter_actor_id):
        return "actor:" + str(r.reporter_actor_id)
    if _known(r.reporter_text) and str(r.reporter_text).strip():
        return "text:" + " ".join(str(r.reporter_text).lower().split())
    return "article:" + str(r.article_id)


def _day(v) -> str:
    return v.isoformat() if _known(v) else ""


def estimate_id(category: str, unit: str, place_id: str, start, end) -> str:
    key = "|".join([category, unit, place_id, _day(start), _day(end)])
    return "est_" + hashlib.sha256(key.encode()).hexdigest()[:16]


def derive_best_estimates(figures: pd.DataFrame) -> pd.DataFrame:
    """The best-estimates table of a figures table (deterministic: rows sorted by id, claims by figure id)."""
    from schemas.models import empty_frame

    rows = []
    usable = figures[figures["place_id"].notna() & (figures["window_start"].notna() | figures["window_end"].notna())]
    groups: dict[tuple, list] = {}
    for r in usable.itertuples(index=False):
        key = (r.category, r.unit, r.place_id, _day(r.window_start), _day(r.window_end))
        groups.setdefault(key, []).append(r)
    for (category, unit, place_id, _, _), claims in groups.items():
        by_source: dict[str, float] = {}
        for c in claims:
            s = _source(c)
            by_source[s] = max(by_source.get(s, c.value), c.value)
        values = sorted(by_source.values())
        best = values[(len(values) - 1) // 2]
        low = min(c.value_low if _known(c.value_low) else c.value for c in claims)
        high = max(c.value_high if _known(c.value_high) else c.value for c in claims)
        first = claims[0]
        rows.append({
            "estimate_id": estimate_id(category, unit, place_id, first.window_start, first.window_end),
            "category": category, "unit": unit, "place_id": place_id,
            "window_start": first.window_start if _known(first.window_start) else None,
            "window_end": first.window_end if _known(first.window_end) else None,
            "low": float(min(low, best)), "best": float(best), "high": float(max(high, best)),
            "rule": RULE, "n_claims": len(claims), "n_articles": len({c.article_id for c in claims}),
            "n_reporters": len(by_source), "figure_ids": sorted(c.figure_id for c in claims),
        })
    if not rows:
        return empty_frame(NAME)
    df = pd.DataFrame(rows).sort_values("estimate_id", kind="mergesort").reset_index(drop=True)
    return df[list(empty_frame(NAME).columns)]
