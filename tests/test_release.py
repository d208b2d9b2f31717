"""Releases end to end, through the real CLI (a real Dagster job, Great Expectations, frictionless).

Three releases are built from copies of the sample articles:
- `r1`: version 2020.01.01 in warehouse A;
- `r2`: the same inputs, built independently in warehouse B (automatic version): must hold identical tables;
- `r3`: in warehouse A after one article's text changed ("120,000" -> "125,000"): its changelog must name exactly
  the rows that changed (all rows of the edited article get new ids; nothing of the other article appears).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from schemas.metadata import TABLE_ORDER, codebook_markdown, table_meta
from tests.conftest import ROOT, SAMPLE

pytestmark = pytest.mark.slow

EDITED = "000_a1a949affc85c4c7.txt"
OTHER = "004_e6840dab288ed029.txt"


def cli(state: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DAGSTER_HOME=str(ROOT), NEWSLEDGER_STATE_DIR=str(state))
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def release(state: Path, articles: Path, warehouse: Path, *extra: str) -> Path:
    proc = cli(state, "release", "--articles", str(articles), "--warehouse", str(warehouse), *extra)
    assert proc.returncode == 0, f"release failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    m = re.search(r"^release (\S+) written to (.+)$", proc.stdout, re.M)
    assert m, proc.stdout
    return Path(m[2])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("releases")
    state = base / "state"
    articles = base / "articles"
    shutil.copytree(SAMPLE, articles)
    wh_a, wh_b = base / "wh_a", base / "wh_b"
    r1 = release(state, articles, wh_a, "--version", "2020.01.01")
    r2 = release(state, articles, wh_b)
    r1_tables = {n: pq.read_table(r1 / "parquet" / f"{n}.parquet").to_pandas() for n in TABLE_ORDER}
    text = (articles / EDITED).read_text(encoding="utf-8")
    assert text.count("120,000") == 1
    (articles / EDITED).write_text(text.replace("120,000", "125,000"), encoding="utf-8")
    r3 = release(state, articles, wh_a)
    return {"r1": r1, "r2": r2, "r3": r3, "state": state, "articles": articles, "wh_a": wh_a, "r1_tables": r1_tables}


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_release_folder_holds_everything(built):
    r1 = built["r1"]
    assert r1.name == "2020.01.01" and r1.parent.name == "releases"
    for rel in ["newsledger.duckdb", "datapackage.json", "CODEBOOK.md", "codebook.html", "manifest.json", "SHA256SUMS",
                "CHANGELOG.md", "changes.json", "report.html", "data_docs/index.html", "lineage/openlineage.jsonl",
                "checks/expectations.json"]:
        assert (r1 / rel).is_file(), rel
    for n in TABLE_ORDER:
        assert (r1 / "parquet" / f"{n}.parquet").is_file() and (r1 / "csv" / f"{n}.csv").is_file()
    assert not list(r1.parent.glob(".staging-*")), "staging folder left behind after a successful release"

    m = json.loads((r1 / "manifest.json").read_text())
    assert m["version"] == "2020.01.01" and m["created_at"].endswith("Z")
    assert re.fullmatch(r"[0-9a-f]{40}", m["git"]["commit"] or "")
    assert m["pipeline_version"] and m["dependencies"]["great-expectations"] == "1.24.1"
    assert re.fullmatch(r"[0-9a-f-]{36}", m["dagster_run_ids"]["release"])
    # the `newsledger` run that published what was released; the release is a run of its own job
    assert re.fullmatch(r"[0-9a-f-]{36}", m["dagster_run_ids"]["warehouse"] or "")
    assert m["dagster_run_ids"]["warehouse"] != m["dagster_run_ids"]["release"]
    assert {i["input_ref"] for i in m["inputs"]} == {EDITED, OTHER}
    for i in m["inputs"]:
        assert i["file_sha256"] == _sha(SAMPLE / i["input_ref"]) and re.fullmatch(r"[0-9a-f]{64}", i["text_sha256"])
    for n in TABLE_ORDER:
        t = m["tables"][n]
        assert t["rows"] == pq.ParquetFile(r1 / "parquet" / f"{n}.parquet").metadata.num_rows
        assert t["files"]["parquet"]["sha256"] == _sha(r1 / t["files"]["parquet"]["path"])
        assert t["files"]["parquet"]["bytes"] == (r1 / t["files"]["parquet"]["path"]).stat().st_size
        assert len(t["schema_hash"]) == 16
    assert m["tables"]["figures"]["rows"] > 0 and m["tables"]["articles"]["rows"] == 2

    sums = dict(reversed(line.split("  ", 1)) for line in (r1 / "SHA256SUMS").read_text().splitlines())
    files = {p.relative_to(r1).as_posix() for p in r1.rglob("*") if p.is_file() and p.name != "SHA256SUMS"}
    assert set(sums) == files
    assert all(_sha(r1 / rel) == h for rel, h in sums.items())


def test_frictionless_validate_passes(built):
    exe = Path(sys.executable).with_name("frictionless")
    proc = subprocess.run([str(exe), "validate", "--json", "datapackage.json"], cwd=built["r1"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["valid"] is True
    assert len(report["tasks"]) == len(TABLE_ORDER)
    pkg = json.loads((built["r1"] / "datapackage.json").read_text())
    assert pkg["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json" and pkg["version"] == "2020.01.01"
    figures = next(r for r in pkg["resources"] if r["name"] == "figures")
    assert figures["hash"] == "sha256:" + _sha(built["r1"] / figures["path"])
    assert figures["schema"]["primaryKey"] == ["figure_id"]
    assert {"fields": ["article_id"], "reference": {"resource": "articles", "fields": ["article_id"]}} in figures["schema"]["foreignKeys"]
    cat = next(f for f in figures["schema"]["fields"] if f["name"] == "category")
    assert cat["constraints"]["enum"] == list(table_meta("figures").column("category").enum)


def test_verify_passes_on_a_release_and_names_what_is_wrong_on_a_damaged_copy(built, tmp_path):
    ok = cli(built["state"], "verify", str(built["r1"]))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = tmp_path / "2020.01.01"
    shutil.copytree(built["r1"], bad)
    data = bytearray((bad / "parquet" / "events.parquet").read_bytes())
    data[len(data) // 3] ^= 0xFF
    (bad / "parquet" / "events.parquet").write_bytes(bytes(data))
    import csv

    with open(bad / "csv" / "figures.csv", newline="", encoding="utf-8") as fh:
        records = list(csv.reader(fh))
    with open(bad / "csv" / "figures.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(records[:-1])  # one row lost
    (bad / "report.html").unlink()
    (bad / "stray.txt").write_text("added later")
    proc = cli(built["state"], "verify", str(bad))
    assert proc.returncode == 1
    out = proc.stdout
    assert "parquet/events.parquet: SHA-256 differs from SHA256SUMS" in out
    assert "report.html: listed in SHA256SUMS but missing" in out
    assert "stray.txt: not listed in SHA256SUMS" in out
    n_fig = json.loads((bad / "manifest.json").read_text())["tables"]["figures"]["rows"]
    assert f"figures: CSV has {n_fig - 1} rows, manifest says {n_fig}" in out
    assert "ok" not in out.splitlines()[0].lower().split(":")[-1]


def test_parquet_reads_in_pandas_polars_and_duckdb_with_version_metadata(built):
    import pandas as pd
    import polars as pl

    r1 = built["r1"]
    con = duckdb.connect()
    for n in TABLE_ORDER:
        path = r1 / "parquet" / f"{n}.parquet"
        p_df = pd.read_parquet(path)
        l_df = pl.read_parquet(path)
        d_n = con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]
        assert len(p_df) == l_df.height == d_n
        assert list(p_df.columns) == l_df.columns == table_meta(n).column_names
        kv = pq.read_schema(path).metadata
        assert kv[b"newsledger.dataset_version"] == b"2020.01.01"
        assert json.loads(kv[b"newsledger.table_schema"])["primaryKey"] == list(table_meta(n).primary_key)
        assert kv[b"description"].decode() == table_meta(n).description
    figs = pl.read_parquet(r1 / "parquet" / "figures.parquet")
    assert figs["value"].dtype == pl.Float64 and figs["figure_id"].n_unique() == figs.height


def test_duckdb_file_has_comments_views_and_release_info(built):
    con = duckdb.connect(str(built["r1"] / "newsledger.duckdb"), read_only=True)
    comments = dict(con.execute("SELECT table_name, comment FROM duckdb_tables()").fetchall())
    assert comments["figures"] == table_meta("figures").description
    n = con.execute("SELECT count(*) FROM figures_readable WHERE article_title IS NOT NULL OR article_url IS NULL").fetchone()[0]
    assert n == con.execute("SELECT count(*) FROM figures").fetchone()[0]
    info = dict(con.execute("SELECT key, value FROM dataset_release").fetchall())
    assert info["dataset_version"] == "2020.01.01" and info["created_at"].endswith("Z")


def _footerless(path: Path) -> bytes:
    """A Parquet file's bytes before its footer (all data pages): the footer holds the key-value metadata."""
    data = path.read_bytes()
    footer_len = struct.unpack("<I", data[-8:-4])[0]
    return data[: len(data) - 8 - footer_len]


