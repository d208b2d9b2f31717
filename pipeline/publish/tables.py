"""From typed records to the published tables (pandas DataFrames with exactly the columns of the metadata source).

Rows are sorted by primary key, so that the same inputs always give the same tables, whatever order the
records came in.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Iterable

import pandas as pd

from pipeline.extract.types import ActorInfo, Article, ArticleExtraction, PlaceInfo
from pipeline.ids import span_id
from schemas.metadata import table_meta
from schemas.models import empty_frame


def frame(name: str, rows: Iterable[dict]) -> pd.DataFrame:
    """A DataFrame with the table's columns in order, typed as its pandera model expects, sorted by key."""
    t = table_meta(name)
    rows = list(rows)
    if not rows:
        return empty_frame(name)
    df = pd.DataFrame.from_records([{c: r.get(c) for c in t.column_names} for r in rows], columns=t.column_names)
    for c in t.columns:
        if c.type == "integer":
            df[c.name] = df[c.name].astype("int64")
        elif c.type == "number":
            df[c.name] = pd.to_numeric(df[c.name], errors="coerce").astype("float64")
        elif c.type == "boolean":
            df[c.name] = df[c.name].astype("bool")
        elif c.type == "list<string>":
            df[c.name] = [list(v) if v is not None else [] for v in df[c.name]]
        else:
            df[c.name] = df[c.name].astype(object).where(df[c.name].notna(), None)
    return df.sort_values(list(t.primary_key), kind="mergesort").reset_index(drop=True)


def articles_frame(articles) -> pd.DataFrame:
    return frame("articles", (dataclasses.asdict(a) for a in articles))


def articles_from_frame(df: pd.DataFrame) -> list[Article]:
    """The Article records back from a published articles table."""
    out = []
    for rec in df.to_dict("records"):
        rec = {k: (None if (not isinstance(v, (list, tuple)) and pd.isna(v)) else v) for k, v in rec.items()}
        out.append(Article(**rec))
    return out


def quarantine_frame(records) -> pd.DataFrame:
    return frame("quarantine", (dataclasses.asdict(r) for r in records))


def duplicates_frame(records) -> pd.DataFrame:
    return frame("duplicates", (dataclasses.asdict(r) for r in records))


def _merge_actor(a: ActorInfo, b: ActorInfo) -> ActorInfo:
    aliases = tuple(sorted(set(a.aliases) | set(b.aliases)))
    return dataclasses.replace(
        a,
        aliases=aliases,
        country_iso3=a.country_iso3 or b.country_iso3,
        parent_actor_id=a.parent_actor_id or b.parent_actor_id,
        wikidata_qid=a.wikidata_qid or b.wikidata_qid,
    )


def _merge_place(a: PlaceInfo, b: PlaceInfo) -> PlaceInfo:
    return dataclasses.replace(a, aliases=tuple(sorted(set(a.aliases) | set(b.aliases))))


def extraction_frames(extractions: list[ArticleExtraction]) -> dict[str, pd.DataFrame]:
    """actors, places, events, figures and mentions tables from the per-article extractions."""
    actors: dict[str, ActorInfo] = {}
    places: dict[str, PlaceInfo] = {}
    n_mentions: dict[str, int] = defaultdict(int)
    events, figures, mentions = [], [], []

    for ex in extractions:
        for info in ex.actors.values():
            actors[info.actor_id] = _merge_actor(actors[info.actor_id], info) if info.actor_id in actors else info
        for info in ex.places.values():
            places[info.place_id] = _merge_place(places[info.place_id], info) if info.place_id in places else info
        aid = ex.article.article_id
        for m in ex.actor_mentions:
            n_mentions[m.actor_id] += 1
            mentions.append(_mention(aid, "actor", m.char_start, m.char_end, m.quote, m.actor_id, m.sentence_index))
        for m in ex.place_mentions:
            mentions.append(_mention(aid, "place", m.char_start, m.char_end, m.quote, m.place_id, m.sentence_index))
        for m in ex.date_mentions:
            resolved = m.date_start.isoformat() if m.date_start else None
            if resolved and m.date_end and m.date_end != m.date_start:
                resolved += "/" + m.date_end.isoformat()
            mentions.append(_mention(aid, "date", m.char_start, m.char_end, m.quote, resolved, m.sentence_index))
        for f in ex.figures:
            figures.append(dataclasses.asdict(f))
            mentions.append(_mention(aid, "figure", f.char_start, f.char_end, f.quote, f.figure_id, f.sentence_index))
        for e in ex.events:
            row = dataclasses.asdict(e)
            row["context"] = list(e.context)
            row["assoc_actor_ids"] = list(e.assoc_actor_ids)
            events.append(row)

    # Parents named by an actor must be published too (a person's organisation, an army's state).
    from pipeline.extract.actors import load_registry

    registry = load_registry()
    pending = [a.parent_actor_id for a in actors.values() if a.parent_actor_id and a.parent_actor_id not in actors]
    while pending:
        pid = pending.pop()
        if pid in actors:
            continue
        parent = registry.get(pid)
        if parent is None:
            continue
        actors[pid] = parent
        if parent.parent_actor_id and parent.parent_actor_id not in actors:
            pending.append(parent.parent_actor_id)

    actor_rows = []
    for a in actors.values():
        row = dataclasses.asdict(a)
        row["aliases"] = sorted(set(a.aliases))
        row["n_mentions"] = n_mentions.get(a.actor_id, 0)
        actor_rows.append(row)
    place_rows = []
    for p in places.values():
        row = dataclasses.asdict(p)
        row["aliases"] = sorted(set(p.aliases))
        place_rows.append(row)
    for rows in (events, figures):
        for r in rows:
            r.pop("sentence_index", None)
    return {
        "actors": frame("actors", actor_rows),
        "places": frame("places", place_rows),
        "events": frame("events", events),
        "figures": frame("figures", figures),
        "mentions": frame("mentions", mentions),
    }


def _mention(article_id: str, kind: str, start: int, end: int, quote: str, resolved: str | None, sentence_index: int) -> dict:
    return {
        "mention_id": span_id("men", article_id, kind, start, end),
        "article_id": article_id,
        "kind": kind,
        "char_start": start,
        "char_end": end,
        "text": quote,
        "resolved_id": resolved,
        "sentence_index": sentence_index,
    }
