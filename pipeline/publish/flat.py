"""Flat CSV files of a release, one row per event or figure with the actor, place and article names resolved
(the readable DuckDB views `events_readable` and `figures_readable`, rendered like the other CSV files), for
readers who work in one spreadsheet rather than joining tables."""

from __future__ import annotations

from pathlib import Path

FLAT_DIR = "flat"
FLAT_VIEWS = {"events": ("events_readable", "event_id"), "figures": ("figures_readable", "figure_id")}


def write_flat_files(folder: Path) -> list[str]:
    """`flat/events.csv` and `flat/figures.csv` from the release's DuckDB file; returns their paths."""
    import duckdb

    from pipeline.publish.release import write_csv
    from pipeline.publish.writer import DUCKDB_NAME
    from schemas.metadata import sql_ident

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
