"""Publishing: the one writer (`writer`: Parquet first, then DuckDB loaded once), the views it loads (`views`),
the inputs hash (`lineage`) and the up-to-date stamp (`state`)."""
