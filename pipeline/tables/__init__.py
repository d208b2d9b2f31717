"""Tables between and after the steps: `frames` (records <-> DataFrames with a table's exact columns), `files`
(Parquet table files, streamed writers, sorted copies, spills), `parts` (a batch's extracted rows and their one
merge), `validate` (pandera and cross-table checks in batches). Used by every stage; imports no Dagster."""
