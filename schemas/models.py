"""pandera models generated from the metadata source, and the cross-table invariants of the dataset.

`pandera_schema(name)` builds the DataFrameSchema of one table from `schemas/tables.yaml`: types, NULLs,
uniqueness, allowed values, bounds, patterns, the primary key and the ordered-pair invariants.
`validate_tables(tables)` runs every table's model lazily and adds what one table cannot check alone:
foreign keys, and that every quote is exactly the article text between its offsets. The result lists each
failure case (table, check, column, row key, value) so that it can be shown and stored.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from schemas.metadata import ColumnMeta, TableMeta, table_meta, all_tables


def _is_str(v) -> bool:
    return isinstance(v, str)


def _is_date(v) -> bool:
    return isinstance(v, dt.date) and not isinstance(v, dt.datetime)


def _is_str_list(v) -> bool:
    return isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v)


def _column_checks(c: ColumnMeta) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if c.type == "string":
        checks.append(pa.Check(_is_str, element_wise=True, ignore_na=True, name="is_string"))
        if c.enum:
            checks.append(pa.Check.isin(list(c.enum), name="allowed_values"))
        if c.pattern:
            checks.append(pa.Check.str_matches(c.pattern, name="pattern"))
    elif c.type == "date":
        checks.append(pa.Check(_is_date, element_wise=True, ignore_na=True, name="is_iso_date"))
    elif c.type == "list<string>":
        checks.append(pa.Check(_is_str_list, element_wise=True, ignore_na=True, name="is_list_of_strings"))
        if c.enum:
            allowed = frozenset(c.enum)
            checks.append(
                pa.Check(lambda v, allowed=allowed: all(x in allowed for x in v), element_wise=True, ignore_na=True, name="allowed_values")
            )
    if c.minimum is not None:
        checks.append(pa.Check.ge(c.minimum, name="minimum"))
    if c.maximum is not None:
        checks.append(pa.Check.le(c.maximum, name="maximum"))
    return checks


_DTYPES = {"string": object, "integer": "int64", "number": "float64", "boolean": "bool", "date": object, "list<string>": object}


def _ordered_check(a: str, b: str) -> pa.Check:
    def check(df: pd.DataFrame) -> pd.Series:
        left, right = df[a], df[b]
        known = left.notna() & right.notna()
        ok = pd.Series(True, index=df.index)
        ok[known] = [x <= y for x, y in zip(left[known], right[known])]
        return ok

    return pa.Check(check, name=f"{a}<={b}", error=f"{a} must not exceed {b}")


@functools.lru_cache(maxsize=None)
def pandera_schema(name: str) -> pa.DataFrameSchema:
    t: TableMeta = table_meta(name)
    columns = {
        c.name: pa.Column(
            _DTYPES[c.type],
            checks=_column_checks(c),
            nullable=not c.required,
            unique=c.unique,
            required=True,
            description=c.description,
            title=c.name,
        )
        for c in t.columns
    }
    checks = [_ordered_check(a, b) for a, b in t.ordered]
    if t.evidence:
        checks.append(
            pa.Check(
                lambda df, q=t.quote_column: df[q].str.len() == (df["char_end"] - df["char_start"]),
                name="quote_length_matches_span",
                error=f"len({t.quote_column}) must equal char_end - char_start",
            )
        )
    return pa.DataFrameSchema(
        columns,
        checks=checks,
        unique=list(t.primary_key) if len(t.primary_key) > 1 else None,
        strict=True,
        ordered=True,
        name=name,
        description=t.description,
    )


@dataclass
class ValidationReport:
    """Failure cases of one validation pass, as plain records."""

    failures: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def for_table(self, name: str) -> list[dict]:
        return [f for f in self.failures if f["table"] == name]

    def failing_keys(self, name: str) -> set[str]:
        return {f["row_key"] for f in self.for_table(name) if f["row_key"] is not None}


def _row_key(t: TableMeta, df: pd.DataFrame, index) -> str | None:
    if index is None or (isinstance(index, float) and pd.isna(index)) or index not in df.index:
        return None
    return "|".join(str(df.at[index, k]) for k in t.primary_key)


def validate_table(name: str, df: pd.DataFrame) -> ValidationReport:
    """One table against its pandera model (lazy: every failure is collected)."""
    t = table_meta(name)
    report = ValidationReport()
    try:
        pandera_schema(name).validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        for rec in fc.to_dict("records"):
            idx = rec.get("index")
            report.failures.append(
                {
                    "table": name,
                    "check": str(rec.get("check")),
                    "column": None if pd.isna(rec.get("column")) else str(rec.get("column")),
                    "row_key": _row_key(t, df, idx),
                    "value": None if rec.get("failure_case") is None else str(rec.get("failure_case"))[:200],
                }
            )
    return report


def validate_tables(tables: dict[str, pd.DataFrame]) -> ValidationReport:
    """Every table against its model, then foreign keys and span evidence across tables."""
    report = ValidationReport()
    for name, df in tables.items():
        report.failures += validate_table(name, df).failures
    report.failures += check_foreign_keys(tables).failures
    report.failures += check_evidence(tables).failures
    return report


def check_foreign_keys(tables: dict[str, pd.DataFrame]) -> ValidationReport:
    report = ValidationReport()
    for t in all_tables():
        df = tables.get(t.name)
        if df is None:
            continue
        for c in t.columns:
            if not c.fk or c.fk_table not in tables:
                continue
            known = set(tables[c.fk_table][c.fk_column].dropna())
            col = df[c.name]
            bad = col.notna() & ~col.isin(known)
            for idx in df.index[bad]:
                report.failures.append(
                    {"table": t.name, "check": f"foreign_key({c.fk})", "column": c.name, "row_key": _row_key(t, df, idx), "value": str(col[idx])}
                )
    return report


def check_evidence(tables: dict[str, pd.DataFrame]) -> ValidationReport:
    """articles.text[char_start:char_end] == quote on every row of every evidence table."""
    report = ValidationReport()
    articles = tables.get("articles")
    if articles is None:
        return report
    texts = dict(zip(articles["article_id"], articles["text"]))
    for t in all_tables():
        df = tables.get(t.name)
        if not t.evidence or df is None:
            continue
        for idx, aid, s, e, q in zip(df.index, df["article_id"], df["char_start"], df["char_end"], df[t.quote_column]):
            text = texts.get(aid)
            if text is None:
                continue  # reported by the foreign-key check
            if not (0 <= s <= e <= len(text)) or text[s:e] != q:
                report.failures.append(
                    {"table": t.name, "check": "quote_is_text_span", "column": t.quote_column, "row_key": _row_key(t, df, idx), "value": repr(q)[:200]}
                )
    return report


def empty_frame(name: str) -> pd.DataFrame:
    t = table_meta(name)
    return pd.DataFrame({c.name: pd.Series([], dtype=_DTYPES[c.type]) for c in t.columns})
