"""The one writer step: Parquet first, then one DuckDB file loaded from those Parquet files.

Both are written to a temporary place beside their target and swapped in with an atomic rename, so a reader
never sees half a table and a run killed midway leaves the previous publication intact. A lock file keeps two
writers (two runs, or a run and a release) from interleaving.

Order of a publish, under the lock (tests/test_faults.py kills a run at each step):
1. leftovers of writers that were killed (staging generations, DuckDB temp files, symlink temps) are removed;
2. every table is written as Parquet into a new generation folder `.parquet-<id>/`;
3. the DuckDB file is built from those Parquet files as `.newsledger.duckdb.tmp-<pid>` (nothing published yet);
4. the two renames, one right after the other: the DuckDB temp file over `newsledger.duckdb`, then the
   `parquet` symlink over to the new generation. Only a kill between these two system calls (microseconds
   apart) would leave new DuckDB beside old Parquet, until the next publish;
5. generations older than the previous one are removed (the previous one is kept until the next publish,
   for readers that resolved `parquet/` before the flip).
Readers holding the old DuckDB file or an old Parquet file open keep reading the old data (the files are
renamed over or unlinked, never rewritten in place).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.tables.files import Source, TableWriter
from schemas.metadata import TABLE_ORDER, duckdb_comments, duckdb_ddl, schema_hash, sql_ident, sql_literal, table_meta
from pipeline.settings import settings

DUCKDB_NAME = "newsledger.duckdb"
# The DuckDB storage format written: files open in DuckDB 1.1 and later (R's duckdb, DBeaver, notebooks), not
# only in the DuckDB that wrote them.
DUCKDB_STORAGE_VERSION = "v1.1.0"
PARQUET_DIR = "parquet"
LOCK_NAME = ".writer.lock"


class WriterBusy(RuntimeError):
    """Another process is publishing to the same warehouse."""


@dataclass(frozen=True)
class Published:
    parquet_dir: Path
    duckdb_path: Path
    rows: dict[str, int]
    files: dict[str, str]  # table -> sha256 of its Parquet file


@contextlib.contextmanager
def writer_lock(warehouse: Path, timeout_s: float = 600.0):
    """Exclusive lock on the warehouse; waits up to `timeout_s`, then raises WriterBusy with a clear message."""
    warehouse.mkdir(parents=True, exist_ok=True)
    path = warehouse / LOCK_NAME
    with open(path, "a+") as fh:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise WriterBusy(
                        f"another newsledger run is publishing to {warehouse} (lock {path} held for over {timeout_s:.0f} s)"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_parquet(name: str, table: Source, path: Path, extra_metadata: dict[str, str] | None = None) -> int:
    """Deterministic Parquet (zstd, row groups of 100,000 rows — 10,000 articles — whatever the batches, no
    timestamps) written to `path` atomically, from a DataFrame or a table file read in batches. Returns the
    number of rows."""
    meta = {b"newsledger.schema_hash": schema_hash(name).encode()}
    for k, v in (extra_metadata or {}).items():
        meta[k.encode()] = v.encode()
    with TableWriter(name, path, metadata=meta, compression_level=9) as w:
        w.write_source(table)
        return w.close(fsync=True).rows


def build_duckdb(parquet_dir: Path, out_path: Path, tables: list[str], views_sql: list[str], variant: str = "full") -> None:
    """Write a fresh DuckDB file at `out_path` (which must not exist) with the tables (typed, keyed, commented)
    loaded from the Parquet files in `parquet_dir`, and the views, in the storage format of
    `DUCKDB_STORAGE_VERSION`; fsync'ed, not renamed anywhere."""
    import duckdb

    con = duckdb.connect(str(out_path), config={"storage_compatibility_version": DUCKDB_STORAGE_VERSION})
    try:
        # bounded memory whatever the table sizes (DuckDB spills to a temp folder beside the file)
        limit = settings().duckdb_memory
        con.execute(f"SET memory_limit={sql_literal(limit)}")
        con.execute(f"SET temp_directory={sql_literal(str(out_path) + '.spill')}")
        con.execute("BEGIN")
        for name in tables:
            con.execute(duckdb_ddl(name, variant))
            cols = ", ".join(sql_ident(c) for c in table_meta(name, variant).column_names)
            src = sql_literal(str(parquet_dir / f"{name}.parquet"))
            con.execute(f"INSERT INTO {sql_ident(name)} SELECT {cols} FROM read_parquet({src})")
            for stmt in duckdb_comments(name, variant):
                con.execute(stmt)
        for stmt in views_sql:
            con.execute(stmt)
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    finally:
        con.close()
        shutil.rmtree(str(out_path) + ".spill", ignore_errors=True)
    with open(out_path, "rb") as fh:
        os.fsync(fh.fileno())


