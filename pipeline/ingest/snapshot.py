"""The articles folder as a run found it: a snapshot taken once, at the start of the run, without reading any file.

Every entry discovery finds (`iter_entries`: inputs, quarantined entries and ignored ones) is recorded with its
kind and its identity: size, modification and change times (nanoseconds), inode and device. The change time is
set by the kernel on every write, rename or chmod and cannot be set back by tools that keep modification times,
so a same-size edit that kept its modification time still changes the snapshot.

The run reads only the snapshot's entries (`ingest_corpus(..., snapshot=...)`): a file that arrives during the
run waits for the next one, a file that leaves during the run is a quarantine row (`unreadable`, "left the
articles folder during the run"), and the accounting check compares the published tables with the snapshot, not
with a folder that may have changed since. `fingerprint()` is what the "nothing new" test compares.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.atomic import write_atomic
from pipeline.ingest.corpus import iter_entries



def _identity(path: Path) -> list[int]:
    for fn in (os.stat, os.lstat):
        try:
            st = fn(path)
            return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]
        except OSError:
            continue
    return [-1, -1, -1, -1, -1]


@dataclass
class Snapshot:
    root: str
    entries: dict[str, list] = field(default_factory=dict)  # rel_path -> [kind, size, mtime, ctime, inode, device]

    @property
    def n_entries(self) -> int:
        """Entries that are inputs or quarantined (ignored entries, such as hidden files, not counted)."""
        return sum(1 for v in self.entries.values() if v[0] != "ignored")

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for rel, ident in sorted(self.entries.items()):
            h.update(json.dumps([rel, *ident]).encode("utf-8", "surrogatepass") + b"\n")
        return h.hexdigest()

    def to_file(self, path: str | os.PathLike) -> None:
        write_atomic(Path(path), json.dumps({"root": self.root, "entries": self.entries}, sort_keys=True).encode(), prefix=".snapshot-")

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "Snapshot":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(root=data["root"], entries={k: list(v) for k, v in data["entries"].items()})


def take_snapshot(articles_dir: str | os.PathLike) -> Snapshot:
    """The snapshot of `articles_dir` now (raises NotADirectoryError when it is not a folder)."""
    snap = Snapshot(root=str(Path(articles_dir).resolve()))
    for e in iter_entries(articles_dir):
        snap.entries[e.rel_path] = [e.kind, *_identity(e.path)]
    return snap


@dataclass
class Changes:
    arrived: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.arrived or self.changed or self.left)


def changes_since(snap: Snapshot, articles_dir: str | os.PathLike) -> Changes:
    """What differs in `articles_dir` now from the snapshot (entries that are not inputs left out)."""
    now = take_snapshot(articles_dir)
    out = Changes()
    for rel, ident in now.entries.items():
        if ident[0] == "ignored":
            continue
        old = snap.entries.get(rel)
        if old is None:
            out.arrived.append(rel)
        elif old != ident:
            out.changed.append(rel)
    out.left = [rel for rel, ident in snap.entries.items() if ident[0] != "ignored" and rel not in now.entries]
    return out


