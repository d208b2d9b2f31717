"""A work budget per article: the extractors of one article get so many seconds, and no more.

The extractors' cost is meant to grow linearly with an article (figures read each sentence once however many
numbers it lists), but text can still be made that is cheap to send and dear to extract. `article_budget(s)`
bounds one article's extraction: inside it, `stage(name)` runs one extractor and raises `BudgetExceeded` naming
the stage when the article's seconds run out, so the caller publishes what the earlier stages found and records
why the rest is missing (pipeline.extract.extract_article). The clock is a real-time interval timer (SIGALRM),
which interrupts a stage wherever it is; it is armed only in a process's main thread (Dagster's in-process and
multiprocess executors run steps there; elsewhere the budget is checked between stages only).
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time

DEFAULT_SECONDS = 60.0


class BudgetExceeded(Exception):
    def __init__(self, stage: str, seconds: float):
        super().__init__(f"work budget of {seconds:g} s per article used up in {stage}")
        self.stage = stage
        self.seconds = seconds


class Budget:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.current = "start"
        self.timed = False

    @contextlib.contextmanager
    def stage(self, name: str):
        self.current = name
        if time.monotonic() >= self.deadline:
            raise BudgetExceeded(name, self.seconds)
        yield


def _can_time() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def article_budget(seconds: float | None = None):
    """A `Budget` of `seconds` (default: NEWSLEDGER_EXTRACT_BUDGET_SECONDS) for the extraction of one article."""
    if seconds is None:
        from pipeline.settings import settings

        seconds = settings().extract_budget_seconds
    budget = Budget(seconds)
    if not _can_time():
        yield budget
        return

    def on_alarm(signum, frame):
        raise BudgetExceeded(budget.current, budget.seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    budget.timed = True
    try:
        yield budget
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
