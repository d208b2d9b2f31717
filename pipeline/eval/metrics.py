"""Counting for the benchmark scorers: precision, recall and F1 from matched gold and matched predictions.

Recall counts gold items found (a gold item is found when at least one prediction matches it); precision
counts predictions that match at least one gold item. The two are counted separately because matching is
many-to-many (overlapping spans), so one prediction may find two nested gold spans and vice versa.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def ratio(num: int, den: int) -> float | None:
    """num / den, or None when there is nothing to divide (reported as n/a, never as a perfect score)."""
    return num / den if den else None


def f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class PRF:
    """Precision, recall and F1 over one table of one benchmark, with the counts behind them."""

    gold: int = 0
    gold_found: int = 0
    predicted: int = 0
    predicted_correct: int = 0
    misses: list[str] = field(default_factory=list)  # examples of gold items not found (for reading, capped)
    false_positives: list[str] = field(default_factory=list)  # examples of unmatched predictions (capped)
    max_examples: int = 30

    @property
    def recall(self) -> float | None:
        return ratio(self.gold_found, self.gold)

    @property
    def precision(self) -> float | None:
        return ratio(self.predicted_correct, self.predicted)

    @property
    def f1(self) -> float | None:
        return f1(self.precision, self.recall)

    def add_gold(self, found: bool, label: str = "") -> None:
        self.gold += 1
        self.gold_found += int(found)
        if not found and label and len(self.misses) < self.max_examples:
            self.misses.append(label)

    def add_predicted(self, correct: bool, label: str = "") -> None:
        self.predicted += 1
        self.predicted_correct += int(correct)
        if not correct and label and len(self.false_positives) < self.max_examples:
            self.false_positives.append(label)

    def as_dict(self) -> dict:
        return {
            "gold": self.gold,
            "gold_found": self.gold_found,
            "predicted": self.predicted,
            "predicted_correct": self.predicted_correct,
            "precision": _round(self.precision),
            "recall": _round(self.recall),
            "f1": _round(self.f1),
            "misses": list(self.misses),
            "false_positives": list(self.false_positives),
        }


@dataclass
class Agreement:
    """Share of compared items on which a field agrees (category, unit, CAMEO root...)."""

    agree: int = 0
    compared: int = 0
    disagreements: list[str] = field(default_factory=list)
    max_examples: int = 30

    @property
    def rate(self) -> float | None:
        return ratio(self.agree, self.compared)

    def add(self, ok: bool, label: str = "") -> None:
        self.compared += 1
        self.agree += int(ok)
        if not ok and label and len(self.disagreements) < self.max_examples:
            self.disagreements.append(label)

    def as_dict(self) -> dict:
        return {"agree": self.agree, "compared": self.compared, "rate": _round(self.rate),
                "disagreements": list(self.disagreements)}


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    """Whether the half-open spans [a0, a1) and [b0, b1) share at least one character."""
    return a0 < b1 and b0 < a1
