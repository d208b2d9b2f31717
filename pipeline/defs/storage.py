"""The IO manager: tables between steps as Parquet files, everything else pickled.

Each table asset (the eight tables of the metadata source) is kept as `<storage>/tables/<name>.parquet`, where
`<storage>` is the instance's storage folder (`$NEWSLEDGER_STATE_DIR/storage` for the CLI and the UI) or the
`base_dir` given in configuration. A step hands over a table either as a DataFrame (written here, in batches) or
as a `TableFile` it streamed itself (moved into place here), and the next step gets a `TableFile` back: a path and
a row count, never the table itself, so each step reads only what it needs, in batches (see
pipeline.publish.tablefile). Other outputs (the extraction buckets' small summaries, the release snapshot) are
pickled as Dagster's filesystem IO manager does.

On a cluster, `base_dir` is a folder every worker sees (a shared volume); the tables stay Parquet files there.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster._core.storage.fs_io_manager import PickledObjectFilesystemIOManager

from pipeline.publish.tablefile import TableFile, write_table_file
from schemas.metadata import TABLE_ORDER


class TableIOManager(dg.IOManager):
    def __init__(self, base_dir: str):
        self.base = Path(base_dir)
        self._pickled = PickledObjectFilesystemIOManager(base_dir=base_dir)

    def table_path(self, name: str) -> Path:
        return self.base / "tables" / f"{name}.parquet"

    @staticmethod
    def _table(context) -> str | None:
        if not context.has_asset_key:
            return None
        name = context.asset_key.to_user_string()
        return name if name in TABLE_ORDER else None

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        name = self._table(context)
        if name is None or not isinstance(obj, (pd.DataFrame, TableFile)):
            self._pickled.handle_output(context, obj)
            return
        path = self.table_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(obj, TableFile) and obj.name != name:
            raise ValueError(f"asset {name} was given the table file of {obj.name}")
        if isinstance(obj, TableFile) and Path(obj.path) != path:
            tmp = path.with_name(f".{path.name}.in-{os.getpid()}")
            shutil.move(obj.path, tmp)  # a rename on one filesystem, a copy across
            os.replace(tmp, path)
        elif isinstance(obj, pd.DataFrame):
            write_table_file(name, obj, path)
        context.add_output_metadata({"table_file": dg.MetadataValue.path(str(path))})

    def load_input(self, context: dg.InputContext):
        upstream = context.upstream_output
        name = self._table(upstream) if upstream is not None else None
        if name is None:
            return self._pickled.load_input(context)
        path = self.table_path(name)
        if not path.exists():
            raise FileNotFoundError(f"table {name} has not been materialised in this storage ({path} is missing)")
        return TableFile.open(name, path)


class NewsledgerIOManager(dg.ConfigurableIOManagerFactory):
    """Tables as Parquet files under `<base_dir>/tables/`, other outputs pickled under `<base_dir>`."""

    base_dir: str | None = None

    def create_io_manager(self, context: dg.InitResourceContext) -> TableIOManager:
        return TableIOManager(self.base_dir or context.instance.storage_directory())


def defs() -> dg.Definitions:
    return dg.Definitions(resources={"io_manager": NewsledgerIOManager()})
