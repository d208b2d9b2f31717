"""Versioned releases of a publication: `build` (snapshot, checks, finalise), `docs`, `changelog`, `codebook_html`,
`explorer`, `report`, `flat`, `estimates`, `openlineage`, the Great Expectations suites (`expectations`,
`offline`) and `verify`. Reads the published warehouse; imports no Dagster."""
