"""Resources: where the articles are read from and where the warehouse is written."""


from pathlib import Path

import dagster as dg

from pipeline.ingest.corpus import DEFAULT_MAX_BYTES
from pipeline.paths import default_articles_dir, default_warehouse_dir


class CorpusPaths(dg.ConfigurableResource):
    """The input folder of articles and the output warehouse folder (Parquet files and the DuckDB file)."""

    articles_dir: str = default_articles_dir()
    warehouse_dir: str = default_warehouse_dir()
    max_input_bytes: int = DEFAULT_MAX_BYTES
    # The snapshot of the articles folder the CLI took when the run started (pipeline.ingest.snapshot); when empty,
    # the ingest step takes it.
    snapshot_file: str = ""

    @property
    def articles(self) -> Path:
        return Path(self.articles_dir).resolve()

    @property
    def warehouse(self) -> Path:
        return Path(self.warehouse_dir).resolve()

    def scratch(self, run_id: str) -> Path:
        """A run's scratch folder for the table files its steps stream (`<warehouse>/.staging/<run id>/`): beside
        the warehouse, so that every worker of a cluster sees it; moved into the IO manager's storage or removed
        by the step that consumes it, and removed with the run's publication (pipeline.defs.publish)."""
        path = self.warehouse / ".staging" / run_id
        path.mkdir(parents=True, exist_ok=True)
        return path


def defs() -> dg.Definitions:
    return dg.Definitions(resources={"paths": CorpusPaths()})
