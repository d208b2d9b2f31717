"""Validation of tables of any size: pandera per batch, and what a batch cannot see in DuckDB.

`validate_table(name, source)` runs the table's pandera model (schemas.models.pandera_schema) over the table
in batches of `batch_rows` rows; a table of more than one batch has its uniqueness (unique columns, primary key)
checked by DuckDB over the whole table instead of by pandera within each batch. `check_foreign_keys(tables)`
and `check_evidence(tables)` are DuckDB queries over the tables (a foreign key's values must be keys of the table
it names; articles.text[char_start:char_end] == quote on every row of an evidence table; DuckDB's substring
counts characters as Python does). A source is a TableFile or a DataFrame (pipeline.tables.files), so the
memory a check takes does not grow with the table.

Every failure is counted; the first `MAX_FAILURES` of each table are kept as records (table, check, column, row
key, value) to be shown and stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from pipeline.tables.files import Source, duckdb_connect, duckdb_view, iter_frames, rows_for
from schemas.metadata import TableMeta, all_tables, sql_ident, table_meta
from schemas.models import pandera_schema
from pipeline.settings import settings

MAX_FAILURES = 10_000
BATCH_ENV = "NEWSLEDGER_VALIDATE_BATCH_ROWS"
DEFAULT_BATCH_ROWS = 100_000


def batch_rows() -> int:
    return settings().validate_batch_rows


@dataclass
class ValidationReport:
    """Failure cases of one validation pass, as plain records (the first MAX_FAILURES per table), and counts."""

    failures: list[dict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # table -> failures found (kept or not)
    _dropped: dict[str, int] = field(default_factory=dict, repr=False)  # table -> failures counted, not kept

    @property
    def ok(self) -> bool:
        return not self.failures

    def add(self, failure: dict) -> None:
        table = failure["table"]
        if self.counts.get(table, 0) - self._dropped.get(table, 0) < MAX_FAILURES:
            self.failures.append(failure)
        else:
            self._dropped[table] = self._dropped.get(table, 0) + 1
        self.counts[table] = self.counts.get(table, 0) + 1

    def extend(self, other: "ValidationReport") -> "ValidationReport":
        for f in other.failures:
            self.add(f)
        for table, n in other._dropped.items():  # failures the other report counted but did not keep
            self.counts[table] = self.counts.get(table, 0) + n
            self._dropped[table] = self._dropped.get(table, 0) + n
        return self

    def for_table(self, name: str) -> list[dict]:
        return [f for f in self.failures if f["table"] == name]

    def count(self, name: str) -> int:
        return self.counts.get(name, 0)



def _row_key(t: TableMeta, df: pd.DataFrame, index) -> str | None:
    if index is None or (isinstance(index, float) and pd.isna(index)) or index not in df.index:
        return None
    return "|".join(str(df.at[index, k]) for k in t.primary_key)


def _pandera_batch(name: str, df: pd.DataFrame, schema: pa.DataFrameSchema, report: ValidationReport) -> None:
    t = table_meta(name)
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        for rec in exc.failure_cases.to_dict("records"):
            idx = rec.get("index")
            report.add({
                "table": name,
                "check": str(rec.get("check")),
                "column": None if pd.isna(rec.get("column")) else str(rec.get("column")),
                "row_key": _row_key(t, df, idx),
                "value": None if rec.get("failure_case") is None else str(rec.get("failure_case"))[:200],
            })


def validate_table(name: str, source: Source, rows_per_batch: int | None = None) -> ValidationReport:
    """One table against its pandera model (lazy: every failure is counted), batch by batch (of
    `NEWSLEDGER_VALIDATE_BATCH_ROWS` rows, a tenth of that for a table of large rows such as articles)."""
    rows_per_batch = rows_per_batch or rows_for(name, batch_rows())
    report = ValidationReport()
    if len(source) <= rows_per_batch:  # one batch: pandera checks uniqueness too
        df = next(iter_frames(name, source, rows_per_batch), None)
        _pandera_batch(name, df if df is not None else _empty(name), pandera_schema(name), report)
        return report
    schema = pandera_schema(name, within_batch=True)
    for df in iter_frames(name, source, rows_per_batch):
        _pandera_batch(name, df, schema, report)
    _check_unique(name, source, report)
    return report


def _empty(name: str) -> pd.DataFrame:
    from schemas.models import empty_frame

    return empty_frame(name)


def _check_unique(name: str, source: Source, report: ValidationReport) -> None:
    """The uniqueness pandera checks within one batch, over the whole table: unique columns and the primary key."""
    t = table_meta(name)
    con = duckdb_connect()
    try:
        duckdb_view(con, "t", name, source)
        groups = [((c.name,), "field_uniqueness") for c in t.columns if c.unique]
        if len(t.primary_key) > 1:
            groups.append((tuple(t.primary_key), "multiple_fields_uniqueness"))
        for cols, check in groups:
            keys = ", ".join(sql_ident(c) for c in cols)
            for row in con.execute(f"SELECT {keys}, count(*) FROM t GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL").fetchall():
                if any(v is None for v in row[:-1]):  # missing values are the NOT NULL checks' to report
                    continue
                value = "|".join(str(v) for v in row[:-1])
                for _ in range(row[-1]):
                    report.add({"table": name, "check": check, "column": cols[0] if len(cols) == 1 else None,
                                "row_key": value if tuple(cols) == tuple(t.primary_key) else None, "value": value})
    finally:
        con.close()


def _key(row: tuple, n: int) -> str:
    """The row key of a query result whose first `n` columns are the table's primary key."""
    return "|".join(str(v) for v in row[:n])


