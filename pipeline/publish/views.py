"""The readable views (warehouse/views.sql, beside the outputs), loaded into DuckDB by the writer after the tables."""

from __future__ import annotations

from pipeline.paths import PROJECT_ROOT

VIEWS_SQL = PROJECT_ROOT / "warehouse" / "views.sql"


def views_sql() -> list[str]:
    text = VIEWS_SQL.read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("--")]
    blocks = "\n".join(lines).split("\n;\n")
    return [b.strip() for b in blocks if b.strip()]
