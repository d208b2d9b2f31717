"""PETRARCH2 unit-test sentences (events/petrarch_unittest.jsonl): the same format as the validation set, but
mostly invented countries (Arnor, Gondor) that no real-world registry knows, so scores are low by design;
reported for reading (no targets). Scored exactly like ``petrarch``."""

from __future__ import annotations

from pathlib import Path

from pipeline.eval.adapters import petrarch

FILE = "events/petrarch_unittest.jsonl"
NAME = "petrarch_unittest_events"
load = petrarch.load


def evaluate(path: Path, limit: int | None = None, part: str | None = None) -> dict:
    return petrarch.evaluate(path, limit, name=NAME, with_targets=False, part=part)
