"""The IO manager: tables between steps as Parquet files, everything else pickled.

Each table asset (the eight tables of the metadata source) is kept as `<storage>/tables/<name>.parquet`, where
`<storage>` is the warehouse's own storage folder (`<warehouse>/.storage/`, so runs for another warehouse never
share intermediate tables with this one) or the `base_dir` given in configuration. Beside each table file,
`<name>.origin.json` records the articles folder and warehouse it was built for; a step that reads a table built
for another corpus or warehouse than its run's refuses to (`ForeignTableError`), so no run, however its assets are
selected, publishes tables built from another folder. A step hands over a table either as a DataFrame (written here, in batches) or
as a `TableFile` it streamed itself (moved into place here), and the next step gets a `TableFile` back: a path and
a row count, never the table itself, so each step reads only what it needs, in batches (see
pipeline.tables.files). Other outputs (the extraction buckets' small summaries, the release snapshot) are
pickled as Dagster's filesystem IO manager does.

On a cluster, `base_dir` is a folder every worker sees (a shared volume); the tables stay Parquet files there.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster._core.storage.fs_io_manager import PickledObjectFilesystemIOManager

from pipeline.defs.resources import CorpusPaths
from pipeline.tables.files import TableFile, write_table_file
from schemas.metadata import TABLE_ORDER


STORAGE_DIR = ".storage"  # under the warehouse


class ForeignTableError(dg.Failure):
    """A table in storage was built for another articles folder or warehouse than the run's."""


class TableIOManager(dg.IOManager):
    def __init__(self, base_dir: str, origin: dict[str, str] | None = None):
        self.base = Path(base_dir)
        self.origin = origin or {}  # {"articles_dir": ..., "warehouse_dir": ...} of the run's corpus
        self._pickled = PickledObjectFilesystemIOManager(base_dir=base_dir)

    def table_path(self, name: str) -> Path:
        return self.base / "tables" / f"{name}.parquet"

    def origin_path(self, name: str) -> Path:
        return self.base / "tables" / f"{name}.origin.json"

    def _write_origin(self, name: str, run_id: str) -> None:
        from pipeline.atomic import write_atomic

        record = {**self.origin, "run_id": run_id}
        write_atomic(self.origin_path(name), json.dumps(record, indent=2).encode("utf-8"), prefix=f".{name}-origin-")

    def check_origin(self, name: str) -> None:
        """Refuse a table that was built for another corpus or warehouse than this run's."""
        if not self.origin:
            return
        try:
            built = json.loads(self.origin_path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            built = {}
        wrong = {k: built.get(k) for k, v in self.origin.items() if built.get(k) != v}
        if wrong:
            was = ", ".join(f"{k} {v or '(unknown)'}" for k, v in wrong.items())
            want = ", ".join(f"{k} {self.origin[k]}" for k in wrong)
            raise ForeignTableError(
                f"the stored {name} table was built for {was}, not for this run's {want}: refusing to use it. "
                "Materialise its upstream assets for this corpus first (the whole `newsledger` job does).",
                metadata={"table": name, "built_for": dg.MetadataValue.json(built), "run_for": dg.MetadataValue.json(self.origin)},
            )

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
        self._write_origin(name, context.run_id)
        context.add_output_metadata({"table_file": dg.MetadataValue.path(str(path))})

    def load_input(self, context: dg.InputContext):
        upstream = context.upstream_output
        name = self._table(upstream) if upstream is not None else None
        if name is None:
            return self._pickled.load_input(context)
        path = self.table_path(name)
        if not path.exists():
            raise FileNotFoundError(f"table {name} has not been materialised in this storage ({path} is missing)")
        self.check_origin(name)
        return TableFile.open(name, path)


@dg.io_manager(
    required_resource_keys={"paths"},
    config_schema={"base_dir": dg.Field(dg.StringSource, is_required=False,
                                        description="Storage folder (default: <warehouse>/.storage); a folder every "
                                        "worker sees on a cluster.")},
    description="Tables as Parquet files under `<base_dir>/tables/` (default `<warehouse>/.storage/`), other "
    "outputs pickled under `<base_dir>`; each table checked on read against the run's corpus (`paths`).",
)
def newsledger_io_manager(context: dg.InitResourceContext) -> TableIOManager:
    paths: CorpusPaths = context.resources.paths
    origin = {"articles_dir": str(paths.articles), "warehouse_dir": str(paths.warehouse)}
    return TableIOManager(context.resource_config.get("base_dir") or str(paths.warehouse / STORAGE_DIR), origin)


def defs() -> dg.Definitions:
    return dg.Definitions(resources={"io_manager": newsledger_io_manager})
