"""The extracted tables from batches of per-article extractions: each batch's rows (`TableParts`, kept in memory
or spilled to part files) and their one merge (`merge_table_files`), whatever the batches."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd
import pyarrow as pa

from pipeline.extract.actors import load_registry
from pipeline.extract.events import can_cluster
from pipeline.extract.types import ActorInfo, ArticleExtraction, Event, PlaceInfo
from pipeline.ids import span_id
from pipeline.tables.files import sorted_copy, write_table_file
from pipeline.tables.frames import frame, row_of


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


ROW_TABLES = ("events", "figures", "mentions")


def for_clustering(e: Event) -> Event:
    """The event with only what cross-article clustering reads (pipeline.extract.events.cluster_events): its
    sentence and context dropped, and its quote kept only when it has no date (an undated report joins a cluster
    through a date expression in its quote)."""
    return dataclasses.replace(e, sentence="", context=(), quote=e.quote if e.date_start is None else "")


@dataclass
class TableParts:
    """The five tables' rows from a batch of per-article extractions, before the cross-article steps.

    Parts of several batches merge (`merge_table_files`) into
    exactly the tables one pass over all articles gives, whatever the batches: each distinct actor or place
    description is kept with the first article (smallest id) that gave it, and descriptions are folded in article
    order; rows are sorted by key. `events` keeps the event records for clustering across batches, only those that
    can join a cluster (`pipeline.extract.events.can_cluster`: about one in eight on the bench corpus) and slimmed by
    `for_clustering`; every event row carries its report's own placeholder cluster id until then.

    With `spill_dir`, the rows of events, figures and mentions go to sorted Parquet part files in that folder
    every `spill_rows` mention rows (and at `frozen()`), listed in `files`: a batch then holds only its actor and
    place descriptions and its events' clustering fields, whatever its size."""

    actors: dict[str, dict[ActorInfo, str]] = field(default_factory=dict)  # actor id -> {description: first article}
    places: dict[str, dict[PlaceInfo, str]] = field(default_factory=dict)
    n_mentions: Counter = field(default_factory=Counter)
    events: list[Event] = field(default_factory=list)
    rows: dict[str, list[dict]] = field(default_factory=lambda: {name: [] for name in ROW_TABLES})
    spill_dir: str | None = None
    spill_rows: int = 10_000
    files: dict[str, list[str]] = field(default_factory=lambda: {name: [] for name in ROW_TABLES})

    def add(self, ex: ArticleExtraction) -> None:
        aid = ex.article.article_id
        for info in ex.actors.values():
            _keep_first(self.actors.setdefault(info.actor_id, {}), info, aid)
        for info in ex.places.values():
            _keep_first(self.places.setdefault(info.place_id, {}), info, aid)
        mentions, figures, events = self.rows["mentions"], self.rows["figures"], self.rows["events"]
        for m in ex.actor_mentions:
            self.n_mentions[m.actor_id] += 1
            mentions.append(_mention(aid, "actor", m.char_start, m.char_end, m.quote, m.actor_id, m.sentence_index))
        for m in ex.place_mentions:
            mentions.append(_mention(aid, "place", m.char_start, m.char_end, m.quote, m.place_id, m.sentence_index))
        for m in ex.date_mentions:
            resolved = m.date_start.isoformat() if m.date_start else None
            if resolved and m.date_end and m.date_end != m.date_start:
                resolved += "/" + m.date_end.isoformat()
            mentions.append(_mention(aid, "date", m.char_start, m.char_end, m.quote, resolved, m.sentence_index))
        for f in ex.figures:
            figures.append(row_of(f))
            mentions.append(_mention(aid, "figure", f.char_start, f.char_end, f.quote, f.figure_id, f.sentence_index))
        for e in ex.events:
            row = row_of(e)
            row["context"] = list(e.context)
            row["assoc_actor_ids"] = list(e.assoc_actor_ids)
            events.append(row)
            if can_cluster(e):  # the others keep the placeholder cluster id their row carries
                self.events.append(for_clustering(e))
        if self.spill_dir is not None and len(mentions) >= self.spill_rows:
            self._spill()

    def _spill(self) -> None:
        for name in ROW_TABLES:
            rows = self.rows[name]
            if len(rows):
                df = frame(name, rows) if isinstance(rows, list) else rows
                path = Path(self.spill_dir) / f"{name}-{len(self.files[name]):05d}.parquet"
                write_table_file(name, df, path)
                self.files[name].append(str(path))
            self.rows[name] = []

    def frozen(self) -> "TableParts":
        """The same parts with the row lists turned into sorted DataFrames (compact, for passing between steps),
        or, with `spill_dir`, written to part files."""
        if self.spill_dir is not None:
            self._spill()
        for name in ROW_TABLES:
            if isinstance(self.rows[name], list):  # frame() keeps the table's columns only
                self.rows[name] = frame(name, self.rows[name])
        return self


