"""Helpers that give every table asset its description and column schema from the metadata source."""


import dagster as dg
import pandas as pd

from pipeline.publish.tablefile import TableFile, iter_frames
from schemas.metadata import dagster_table_schema, schema_hash, table_meta


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
        head = table.head(5) if isinstance(table, pd.DataFrame) else next(iter_frames(name, table, batch_rows=5))
        metadata["preview"] = dg.MetadataValue.md(_preview(head))
    metadata.update(extra or {})
    return dg.Output(table, output_name=name, metadata=metadata)


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
