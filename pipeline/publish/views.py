"""The readable views (views.sql), loaded into DuckDB by the writer after the tables."""

from __future__ import annotations

from pathlib import Path


def views_sql() -> list[str]:
    text = (Path(__file__).with_name("views.sql")).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("--")]
    blocks = "\n".join(lines).split("\n;\n")
    return [b.strip() for b in blocks if b.strip()]
