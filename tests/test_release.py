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

from schemas.codebook import codebook_markdown
from schemas.metadata import RELEASE_TABLES, TABLE_ORDER, table_meta
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
    full = r1.parent / "full" / r1.name
    for rel in ["newsledger.duckdb", "datapackage.json", "CODEBOOK.md", "codebook.html", "manifest.json", "SHA256SUMS",
                "CHANGELOG.md", "changes.json", "report.html", "data_docs/index.html", "lineage/openlineage.jsonl",
                "checks/expectations.json", "README.md", "CITATION.cff", "flat/events.csv", "flat/figures.csv"]:
        assert (r1 / rel).is_file(), rel
        assert (full / rel).is_file(), rel
    for n in TABLE_ORDER:
        assert (r1 / "parquet" / f"{n}.parquet").is_file() and (r1 / "csv" / f"{n}.csv").is_file()
    assert not list(r1.parent.glob(".staging-*")), "staging folder left behind after a successful release"
    public = {p.name for p in r1.parent.iterdir() if (p / "manifest.json").is_file()}
    assert {p.name for p in (r1.parent / "full").iterdir()} == public and r1.name in public

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


def _full(release: Path) -> Path:
    return release.parent / "full" / release.name


def test_frictionless_validate_passes(built):
    exe = Path(sys.executable).with_name("frictionless")
    for folder in (built["r1"], _full(built["r1"])):
        proc = subprocess.run([str(exe), "validate", "--json", "datapackage.json"], cwd=folder, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        report = json.loads(proc.stdout)
        assert report["valid"] is True
        assert len(report["tasks"]) == len(RELEASE_TABLES)
    pkg = json.loads((built["r1"] / "datapackage.json").read_text())
    assert pkg["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json" and pkg["version"] == "2020.01.01"
    figures = next(r for r in pkg["resources"] if r["name"] == "figures")
    assert figures["hash"] == "sha256:" + _sha(built["r1"] / figures["path"])
    assert figures["schema"]["primaryKey"] == ["figure_id"]
    assert {"fields": ["article_id"], "reference": {"resource": "articles", "fields": ["article_id"]}} in figures["schema"]["foreignKeys"]
    cat = next(f for f in figures["schema"]["fields"] if f["name"] == "category")
    assert cat["constraints"]["enum"] == list(table_meta("figures").column("category").enum)


def test_verify_passes_on_a_release_and_names_what_is_wrong_on_a_damaged_copy(built, tmp_path):
    for folder in (built["r1"], _full(built["r1"])):
        ok = cli(built["state"], "verify", str(folder))
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
        assert list(p_df.columns) == l_df.columns == table_meta(n, "public").column_names
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
    for n in RELEASE_TABLES:
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
    assert (r1 / "CODEBOOK.md").read_text() == codebook_markdown("2020.01.01", "public") + "\n"
    assert (_full(r1) / "CODEBOOK.md").read_text() == codebook_markdown("2020.01.01", "full") + "\n"
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
    assert set(checks) == set(RELEASE_TABLES) and all(c["error_failed"] == 0 for c in checks.values())


# --- variants, terms, portability ----------------------------------------------------------------------------

def _sample_sentences() -> list[str]:
    """Sentences of the sample articles that no evidence row quotes as its sentence (the words only a copy of
    the article text would hold), long enough to be unambiguous."""
    from pipeline.ingest.corpus import iter_entries, read_entry

    out = []
    for entry in iter_entries(SAMPLE):
        for o in read_entry(entry):
            out += [s.strip() for s in re.split(r"(?<=[.!?])\s+", o.candidate.text) if len(s.strip()) > 40]
    return out


def _strings_in(path: Path) -> list[str]:
    """Every string a file holds, decoded: the cells of Parquet and DuckDB files, the text of any other file."""
    if path.suffix == ".parquet":
        t = pq.read_table(path)
        return [str(v) for c in t.columns for v in c.to_pylist() if v is not None]
    if path.suffix == ".duckdb":
        con = duckdb.connect(str(path), read_only=True)
        try:
            out = []
            for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
                for row in con.execute(f'SELECT * FROM "{name}"').fetchall():
                    out += [str(v) for v in row if v is not None]
            return out
        finally:
            con.close()
    return [path.read_bytes().decode("utf-8", errors="replace")]


def test_the_public_release_holds_no_article_text_and_the_full_one_does(built):
    r1 = built["r1"]
    evidence_sentences = set()
    for n in ("events", "figures"):
        evidence_sentences |= set(pq.read_table(r1 / "parquet" / f"{n}.parquet", columns=["sentence"]).column(0).to_pylist())
    # a sentence an evidence row does not carry: only the article text holds it
    hidden = [s for s in _sample_sentences() if not any(s in e or e in s for e in evidence_sentences)]
    assert len(hidden) >= 5
    probes = [re.sub(r"\s+", " ", s)[:50] for s in hidden]
    for p in sorted(r1.rglob("*")):
        if p.is_file():
            blob = "\n".join(_strings_in(p))
            found = [q for q in probes if q in blob]
            assert not found, f"{p.relative_to(r1)} holds article text: {found[0]!r}"
    full = _full(r1)
    full_text = "\n".join(_strings_in(full / "parquet" / "articles.parquet"))
    assert all(q in full_text for q in probes)  # the probes are real sentences of the texts

    assert pq.read_schema(r1 / "parquet" / "articles.parquet").names == table_meta("articles", "public").column_names
    assert "text" not in table_meta("articles", "public").column_names
    assert set(table_meta("articles", "public").column_names) >= {"article_id", "url", "title", "outlet", "published_at", "text_sha256", "n_words"}
    for n in ("events", "figures"):
        assert {"char_start", "char_end", "quote", "sentence"} <= set(pq.read_schema(r1 / "parquet" / f"{n}.parquet").names)


def test_licence_and_quoted_text_rights_come_from_configuration_and_are_stated_separately(built):
    from schemas.metadata import load_metadata

    ds = load_metadata()["dataset"]
    for folder, variant in ((built["r1"], "public"), (_full(built["r1"]), "full")):
        pkg = json.loads((folder / "datapackage.json").read_text())
        manifest = json.loads((folder / "manifest.json").read_text())
        readme = (folder / "README.md").read_text()
        assert pkg["licenses"] == [{"name": ds["license"]["name"], "path": ds["license"]["path"], "title": ds["license"]["title"]}]
        for terms in (pkg["newsledger:terms"], manifest["terms"]):
            assert terms["variant"] == variant and terms["license"]["path"] == ds["license"]["path"]
            assert terms["quoted_text"]["rights"] == " ".join(ds["quoted_text"]["rights"].split())
            assert ("articles.text" in terms["quoted_text"]["columns"]) == (variant == "full")
        assert manifest["variant"] == variant
        assert ds["license"]["path"] in readme and " ".join(ds["quoted_text"]["rights"].split()) in readme
        assert f"This is the {variant} release." in readme
        assert "## How to cite" in readme and "2020.01.01" in readme
        cff = (folder / "CITATION.cff").read_text()
        assert "cff-version: 1.2.0" in cff and 'version: "2020.01.01"' in cff and "doi:" in cff and "date-released:" in cff


def test_verify_with_texts_rechecks_every_span_and_names_a_wrong_one(built, tmp_path):
    r1 = built["r1"]
    ok = cli(built["state"], "verify", str(r1), "--text", str(SAMPLE))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    n_rows = sum(pq.ParquetFile(r1 / "parquet" / f"{n}.parquet").metadata.num_rows for n in ("events", "figures", "mentions"))
    assert f"2 of 2 articles found" in ok.stdout and f"{n_rows} evidence rows re-checked" in ok.stdout
    # a user's copy of an article that differs where a figure stands: its spans no longer hold
    texts = tmp_path / "texts"
    shutil.copytree(SAMPLE, texts)
    from pipeline.release.verify import read_texts, verify_texts

    shas = dict(zip(*pq.read_table(r1 / "parquet" / "articles.parquet", columns=["text_sha256", "article_id"]).to_pydict().values()))
    assert set(read_texts(texts)) == set(shas)
    problems, stats = verify_texts(r1, texts)
    assert problems == [] and stats["matched"] == 2 and stats["rows_checked"] == n_rows
    # a tampered quote in a copy of the release is caught against the texts (and by the sentence check)
    bad = tmp_path / "2020.01.01"
    shutil.copytree(r1, bad)
    t = pq.read_table(bad / "parquet" / "figures.parquet")
    quotes = t.column("quote").to_pylist()
    quotes[0] = quotes[0][::-1]
    pq.write_table(t.set_column(t.schema.get_field_index("quote"), "quote", __import__("pyarrow").array(quotes)),
                   bad / "parquet" / "figures.parquet")
    problems, _ = verify_texts(bad, texts)
    assert any(p.startswith("figures: 1 row(s) where the text[char_start:char_end] differs from the quote") for p in problems), problems


READER_ENVS = ROOT / "build" / "reader-envs"
OLD_DUCKDB = "1.1.3"


def _old_duckdb_python() -> Path:
    """A throwaway environment with DuckDB 1.1 from the package registry, kept under the git-ignored build/."""
    env = READER_ENVS / f"duckdb-{OLD_DUCKDB}"
    py = env / "bin" / "python"
    if py.is_file() and (env / ".ok").is_file():
        return py
    uv = Path(sys.executable).with_name("uv")
    shutil.rmtree(env, ignore_errors=True)
    made = subprocess.run([str(uv), "venv", "-q", "-p", sys.executable, str(env)], capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    got = subprocess.run([str(uv), "pip", "install", "-q", "--python", str(py), f"duckdb=={OLD_DUCKDB}"],
                         capture_output=True, text=True, timeout=300)
    if got.returncode != 0:
        if any(w in got.stderr.lower() for w in ("connect", "network", "dns", "resolve host", "timed out", "offline")):
            pytest.skip(f"the package registry cannot be reached to install duckdb=={OLD_DUCKDB}: {got.stderr.strip()[:300]}")
        raise AssertionError(got.stderr)
    (env / ".ok").write_text(OLD_DUCKDB)
    return py


def test_the_duckdb_file_opens_in_duckdb_1_1_and_2(built):
    db = built["r1"] / "newsledger.duckdb"
    py = _old_duckdb_python()
    script = (
        "import duckdb, json, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(json.dumps({'version': duckdb.__version__,"
        " 'figures': con.execute('SELECT count(*) FROM figures_readable').fetchone()[0],"
        " 'comment': con.execute(\"SELECT comment FROM duckdb_tables() WHERE table_name = 'figures'\").fetchone()[0],"
        " 'release': dict(con.execute('SELECT key, value FROM dataset_release').fetchall())['dataset_version']}))\n"
    )
    proc = subprocess.run([str(py), "-c", script, str(db)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    old = json.loads(proc.stdout)
    con = duckdb.connect(str(db), read_only=True)
    assert old["version"] == OLD_DUCKDB and duckdb.__version__.startswith("2.")
    assert old["figures"] == con.execute("SELECT count(*) FROM figures").fetchone()[0] > 0
    assert old["comment"] == table_meta("figures").description and old["release"] == "2020.01.01"


def test_flat_files_resolve_names(built):
    import pandas as pd

    r1 = built["r1"]
    flat = pd.read_csv(r1 / "flat" / "figures.csv")
    figs = pq.read_table(r1 / "parquet" / "figures.parquet").to_pandas()
    actors = pq.read_table(r1 / "parquet" / "actors.parquet").to_pandas().set_index("actor_id")["name"]
    places = pq.read_table(r1 / "parquet" / "places.parquet").to_pandas().set_index("place_id")["name"]
    assert sorted(flat["figure_id"]) == sorted(figs["figure_id"])
    merged = flat.set_index("figure_id").join(figs.set_index("figure_id")[["reporter_actor_id", "place_id"]])
    for _, r in merged.iterrows():
        assert (r["reporter_name"] if isinstance(r["reporter_name"], str) else None) == (actors.get(r["reporter_actor_id"]) if r["reporter_actor_id"] else None)
        assert (r["place_name"] if isinstance(r["place_name"], str) else None) == (places.get(r["place_id"]) if r["place_id"] else None)
    assert flat["place_name"].notna().any() and flat["reporter_name"].notna().any()
    events = pd.read_csv(r1 / "flat" / "events.csv")
    assert {"actor1_name", "actor2_name", "place_name", "article_title", "quote", "sentence"} <= set(events.columns)


# --- offline pages and the explorer, in a real browser ------------------------------------------------------

REMOTE = re.compile(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium, driver_bin = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_bin):
        pytest.skip("chromium and chromedriver are not installed (make test installs them with apt-get as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--window-size=1400,1000", f"--user-data-dir={tmp_path_factory.mktemp('chrome')}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_bin), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _wait(driver, cond, timeout: float = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: cond(d))


def test_every_page_of_a_release_loads_nothing_from_the_network(built):
    for folder in (built["r1"], _full(built["r1"])):
        pages = sorted(folder.rglob("*.html"))
        assert len(pages) > 10 and folder / "explorer.html" in pages
        for page in pages:
            m = REMOTE.search(page.read_text(encoding="utf-8"))
            assert m is None, f"{page.relative_to(folder)} loads {m.group(0)!r}"
            for ref in re.findall(r"""<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"'#?]+)""", page.read_text(encoding="utf-8")):
                assert (page.parent / ref).is_file(), f"{page.relative_to(folder)}: {ref} is missing"
    vendor = built["r1"] / "data_docs" / "static" / "vendor"
    assert (vendor / "jquery-3.7.1.min.js").is_file() and (vendor / "LICENSES.txt").is_file()


def test_data_docs_index_renders_offline_from_file_url(built, browser):
    from selenium.webdriver.common.by import By

    browser.get((built["r1"] / "data_docs" / "index.html").as_uri())
    # the index's table is drawn by bootstrap-table: without its script the page is blank
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".bootstrap-table table tbody tr"))
    text = browser.find_element(By.TAG_NAME, "body").text
    for t in TABLE_ORDER:
        assert f"newsledger.{t}" in text
    assert browser.execute_script("return typeof window.jQuery") == "function"


def test_explorer_filters_opens_a_row_and_shows_its_quote(built, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    r1 = built["r1"]
    figs = pq.read_table(r1 / "parquet" / "figures.parquet").to_pandas()
    places = dict(zip(*pq.read_table(r1 / "parquet" / "places.parquet", columns=["place_id", "name"]).to_pydict().values()))
    arts = pq.read_table(r1 / "parquet" / "articles.parquet").to_pandas().set_index("article_id")
    figs["place"] = figs["place_id"].map(places)
    place = figs["place"].value_counts().index[0]
    want = figs[figs["place"] == place]

    browser.get((r1 / "explorer.html").as_uri())
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#rows tbody tr"))
    assert browser.find_element(By.ID, "count").text == f"{len(figs)} of {len(figs)} rows"
    Select(browser.find_element(By.ID, "f-place")).select_by_value(place)
    rows = browser.find_elements(By.CSS_SELECTOR, "#rows tbody tr")
    assert len(rows) == len(want) and browser.find_element(By.ID, "count").text == f"{len(want)} of {len(figs)} rows"
    assert {r.get_attribute("data-id") for r in rows} == set(want["figure_id"])
    # open a row: its quote is highlighted in its sentence, with a link to the article
    fid = rows[0].get_attribute("data-id")
    rows[0].click()
    detail = browser.find_element(By.ID, "detail")
    fig = figs.set_index("figure_id").loc[fid]
    assert detail.find_element(By.TAG_NAME, "mark").text == fig["quote"]
    assert detail.find_element(By.CSS_SELECTOR, ".sentence").text == fig["sentence"]
    url = arts.loc[fig["article_id"], "url"]
    if url:
        assert detail.find_element(By.CSS_SELECTOR, "a").get_attribute("href") == url
    # a date range and a category narrow the rows to exactly those the table holds
    Select(browser.find_element(By.ID, "f-place")).select_by_value("")
    cat = figs["category"].value_counts().index[0]
    Select(browser.find_element(By.ID, "f-cat")).select_by_value(cat)
    browser.execute_script("const e = document.getElementById('f-from'); e.value = '2020-01-25'; e.dispatchEvent(new Event('change'))")
    def last_day(r) -> str | None:  # the explorer's rule: a row is in range when its last day is not before `from`
        for v in (r["window_end"], r["window_start"], arts.loc[r["article_id"], "published_at"]):
            if v is not None and not (isinstance(v, float) and v != v):
                return str(v)
        return None

    expected = {r["figure_id"] for _, r in figs.iterrows() if r["category"] == cat and (last_day(r) or "") >= "2020-01-25"}
    got = {r.get_attribute("data-id") for r in browser.find_elements(By.CSS_SELECTOR, "#rows tbody tr")}
    assert got == expected and 0 < len(got) < (figs["category"] == cat).sum() + 1
    # events: filter by an actor; every row shown names it
    browser.find_element(By.ID, "tab-events").click()
    ev = pq.read_table(r1 / "parquet" / "events.parquet").to_pandas()
    actors = dict(zip(*pq.read_table(r1 / "parquet" / "actors.parquet", columns=["actor_id", "name"]).to_pydict().values()))
    named = ev.apply(lambda r: {actors.get(a) for a in [r["actor1_id"], r["actor2_id"], *list(r["assoc_actor_ids"])] if a}, axis=1)
    actor = actors[ev["actor1_id"].dropna().value_counts().index[0]]
    Select(browser.find_element(By.ID, "f-actor")).select_by_value(actor)
    got = {r.get_attribute("data-id") for r in browser.find_elements(By.CSS_SELECTOR, "#rows tbody tr")}
    assert got == set(ev["event_id"][named.apply(lambda s: actor in s)])
    # best estimates: a row opens the claims it was built from, each quote in its sentence
    browser.execute_script("const e = document.getElementById('f-from'); e.value = ''; e.dispatchEvent(new Event('change'))")
    browser.find_element(By.ID, "tab-best").click()
    best_rows = browser.find_elements(By.CSS_SELECTOR, "#rows tbody tr")
    est = pq.read_table(r1 / "parquet" / "best_estimates.parquet").to_pandas().set_index("estimate_id")
    assert {r.get_attribute("data-id") for r in best_rows} == set(est.index)
    eid = best_rows[0].get_attribute("data-id")
    best_rows[0].click()
    claims = est.loc[eid, "figure_ids"]
    marks = [m.text for m in browser.find_elements(By.CSS_SELECTOR, "#detail li.claim mark")]
    assert marks == [figs.set_index("figure_id").loc[f, "quote"] for f in claims]
    browser.find_element(By.ID, "tab-events").click()
    # the map has outlines and a label per place shown, none overlapping
    assert len(browser.find_elements(By.CSS_SELECTOR, "#map path.country")) >= 3
    boxes = browser.execute_script("return [...document.querySelectorAll('#map text')].map(t => {const b = t.getBBox(); return [b.x, b.y, b.width, b.height];})")
    assert boxes
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1], (a, b)


def test_best_estimates_group_claims_across_reporters_and_keep_every_claim(built):
    import datetime as dt

    import pandas as pd

    from pipeline.release.estimates import derive_best_estimates
    from schemas.models import pandera_schema

    d1, d2 = dt.date(2020, 1, 20), dt.date(2020, 1, 26)
    base = dict(category="displaced", unit="people", place_id="gn_1", window_start=d1, window_end=d2, value_high=None)
    claims = pd.DataFrame([
        dict(base, figure_id="fig_a", article_id="art_1", value=120000.0, value_low=120000.0, reporter_actor_id="act_un", reporter_text="the UN"),
        dict(base, figure_id="fig_b", article_id="art_2", value=129000.0, value_low=129000.0, reporter_actor_id="act_un", reporter_text="OCHA"),
        dict(base, figure_id="fig_c", article_id="art_2", value=100000.0, value_low=90000.0, reporter_actor_id=None, reporter_text="local officials"),
        dict(base, figure_id="fig_d", article_id="art_3", value=150000.0, value_low=150000.0, reporter_actor_id=None, reporter_text=None, value_high=160000.0),
        dict(base, figure_id="fig_e", article_id="art_3", value=7.0, value_low=7.0, category="killed", reporter_actor_id=None, reporter_text=None),
        dict(base, figure_id="fig_f", article_id="art_3", value=9.0, value_low=9.0, place_id=None, reporter_actor_id=None, reporter_text=None),
    ])
    est = derive_best_estimates(claims)
    pandera_schema("best_estimates").validate(est)
    assert len(est) == 2  # displaced in gn_1, killed in gn_1; the figure without a place is not grouped
    row = est[est["category"] == "displaced"].iloc[0]
    # sources: act_un (its highest, 129,000), "local officials" (100,000), article art_3 (150,000): median 129,000
    assert (row["low"], row["best"], row["high"]) == (90000.0, 129000.0, 160000.0)
    assert list(row["figure_ids"]) == ["fig_a", "fig_b", "fig_c", "fig_d"]
    assert (row["n_claims"], row["n_articles"], row["n_reporters"], row["rule"]) == (4, 3, 3, "median_of_sources")
    assert derive_best_estimates(claims.iloc[::-1]).equals(est)  # order of the input does not matter

    # in the release: every grouped figure is in exactly one estimate, and the table is validated and described
    r1 = built["r1"]
    figs = pq.read_table(r1 / "parquet" / "figures.parquet").to_pandas()
    pub = pq.read_table(r1 / "parquet" / "best_estimates.parquet").to_pandas()
    grouped = figs[figs["place_id"].notna() & (figs["window_start"].notna() | figs["window_end"].notna())]
    claimed = [f for ids in pub["figure_ids"] for f in ids]
    assert sorted(claimed) == sorted(grouped["figure_id"]) and len(pub) > 0
    assert (pub["low"] <= pub["best"]).all() and (pub["best"] <= pub["high"]).all()
    checks = json.loads((r1 / "checks" / "expectations.json").read_text())["great_expectations"]
    assert checks["best_estimates"]["error_failed"] == 0 and checks["best_estimates"]["expectations"] >= 10
    assert "## best_estimates" in (r1 / "CODEBOOK.md").read_text()
    pkg = json.loads((r1 / "datapackage.json").read_text())
    assert any(r["name"] == "best_estimates" for r in pkg["resources"])
    con = duckdb.connect(str(r1 / "newsledger.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM best_estimates").fetchone()[0] == len(pub)


def test_verify_names_a_best_estimate_claim_that_is_no_figure(built, tmp_path):
    from pipeline.release.verify import _claims_problems

    bad = tmp_path / "rel"
    shutil.copytree(built["r1"], bad)
    path = bad / "parquet" / "best_estimates.parquet"
    t = pq.read_table(path)
    ids = t.column("figure_ids").to_pylist()
    ids[0] = ids[0] + ["fig_0000000000000000"]
    import pyarrow as pa

    pq.write_table(t.set_column(t.schema.get_field_index("figure_ids"), t.schema.field("figure_ids"), pa.array(ids, pa.list_(pa.string()))), path)
    assert _claims_problems(built["r1"]) == []
    assert _claims_problems(bad) == ["best_estimates: 1 claim(s) name no figure of the release (first: ['fig_0000000000000000'])"]
