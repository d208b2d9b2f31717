"""`python -m pipeline verify warehouse/releases/<version>`: is a release intact and what it says it is?

Checks, each reported as a readable problem when it fails:

- every file listed in `SHA256SUMS` exists and has that SHA-256, and no file is missing from the list;
- every data file in `manifest.json` (Parquet, CSV, DuckDB) has the recorded bytes and SHA-256;
- every `datapackage.json` resource has the recorded bytes and hash;
- each table's row count is the recorded one, in the Parquet file (via pyarrow), the CSV file and DuckDB;
- each Parquet file's schema (column names, types, nullability) is the one recorded in the manifest, and its
  schema hash (key-value metadata) matches the hash recomputed from the recorded columns; its dataset version is
  the release's; a public release holds no column that only the full release may hold (article texts);
- every evidence row's quote has the length of its span and stands in its sentence; in a full release, it is
  the article text's `text[char_start:char_end]`;
- every claim (`figure_ids`) of a best estimate is a figure of the release.

`verify RELEASE --text DIR` (`verify_texts`) re-checks the spans of a public release against article texts the
user supplies: DIR is read like an articles folder (same readers and normalisation), each text is matched to its
article by `text_sha256`, and every evidence row of a matched article must have `text[char_start:char_end] == quote`.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from pipeline.publish.writer import sha256_file as _sha
from schemas.metadata import RELEASE_TABLES, TABLE_ORDER, ColumnMeta, arrow_type, sql_ident, table_meta


def _layout_hash(columns: list[list]) -> str:
    """The same hash as `schemas.metadata.schema_hash`, from the columns recorded in the manifest."""
    return hashlib.sha256(json.dumps([(n, t, bool(r)) for n, t, r in columns]).encode()).hexdigest()[:16]


def verify_release(folder: Path) -> list[str]:
    """Every problem found in the release folder (an empty list when it is intact)."""
    folder = Path(folder)
    if not folder.is_dir():
        return [f"{folder} is not a folder"]
    problems = _sums_problems(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        problems.append(f"manifest.json cannot be read: {exc}")
        return problems
    version = manifest.get("version")
    if version and folder.name != version:
        problems.append(f"folder name {folder.name!r} differs from the manifest's version {version!r}")
    for name, t in manifest.get("tables", {}).items():
        problems += _table_problems(folder, name, t, version)
    if manifest.get("variant") == "public":
        for name, t in manifest.get("tables", {}).items():
            withheld = {c.name for c in table_meta(name).columns if c.full_only} if name in RELEASE_TABLES else set()
            leaked = sorted(withheld & {c for c, _, _ in t["columns"]})
            if leaked:
                problems.append(f"{name}: the public release holds {', '.join(leaked)}, which only the full release may hold")
    problems += _evidence_problems(folder)
    problems += _claims_problems(folder)
    db = manifest.get("duckdb")
    if db and _check_entry(folder, db, "DuckDB file", problems):
        problems += _duckdb_problems(folder, db, manifest, version)
    return problems + _datapackage_problems(folder, version)


def _sums_problems(folder: Path) -> list[str]:
    """What SHA256SUMS says is wrong: a listed file missing or changed, a file added that it does not list."""
    problems: list[str] = []
    sums_path = folder / "SHA256SUMS"
    listed: set[str] = set()
    if not sums_path.is_file():
        return ["SHA256SUMS is missing"]
    for n, line in enumerate(sums_path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        digest, _, rel = line.partition("  ")
        if not rel:
            problems.append(f"SHA256SUMS line {n} is malformed: {line[:80]!r}")
            continue
        listed.add(rel)
        p = folder / rel
        if not p.is_file():
            problems.append(f"{rel}: listed in SHA256SUMS but missing")
        elif _sha(p) != digest:
            problems.append(f"{rel}: SHA-256 differs from SHA256SUMS (file changed or corrupted)")
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and rel != "SHA256SUMS" and rel not in listed:
            problems.append(f"{rel}: not listed in SHA256SUMS (file added after the release was made)")
    return problems


def _check_entry(folder: Path, entry: dict, what: str, problems: list[str]) -> bool:
    """Whether a manifest entry's file exists (a problem when not), with its size and digest checked."""
    p = folder / entry["path"]
    if not p.is_file():
        problems.append(f"{entry['path']}: missing ({what})")
        return False
    if p.stat().st_size != entry["bytes"]:
        problems.append(f"{entry['path']}: {p.stat().st_size} bytes, manifest says {entry['bytes']}")
    if _sha(p) != entry["sha256"]:
        problems.append(f"{entry['path']}: SHA-256 differs from manifest.json")
    return True


