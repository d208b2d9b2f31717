"""A work budget per article: the extractors of one article get so many seconds, and no more.

The extractors' cost is meant to grow linearly with an article (figures read each sentence once however many
numbers it lists), but text can still be made that is cheap to send and dear to extract. `article_budget(s)`
bounds one article's extraction: inside it, `stage(name)` runs one extractor and raises `BudgetExceeded` naming
the stage when the article's seconds run out, so the caller publishes what the earlier stages found and records
why the rest is missing (pipeline.extract.extract_article). The clock is a real-time interval timer (SIGALRM),
which interrupts a stage wherever it is; it is armed only in a process's main thread (Dagster's in-process and
multiprocess executors run steps there; elsewhere the budget is checked between stages only).

Python drops an exception raised inside a garbage-collector callback (it prints "Exception ignored in" and goes
on), and the alarm can land in one: while the budget is armed, a `BudgetExceeded` dropped that way re-arms the
timer at once, so the stage is interrupted again in the code that runs next.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time

DEFAULT_SECONDS = 60.0
_AGAIN_SECONDS = 0.01  # how soon a dropped alarm is raised again


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
        if budget.timed:
            raise BudgetExceeded(budget.current, budget.seconds)

    def on_dropped(unraisable):
        if budget.timed and isinstance(unraisable.exc_value, BudgetExceeded):
            signal.setitimer(signal.ITIMER_REAL, _AGAIN_SECONDS)
            return
        previous_hook(unraisable)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = on_dropped
    signal.setitimer(signal.ITIMER_REAL, seconds)
    budget.timed = True
    try:
        yield budget
    finally:
        budget.timed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.unraisablehook = previous_hook
