"""The shape of a benchmark report, shared by every adapter and the `eval` command.

A report is a plain dict (it is written to JSON as it is):

    {"benchmark": str, "file": str, "items": int, "failed": int, "counting": str,
     "tables": {table: PRF.as_dict()},            # figures | actors | places | events
     "metrics": {name: Agreement.as_dict() | float | None},
     "targets": [{"name": str, "value": float | None, "target": float, "met": bool}]}
"""

from __future__ import annotations

from pipeline.eval.metrics import PRF, Agreement


def target(name: str, value: float | None, goal: float) -> dict:
    return {"name": name, "value": None if value is None else round(value, 4), "target": goal,
            "met": value is not None and value >= goal}


def make_report(benchmark: str, file: str, items: int, failed: int, counting: str,
                tables: dict[str, PRF], metrics: dict[str, Agreement | float | None],
                targets: list[dict]) -> dict:
    return {
        "benchmark": benchmark,
        "file": file,
        "items": items,
        "failed": failed,
        "counting": counting,
        "tables": {k: v.as_dict() for k, v in tables.items()},
        "metrics": {k: (v.as_dict() if isinstance(v, Agreement) else (None if v is None else round(v, 4)))
                    for k, v in metrics.items()},
        "targets": targets,
    }