def _table_problems(folder: Path, name: str, t: dict, version: str | None) -> list[str]:
    """One table's Parquet and CSV files against the manifest: rows, schema, schema hash, dataset version."""
    import pyarrow.parquet as pq

    problems: list[str] = []
    rows = t["rows"]
    pq_entry, csv_entry = t["files"]["parquet"], t["files"]["csv"]
    if _check_entry(folder, pq_entry, f"Parquet file of {name}", problems):
        try:
            pf = pq.ParquetFile(folder / pq_entry["path"])
            schema = pf.schema_arrow
            if pf.metadata.num_rows != rows:
                problems.append(f"{name}: Parquet has {pf.metadata.num_rows} rows, manifest says {rows}")
            expected = [(c, arrow_type(ColumnMeta(c, ty, "")), bool(req)) for c, ty, req in t["columns"]]
            actual = [(f.name, f.type, not f.nullable) for f in schema]
            if actual != expected:
                problems.append(f"{name}: Parquet schema {[(n, str(ty), r) for n, ty, r in actual]} differs from the manifest's "
                                f"{[(n, str(ty), r) for n, ty, r in expected]}")
            kv = {k.decode(): v.decode() for k, v in (schema.metadata or {}).items() if not k.startswith(b"ARROW:")}
            recomputed = _layout_hash(t["columns"])
            if recomputed != t["schema_hash"]:
                problems.append(f"{name}: manifest schema hash {t['schema_hash']} does not match its recorded columns ({recomputed})")
            if kv.get("newsledger.schema_hash") != t["schema_hash"]:
                problems.append(f"{name}: Parquet schema hash {kv.get('newsledger.schema_hash')} differs from the manifest's {t['schema_hash']}")
            if version and kv.get("newsledger.dataset_version") != version:
                problems.append(f"{name}: Parquet says dataset version {kv.get('newsledger.dataset_version')!r}, release is {version!r}")
            pq.read_table(folder / pq_entry["path"])  # decodes every page
        except Exception as exc:  # noqa: BLE001 - a corrupt file is a finding, not a crash
            problems.append(f"{name}: Parquet file cannot be read: {type(exc).__name__}: {exc}")
    if _check_entry(folder, csv_entry, f"CSV file of {name}", problems):
        try:
            with open(folder / csv_entry["path"], newline="", encoding="utf-8") as fh:
                n = sum(1 for _ in csv.reader(fh)) - 1
            if n != rows:
                problems.append(f"{name}: CSV has {n} rows, manifest says {rows}")
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            problems.append(f"{name}: CSV file cannot be read: {exc}")
    return problems


def _duckdb_problems(folder: Path, db: dict, manifest: dict, version: str | None) -> list[str]:
    """The DuckDB file's row counts and release information against the manifest."""
    import duckdb

    problems: list[str] = []
    try:
        con = duckdb.connect(str(folder / db["path"]), read_only=True)
        try:
            for name, t in manifest.get("tables", {}).items():
                n = con.execute(f"SELECT count(*) FROM {sql_ident(name)}").fetchone()[0]  # names come from a file
                if n != t["rows"]:
                    problems.append(f"{name}: DuckDB has {n} rows, manifest says {t['rows']}")
            got = dict(con.execute("SELECT key, value FROM dataset_release").fetchall())
            if version and got.get("dataset_version") != version:
                problems.append(f"DuckDB dataset_release says version {got.get('dataset_version')!r}, release is {version!r}")
        finally:
            con.close()
    except Exception as exc:  # noqa: BLE001
        problems.append(f"DuckDB file cannot be read: {type(exc).__name__}: {exc}")
    return problems


def _datapackage_problems(folder: Path, version: str | None) -> list[str]:
    """datapackage.json's resources (present, sizes, hashes) and version."""
    problems: list[str] = []
    try:
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        for r in package.get("resources", []):
            p = folder / r["path"]
            if not p.is_file():
                problems.append(f"datapackage resource {r['name']}: {r['path']} missing")
                continue
            if r.get("bytes") is not None and p.stat().st_size != r["bytes"]:
                problems.append(f"datapackage resource {r['name']}: {r['path']} has {p.stat().st_size} bytes, datapackage says {r['bytes']}")
            if r.get("hash") and r["hash"].removeprefix("sha256:") != _sha(p):
                problems.append(f"datapackage resource {r['name']}: {r['path']} hash differs from datapackage.json")
        if version and package.get("version") != version:
            problems.append(f"datapackage.json says version {package.get('version')!r}, release is {version!r}")
    except (OSError, ValueError, KeyError) as exc:
        problems.append(f"datapackage.json cannot be read: {exc}")
    return problems


