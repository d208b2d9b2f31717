"""pandera models generated from the metadata source, and the cross-table invariants of the dataset.

`pandera_schema(name)` builds the DataFrameSchema of one table from `schemas/tables.yaml`: types, NULLs,
uniqueness, allowed values, bounds, patterns, the primary key and the ordered-pair invariants.
pipeline.tables.validate runs these models over tables of any size, batch by batch, and adds what one table
cannot check alone: foreign keys, and that every quote is exactly the article text between its offsets.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

import pandas as pd
import pandera.pandas as pa

from schemas.metadata import ColumnMeta, TableMeta, table_meta


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
def pandera_schema(name: str, within_batch: bool = False) -> pa.DataFrameSchema:
    """The pandera model of a table. `within_batch=True` leaves out uniqueness (of unique columns and of a
    composite primary key), for validating a table batch by batch: pipeline.tables.validate checks it over the
    whole table."""
    t: TableMeta = table_meta(name)
    columns = {
        c.name: pa.Column(
            _DTYPES[c.type],
            checks=_column_checks(c),
            nullable=not c.required,
            unique=c.unique and not within_batch,
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
        unique=list(t.primary_key) if len(t.primary_key) > 1 and not within_batch else None,
        strict=True,
        ordered=True,
        name=name,
        description=t.description,
    )


def empty_frame(name: str) -> pd.DataFrame:
    t = table_meta(name)
    return pd.DataFrame({c.name: pd.Series([], dtype=_DTYPES[c.type]) for c in t.columns})