def test_two_releases_from_the_same_inputs_hold_identical_tables(built):
    r1, r2 = built["r1"], built["r2"]
    assert r2.name != r1.name
    for n in TABLE_ORDER:
        a, b = pq.read_table(r1 / "parquet" / f"{n}.parquet"), pq.read_table(r2 / "parquet" / f"{n}.parquet")
        assert a.equals(b), n
        ka, kb = dict(a.schema.metadata), dict(b.schema.metadata)
        assert {k for k in ka if ka[k] != kb.get(k)} <= {b"newsledger.dataset_version", b"ARROW:schema"}, n
        assert _footerless(r1 / "parquet" / f"{n}.parquet") == _footerless(r2 / "parquet" / f"{n}.parquet"), n
        assert (r1 / "csv" / f"{n}.csv").read_bytes() == (r2 / "csv" / f"{n}.csv").read_bytes(), n
    c1 = duckdb.connect(str(r1 / "newsledger.duckdb"), read_only=True)
    c2 = duckdb.connect(str(r2 / "newsledger.duckdb"), read_only=True)
    for n in TABLE_ORDER:
        pk = ", ".join(table_meta(n).primary_key)
        q = f'SELECT * FROM "{n}" ORDER BY {pk}'
        assert c1.execute(q).fetchall() == c2.execute(q).fetchall(), n
    i1 = dict(c1.execute("SELECT key, value FROM dataset_release").fetchall())
    i2 = dict(c2.execute("SELECT key, value FROM dataset_release").fetchall())
    assert {k for k in i1 if i1[k] != i2.get(k)} <= {"dataset_version", "created_at"} and i1.keys() == i2.keys()
    m1, m2 = (json.loads((r / "manifest.json").read_text()) for r in (r1, r2))
    for n in TABLE_ORDER:
        assert m1["tables"][n]["rows"] == m2["tables"][n]["rows"]
        assert m1["tables"][n]["files"]["csv"] == m2["tables"][n]["files"]["csv"]
    assert m1["inputs"] == m2["inputs"] and m1["inputs_sha256"] == m2["inputs_sha256"]


