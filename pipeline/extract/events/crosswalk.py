"""Coding: the PLOVER type and mode of an event to a CAMEO root and an ACLED event type (`event_crosswalk.csv`)."""

from __future__ import annotations

import functools

from pipeline.lexicons import load as load_lexicon




@functools.lru_cache(maxsize=1)
def _crosswalk_rows() -> tuple[dict[str, str], ...]:
    return tuple(load_lexicon("event_crosswalk.csv"))


def load_crosswalk() -> list[dict]:
    """Rows of ``event_crosswalk.csv`` (event_type, mode, cameo_root, cameo_root_label, acled_event_type,
    acled_sub_event_type, penta_class, notes), all values strings, "" for none."""
    return [dict(r) for r in _crosswalk_rows()]


@functools.lru_cache(maxsize=1)
def _crosswalk_index() -> dict[tuple[str, str], dict[str, str]]:
    return {(r["event_type"], r["mode"] or ""): r for r in _crosswalk_rows()}


def crosswalk_row(event_type: str, mode: str | None) -> dict[str, str] | None:
    """The crosswalk row for a type and mode, falling back to the type's mode-less row."""
    index = _crosswalk_index()
    return index.get((event_type, mode or "")) or index.get((event_type, ""))
