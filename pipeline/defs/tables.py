"""Helpers that give every table asset its description and column schema from the metadata source."""


import dagster as dg
import pandas as pd

from pipeline.tables.files import TableFile
from schemas.metadata import dagster_table_schema, schema_hash, sql_ident, table_meta


def table_out(name: str, group: str) -> dg.AssetOut:
    t = table_meta(name)
    return dg.AssetOut(
        key=dg.AssetKey(name),
        description=t.description,
        group_name=group,
        metadata={"dagster/column_schema": dagster_table_schema(name), "schema_hash": schema_hash(name)},
        io_manager_key="io_manager",
    )


def table_output(name: str, table: pd.DataFrame | TableFile, extra: dict | None = None) -> dg.Output:
    """The output of a table asset: a DataFrame, or a TableFile the step streamed (the IO manager stores either
    as Parquet, pipeline.defs.storage), with its row count, column schema and a preview of its first rows."""
    metadata = {"dagster/row_count": len(table), "dagster/column_schema": dagster_table_schema(name)}
    if len(table):
        metadata.update(glance_metadata(name, table))
    metadata.update(extra or {})
    return dg.Output(table, output_name=name, metadata=metadata)


# What a researcher reads at a glance on an asset's page: rows by one telling column, and the latest rows by date.
COUNT_BY = {"articles": "published_at_source", "actors": "actor_type", "events": "event_type", "figures": "category",
            "mentions": "kind", "quarantine": "reason", "duplicates": "kind"}
LATEST_BY = {"articles": "published_at", "events": "date_start", "figures": "window_start"}


def glance_metadata(name: str, table: pd.DataFrame | TableFile) -> dict:
    """`<column>_counts` (rows by COUNT_BY's column) and `preview` (the 5 latest rows by LATEST_BY's date, else the
    first 5 by key), computed by DuckDB over the table file (or DataFrame) without loading the table."""
    import duckdb

    con = duckdb.connect()
    try:
        if isinstance(table, pd.DataFrame):
            con.register("t", table)
        else:
            con.register("t", con.read_parquet(str(table.path)))
        out = {}
        col = COUNT_BY.get(name)
        if col:
            rows = con.execute(f"SELECT CAST({sql_ident(col)} AS VARCHAR), count(*) FROM t GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
            out[f"{col}_counts"] = dg.MetadataValue.json({str(k): int(n) for k, n in rows})
        key = ", ".join(sql_ident(c) for c in table_meta(name).primary_key)
        if name in LATEST_BY:
            head = con.execute(f"SELECT * FROM t ORDER BY {sql_ident(LATEST_BY[name])} DESC NULLS LAST, {key} LIMIT 5").df()
        else:
            head = con.execute(f"SELECT * FROM t ORDER BY {key} LIMIT 5").df()
        out["preview"] = dg.MetadataValue.md(_preview(head))
        return out
    finally:
        con.close()


def _preview(df: pd.DataFrame, n: int = 5) -> str:
    cols = [c for c in df.columns if c not in ("text", "sentence")][:8]
    head = df[cols].head(n)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in head.iterrows():
        lines.append("| " + " | ".join(str(row[c])[:60].replace("|", "/").replace("\n", " ") for c in cols) + " |")
    return "\n".join(lines)


def spell_out_inputs(fn, leading: list[tuple[str, object]], names: list[str]):
    """Give `fn(leading..., **inputs)` an explicit signature naming each input, as Dagster wires inputs by
    parameter name. `leading` is [(name, annotation)] for context and resources."""
    import inspect

    P = inspect.Parameter
    fn.__signature__ = inspect.Signature(
        [P(n, P.POSITIONAL_OR_KEYWORD, annotation=a) for n, a in leading] + [P(n, P.POSITIONAL_OR_KEYWORD) for n in names]
    )
    return fn