def _keyed(folder: Path, n: str) -> dict:
    pk = table_meta(n).primary_key
    return {"|".join(str(r[k]) for k in pk): r for r in pq.read_table(folder / "parquet" / f"{n}.parquet").to_pylist()}


def test_changelog_names_exactly_the_rows_that_changed(built):
    r1, r3 = built["r1"], built["r3"]
    changes = json.loads((r3 / "changes.json").read_text())
    assert changes["previous_version"] == "2020.01.01"
    for n in TABLE_ORDER:
        old, new = _keyed(r1, n), _keyed(r3, n)
        expected_added = sorted(set(new) - set(old))
        expected_removed = sorted(set(old) - set(new))
        expected_changed = sorted(k for k in set(old) & set(new) if old[k] != new[k])
        got = changes["tables"][n]
        assert got["added"] == expected_added, n
        assert got["removed"] == expected_removed, n
        assert sorted(got["changed"]) == expected_changed, n

    old_arts = {r["source_file"]: r["article_id"] for r in _keyed(r1, "articles").values()}
    new_arts = {r["source_file"]: r["article_id"] for r in _keyed(r3, "articles").values()}
    assert old_arts[OTHER] == new_arts[OTHER] and old_arts[EDITED] != new_arts[EDITED]
    assert changes["replaced_articles"] == [{"source_file": EDITED, "old_article_id": old_arts[EDITED], "new_article_id": new_arts[EDITED]}]
    # Only the edited article's rows come and go; nothing of the other article appears in the changelog.
    for n in ("events", "figures", "mentions"):
        old, new = _keyed(r1, n), _keyed(r3, n)
        assert {old[k]["article_id"] for k in changes["tables"][n]["removed"]} <= {old_arts[EDITED]}
        assert {new[k]["article_id"] for k in changes["tables"][n]["added"]} <= {new_arts[EDITED]}
        # Rows of the other article keep their ids; the only thing that may change on them is an event's
        # cluster_id, which is shared across articles (the same real-world event reported by both).
        assert all(set(cols) <= {"cluster_id"} for cols in changes["tables"][n]["changed"].values()), n
        assert len(changes["tables"][n]["removed"]) == sum(r["article_id"] == old_arts[EDITED] for r in old.values())
    # The figure whose value changed: 120,000 removed, 125,000 added.
    old_f, new_f = _keyed(r1, "figures"), _keyed(r3, "figures")
    removed_values = {old_f[k]["value"] for k in changes["tables"]["figures"]["removed"]}
    added_values = {new_f[k]["value"] for k in changes["tables"]["figures"]["added"]}
    assert 120000 in removed_values and 125000 in added_values and 125000 not in removed_values
    fig_125 = next(k for k in changes["tables"]["figures"]["added"] if new_f[k]["value"] == 125000)
    md = (r3 / "CHANGELOG.md").read_text()
    assert "Changes since release `2020.01.01`" in md and fig_125 in md and EDITED in md


