"""Publish: the one writer step. Parquet first, then DuckDB loaded once from it."""


import dagster as dg
import pandas as pd

from pipeline import __version__
from pipeline.defs.resources import CorpusPaths
from pipeline.defs.tables import spell_out_inputs
from pipeline.publish.lineage import inputs_hash
from pipeline.publish.views import views_sql
from pipeline.publish.writer import publish
from schemas.metadata import TABLE_ORDER

GROUP = "publish"


def _publish(context, paths, **tables):
    from pipeline.extract.nlp import model_version

    kv = {
        "newsledger.pipeline_version": __version__,
        "newsledger.inputs_sha256": inputs_hash(tables["articles"], tables["duplicates"], tables["quarantine"]),
        "newsledger.model": model_version(),
    }
    result = publish(paths.warehouse, tables, kv, views_sql())
    context.log.info(f"published {sum(result.rows.values())} rows to {result.parquet_dir} and {result.duckdb_path}")
    return dg.MaterializeResult(
        metadata={
            "parquet_dir": dg.MetadataValue.path(str(result.parquet_dir)),
            "duckdb_path": dg.MetadataValue.path(str(result.duckdb_path)),
            "rows": dg.MetadataValue.json(result.rows),
            "parquet_sha256": dg.MetadataValue.json(result.files),
            **{k.replace("newsledger.", ""): v for k, v in kv.items()},
        }
    )


warehouse = dg.asset(
    key="warehouse",
    group_name=GROUP,
    ins={name: dg.AssetIn(name) for name in TABLE_ORDER},
    pool="duckdb_writer",
    description="The published dataset: one zstd Parquet file per table, then one DuckDB file loaded from them "
    "(tables with COMMENT ON descriptions and readable views). Runs only when every blocking check passed.",
)(spell_out_inputs(_publish, [("context", dg.AssetExecutionContext), ("paths", CorpusPaths)], list(TABLE_ORDER)))


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[warehouse])
