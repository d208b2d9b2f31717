"""Progress of a long step in its run's log: `progress: <label>: <done>/<total> articles, <rate>/s, ~<left> left`,
at most every PROGRESS_EVERY_S seconds (and once at the end). The UI shows these lines in the run's logs; the CLI
(pipeline.launch.RunWatcher) turns them into a bar per step on a terminal, or prints them as they are."""

from __future__ import annotations

import time

PROGRESS_EVERY_S = 10.0
PREFIX = "progress: "


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"


class StepProgress:
    def __init__(self, log, label: str, total: int, every_s: float = PROGRESS_EVERY_S):
        self.log, self.label, self.total, self.every_s = log, label, total, every_s
        self.done = 0
        self.start = self.last = time.monotonic()

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.start, 1e-6)
        rate = self.done / elapsed
        left = f", ~{_duration((self.total - self.done) / rate)} left" if rate > 0 and self.done < self.total else ""
        return f"{PREFIX}{self.label}: {self.done}/{self.total} articles, {rate:.1f}/s{left}"

    def tick(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= self.every_s:
            self.last = now
            self.log.info(self.line())

    def finish(self) -> None:
        self.log.info(self.line())