def test_an_existing_release_is_never_overwritten(built):
    before = (built["r1"] / "SHA256SUMS").read_bytes()
    proc = cli(built["state"], "release", "--from-warehouse", "--warehouse", str(built["wh_a"]), "--version", "2020.01.01")
    assert proc.returncode == 2 and "already exists" in proc.stderr
    assert (built["r1"] / "SHA256SUMS").read_bytes() == before


def test_a_release_that_fails_a_blocking_check_is_not_written(built, tmp_path):
    wh = tmp_path / "wh"
    shutil.copytree(built["wh_a"], wh, symlinks=True, ignore=shutil.ignore_patterns("releases"))
    path = (wh / "parquet" / "figures.parquet").resolve()
    table = pq.read_table(path)
    import pyarrow as pa

    ids = table.column("article_id").to_pylist()
    ids[0] = "art_0000000000000000"  # a figure whose article does not exist: DuckDB accepts it, the GX suite does not
    pq.write_table(table.set_column(table.schema.get_field_index("article_id"), table.schema.field("article_id"),
                                    pa.array(ids, pa.string())), path)
    proc = cli(built["state"], "release", "--from-warehouse", "--warehouse", str(wh), "--version", "blocked-1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAILED release_snapshot:gx_figures (ERROR)" in proc.stdout
    assert "no release written" in proc.stdout
    assert not (wh / "releases" / "blocked-1").exists()
    # the staged candidate stays for inspection, with the Data Docs that show what failed
    staged = list((wh / "releases").glob(".staging-blocked-1~*"))
    assert len(staged) == 1 and (staged[0] / "data_docs" / "index.html").is_file()


def test_codebook_report_lineage_and_data_docs(built):
    r1 = built["r1"]
    assert (r1 / "CODEBOOK.md").read_text() == codebook_markdown("2020.01.01") + "\n"
    html = (r1 / "codebook.html").read_text()
    for t in TABLE_ORDER:
        for c in table_meta(t).columns:
            assert f'id="{t}.{c.name}"' in html
    report = (r1 / "report.html").read_text()
    assert report.count("data:image/png;base64,") == 6 and "2020.01.01" in report

    events = [json.loads(line) for line in (r1 / "lineage" / "openlineage.jsonl").read_text().splitlines()]
    assert [e["eventType"] for e in events] == ["START", "COMPLETE"] * 4
    manifest = json.loads((r1 / "manifest.json").read_text())
    ingest = next(e for e in events if e["job"]["name"] == "newsledger.ingest" and e["eventType"] == "COMPLETE")
    assert {i["name"]: i["facets"]["newsledger_input"]["file_sha256"] for i in ingest["inputs"]} == {
        i["input_ref"]: i["file_sha256"] for i in manifest["inputs"]}
    publish = next(e for e in events if e["job"]["name"] == "newsledger.publish" and e["eventType"] == "COMPLETE")
    assert {o["name"] for o in publish["outputs"]} >= {f"parquet/{n}.parquet" for n in TABLE_ORDER}
    assert all(e["run"]["facets"]["parent"]["run"]["runId"] == manifest["dagster_run_ids"]["release"] for e in events)

    docs = (r1 / "data_docs" / "index.html").read_text()
    for t in TABLE_ORDER:
        assert f"newsledger.{t}" in docs
    checks = json.loads((r1 / "checks" / "expectations.json").read_text())["great_expectations"]
    assert set(checks) == set(TABLE_ORDER) and all(c["error_failed"] == 0 for c in checks.values())
