"""A hostile afternoon: inputs and faults that are cheap to cause, each through the real CLI.

1. text that is cheap to send and dear to extract (a long one-sentence list of numbers): bounded by the work
   budget per article, published with what was found and a row of `extraction_problems`; the figure extractor's
   cost is fuzzed with a time bound per example;
2. extreme publication dates (year 1, 9999-12-31) keep every row of their article; "-0001-01-01" is not year 1;
3. two names that display alike (a raw 0xFF byte, the four characters `\\xff`; `a.jsonl#L1` beside a.jsonl's
   first line) get different input references;
4. a symlink whose target this user cannot resolve is a quarantine row; `--articles /` is refused;
5. files arriving during a run wait for the next one, and the run publishes;
6. a damaged DuckDB file means "run", not "nothing new";
7. a same-size edit that kept its modification time is published;
8. a `?` in the warehouse path is refused with one line;
9. `--articles ""` and an emptied folder are refused unless `--allow-empty`;
10. nothing a run reads back from the warehouse's cache is code (planted pickles never run);
11. bad settings, SIGTERM/SIGINT, a read-only warehouse and a full disk end in one line, exit 2, the published
    tables unchanged and no leftovers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, SAMPLE, run_cli

pytestmark = pytest.mark.slow

DB = "newsledger.duckdb"


def article_text(n: int) -> str:
    return (f"A United Nations aid convoy of {n} trucks reached Atarib on Wednesday, local officials said. "
            f"More than {n * 100} families had fled the town since Monday, according to the Syrian Response "
            f"Coordination Group. Government forces shelled the town of Sarmin on Tuesday, killing {n % 9 + 2} civilians.\n")


def long_list(n: int) -> str:
    return "date: 2020-02-01\n\nOfficials in Idlib said " + ", ".join(f"{i + 2} people killed" for i in range(n)) + ".\n"


def cli(articles, warehouse, state, *extra, env=None, timeout=900) -> subprocess.CompletedProcess:
    e = dict(os.environ, DAGSTER_HOME=str(ROOT), NEWSLEDGER_STATE_DIR=str(state), **(env or {}))
    return subprocess.run([sys.executable, "-m", "pipeline", "run", "--articles", str(articles), "--warehouse", str(warehouse), *extra],
                          cwd=ROOT, env=e, capture_output=True, text=True, timeout=timeout)


def table(wh: Path, name: str):
    return pq.read_table(wh / "parquet" / f"{name}.parquet").to_pandas()


def published(wh: Path) -> dict:
    """The parquet symlink's target and the bytes of every published file."""
    pdir = wh / "parquet"
    return {"generation": os.readlink(pdir),
            "files": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(pdir.glob("*.parquet"))},
            "duckdb": hashlib.sha256((wh / DB).read_bytes()).hexdigest()}


def leftovers(wh: Path) -> list[str]:
    names = os.listdir(wh)
    bad = [n for n in names if n.startswith((f".{DB}.tmp-", ".parquet.link-", ".write-test-")) or n == ".staging"]
    gens = [n for n in names if n.startswith(".parquet-")]
    return bad + (gens if len(gens) > 2 else [])


def copy_warehouse(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True, ignore=shutil.ignore_patterns(".writer.lock"))
    return dst


def sample_copy(d: Path) -> Path:
    """A folder holding a copy of the sample articles."""
    d.mkdir(parents=True, exist_ok=True)
    for p in SAMPLE.glob("*.txt"):
        shutil.copy(p, d / p.name)
    return d


def one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line, got:\n{stderr[-3000:]}"
    return lines[0]


