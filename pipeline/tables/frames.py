"""Records to DataFrames with exactly a table's columns, typed as its pandera model expects (and back).

Rows are sorted by primary key, so that the same inputs always give the same tables, whatever order the
records came in.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable

import pandas as pd

from pipeline.extract.types import Article
from pipeline.ids import short_hash
from schemas.metadata import table_meta
from schemas.models import empty_frame


def frame(name: str, rows: Iterable[dict], sort: bool = True) -> pd.DataFrame:
    """A DataFrame with the table's columns in order, typed as its pandera model expects, sorted by key (or in
    the order given, with `sort=False`)."""
    t = table_meta(name)
    rows = list(rows)
    if not rows:
        return empty_frame(name)
    df = pd.DataFrame.from_records([{c: r.get(c) for c in t.column_names} for r in rows], columns=t.column_names)
    for c in t.columns:
        if c.type == "integer":
            df[c.name] = df[c.name].astype("int64")
        elif c.type == "number":
            df[c.name] = pd.to_numeric(df[c.name], errors="coerce").astype("float64")
        elif c.type == "boolean":
            df[c.name] = df[c.name].astype("bool")
        elif c.type == "list<string>":
            df[c.name] = [list(v) if v is not None else [] for v in df[c.name]]
        else:
            df[c.name] = df[c.name].astype(object).where(df[c.name].notna(), None)
    if not sort:
        return df
    return df.sort_values(list(t.primary_key), kind="mergesort").reset_index(drop=True)


def articles_frame(articles) -> pd.DataFrame:
    return frame("articles", (dataclasses.asdict(a) for a in articles))


def articles_from_frame(df: pd.DataFrame) -> list[Article]:
    """The Article records back from a published articles table."""
    out = []
    for rec in df.to_dict("records"):
        rec = {k: (None if (not isinstance(v, (list, tuple)) and pd.isna(v)) else v) for k, v in rec.items()}
        out.append(Article(**rec))
    return out


def quarantine_frame(records) -> pd.DataFrame:
    return frame("quarantine", (dataclasses.asdict(r) for r in records))


def extraction_problems_frame(failures) -> pd.DataFrame:
    """One row per article whose extraction stopped (pipeline.extract.ExtractionFailure), sorted by article."""
    rows = ({"problem_id": "prb_" + short_hash(f.article_id, f.stage, f.reason), "article_id": f.article_id,
             "source_file": f.source_file, "stage": f.stage, "reason": f.reason, "detail": f.error}
            for f in sorted(failures, key=lambda f: (f.article_id, f.source_file)))
    return frame("extraction_problems", rows)


def duplicates_frame(records) -> pd.DataFrame:
    return frame("duplicates", (dataclasses.asdict(r) for r in records))


def row_of(obj) -> dict:
    """The fields of a flat record dataclass as a dict (dataclasses.asdict without its deep copy: the records
    hold only scalars, dates and tuples of strings)."""
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
