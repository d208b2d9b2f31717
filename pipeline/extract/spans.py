"""An index of character spans for many overlap queries."""

from __future__ import annotations

import bisect
import itertools


class SpanIndex:
    """Whether [start, end) overlaps one of many spans, for many queries: sorted by start, with the running maximum of the
    ends, so a query looks at the spans starting before its end only as far back as one could still reach it."""

    def __init__(self, spans: list[tuple[int, int]]):
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]
        self.max_end = list(itertools.accumulate((e for _, e in self.spans), max))

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, end)  # the spans with s < end; one of them overlaps iff its end > start
        return i > 0 and self.max_end[i - 1] > start