# ------------------------------------------------------------------------------------ one hostile corpus


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    d = sample_copy(tmp_path_factory.mktemp("hostile"))
    (d / "year_one.txt").write_text("date: 0001-01-01\n\n" + article_text(41), encoding="utf-8")
    (d / "year_9999.txt").write_text("date: 9999-12-31\n\n" + article_text(42), encoding="utf-8")
    (d / "year_minus_one.txt").write_text("date: -0001-01-01\n\n" + article_text(43), encoding="utf-8")
    with open(os.path.join(os.fsencode(d), b"caf\xff.txt"), "wb") as fh:
        fh.write(article_text(44).encode())
    (d / "caf\\xff.txt").write_text(article_text(45), encoding="utf-8")
    (d / "feed.jsonl").write_text(json.dumps({"text": article_text(46)}) + "\n", encoding="utf-8")
    (d / "feed.jsonl#L1").write_text(article_text(47), encoding="utf-8")
    (d / "long_list.txt").write_text(long_list(2000), encoding="utf-8")
    t0 = time.monotonic()
    proc = cli(d, tmp_path_factory.mktemp("hostile_wh"), tmp_path_factory.mktemp("hostile_state"),
               env={"NEWSLEDGER_EXTRACT_BUDGET_SECONDS": "5"})
    wh = Path(proc.args[proc.args.index("--warehouse") + 1])
    return proc, wh, time.monotonic() - t0


def _article(wh: Path, source_file: str):
    arts = table(wh, "articles")
    row = arts[arts["source_file"] == source_file]
    assert len(row) == 1, f"{source_file!r} not among {sorted(arts['source_file'])}"
    return row.iloc[0]


def test_1_an_article_dear_to_extract_is_bounded_and_published_with_what_was_found(hostile):
    proc, wh, seconds = hostile
    assert proc.returncode == 3, proc.stdout[-3000:] + proc.stderr[-3000:]  # published, with extraction problems
    assert "extraction problems: 1 article(s)" in proc.stdout
    art = _article(wh, "long_list.txt")
    problems = table(wh, "extraction_problems")
    assert list(problems["article_id"]) == [art["article_id"]]
    assert problems.iloc[0]["reason"] == "work_budget_exceeded" and problems.iloc[0]["stage"] in ("figures", "events")
    assert "budget of 5 s" in problems.iloc[0]["detail"]
    mentions = table(wh, "mentions")
    assert (mentions["article_id"] == art["article_id"]).sum() > 0, "what the earlier extractors found is published"
    # every other article was extracted to the end
    others = set(table(wh, "articles")["article_id"]) - {art["article_id"]}
    assert others and others <= set(table(wh, "events")["article_id"])
    assert seconds < 300, f"the run took {seconds:.0f} s"


def test_1_a_budget_alarm_that_lands_in_a_garbage_collector_callback_still_stops_the_stage():
    """Python drops an exception raised inside a weakref or GC callback ("Exception ignored in"); the budget's
    alarm can land there (it did, under load, and the article was extracted to the end). The alarm must then be
    raised again in the code that runs next."""
    import weakref

    from pipeline.extract.budget import BudgetExceeded, article_budget

    class Thing:
        pass

    def slow_callback(ref):  # the alarm fires while this runs, where Python cannot pass it on
        t = time.monotonic()
        while time.monotonic() - t < 0.5:
            pass

    t0 = time.monotonic()
    with pytest.raises(BudgetExceeded) as raised:
        with article_budget(0.1) as budget:
            with budget.stage("events"):
                thing = Thing()
                ref = weakref.ref(thing, slow_callback)
                del thing
                time.sleep(5)  # interrupted by the alarm raised again
    assert raised.value.stage == "events" and ref() is None
    assert time.monotonic() - t0 < 2