def check_foreign_keys(tables: dict[str, Source]) -> ValidationReport:
    """Every non-null foreign-key value of every table names a key of the table it refers to (when given)."""
    report = ValidationReport()
    con = duckdb_connect()
    try:
        for name, source in tables.items():
            duckdb_view(con, name, name, source)
        for t in all_tables():
            if t.name not in tables:
                continue
            keys = ", ".join(sql_ident(k) for k in t.primary_key)
            child = sql_ident(t.name)
            for c in t.columns:
                if not c.fk or c.fk_table not in tables:
                    continue
                col = sql_ident(c.name)
                ref = sql_ident(c.fk_column)
                parent = sql_ident(c.fk_table)
                # the select list and the outer WHERE read the child's columns (the parent is aliased in the subquery)
                rows = con.execute(
                    f"SELECT {keys}, CAST({col} AS VARCHAR) FROM {child} "
                    f"WHERE {col} IS NOT NULL AND {col} NOT IN (SELECT p.{ref} FROM {parent} p WHERE p.{ref} IS NOT NULL) "
                    "ORDER BY ALL"
                ).fetchall()
                for row in rows:
                    report.add({"table": t.name, "check": f"foreign_key({c.fk})", "column": c.name,
                                "row_key": _key(row, len(t.primary_key)), "value": row[-1]})
    finally:
        con.close()
    return report


def check_evidence(tables: dict[str, Source]) -> ValidationReport:
    """articles.text[char_start:char_end] == quote on every row of every evidence table (rows whose article is
    missing are the foreign-key check's to report)."""
    report = ValidationReport()
    if "articles" not in tables:
        return report
    con = duckdb_connect()
    try:
        duckdb_view(con, "articles", "articles", tables["articles"])
        for t in all_tables():
            if not t.evidence or t.name not in tables:
                continue
            duckdb_view(con, t.name, t.name, tables[t.name])
            keys = ", ".join(sql_ident(k) for k in t.primary_key)
            quote = sql_ident(t.quote_column)
            table = sql_ident(t.name)
            con.execute(f"CREATE OR REPLACE TEMP VIEW spans AS SELECT {keys}, article_id AS _aid, char_start AS _s, "
                        f"char_end AS _e, {quote} AS _q FROM {table}")
            rows = con.execute(
                f"SELECT {keys}, _q FROM spans JOIN articles a ON a.article_id = spans._aid "
                "WHERE NOT (_s >= 0 AND _s <= _e AND _e <= length(a.text)) "
                "OR substring(a.text, _s + 1, _e - _s) IS DISTINCT FROM _q ORDER BY ALL"
            ).fetchall()
            for row in rows:
                report.add({"table": t.name, "check": "quote_is_text_span", "column": t.quote_column,
                            "row_key": _key(row, len(t.primary_key)), "value": repr(row[-1])[:200]})
    finally:
        con.close()
    return report
