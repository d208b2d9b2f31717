"""Machine-readable lineage of a release as OpenLineage run events (`lineage/openlineage.jsonl`), no network.

One job per pipeline stage, each with a START and a COMPLETE event:

- `newsledger.ingest`: input files (with their SHA-256 as a facet) -> `articles`, `duplicates`, `quarantine`;
- `newsledger.extract`: `articles` -> `actors`, `places`, `events`, `figures`, `mentions`;
- `newsledger.publish`: the eight tables -> the release's Parquet files and DuckDB file;
- `newsledger.release`: the Parquet files -> the CSV files and `datapackage.json`.

Run ids: the release's Dagster run id (a UUID) is the parent run; each stage's OpenLineage run id is a UUID5 of it.
Datasets are named relative to the release folder (namespace `newsledger-release:<version>`) and the articles
folder (namespace `newsledger-input`), so the lineage holds no machine-specific paths.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from pipeline import __version__
from schemas.metadata import TABLE_ORDER, table_meta

PRODUCER = f"https://github.com/newsledger/newsledger/tree/v{__version__}"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
FACET_SCHEMA = "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
STATS_SCHEMA = "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet"
NAMESPACE = "newsledger"
INPUT_NS = "newsledger-input"
EXTRACTED = ("actors", "places", "events", "figures", "mentions")
INGESTED = ("articles", "duplicates", "quarantine")


def _facet(schema_url: str, **fields: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": schema_url, **fields}


def _table_dataset(ns: str, name: str, manifest: dict[str, Any] | None = None, fmt: str | None = None) -> dict[str, Any]:
    t = table_meta(name)
    facets: dict[str, Any] = {
        "schema": _facet(FACET_SCHEMA, fields=[{"name": c.name, "type": c.type, "description": c.description} for c in t.columns]),
    }
    ds: dict[str, Any] = {"namespace": ns, "name": name if fmt is None else f"{fmt}/{name}.{fmt}", "facets": facets}
    if manifest is not None:
        entry = manifest["tables"][name]
        ds["outputFacets"] = {"outputStatistics": _facet(STATS_SCHEMA, rowCount=entry["rows"], size=entry["files"][fmt or "parquet"]["bytes"])}
        ds["facets"]["newsledger_file"] = _facet(f"{PRODUCER}#FileFacet", sha256=entry["files"][fmt or "parquet"]["sha256"],
                                                 schema_hash=entry["schema_hash"])
    return ds


def lineage_events(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The OpenLineage events of a release, from its manifest (see the module doc)."""
    version = manifest["version"]
    release_ns = f"newsledger-release:{version}"
    parent_id = manifest.get("dagster_run_ids", {}).get("release") or str(uuid.uuid5(uuid.NAMESPACE_URL, f"newsledger:{version}"))
    when = manifest["created_at"]
    inputs = [
        {"namespace": INPUT_NS, "name": i["input_ref"],
         "facets": {"newsledger_input": _facet(f"{PRODUCER}#InputFacet", outcome=i["outcome"], file_sha256=i["file_sha256"],
                                                text_sha256=i["text_sha256"], article_id=i["article_id"])}}
        for i in manifest["inputs"]
    ]
    stages = [
        ("ingest", inputs, [_table_dataset(NAMESPACE, n) for n in INGESTED]),
        ("extract", [_table_dataset(NAMESPACE, "articles")], [_table_dataset(NAMESPACE, n) for n in EXTRACTED]),
        ("publish", [_table_dataset(NAMESPACE, n) for n in TABLE_ORDER],
         [_table_dataset(release_ns, n, manifest, "parquet") for n in TABLE_ORDER]
         + [{"namespace": release_ns, "name": "newsledger.duckdb",
             "facets": {"newsledger_file": _facet(f"{PRODUCER}#FileFacet", sha256=manifest["duckdb"]["sha256"])}}]),
        ("release", [_table_dataset(release_ns, n, None, "parquet") for n in TABLE_ORDER],
         [_table_dataset(release_ns, n, manifest, "csv") for n in TABLE_ORDER]
         + [{"namespace": release_ns, "name": "datapackage.json", "facets": {}}]),
    ]
    events = []
    for stage, ins, outs in stages:
        run_id = str(uuid.uuid5(uuid.UUID(parent_id) if _is_uuid(parent_id) else uuid.NAMESPACE_URL, f"{parent_id}:{stage}"))
        run = {"runId": run_id, "facets": {"parent": _facet(
            "https://openlineage.io/spec/facets/1-0-1/ParentRunFacet.json#/$defs/ParentRunFacet",
            run={"runId": parent_id}, job={"namespace": NAMESPACE, "name": "newsledger_release"})}}
        job = {"namespace": NAMESPACE, "name": f"newsledger.{stage}"}
        for state in ("START", "COMPLETE"):
            events.append({"eventType": state, "eventTime": when, "run": run, "job": job, "inputs": ins,
                           "outputs": outs if state == "COMPLETE" else [], "producer": PRODUCER, "schemaURL": SCHEMA_URL})
    return events


def _is_uuid(s: str) -> bool:
    try:
        uuid.UUID(s)
        return True
    except ValueError:
        return False


def write_lineage(folder: Path, manifest: dict[str, Any]) -> Path:
    out = folder / "lineage"
    out.mkdir(exist_ok=True)
    path = out / "openlineage.jsonl"
    path.write_text("".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in lineage_events(manifest)), encoding="utf-8")
    return path