def test_1_fuzz_figure_extraction_cost_is_linear_in_the_text():
    """Cost, not exceptions: hypothesis builds long one-sentence lists of numbers, counted nouns, reporters and
    dates; the figure extractor must stay within a time linear in the text (the old code rebuilt the sentence's
    token lists for every number: 8 KB took ~8 s)."""
    from hypothesis import HealthCheck, given, settings, strategies as st

    from pipeline.extract.actors import extract_actors, load_registry
    from pipeline.extract.context import ArticleContext
    from pipeline.extract.figures import extract_figures
    from pipeline.extract.nlp import load_nlp
    from pipeline.extract.places import extract_places, load_gazetteer
    from pipeline.extract.temporal import extract_dates
    from pipeline.extract.types import Article

    nlp = load_nlp()
    piece = st.one_of(
        st.integers(2, 99_999).map(lambda n: f"{n:,} people killed"),
        st.integers(2, 999).map(lambda n: f"more than {n} families displaced"),
        st.sampled_from(["according to the UN", "in Idlib", "since Jan. 5", "the ministry said", "3 Feb 2020",
                         "about 40 homes destroyed", "and", "12", "1,200", "per cent", "aged 7"]),
    )

    @settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(st.lists(piece, min_size=600, max_size=900))
    def check(parts):
        text = "Officials said " + ", ".join(parts) + "."
        art = Article("art_fuzz", text, "x", None, None, None, dt.date(2020, 2, 1), "header", "en", "f.txt", "txt", len(text.split()))
        ctx = ArticleContext(art, nlp(text))
        am, actors = extract_actors(ctx, load_registry())
        pm, _ = extract_places(ctx, load_gazetteer(), am)
        dm = extract_dates(ctx)
        t0 = time.process_time()
        extract_figures(ctx, am, pm, dm, actors)
        spent = time.process_time() - t0
        print(f"figures: {spent:.2f} s of CPU for {len(text)} characters")
        assert spent < 0.5 + 0.0001 * len(text), f"{spent:.1f} s of CPU for {len(text)} characters"

    check()


def test_2_extreme_publication_dates_keep_every_row_of_their_article(hostile):
    _, wh, _ = hostile
    problems = table(wh, "extraction_problems")
    for name, day in (("year_one.txt", dt.date(1, 1, 1)), ("year_9999.txt", dt.date(9999, 12, 31))):
        art = _article(wh, name)
        assert art["published_at"] == day and art["published_at_source"] == "header"
        aid = art["article_id"]
        assert aid not in set(problems["article_id"])
        for t in ("events", "figures", "mentions"):
            assert (table(wh, t)["article_id"] == aid).sum() > 0, f"{name}: no {t} rows"
    # with DuckDB too
    con = duckdb.connect(str(wh / DB), read_only=True)
    assert con.execute("SELECT min(published_at), max(published_at) FROM articles").fetchone() == (dt.date(1, 1, 1), dt.date(9999, 12, 31))
    con.close()
    minus = _article(wh, "year_minus_one.txt")
    assert minus["published_at_source"] != "header" and minus["published_at"] != dt.date(1, 1, 1)


def test_3_names_that_display_alike_get_different_references(hostile):
    proc, wh, _ = hostile
    assert "FAILED pandera" not in proc.stdout and "FAILED quarantine:inputs_accounted_for" not in proc.stdout
    arts = set(table(wh, "articles")["source_file"])
    assert {"caf\\xff.txt", "caf\\\\xff.txt", "feed.jsonl#L1"} <= arts
    quarantine = table(wh, "quarantine")
    assert list(quarantine["input_ref"]) == ["feed.jsonl\\x23L1"]  # the file named like a JSONL line's reference


# ------------------------------------------------------------------------------------- links and walks


