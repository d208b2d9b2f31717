"""Reading a benchmark's JSON Lines file: the one loop every adapter uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, TypeVar

T = TypeVar("T")


def read_records(path: Path, parse: Callable[[dict[str, Any]], T], what: str) -> list[T]:
    """`parse` applied to every non-blank line's JSON object; a line that is not JSON or that `parse` rejects
    (KeyError, TypeError, ValueError) raises ValueError naming the file, the line and `what` it should be."""
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(parse(json.loads(line)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}:{n}: not {what} ({exc})") from exc
    return out
