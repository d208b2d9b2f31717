"""The descriptive files of a release that say what it is and under which terms: the two variants, the licence of
our data and the rights of the quoted text (stated separately), `datapackage.json`, `README.md` and
`CITATION.cff`. Every term comes from the `dataset:` section of `schemas/tables.yaml` (the configuration), never
from code.

Variants (see `VARIANT_NOTES`): `public` holds no article full text (the articles table keeps ids, URLs, titles,
outlets, dates, `text_sha256` and counts; evidence rows keep offsets, quote and sentence); `full` adds
`articles.text` and is for the team's own use.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemas.metadata import RELEASE_TABLES, frictionless_schema, load_metadata, table_meta

PUBLIC = "public"
FULL = "full"
VARIANTS = (PUBLIC, FULL)
FULL_DIR = "full"  # full releases live in releases/full/<version>/, beside the public ones


def dataset_terms() -> dict[str, Any]:
    """Licence, quoted-text rights, variant notices and citation fields from the configuration."""
    ds = load_metadata()["dataset"]
    for key in ("license", "quoted_text", "variants", "citation"):
        if key not in ds:
            raise ValueError(f"schemas/tables.yaml: dataset.{key} is missing (release terms come from configuration)")
    lic = ds["license"]
    for key in ("name", "title", "path", "applies_to"):
        if not lic.get(key):
            raise ValueError(f"schemas/tables.yaml: dataset.license.{key} is missing")
    return ds


def _clean(s: str) -> str:
    return " ".join(str(s).split())


def terms_block(variant: str) -> dict[str, Any]:
    """What the manifest and datapackage say about the terms: the licence of our data, the rights of the
    quoted text, and what this variant is for."""
    ds = dataset_terms()
    lic = ds["license"]
    return {
        "variant": variant,
        "variant_note": _clean(ds["variants"][variant]),
        "license": {"name": lic["name"], "title": lic["title"], "path": lic["path"], "applies_to": _clean(lic["applies_to"])},
        "quoted_text": {"rights": _clean(ds["quoted_text"]["rights"]),
                        "columns": _quoted_columns(variant)},
    }


def _quoted_columns(variant: str) -> list[str]:
    """The columns that hold words of the news articles (configured in `dataset.quoted_text.columns`) that this
    variant has."""
    out = []
    for ref in load_metadata()["dataset"]["quoted_text"]["columns"]:
        table, col = ref.split(".")
        if col in table_meta(table, variant).column_names:
            out.append(ref)
    return out


def package_schema(name: str, variant: str) -> dict[str, Any]:
    """The table's Frictionless schema (from the metadata source), with array examples written as they are
    in the CSV renderings the package describes: JSON arrays in a string."""
    schema = frictionless_schema(name, variant)
    for f in schema["fields"]:
        if f["type"] == "array" and isinstance(f.get("example"), list):
            f["example"] = json.dumps(f["example"], ensure_ascii=False)
    return schema


def write_datapackage(folder: Path, version: str, created_at: str, variant: str, resource_files: dict[str, dict]) -> dict[str, Any]:
    """Frictionless Data Package v2 with one tabular resource per table (its CSV rendering). `resource_files`
    maps a table to its file entries (`csv`, `parquet`: path, bytes, sha256)."""
    ds = dataset_terms()
    terms = terms_block(variant)
    resources = []
    for name in RELEASE_TABLES:
        csv_entry, pq_entry = resource_files[name]["csv"], resource_files[name]["parquet"]
        resources.append({
            "name": name,
            "type": "table",
            "path": csv_entry["path"],
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": csv_entry["bytes"],
            "hash": f"sha256:{csv_entry['sha256']}",
            "description": table_meta(name).description,
            "dialect": {"$schema": "https://datapackage.org/profiles/2.0/tabledialect.json", "header": True, "delimiter": ",", "quoteChar": '"'},
            "schema": {"$schema": "https://datapackage.org/profiles/2.0/tableschema.json", **package_schema(name, variant),
                       "missingValues": [""]},
            "newsledger:parquet": {"path": pq_entry["path"], "bytes": pq_entry["bytes"], "hash": f"sha256:{pq_entry['sha256']}"},
        })
    lic = terms["license"]
    package = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": ds["name"] if variant == PUBLIC else f"{ds['name']}-full",
        "title": ds["title"] + ("" if variant == PUBLIC else " (full release, with article texts)"),
        "description": _clean(ds["description"]) + " " + terms["variant_note"],
        "version": version,
        "created": created_at,
        "licenses": [{"name": lic["name"], "path": lic["path"], "title": lic["title"]}],
        "keywords": list(ds.get("keywords", [])),
        "newsledger:terms": terms,
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return package


def citation_fields(version: str, created_at: str) -> dict[str, Any]:
    ds = dataset_terms()
    c = ds["citation"]
    return {"title": ds["title"], "version": version, "date": created_at[:10], "authors": list(c["authors"]),
            "doi": c.get("doi") or "", "url": c.get("url") or "", "license": ds["license"]["name"]}


def _yaml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def citation_cff(version: str, created_at: str) -> str:
    """CITATION.cff (Citation File Format 1.2.0) for this release; `doi` is left empty to fill when one is minted."""
    f = citation_fields(version, created_at)
    lines = ["cff-version: 1.2.0", 'message: "If you use this dataset, please cite it as below."', "type: dataset",
             f"title: {_yaml_str(f['title'])}", f"version: {_yaml_str(version)}", f"date-released: {_yaml_str(f['date'])}",
             f"license: {_yaml_str(f['license'])}", "authors:"]
    for a in f["authors"]:
        key = "name" if "name" in a else "family-names"
        lines.append(f"  - {key}: {_yaml_str(a[key])}")
        for k, v in a.items():
            if k != key:
                lines.append(f"    {k}: {_yaml_str(str(v))}")
    lines.append(f"doi: {_yaml_str(f['doi'])}  # fill in when a DOI is minted for this version")
    if f["url"]:
        lines.append(f"url: {_yaml_str(f['url'])}")
    return "\n".join(lines) + "\n"


def how_to_cite(version: str, created_at: str) -> str:
    """A plain-text citation (authors, year, title, version, DOI or the placeholder to fill)."""
    f = citation_fields(version, created_at)
    authors = "; ".join(a.get("name") or f"{a.get('family-names', '')}, {a.get('given-names', '')}".strip(", ") for a in f["authors"])
    doi = f"https://doi.org/{f['doi']}" if f["doi"] else "DOI: (to be filled in when one is minted)"
    return f"{authors} ({f['date'][:4]}). {f['title']}. Version {version}, released {f['date']}. {doi}."


FILES = (  # (a file that must exist for the line to be listed, the line)
    ("parquet", "`parquet/<table>.parquet`: the tables (zstd Parquet: pandas, polars, R arrow, DuckDB)."),
    ("newsledger.duckdb", "`newsledger.duckdb`: the same tables with column comments and readable views, in DuckDB's "
     "v1.1 storage format (opens in DuckDB 1.1 and later)."),
    ("datapackage.json", "`csv/<table>.csv`, `datapackage.json`: a Frictionless Data Package (`frictionless validate datapackage.json`)."),
    ("flat", "`flat/events.csv`, `flat/figures.csv`: one row per event or figure with actor, place and article names resolved."),
    ("explorer.html", "`explorer.html`: browse and filter figures and events offline, each with its quote in its sentence."),
    ("parquet/best_estimates.parquet", "`best_estimates` table: low / best / high per category, place and period, with the claims it rests on."),
    ("CODEBOOK.md", "`CODEBOOK.md`, `codebook.html`: every column and allowed value, the crosswalk, the limitations and measured accuracy."),
    ("report.html", "`report.html`, `data_docs/index.html`, `checks/expectations.json`: overview plots and the Great Expectations results."),
    ("CHANGELOG.md", "`CHANGELOG.md`, `changes.json`, `lineage/openlineage.jsonl`, `manifest.json`, `SHA256SUMS`: provenance and integrity."),
)


def release_readme(version: str, created_at: str, variant: str, rows: dict[str, int], folder: Path | None = None) -> str:
    """The release's README.md: what it is, which variant, the terms, how to open it, how to cite it."""
    ds = dataset_terms()
    terms = terms_block(variant)
    lic = terms["license"]
    counts = "\n".join(f"| `{n}` | {rows.get(n, 0):,} |" for n in RELEASE_TABLES)
    files = "\n".join(f"- {what}" for path, what in FILES if folder is None or (folder / path).exists())
    return f"""# {ds['title']}: release {version} ({variant})

{_clean(ds['description'])}

**This is the {variant} release.** {terms['variant_note']}

Created {created_at}. Tables and rows:

| table | rows |
|---|---|
{counts}

## Licence and rights

- **Our data** ({lic['applies_to']}): {lic['title']} (`{lic['name']}`), {lic['path']}.
- **Quoted text** (columns {', '.join(f'`{c}`' for c in terms['quoted_text']['columns'])}): {terms['quoted_text']['rights']}

## Files

{files}

Check the release with `python -m pipeline verify <this folder>`; with the articles at hand,
`python -m pipeline verify <this folder> --text ARTICLES_DIR` re-checks every quote against its article's text.

## How to cite

{how_to_cite(version, created_at)}

Machine-readable: `CITATION.cff`.
"""


def write_terms_files(folder: Path, version: str, created_at: str, variant: str, rows: dict[str, int]) -> None:
    (folder / "README.md").write_text(release_readme(version, created_at, variant, rows, folder), encoding="utf-8")
    (folder / "CITATION.cff").write_text(citation_cff(version, created_at), encoding="utf-8")
