"""An on-disk cache of phase-1 ingest results per file, so that a run after adding files reads only those.

`ingest_corpus(folder, cache=IngestCache(...))` asks the cache before reading an entry. Layout:
`<root>/<version>/entries/<hash of the relative path>.json`, each holding `(key, outcomes)`, and
`<root>/<version>/corpus_dates.json` (phase 2's memo of corpus-inferred dates), as JSON records
(pipeline.datacodec: data, never code), where

- `version` is a hash of the ingest code (the caller's choice: any change starts a new, empty folder; `close()`
  removes the other versions);
- `key` is the file's relative path, size, modification and change times (nanoseconds), inode and device, and
  the size limits. A file is reused only while all of them are the same (the change time cannot be set by
  tools that reset modification times, so an edited file is read again), and only when it did not change
  while it was read. A folder entry that is not a file (a quarantined entry) is never cached.

Phase 2 (duplicates, id conflicts, corpus-inferred dates) always runs over every input, so the result equals an
uncached ingest (tests/test_incremental.py). Entries of files no longer in the folder are removed by `close()`.
A damaged cache file (or one planted: a pickle, anything that is not such JSON) only costs a re-read; nothing in
it is executed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from pathlib import Path

from pipeline.atomic import write_atomic
from pipeline.datacodec import dumps, loads
from pipeline.ingest.corpus import Candidate, Entry, IngestNote, InputOutcome, QuarantineRecord

log = logging.getLogger(__name__)


_CLASSES = {c.__name__: c for c in (InputOutcome, Candidate, QuarantineRecord, IngestNote)}


def _write_atomic(path: Path, obj: object) -> None:
    write_atomic(path, dumps(obj))


def _load(path: Path) -> object | None:
    try:
        return loads(path.read_bytes(), _CLASSES)
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - a damaged cache file only costs a re-read
        log.warning("ingest cache file %s unreadable (%s): ignored", path, exc)
        return None


class IngestCache:
    """Phase-1 results per file under `root/<version>/`; use as a context manager (or call `close()`)."""

    def __init__(self, root: str | os.PathLike, version: str) -> None:
        self.root = Path(root)
        self.version = version
        self.dir = self.root / version
        self.entries = self.dir / "entries"
        self.entries.mkdir(parents=True, exist_ok=True)
        self._dates_file = self.dir / "corpus_dates.json"
        loaded = _load(self._dates_file)
        self.dates: dict = loaded if isinstance(loaded, dict) else {}
        self._dates_at_start = len(self.dates)
        self._used: set[str] = set()
        self.hits = self.misses = 0

    def _file(self, entry: Entry) -> Path:
        name = hashlib.sha256(entry.rel_path.encode("utf-8", "surrogatepass")).hexdigest()[:32] + ".json"
        self._used.add(name)
        return self.entries / name

    @staticmethod
    def key(entry: Entry, max_bytes: int, max_chars: int) -> str | None:
        try:
            st = os.stat(entry.path)
        except OSError:
            return None
        return f"{entry.rel_path}|{entry.kind}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}|{st.st_ino}|{st.st_dev}|{max_bytes}|{max_chars}"

    def get(self, entry: Entry, key: str) -> list[InputOutcome] | None:
        stored = _load(self._file(entry))
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key and isinstance(stored[1], list):
            self.hits += 1
            return stored[1]
        self.misses += 1
        return None

    def put(self, entry: Entry, key: str, outcomes: list[InputOutcome]) -> None:
        _write_atomic(self._file(entry), (key, outcomes))

    def close(self) -> None:
        """Save the dates memo; remove entries of files not seen in this run and folders of other versions."""
        if len(self.dates) != self._dates_at_start:
            _write_atomic(self._dates_file, self.dates)
        for f in self.entries.iterdir():
            if f.name not in self._used:
                f.unlink(missing_ok=True)
        for d in self.root.iterdir():
            if d.is_dir() and d.name != self.version:
                shutil.rmtree(d, ignore_errors=True)
            elif d.is_file() and d.suffix in (".pkl", ".json"):  # the whole-folder cache of earlier versions
                d.unlink(missing_ok=True)

    def __enter__(self) -> "IngestCache":
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            self.close()