def _keep_first(seen: dict, info, article_id: str) -> None:
    """Record `info` with the smallest article id that gave it."""
    if info not in seen or article_id < seen[info]:
        seen[info] = article_id


def table_parts(extractions: Iterable[ArticleExtraction]) -> TableParts:
    """The parts of a batch of extractions, held in memory (`TableParts` without spill_dir)."""
    parts = TableParts()
    for ex in extractions:
        parts.add(ex)
    return parts.frozen()


def _fold(entries: dict, merge) -> object:
    """Descriptions folded in the order of the article that first gave each (then by their text, for ties)."""
    ordered = sorted(entries.items(), key=lambda kv: (kv[1], repr(kv[0])))
    acc = ordered[0][0]
    for info, _ in ordered[1:]:
        acc = merge(acc, info)
    return acc


def _description_tables(parts: list[TableParts]) -> dict[str, pd.DataFrame]:
    """The actors and places tables from every batch's descriptions (and the parents actors name)."""
    actor_entries: dict[str, dict] = {}
    place_entries: dict[str, dict] = {}
    n_mentions: Counter = Counter()
    for part in parts:
        part.frozen()
        for merged, own in ((actor_entries, part.actors), (place_entries, part.places)):
            for k, seen in own.items():
                mine = merged.setdefault(k, {})
                for info, aid in seen.items():
                    _keep_first(mine, info, aid)
        n_mentions.update(part.n_mentions)
    actors: dict[str, ActorInfo] = {k: _fold(v, _merge_actor) for k, v in actor_entries.items()}
    places: dict[str, PlaceInfo] = {k: _fold(v, _merge_place) for k, v in place_entries.items()}

    # Parents named by an actor must be published too (a person's organisation, an army's state).
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
        row = row_of(a)
        row["aliases"] = sorted(set(a.aliases))
        row["n_mentions"] = n_mentions.get(a.actor_id, 0)
        actor_rows.append(row)
    place_rows = []
    for pl in places.values():
        row = row_of(pl)
        row["aliases"] = sorted(set(pl.aliases))
        place_rows.append(row)
    return {"actors": frame("actors", actor_rows), "places": frame("places", place_rows)}


def merge_table_files(parts: list[TableParts], cluster_of: dict[str, str], out_dir, temp_dir) -> dict:
    """The actors, places, events, figures and mentions tables from the parts of every batch (spilled to files or
    kept in memory): actors and places as DataFrames (small: one row per distinct actor or place), events, figures
    and mentions as table files in `out_dir`, merged and sorted by DuckDB under its memory limit (spilling to
    `temp_dir`); `cluster_of` maps event ids to their cluster ids (pipeline.extract.events.cluster_events over all
    batches' events) and is joined in."""
    out: dict = _description_tables(parts)
    for name in ROW_TABLES:
        files = [f for part in parts for f in part.files[name]]
        for i, part in enumerate(parts):  # rows a part kept in memory (parts made without spill_dir)
            if len(part.rows[name]):
                path = Path(temp_dir) / f"inline-{name}-{i:05d}.parquet"
                write_table_file(name, part.rows[name], path)
                files.append(str(path))
        replace = None
        if name == "events" and cluster_of:
            replace = pa.table({"event_id": list(cluster_of), "cluster_id": list(cluster_of.values())})
        out[name] = sorted_copy(name, files, Path(out_dir) / f"{name}.parquet", temp_dir, replace)
    return out


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