def test_4_an_unresolvable_symlink_is_quarantined_and_a_machine_walk_refused(tmp_path, request):
    r = cli("/", tmp_path / "wh", tmp_path / "state")
    assert r.returncode == 2 and "is a system folder" in one_line(r.stderr)
    r = cli("/proc/self", tmp_path / "wh", tmp_path / "state")
    assert r.returncode == 2 and "is a system folder" in one_line(r.stderr)
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("the unresolvable link needs root to run the CLI as another user (setpriv)")
    import tempfile

    tmp_path = Path(tempfile.mkdtemp(prefix="newsledger-nobody-"))  # pytest's own tmp root is closed to nobody
    request.addfinalizer(lambda: shutil.rmtree(tmp_path, ignore_errors=True))
    d = sample_copy(tmp_path / "articles")
    holder = subprocess.Popen(["sleep", "300"], cwd="/")  # a root process: its cwd link is closed to nobody
    try:
        (d / "cwd.txt").symlink_to(f"/proc/{holder.pid}/cwd")
        (d / "cwd_folder").symlink_to(f"/proc/{holder.pid}/cwd")
        for sub in ("wh", "state", "cache"):
            (tmp_path / sub).mkdir(exist_ok=True)
        os.chmod(tmp_path, 0o777)
        for sub in ("articles", "wh", "state", "cache"):
            os.chmod(tmp_path / sub, 0o777)
        env = dict(os.environ, DAGSTER_HOME=str(ROOT), NEWSLEDGER_STATE_DIR=str(tmp_path / "state"),
                   NEWSLEDGER_CACHE_DIR=str(tmp_path / "cache"), HOME=str(tmp_path / "cache"), PYTHONDONTWRITEBYTECODE="1")
        proc = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable, "-m",
                               "pipeline", "run", "--articles", str(d), "--warehouse", str(tmp_path / "wh")],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    q = table(tmp_path / "wh", "quarantine")
    got = {(r.input_ref, r.reason) for r in q.itertuples()}
    assert got == {("cwd.txt", "unreadable"), ("cwd_folder", "unreadable")}, got  # a folder or not: cannot tell
    assert all("cannot resolve" in x for x in q["detail"])
    assert len(table(tmp_path / "wh", "articles")) == 2


# -------------------------------------------------------------------------------------- the input snapshot


