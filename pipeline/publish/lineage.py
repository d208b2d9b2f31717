"""Lineage facts carried by the data files themselves (no run ids: those live in the run's own records)."""

from __future__ import annotations

import hashlib

from pipeline.tables.files import Source, as_frame


def inputs_hash(articles: Source, duplicates: Source, quarantine: Source) -> str:
    """SHA-256 over every input as the pipeline took it in: each article's source and text hash, each
    duplicate and what it duplicates, each quarantined input and its bytes' hash. Sorted, so order-free.
    Reads only those columns of the tables (DataFrames or table files)."""
    articles = as_frame("articles", articles, ["source_file", "text_sha256"])
    duplicates = as_frame("duplicates", duplicates, ["input_ref", "article_id"])
    quarantine = as_frame("quarantine", quarantine, ["input_ref", "input_sha256"])
    lines = sorted(
        [f"A\t{s}\t{h}" for s, h in zip(articles["source_file"], articles["text_sha256"])]
        + [f"D\t{r}\t{a}" for r, a in zip(duplicates["input_ref"], duplicates["article_id"])]
        + [f"Q\t{r}\t{h or ''}" for r, h in zip(quarantine["input_ref"], quarantine["input_sha256"])]
    )
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