def _evidence_tables(folder: Path):
    """(name, quote column, DataFrame) of each evidence table in the release, with the columns the span checks need."""
    import pyarrow.parquet as pq

    for name in TABLE_ORDER:
        t = table_meta(name)
        path = folder / "parquet" / f"{name}.parquet"
        if not t.evidence or not path.is_file():
            continue
        have = set(pq.read_schema(path).names)
        cols = [c for c in ("article_id", "char_start", "char_end", t.quote_column, "sentence") if c in have]
        yield name, t.quote_column, pq.read_table(path, columns=cols).to_pandas()


def _span_problems(name: str, quote_col: str, df, texts: dict[str, str] | None) -> list[str]:
    """Rows whose quote does not have its span's length, does not stand in its sentence, or (with `texts`:
    article id -> text) is not the text's `text[char_start:char_end]`."""
    bad_len, bad_sentence, bad_text = [], [], []
    has_sentence = "sentence" in df.columns
    for i, r in enumerate(df.itertuples(index=False)):
        q, cs, ce = getattr(r, quote_col), r.char_start, r.char_end
        if len(q) != ce - cs:
            bad_len.append(i)
        if has_sentence and q not in r.sentence:
            bad_sentence.append(i)
        if texts is not None and r.article_id in texts and texts[r.article_id][cs:ce] != q:
            bad_text.append(i)
    out = []
    for rows, what in ((bad_len, "quote length differs from char_end - char_start"),
                       (bad_sentence, "quote does not stand in its sentence"),
                       (bad_text, "text[char_start:char_end] differs from the quote")):
        if rows:
            out.append(f"{name}: {len(rows)} row(s) where the {what} (first rows: {rows[:5]})")
    return out


def _evidence_problems(folder: Path) -> list[str]:
    import pyarrow.parquet as pq

    problems: list[str] = []
    try:
        arts = folder / "parquet" / "articles.parquet"
        texts = None
        if arts.is_file() and "text" in pq.read_schema(arts).names:
            a = pq.read_table(arts, columns=["article_id", "text"]).to_pydict()
            texts = dict(zip(a["article_id"], a["text"]))
        for name, quote_col, df in _evidence_tables(folder):
            problems += _span_problems(name, quote_col, df, texts)
    except Exception as exc:  # noqa: BLE001 - a damaged table is reported above; this is a finding, not a crash
        problems.append(f"evidence spans cannot be checked: {type(exc).__name__}: {exc}")
    return problems


def _claims_problems(folder: Path) -> list[str]:
    """Every claim a best estimate names must be a figure of the release."""
    import pyarrow.parquet as pq

    est, figs = folder / "parquet" / "best_estimates.parquet", folder / "parquet" / "figures.parquet"
    if not (est.is_file() and figs.is_file()):
        return []
    try:
        known = set(pq.read_table(figs, columns=["figure_id"]).column(0).to_pylist())
        claims = [f for ids in pq.read_table(est, columns=["figure_ids"]).column(0).to_pylist() for f in ids or []]
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return [f"best_estimates claims cannot be checked: {type(exc).__name__}: {exc}"]
    missing = sorted(set(claims) - known)
    return [f"best_estimates: {len(missing)} claim(s) name no figure of the release (first: {missing[:3]})"] if missing else []


def read_texts(text_dir: Path) -> dict[str, str]:
    """text_sha256 -> normalised text of every article in `text_dir`, read like an articles folder."""
    from pipeline.ingest.corpus import iter_entries, read_entry

    out: dict[str, str] = {}
    for entry in iter_entries(text_dir):
        for outcome in read_entry(entry):
            c = outcome.candidate
            if c is not None:
                out.setdefault(c.text_sha, c.text)
    return out


def verify_texts(folder: Path, text_dir: Path) -> tuple[list[str], dict[str, int]]:
    """Re-check every evidence row of the release against the article texts in `text_dir` (matched by
    `text_sha256`). Returns the problems and counts (articles matched and missing, rows checked)."""
    import pyarrow.parquet as pq

    folder, text_dir = Path(folder), Path(text_dir)
    if not text_dir.is_dir():
        return [f"{text_dir} is not a folder of articles"], {}
    by_sha = read_texts(text_dir)
    a = pq.read_table(folder / "parquet" / "articles.parquet", columns=["article_id", "text_sha256"]).to_pydict()
    texts = {aid: by_sha[sha] for aid, sha in zip(a["article_id"], a["text_sha256"]) if sha in by_sha}
    problems: list[str] = []
    checked = 0
    for name, quote_col, df in _evidence_tables(folder):
        df = df[df["article_id"].isin(texts)]
        checked += len(df)
        problems += _span_problems(name, quote_col, df.reset_index(drop=True), texts)
    stats = {"articles": len(a["article_id"]), "matched": len(texts), "missing": len(a["article_id"]) - len(texts),
             "rows_checked": checked}
    return problems, stats