def _duckdb_tmp(db_path: Path) -> Path:
    return db_path.with_name(f".{db_path.name}.tmp-{os.getpid()}")


def load_duckdb(parquet_dir: Path, db_path: Path, tables: list[str], views_sql: list[str], variant: str = "full") -> None:
    """A fresh DuckDB file with the tables (typed, keyed, commented) loaded from the Parquet files, swapped in at once."""
    tmp = _duckdb_tmp(db_path)
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    build_duckdb(parquet_dir, tmp, tables, views_sql, variant)
    os.replace(tmp, db_path)
    _fsync_dir(db_path.parent)


def _current_generation(warehouse: Path) -> str | None:
    link = warehouse / PARQUET_DIR
    return os.readlink(link) if link.is_symlink() else None


def remove_leftovers(warehouse: Path, keep: set[str] = frozenset()) -> list[str]:
    """Remove what writers that were killed left in `warehouse` (call it holding the writer lock): Parquet
    generation folders other than the current one and those in `keep`, DuckDB temp files and their WALs,
    temporary symlinks. Nothing else is touched. Returns the names removed."""
    current = _current_generation(warehouse)
    removed = []
    for entry in os.scandir(warehouse):
        name = entry.name
        if name.startswith(".parquet-") and entry.is_dir(follow_symlinks=False):
            if name == current or name in keep:
                continue
            shutil.rmtree(entry.path, ignore_errors=True)
        elif name.startswith(f".{DUCKDB_NAME}.tmp-") and name.endswith(".spill") and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)  # DuckDB's spill folder of a killed build
        elif name.startswith((f".{DUCKDB_NAME}.tmp-", ".parquet.link-")) and not entry.is_dir(follow_symlinks=False):
            os.unlink(entry.path)
        else:
            continue
        removed.append(name)
    return sorted(removed)


def publish(
    warehouse: Path,
    frames: dict[str, Source],
    kv_metadata: dict[str, str],
    views_sql: list[str] | None = None,
    lock_timeout_s: float = 600.0,
) -> Published:
    """Write every table as Parquet, then load DuckDB once from them; all or nothing from a reader's view.

    The Parquet files go into a new generation folder `.parquet-<id>/`; `parquet` is a symlink to the current
    generation. The DuckDB file is built beside its target from the new generation; then the DuckDB file is
    renamed over its target and the symlink flipped (see the module docstring for the order and why).
    """
    warehouse = Path(warehouse)
    names = [n for n in TABLE_ORDER if n in frames]
    with writer_lock(warehouse, lock_timeout_s):
        remove_leftovers(warehouse)
        previous = _current_generation(warehouse)
        generation = f".parquet-{time.time_ns():x}-{os.getpid()}"
        staging = warehouse / generation
        db_path = warehouse / DUCKDB_NAME
        db_tmp = _duckdb_tmp(db_path)
        try:
            staging.mkdir(parents=True)
            rows = {name: write_parquet(name, frames[name], staging / f"{name}.parquet", kv_metadata) for name in names}
            (staging / "_metadata.json").write_text(json.dumps(kv_metadata, indent=2, sort_keys=True) + "\n")
            _fsync_dir(staging)
            build_duckdb(staging, db_tmp, names, views_sql or [])
        except BaseException:  # a full disk, a stop: what this publish wrote goes at once (nothing was published)
            shutil.rmtree(staging, ignore_errors=True)
            remove_leftovers(warehouse, keep={previous} if previous else set())
            raise

        final = warehouse / PARQUET_DIR
        if final.exists() and not final.is_symlink():  # a plain folder left by an older layout: kept aside
            os.replace(final, warehouse / f".parquet-legacy-{time.time_ns():x}")
        link_tmp = warehouse / f".parquet.link-{os.getpid()}"
        os.symlink(generation, link_tmp)
        # the commit: two renames, back to back
        os.replace(db_tmp, db_path)
        os.replace(link_tmp, final)
        _fsync_dir(warehouse)
        remove_leftovers(warehouse, keep={previous} if previous else set())
        return Published(
            parquet_dir=final,
            duckdb_path=db_path,
            rows=rows,
            files={n: sha256_file(final / f"{n}.parquet") for n in names},
        )
