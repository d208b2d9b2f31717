"""Cross-article clustering: the same cluster id for reports of one real-world event."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

from pipeline.extract.events.merging import participant_ids
from pipeline.extract.types import Event
from pipeline.ids import short_hash
from pipeline.ingest.dates import find_date_expressions


_NEUTRAL_ANCHOR = dt.date(2000, 12, 31)


@functools.lru_cache(maxsize=65536)
def _explicit_date_quotes(quote: str) -> tuple[str, ...]:
    """Explicit calendar expressions ("Jan. 12", "January 12, 2020") in an event's quote: words and digits,
    not weekdays or relative phrases, whose meaning does not depend on when the article was written."""
    out = []
    for x in find_date_expressions(quote, None):
        if any(ch.isdigit() for ch in x.quote) and any(ch.isalpha() for ch in x.quote) and x.kind == "point":
            out.append(x.quote)
    return tuple(out)


def _windows(quotes: tuple[str, ...], anchor: dt.date) -> list[tuple[dt.date, dt.date]]:
    out = []
    for q in quotes:
        for x in find_date_expressions(q, anchor):
            if x.date_start is not None:
                out.append((x.date_start, x.date_end or x.date_start))
    return out


def _dates_compatible(a: Event, b: Event) -> bool:
    """Overlapping date windows; an undated report whose quote holds an explicit date expression ("Jan. 12",
    unresolved because its article has no publication date) is read against the other report's date, and two
    such reports must carry the same expression."""
    if a.date_start is not None and b.date_start is not None:
        a_end, b_end = a.date_end or a.date_start, b.date_end or b.date_start
        return a.date_start <= b_end and b.date_start <= a_end
    if a.date_start is None and b.date_start is None:
        qa, qb = _explicit_date_quotes(a.quote), _explicit_date_quotes(b.quote)
        if not qa or not qb:
            return False
        wa, wb = set(_windows(qa, _NEUTRAL_ANCHOR)), set(_windows(qb, _NEUTRAL_ANCHOR))
        return bool(wa & wb)
    dated, undated = (a, b) if a.date_start is not None else (b, a)
    quotes = _explicit_date_quotes(undated.quote)
    if not quotes or dated.date_precision not in ("day", "week"):
        return False
    start, end = dated.date_start, dated.date_end or dated.date_start
    return any(ws <= end and start <= we for ws, we in _windows(quotes, end))


def same_real_event(a: Event, b: Event) -> bool:
    """Whether two event reports plausibly describe one real-world event: same type (and mode, where both
    have one), compatible dates (`_dates_compatible`), and two actors in common or, without conflicting
    actors, the same place."""
    if a.event_type != b.event_type or not _dates_compatible(a, b):
        return False
    if a.mode is not None and b.mode is not None and a.mode != b.mode:
        return False
    pa, pb = participant_ids(a), participant_ids(b)
    if len(pa & pb) >= 2:
        return True
    if a.place_id is not None and a.place_id == b.place_id:
        return not (pa and pb) or bool(pa & pb)
    return False


def can_cluster(e: Event) -> bool:
    """Whether a report can join a cluster at all (`cluster_events`): it has a start date, or its quote holds an
    explicit date expression. Any other report keeps its placeholder cluster id whatever else is in the corpus."""
    return e.date_start is not None or bool(_explicit_date_quotes(e.quote))


def cluster_events(events: list[Event]) -> list[Event]:
    """The same events (same order) with `cluster_id` shared by reports of one real-world event.

    Reports are linked when `same_real_event` holds; clusters are the connected components. A cluster's id
    is "clu_" + short_hash(event_id) of its earliest member (earliest date_start, then smallest event_id), so
    it does not depend on the input order, and a report that clusters with nothing keeps its placeholder id.
    Undated reports can only join through an explicit date expression in their quote.
    """
    n = len(events)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    dated: dict[str, list[int]] = {}
    undated: dict[str, list[int]] = {}
    for i, e in enumerate(events):
        if e.date_start is not None:
            dated.setdefault(e.event_type, []).append(i)
        elif can_cluster(e):
            undated.setdefault(e.event_type, []).append(i)
    for idxs in dated.values():  # sweep over start dates: only overlapping windows are compared
        idxs.sort(key=lambda i: (events[i].date_start, events[i].event_id))
        active: list[int] = []
        for i in idxs:
            e = events[i]
            active = [j for j in active if (events[j].date_end or events[j].date_start) >= e.date_start]
            for j in active:
                if same_real_event(events[j], e):
                    union(i, j)
            active.append(i)
    for etype, idxs in undated.items():
        others = dated.get(etype, []) + idxs
        for i in idxs:
            for j in others:
                if j != i and same_real_event(events[i], events[j]):
                    union(i, j)

    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(find(i), []).append(i)
    cluster_of: dict[int, str] = {}
    for idxs in members.values():
        earliest = min(
            idxs,
            key=lambda i: (events[i].date_start is None, events[i].date_start or dt.date.max, events[i].event_id),
        )
        cid = "clu_" + short_hash(events[earliest].event_id)
        for i in idxs:
            cluster_of[i] = cid
    return [dataclasses.replace(e, cluster_id=cluster_of[i]) for i, e in enumerate(events)]
