"""Flat CSV files of a release, one row per event or figure with the actor, place and article names resolved
(the readable DuckDB views `events_readable` and `figures_readable`, rendered like the other CSV files), for
readers who work in one spreadsheet rather than joining tables."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pipeline.publish.writer import DUCKDB_NAME
from schemas.metadata import sql_ident

FLAT_DIR = "flat"
FLAT_VIEWS = {"events": ("events_readable", "event_id"), "figures": ("figures_readable", "figure_id")}


def write_flat_files(folder: Path) -> list[str]:
    """`flat/events.csv` and `flat/figures.csv` from the release's DuckDB file; returns their paths."""
    out = folder / FLAT_DIR
    out.mkdir(exist_ok=True)
    written = []
    con = duckdb.connect(str(folder / DUCKDB_NAME), read_only=True)
    try:
        for name, (view, key) in FLAT_VIEWS.items():
            table = con.sql(f"SELECT * FROM {sql_ident(view)} ORDER BY {sql_ident(key)}").to_arrow_table()
            write_csv(table, out / f"{name}.csv")
            written.append(f"{FLAT_DIR}/{name}.csv")
    finally:
        con.close()
    return written


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value), ensure_ascii=False)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def write_csv(table: pa.Table, path: Path) -> None:
    """Deterministic CSV (UTF-8, `\\n` line ends, minimal quoting, NULL as empty, lists as JSON arrays)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(table.column_names)
    cols = [table.column(i).to_pylist() for i in range(table.num_columns)]
    for row in zip(*cols):
        w.writerow([_csv_cell(v) for v in row])
    path.write_text(buf.getvalue(), encoding="utf-8")