def test_5_files_arriving_during_a_run_wait_for_the_next_one(tmp_path):
    d = sample_copy(tmp_path / "articles")
    wh, state = tmp_path / "wh", tmp_path / "state"
    env = dict(os.environ, DAGSTER_HOME=str(ROOT), NEWSLEDGER_STATE_DIR=str(state))
    log = open(tmp_path / "log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", "--articles", str(d), "--warehouse", str(wh)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while not list(wh.glob(".staging/snapshot-*.json")):
        assert proc.poll() is None and time.monotonic() < deadline, "the run ended before its snapshot was seen"
        time.sleep(0.01)
    (d / "early.txt").write_text(article_text(51), encoding="utf-8")  # after the snapshot, before ingest
    tables = wh / ".storage" / "tables"
    while not (tables / "quarantine.parquet").exists():  # ingest has run: the old check recounted the folder later
        assert proc.poll() is None and time.monotonic() < deadline, "the run ended before ingest was seen"
        time.sleep(0.01)
    (d / "late.txt").write_text(article_text(52), encoding="utf-8")
    assert proc.wait(timeout=600) == 0, (tmp_path / "log").read_text()[-4000:]
    out = (tmp_path / "log").read_text()
    assert "2 input(s) arrived during the run" in out and "early.txt, late.txt" in out
    assert set(table(wh, "articles")["source_file"]) == {p.name for p in SAMPLE.glob("*.txt")}
    again = cli(d, wh, state)
    assert again.returncode == 0 and "no run launched" not in again.stdout
    assert {"early.txt", "late.txt"} <= set(table(wh, "articles")["source_file"])


# ------------------------------------------------------------------------------- the "nothing new" test


def test_6_a_damaged_duckdb_file_means_run(sample_run, tmp_path):
    wh = copy_warehouse(sample_run.warehouse, tmp_path / "wh")
    cli(SAMPLE, wh, sample_run.state)  # brings the copy up to date whatever touched the inputs since the fixture ran
    r = cli(SAMPLE, wh, sample_run.state)
    assert r.returncode == 0 and "no run launched" in r.stdout, r.stdout[-2000:]
    with open(wh / DB, "r+b") as fh:  # same size, one byte changed
        fh.seek(os.path.getsize(wh / DB) // 2)
        b = fh.read(1)
        fh.seek(-1, os.SEEK_CUR)
        fh.write(bytes([b[0] ^ 0xFF]))
    r = cli(SAMPLE, wh, sample_run.state)
    assert r.returncode == 0 and "no run launched" not in r.stdout and "SUCCESS" in r.stdout, r.stdout[-2000:]
    con = duckdb.connect(str(wh / DB), read_only=True)
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 2
    con.close()


def test_7_a_same_size_edit_that_kept_its_mtime_is_published(tmp_path):
    d = sample_copy(tmp_path / "articles")
    wh, state = tmp_path / "wh", tmp_path / "state"
    assert cli(d, wh, state).returncode == 0
    target = sorted(d.glob("*.txt"))[0]
    st = target.stat()
    text = target.read_text(encoding="utf-8")
    edited = text.replace("the", "THE", 1)
    assert edited != text and len(edited.encode()) == st.st_size
    target.write_text(edited, encoding="utf-8")
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert target.stat().st_mtime_ns == st.st_mtime_ns and target.stat().st_size == st.st_size
    r = cli(d, wh, state)
    assert r.returncode == 0 and "no run launched" not in r.stdout
    assert any("THE" in t for t in table(wh, "articles")["text"])


# --------------------------------------------------------------------------------------------- guards


def test_8_a_question_mark_in_the_warehouse_path_is_refused_clearly(tmp_path):
    wh = tmp_path / "out?mode=x"
    r = cli(SAMPLE, wh, tmp_path / "state")
    assert r.returncode == 2
    assert "contains '?'" in one_line(r.stderr) and not wh.exists()


def test_9_empty_articles_and_an_emptied_folder_are_refused(sample_run, tmp_path):
    wh = copy_warehouse(sample_run.warehouse, tmp_path / "wh")
    before = published(wh)
    r = cli("", wh, sample_run.state)
    assert r.returncode == 2 and "--articles is empty" in one_line(r.stderr)
    r = cli(tmp_path / "not_mounted", wh, sample_run.state)
    assert r.returncode == 2 and "does not exist" in one_line(r.stderr)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / ".hidden").write_text("not an input")
    r = cli(empty, wh, sample_run.state)
    assert r.returncode == 2 and "holds no input, while the publication" in one_line(r.stderr) and "2 articles" in r.stderr
    assert published(wh) == before and not leftovers(wh)
    r = cli(empty, wh, sample_run.state, "--allow-empty")
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert len(table(wh, "articles")) == 0


def test_10_the_cache_holds_data_not_code(sample_run, tmp_path):
    wh = copy_warehouse(sample_run.warehouse, tmp_path / "wh")
    marker = tmp_path / "code_ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    bomb = pickle.dumps(Payload())
    cache_files = [p for p in (wh / ".cache").rglob("*") if p.is_file() and p.name != "published_state.json"]
    assert cache_files
    for p in cache_files:  # every file a run reads back, and the names the pickle caches had
        p.write_bytes(bomb)
        p.with_suffix(".pkl").write_bytes(bomb)
    r = cli(SAMPLE, wh, sample_run.state, "--force")
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert not marker.exists(), "a planted pickle ran"
    assert published(wh)["files"] == published(sample_run.warehouse)["files"]
    for p in (wh / ".cache").rglob("*"):
        if p.is_file() and p.suffix != ".pkl":
            assert not p.read_bytes().startswith(b"\x80"), f"{p} is a pickle"


def test_11_bad_settings_are_one_line(tmp_path):
    for var, value, expected in (("NEWSLEDGER_DUCKDB_MEMORY", "garbage", "expected a size such as 512MB"),
                                 ("NEWSLEDGER_EXTRACT_BUCKETS", "zero", "expected a whole number"),
                                 ("NEWSLEDGER_INGEST_CACHE", "maybe", "expected 1/0, true/false"),
                                 ("NEWSLEDGER_EXECUTOR", "celery", "expected one of auto, in_process, multiprocess, dask")):
        r = cli(SAMPLE, tmp_path / "wh", tmp_path / "state", env={var: value})
        assert r.returncode == 2, (var, r.stderr[-2000:])
        assert one_line(r.stderr) == f"error: {var}={value!r}: {expected}" or expected in one_line(r.stderr)
    assert not (tmp_path / "wh").exists()


def _stop_during_extraction(sample_run, tmp_path, sig: int, group: bool):
    wh = copy_warehouse(sample_run.warehouse, tmp_path / "wh")
    shutil.rmtree(wh / ".cache")  # no cached extraction: the stop lands while the articles are being parsed
    before = published(wh)
    env = dict(os.environ, DAGSTER_HOME=str(ROOT), NEWSLEDGER_STATE_DIR=str(tmp_path / "state"))
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", "--articles", str(SAMPLE), "--warehouse", str(wh), "--force"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 300
    while not list(wh.glob(".staging/*/bucket_*")):
        assert proc.poll() is None and time.monotonic() < deadline, "the run ended before extraction was seen"
        time.sleep(0.01)
    if group:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err, wh, before


# SIGINT goes to the CLI alone, as `kill -INT` does (a terminal's Ctrl-C also reaches Dagster's compute-log helper
# processes, which print their own KeyboardInterrupt).
@pytest.mark.parametrize("sig,group", [(signal.SIGTERM, False), (signal.SIGINT, False)], ids=["SIGTERM", "SIGINT"])
def test_11_a_stop_is_one_line_and_leaves_the_publication(sample_run, tmp_path, sig, group):
    code, out, err, wh, before = _stop_during_extraction(sample_run, tmp_path, sig, group)
    assert code == 2, out[-2000:] + err[-3000:]
    last = err.strip().splitlines()[-1]
    assert last == f"stopped ({signal.Signals(sig).name}); the published tables are unchanged", err[-3000:]
    assert "Traceback" not in err
    assert published(wh) == before and not leftovers(wh)


def _mount(*args) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def mountable():
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small or read-only file system")


def test_11_a_read_only_warehouse_is_one_line(sample_run, tmp_path, mountable):
    wh = copy_warehouse(sample_run.warehouse, tmp_path / "wh")
    before = published(wh)
    if not (_mount("--bind", str(wh), str(wh)) and _mount("-o", "remount,bind,ro", str(wh))):
        subprocess.run(["umount", "-l", str(wh)], capture_output=True)
        pytest.skip("mount is not permitted here")
    try:
        r = cli(SAMPLE, wh, tmp_path / "state", "--force")
    finally:
        subprocess.run(["umount", "-l", str(wh)], capture_output=True)
    assert r.returncode == 2
    assert one_line(r.stderr) == f"error: {wh} is on a read-only file system: the published tables are unchanged"
    assert published(wh) == before


def test_11_a_full_disk_is_one_line_and_leaves_nothing_behind(sample_run, tmp_path, mountable):
    wh = tmp_path / "wh"
    wh.mkdir()
    size = sum(p.stat().st_size for p in sample_run.warehouse.rglob("*") if p.is_file() and not p.is_symlink())
    if not _mount("-t", "tmpfs", "-o", f"size={size + 1_500_000}", "tmpfs", str(wh)):
        pytest.skip("mount is not permitted here")
    try:
        shutil.copytree(sample_run.warehouse, wh, symlinks=True, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".writer.lock"))
        before = published(wh)
        free = shutil.disk_usage(wh).free
        r = cli(SAMPLE, wh, tmp_path / "state", "--force")
        after_free = shutil.disk_usage(wh).free
        after, left = published(wh), leftovers(wh)
    finally:
        subprocess.run(["umount", "-l", str(wh)], capture_output=True)
    assert r.returncode == 2, r.stdout[-2000:] + r.stderr[-3000:]
    assert r.stderr.strip().splitlines()[-1] == f"error: no space left in {wh}: the published tables are unchanged"
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    assert after == before and not left, left
    assert free - after_free < 400_000, f"{free - after_free} bytes were not given back"  # caches only
