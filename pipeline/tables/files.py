"""Tables between pipeline steps as Parquet files, so that no step has to hold a whole table.

A `TableFile` names one table of the metadata source stored as a Parquet file with exactly its Arrow schema
(`schemas.metadata.arrow_schema`), rows sorted by primary key. Steps read it in bounded batches
(`iter_frames`), look at it through DuckDB (`duckdb_view`) or, for the small tables, read it whole (`as_frame`).
A `TableWriter` streams DataFrame chunks or Arrow batches into such a file.

Every function here also takes a pandas DataFrame where it takes a table (a "source"), so that code which holds a
table in memory (tests, the release path, a one-off script) and code that streams use one implementation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Union

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.settings import settings
from pipeline.tables.frames import frame
from schemas.metadata import arrow_schema, sql_ident, sql_literal, table_meta

DEFAULT_BATCH_ROWS = 50_000
ROW_GROUP_ROWS = 100_000
# Tables whose rows are large: an article carries its whole text (a few KB), so its batches and row groups hold a
# tenth of the rows, for about the same bytes as the other tables' (memory bounded by bytes, not only by rows).
_WIDE = {"articles": 10}


def rows_for(name: str, rows: int) -> int:
    """`rows` rows of a narrow table, scaled down for a table of large rows."""
    return max(1, rows // _WIDE.get(name, 1))


@dataclass(frozen=True)
class TableFile:
    """One table stored as a Parquet file (its rows sorted by primary key)."""

    name: str
    path: str
    rows: int

    def __len__(self) -> int:
        return self.rows

    @classmethod
    def open(cls, name: str, path: str | os.PathLike) -> "TableFile":
        return cls(name, str(path), pq.ParquetFile(path).metadata.num_rows)


Source = Union[TableFile, pd.DataFrame]


def to_arrow_table(name: str, df: pd.DataFrame) -> pa.Table:
    """A DataFrame with the table's columns as an Arrow table of exactly the table's schema."""
    return pa.Table.from_pandas(df[table_meta(name).column_names], schema=arrow_schema(name), preserve_index=False)


def from_arrow(name: str, table: pa.Table | pa.RecordBatch) -> pd.DataFrame:
    """Arrow rows back as the DataFrame `pipeline.tables.frames.frame` would give (lists as lists, dates as
    datetime.date, missing strings as None), index from 0."""
    df = table.to_pandas(date_as_object=True)
    for c in table_meta(name).columns:
        if c.type == "list<string>" and c.name in df.columns:
            df[c.name] = [list(v) if v is not None else [] for v in df[c.name]]
    return df


def as_frame(name: str, source: Source, columns: list[str] | None = None) -> pd.DataFrame:
    """The whole table (or some of its columns) in memory: for small tables only."""
    if isinstance(source, pd.DataFrame):
        return source if columns is None else source[columns]
    return from_arrow(name, pq.read_table(source.path, columns=columns))


def iter_frames(name: str, source: Source, batch_rows: int | None = None, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """The table in DataFrames of at most `batch_rows` rows (default: `rows_for(name, DEFAULT_BATCH_ROWS)`), in
    row order; the index of each chunk continues the row numbers of the whole table (row i has index i)."""
    batch_rows = batch_rows or rows_for(name, DEFAULT_BATCH_ROWS)
    if isinstance(source, pd.DataFrame):
        df = source if columns is None else source[columns]
        for start in range(0, len(df), batch_rows):
            yield df.iloc[start : start + batch_rows]
        return
    offset = 0
    pf = pq.ParquetFile(source.path)
    for batch in pf.iter_batches(batch_size=batch_rows, columns=columns):
        df = from_arrow(name, batch)
        df.index = pd.RangeIndex(offset, offset + len(df))
        offset += len(df)
        yield df


def duckdb_view(con, view: str, name: str, source: Source) -> None:
    """Make `source` readable in DuckDB as `view` (a Parquet scan or the registered DataFrame)."""
    if isinstance(source, pd.DataFrame):
        con.register(view, source)
    else:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {sql_ident(view)} AS SELECT * FROM read_parquet({sql_literal(source.path)})")


def duckdb_connect(temp_dir: str | os.PathLike | None = None, memory_limit: str | None = None):
    """An in-memory DuckDB connection for table work under a memory limit (NEWSLEDGER_DUCKDB_MEMORY, default
    512MB), spilling to `temp_dir` when a sort or join does not fit."""
    import duckdb

    con = duckdb.connect()
    limit = memory_limit or settings().duckdb_memory
    con.execute(f"SET memory_limit={sql_literal(limit)}")
    con.execute("SET threads=2")
    con.execute("SET preserve_insertion_order=true")
    if temp_dir is not None:
        Path(temp_dir).mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory={sql_literal(Path(temp_dir).as_posix())}")
    return con


class TableWriter:
    """Streams rows of one table into a Parquet file with the table's schema and fixed-size row groups (the same
    file whatever the chunks it was given). Written to a temporary name and renamed on `close()`."""

    def __init__(self, name: str, path: str | os.PathLike, row_group_rows: int | None = None,
                 metadata: dict[bytes, bytes] | None = None, compression: str = "zstd", compression_level: int | None = None):
        self.name, self.path = name, Path(path)
        schema = arrow_schema(name)
        if metadata:
            schema = schema.with_metadata({**(schema.metadata or {}), **metadata})
        self.schema = schema
        self.row_group_rows = row_group_rows or rows_for(name, ROW_GROUP_ROWS)
        self.rows = 0
        self._pending: list[pa.RecordBatch] = []
        self._n_pending = 0
        self._tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        kwargs = {"compression": compression, "write_statistics": True}
        if compression_level is not None:
            kwargs["compression_level"] = compression_level
        self._writer = pq.ParquetWriter(self._tmp, self.schema, **kwargs)

    def write_frame(self, df: pd.DataFrame) -> None:
        if len(df):
            self.write_arrow(to_arrow_table(self.name, df))

    def write_source(self, source: Source) -> None:
        """Every row of a DataFrame or a table file, in batches."""
        step = rows_for(self.name, DEFAULT_BATCH_ROWS)
        if isinstance(source, pd.DataFrame):
            for start in range(0, len(source), step):
                self.write_frame(source.iloc[start : start + step])
        else:
            for batch in pq.ParquetFile(source.path).iter_batches(batch_size=step):
                self.write_arrow(batch)

    def write_arrow(self, data: pa.Table | pa.RecordBatch) -> None:
        if isinstance(data, pa.RecordBatch):
            data = pa.Table.from_batches([data])
        if data.num_rows == 0:
            return
        data = data.select(self.schema.names).cast(self.schema)
        self._pending.extend(data.to_batches())
        self._n_pending += data.num_rows
        while self._n_pending >= self.row_group_rows:
            self._flush(self.row_group_rows)

    def _flush(self, n: int) -> None:
        table = pa.Table.from_batches(self._pending, schema=self.schema)
        head, rest = table.slice(0, n), table.slice(n)
        self._writer.write_table(head, row_group_size=n)
        self.rows += head.num_rows
        self._pending, self._n_pending = rest.to_batches(), rest.num_rows

    def close(self, fsync: bool = False) -> TableFile:
        if self._n_pending:
            self._flush(self._n_pending)
        if self.rows == 0:  # one empty row group, as pyarrow's write_table gives for an empty table
            self._writer.write_table(self.schema.empty_table())
        self._writer.close()
        if fsync:
            with open(self._tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(self._tmp, self.path)
        return TableFile(self.name, str(self.path), self.rows)

    def abort(self) -> None:
        try:
            self._writer.close()
        finally:
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> "TableWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()


def write_table_file(name: str, source: Source, path: str | os.PathLike, **kwargs) -> TableFile:
    """Copy a table (DataFrame or TableFile) into a Parquet file at `path`, in batches."""
    with TableWriter(name, path, **kwargs) as w:
        w.write_source(source)
        return w.close()


def sorted_copy(name: str, parts: list[str], out: str | os.PathLike, temp_dir: str | os.PathLike,
                replace: pa.Table | None = None) -> TableFile:
    """One table file from Parquet part files, rows sorted by primary key: DuckDB sorts (spilling to `temp_dir`
    under its memory limit) and the rows stream into a `TableWriter`. `replace` is a lookup table (the table's
    primary key, then columns of the table): the rows it names take its values of those columns."""
    t = table_meta(name)
    w = TableWriter(name, out)
    if not parts:
        return w.close()
    con = duckdb_connect(temp_dir)
    try:
        files = ", ".join(sql_literal(p) for p in parts)
        con.execute(f"CREATE TEMP VIEW parts AS SELECT * FROM read_parquet([{files}])")
        cols = ", ".join(sql_ident(c) for c in t.column_names)
        order = ", ".join(sql_ident(k) for k in t.primary_key)
        con.execute("CREATE TEMP VIEW rows_in AS SELECT * FROM parts")
        if replace is not None and replace.num_rows:
            (key,) = t.primary_key
            if replace.column_names[0] != key or not set(replace.column_names[1:]) <= set(t.column_names):
                raise ValueError(f"a lookup for {name} starts with {key} and names columns of the table")
            con.register("lookup", replace)
            key_ident = sql_ident(key)
            replaced = ", ".join(sql_ident(n) for n in replace.column_names[1:])
            # rows the lookup names take its values; the others stay as they are
            con.execute(f"CREATE OR REPLACE TEMP VIEW rows_in AS "
                        f"SELECT parts.* EXCLUDE ({replaced}), lookup.* EXCLUDE ({key_ident}) FROM parts JOIN lookup USING ({key_ident}) "
                        f"UNION ALL BY NAME SELECT parts.* FROM parts ANTI JOIN lookup USING ({key_ident})")
        reader = con.sql(f"SELECT {cols} FROM rows_in ORDER BY {order}").to_arrow_reader(rows_for(name, DEFAULT_BATCH_ROWS))
        for batch in reader:
            w.write_arrow(batch)
        return w.close()
    except BaseException:
        w.abort()
        raise
    finally:
        con.close()


class SpilledTable:
    """Rows of one table written as they come, in that order, to an unsorted Parquet file (`add`, then `close`),
    to be read back (`iter_frames`) and sorted into the table file (`sorted_copy`)."""

    def __init__(self, name: str, path: str | os.PathLike, chunk_rows: int = 5_000):
        self.name, self.path, self.chunk_rows = name, Path(path), chunk_rows
        self._rows: list[dict] = []
        self._writer = TableWriter(name, self.path, row_group_rows=chunk_rows, compression_level=1)

    def add(self, row: dict) -> None:
        self._rows.append(row)
        if len(self._rows) >= self.chunk_rows:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_frame(frame(self.name, self._rows, sort=False))
            self._rows = []

    def close(self) -> TableFile:
        self._flush()
        return self._writer.close()

    def abort(self) -> None:
        self._writer.abort()
