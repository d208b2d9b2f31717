"""Running the extraction library on benchmark texts, outside the Dagster job.

Benchmark gold gives character offsets into its own text, so the text is used exactly as the benchmark
file holds it (no normalisation): every extracted span is then directly comparable with a gold span.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Sequence

from pipeline.extract.types import Article, ArticleExtraction
from pipeline.ids import article_id, sha256_hex


@dataclass(frozen=True)
class TextItem:
    """One benchmark text: its id in the benchmark file, the text and (when known) its publication date."""

    item_id: str
    text: str
    published_at: dt.date | None = None


def make_article(item: TextItem) -> Article:
    """An Article over the benchmark text as it is (offsets stay those of the benchmark file)."""
    text = item.text
    return Article(
        article_id=article_id(item.item_id + "\x1f" + text),
        text=text,
        text_sha256=sha256_hex(text),
        title=None,
        url=None,
        outlet=None,
        published_at=item.published_at,
        published_at_source="metadata" if item.published_at else "unknown",
        language="en",
        source_file=f"benchmark#{item.item_id}",
        source_format="jsonl",
        n_words=len(text.split()),
    )


def extract_items(items: Sequence[TextItem], batch_size: int = 32) -> dict[str, ArticleExtraction | None]:
    """The extraction of every item, by item id (None for an item whose extraction failed)."""
    from pipeline.extract import extract_batch

    articles = [make_article(it) for it in items]
    by_article = {a.article_id: it.item_id for a, it in zip(articles, items)}
    result = extract_batch(articles, batch_size=batch_size)  # per-article records: no cross-article step
    out: dict[str, ArticleExtraction | None] = {it.item_id: None for it in items}
    for ex in result.extractions:
        out[by_article[ex.article.article_id]] = ex
    return out


def parse_yyyymmdd(value: object) -> dt.date | None:
    """"20080804" or "2008-08-04" -> date; anything else -> None."""
    s = str(value or "").replace("-", "")
    if len(s) != 8 or not s.isdigit():
        return None
    try:
        return dt.date(int(s[:4]), int(s[4:6]), int(s[6:]))
    except ValueError:
        return None


def limit_items(items: Iterable, limit: int | None, part: str | None = None) -> list:
    """The first `limit` items (all when None), then those of one part of the studied/checked split."""
    from pipeline.eval.split import in_part

    items = list(items)
    return in_part(items[:limit] if limit else items, part)


def fold_name(s: str | None) -> str:
    """A place name folded for comparison: lower case, one space, straight apostrophes."""
    return " ".join((s or "").replace("’", "'").lower().split())


def place_names(ex: ArticleExtraction) -> dict[str, set[str]]:
    """Folded names of each place of an extraction: its quotes, its name and its aliases."""
    out: dict[str, set[str]] = {}
    for m in ex.place_mentions:
        names = out.setdefault(m.place_id, set())
        names.add(fold_name(m.quote))
        info = ex.places.get(m.place_id)
        if info:
            names.add(fold_name(info.name))
            names.update(fold_name(a) for a in info.aliases)
    return out
