"""The one writer step: Parquet first, then one DuckDB file loaded from those Parquet files.

Both are written to a temporary place beside their target and swapped in with an atomic rename, so a reader
never sees half a table and a run killed midway leaves the previous publication intact. A lock file keeps two
writers (two runs, or a run and a release) from interleaving.
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

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from schemas.metadata import TABLE_ORDER, arrow_schema, duckdb_comments, duckdb_ddl, schema_hash, sql_ident, sql_literal, table_meta

DUCKDB_NAME = "newsledger.duckdb"
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


def to_arrow(name: str, df: pd.DataFrame, extra_metadata: dict[str, str] | None = None) -> pa.Table:
    schema = arrow_schema(name)
    meta = dict(schema.metadata or {})
    meta.update({b"newsledger.schema_hash": schema_hash(name).encode()})
    for k, v in (extra_metadata or {}).items():
        meta[k.encode()] = v.encode()
    table = pa.Table.from_pandas(df[table_meta(name).column_names], schema=schema, preserve_index=False)
    return table.replace_schema_metadata(meta)


def write_parquet(name: str, df: pd.DataFrame, path: Path, extra_metadata: dict[str, str] | None = None) -> None:
    """Deterministic Parquet (zstd, fixed row-group size, no timestamps) written to `path` atomically."""
    table = to_arrow(name, df, extra_metadata)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd", compression_level=9, row_group_size=100_000, write_statistics=True)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load_duckdb(parquet_dir: Path, db_path: Path, tables: list[str], views_sql: list[str]) -> None:
    """A fresh DuckDB file with the tables (typed, keyed, commented) loaded from the Parquet files, swapped in at once."""
    import duckdb

    tmp = db_path.with_name(f".{db_path.name}.tmp-{os.getpid()}")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        con.execute("BEGIN")
        for name in tables:
            con.execute(duckdb_ddl(name))
            cols = ", ".join(sql_ident(c) for c in table_meta(name).column_names)
            src = sql_literal(str(parquet_dir / f"{name}.parquet"))
            con.execute(f"INSERT INTO {sql_ident(name)} SELECT {cols} FROM read_parquet({src})")
            for stmt in duckdb_comments(name):
                con.execute(stmt)
        for stmt in views_sql:
            con.execute(stmt)
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, db_path)
    _fsync_dir(db_path.parent)


def publish(
    warehouse: Path,
    frames: dict[str, pd.DataFrame],
    kv_metadata: dict[str, str],
    views_sql: list[str] | None = None,
    lock_timeout_s: float = 600.0,
) -> Published:
    """Write every table as Parquet, then load DuckDB once from them; all or nothing from a reader's view.

    The Parquet files go into a new generation folder `.parquet-<id>/`; `parquet` is a symlink to the current
    generation and is flipped to the new one with a single atomic rename, after which older generations are
    removed. The DuckDB file is built beside its target and renamed over it.
    """
    warehouse = Path(warehouse)
    names = [n for n in TABLE_ORDER if n in frames]
    with writer_lock(warehouse, lock_timeout_s):
        generation = f".parquet-{time.time_ns():x}-{os.getpid()}"
        staging = warehouse / generation
        staging.mkdir(parents=True)
        for name in names:
            write_parquet(name, frames[name], staging / f"{name}.parquet", kv_metadata)
        (staging / "_metadata.json").write_text(json.dumps(kv_metadata, indent=2, sort_keys=True) + "\n")
        _fsync_dir(staging)

        final = warehouse / PARQUET_DIR
        if final.exists() and not final.is_symlink():  # a plain folder left by an older layout
            shutil.rmtree(final)
        link_tmp = warehouse / f".parquet.link-{os.getpid()}"
        link_tmp.unlink(missing_ok=True)
        os.symlink(generation, link_tmp)
        os.replace(link_tmp, final)
        _fsync_dir(warehouse)
        for old in warehouse.glob(".parquet-*"):
            if old.name != generation and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)

        db_path = warehouse / DUCKDB_NAME
        load_duckdb(final, db_path, names, views_sql or [])
        return Published(
            parquet_dir=final,
            duckdb_path=db_path,
            rows={n: int(len(frames[n])) for n in names},
            files={n: sha256_file(final / f"{n}.parquet") for n in names},
        )
