"""Faults: a run killed at any moment, two runs at once, readers holding the files open.

What a researcher can rely on, tested on the real CLI (`python -m pipeline run`, a real Dagster instance) and on
the writer alone (`pipeline.publish.writer.publish` in a subprocess, killed at chosen moments):

- SIGKILL at any point of a run leaves the previously published tables (Parquet through the `parquet` symlink,
  and the DuckDB file) byte-identical and readable; the next run cleans up what the killed one left and
  publishes exactly what a clean run publishes;
- a killed run does not keep the `duckdb_writer` pool slot: the next run on the same Dagster instance does
  not wait forever (pipeline.defs.publish.free_slots_of_dead_runs);
- two runs started at once both succeed and the warehouse ends up holding exactly one of the two
  publications, never a mix: on one Dagster instance the second CLI run waits for the first (runs on one
  instance share its asset storage; pipeline.defs.publish.instance_run_lock), and the publish steps are in
  the `duckdb_writer` pool; on separate instances the writer's file lock keeps the two publishes apart;
- a reader with the DuckDB file (read-only) or a Parquet file open keeps its old snapshot while a publish
  replaces them, and sees the new data after reopening.

Kills go to the whole process group (the CLI and anything it started).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, SAMPLE, run_cli
from schemas.metadata import TABLE_ORDER

pytestmark = pytest.mark.slow

DB = "newsledger.duckdb"
EXTRA_ARTICLE = """title: Aid convoy reaches Atarib
date: 2020-02-05

A United Nations aid convoy of 40 trucks reached Atarib on Wednesday, local officials said.
More than 3,000 families had fled the town since Monday, according to the Syrian Response Coordination Group.
"""


# ---------------------------------------------------------------------------------------------------- helpers


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(wh: Path) -> dict:
    """What a reader gets: the `parquet` symlink's target and the bytes of every published file."""
    pdir = wh / "parquet"
    return {
        "generation": os.readlink(pdir),
        "parquet": {p.name: sha256(p) for p in sorted(pdir.glob("*.parquet"))},
        "duckdb": sha256(wh / DB),
    }


def read_published(wh: Path) -> dict[str, list[str]]:
    """Read every table from Parquet and from DuckDB; both must agree (row counts, article ids). Returns the
    sorted article ids per source."""
    con = duckdb.connect(str(wh / DB), read_only=True)
    try:
        for name in TABLE_ORDER:
            n_pq = pq.read_table(wh / "parquet" / f"{name}.parquet").num_rows
            n_db = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            assert n_pq == n_db, f"{name}: {n_pq} rows in Parquet, {n_db} in DuckDB"
        ids_db = sorted(r[0] for r in con.execute("SELECT article_id FROM articles").fetchall())
    finally:
        con.close()
    ids_pq = sorted(pq.read_table(wh / "parquet" / "articles.parquet").column("article_id").to_pylist())
    assert ids_pq == ids_db, "Parquet and DuckDB hold different articles"
    return {"articles": ids_pq}


def leftovers(wh: Path) -> list[str]:
    """Temporary entries a writer must not leave behind after a completed publish."""
    names = os.listdir(wh)
    bad = [n for n in names if n.startswith((f".{DB}.tmp-", ".parquet.link-"))]
    generations = [n for n in names if n.startswith(".parquet-")]
    if len(generations) > 2:  # the current generation and the previous one
        bad += generations
    return bad


def cli_env(state: Path) -> dict[str, str]:
    return dict(os.environ, DAGSTER_HOME=str(ROOT), NEWSLEDGER_STATE_DIR=str(state))


def launch(articles: Path, wh: Path, state: Path, log: Path) -> subprocess.Popen:
    out = open(log, "w")
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", "--articles", str(articles), "--warehouse", str(wh)],
        cwd=ROOT, env=cli_env(state), stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
    )


def kill_group(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def kill_when(proc: subprocess.Popen, seen, timeout: float = 300) -> float:
    """Poll the file system every ~2 ms; SIGKILL the process group as soon as `seen()` is true. Returns the
    time of the kill after launch. Fails if the process ended before."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            pytest.fail(f"the process ended ({proc.returncode}) before the moment to kill it")
        if seen():
            kill_group(proc)
            return time.monotonic() - t0
        time.sleep(0.002)
    kill_group(proc)
    pytest.fail("the moment to kill never came")


def new_entry(wh: Path, prefix: str, before: set[str]):
    return lambda: any(e.name.startswith(prefix) and e.name not in before for e in os.scandir(wh))


def copy_warehouse(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True, ignore=shutil.ignore_patterns(".writer.lock"))
    return dst


def run_id_of(stdout: str) -> str:
    m = re.search(r"newsledger run ([0-9a-f-]{36}): SUCCESS", stdout)
    assert m, f"no successful run in:\n{stdout[-3000:]}"
    return m.group(1)


def publish_steps(state: Path, run_ids: list[str]) -> dict[str, tuple[float, float]]:
    """(start, end) time of the `warehouse` (publish) step of each run, from the Dagster instance's event log."""
    import dagster as dg

    old = os.environ.get("NEWSLEDGER_STATE_DIR")
    os.environ["NEWSLEDGER_STATE_DIR"] = str(state)
    try:
        instance = dg.DagsterInstance.from_config(str(ROOT))
        out = {}
        for rid in run_ids:
            times = {}
            for rec in instance.all_logs(rid):
                ev = rec.dagster_event
                if ev is not None and ev.step_key == "warehouse" and ev.event_type_value in ("STEP_START", "STEP_SUCCESS"):
                    times[ev.event_type_value] = rec.timestamp
            out[rid] = (times["STEP_START"], times["STEP_SUCCESS"])
        instance.dispose()
        return out
    finally:
        if old is None:
            os.environ.pop("NEWSLEDGER_STATE_DIR", None)
        else:
            os.environ["NEWSLEDGER_STATE_DIR"] = old


# --------------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def corpus_b(tmp_path_factory) -> Path:
    """The sample articles plus one more: publishing it changes every table."""
    d = tmp_path_factory.mktemp("corpus_b")
    for p in SAMPLE.glob("*.txt"):
        shutil.copy(p, d / p.name)
    (d / "atarib.txt").write_text(EXTRA_ARTICLE, encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def published_a(sample_run) -> tuple[Path, dict, dict]:
    """The sample corpus's publication (warehouse, snapshot, article ids): the 'previous' state."""
    return sample_run.warehouse, snapshot(sample_run.warehouse), read_published(sample_run.warehouse)


@pytest.fixture(scope="module")
def reference_b(corpus_b, tmp_path_factory) -> tuple[Path, dict, dict]:
    """A clean run on corpus B: what any later run on B must publish."""
    run = run_cli(corpus_b, tmp_path_factory.mktemp("ref_b") / "wh", tmp_path_factory.mktemp("ref_b_state"))
    return run.warehouse, snapshot(run.warehouse), read_published(run.warehouse)


# ------------------------------------------------------------------------------------ kills of the whole CLI


def test_cli_killed_at_several_moments_leaves_previous_tables_intact(published_a, reference_b, corpus_b, tmp_path):
    src, snap_a, ids_a = published_a
    wh = copy_warehouse(src, tmp_path / "wh")
    assert snapshot(wh) == snap_a
    state = tmp_path / "state"  # one Dagster instance for all the runs below, as a researcher's .dagster/
    rng = random.Random(5)
    generations = {e.name for e in os.scandir(wh) if e.name.startswith(".parquet-")}
    moments = {
        "at a random moment of the first seconds (start-up, ingest, extraction)": lambda: False,
        "as soon as the new Parquet generation folder appears": new_entry(wh, ".parquet-", generations),
        # (the later steps of the writer, DuckDB temp file included, are killed in the writer-alone test below)
    }
    report = []
    for i, (moment, seen) in enumerate(moments.items()):
        proc = launch(corpus_b, wh, state, tmp_path / f"kill{i}.log")
        if i == 0:
            delay = rng.uniform(2.0, 8.0)
            time.sleep(delay)
            assert proc.poll() is None, "the run ended before the kill"
            kill_group(proc)
            at = delay
        else:
            at = kill_when(proc, seen)
        report.append(f"killed {moment} at {at:.2f} s")
        assert snapshot(wh) == snap_a, f"previous publication changed after a kill {moment}"
        assert read_published(wh) == ids_a
    print("\n".join(report))

    # The next run on the same instance: not stuck behind the killed runs' pool slot, cleans up, publishes B.
    t0 = time.monotonic()
    run = run_cli(corpus_b, wh, state)
    assert "was killed before it finished" in run.proc.stderr  # the dead run's writer slot was freed
    assert time.monotonic() - t0 < 240
    _, snap_b, ids_b = reference_b
    assert snapshot(wh)["parquet"] == snap_b["parquet"], "the run after the kills publishes what a clean run does"
    assert read_published(wh) == ids_b
    assert leftovers(wh) == []


# ------------------------------------------------------------------------------------ kills of the writer alone

WRITER_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import pyarrow.parquet as pq
    from pipeline.publish.views import views_sql
    from pipeline.publish.writer import publish
    from schemas.metadata import TABLE_ORDER

    src, wh = Path(sys.argv[1]), Path(sys.argv[2])
    frames = {n: pq.read_table(src / f"{n}.parquet").to_pandas() for n in TABLE_ORDER}
    kv = {k.decode(): v.decode() for k, v in pq.read_schema(src / "articles.parquet").metadata.items()
          if k.startswith(b"newsledger.") and k != b"newsledger.schema_hash"}
    views = views_sql()
    print("start", flush=True)
    t0 = time.monotonic()
    publish(wh, frames, kv, views)
    print("done", time.monotonic() - t0, flush=True)
    """
)


def start_writer(src: Path, wh: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER_SCRIPT, str(src), str(wh)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    line = proc.stdout.readline()
    assert line.strip() == "start", proc.stderr.read()
    return proc


def test_writer_killed_at_every_step_and_at_random_times(published_a, reference_b, tmp_path):
    src, snap_a, ids_a = published_a
    ref_wh, snap_b, ids_b = reference_b
    wh = copy_warehouse(src, tmp_path / "wh")

    # How long a whole publish takes here, in a scratch copy (random kill times are drawn within it).
    scratch = copy_warehouse(src, tmp_path / "scratch")
    proc = start_writer(ref_wh / "parquet", scratch)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    duration = float(out.split()[-1])
    assert snapshot(scratch)["parquet"] == snap_b["parquet"]

    generations = {e.name for e in os.scandir(wh) if e.name.startswith(".parquet-")}

    def staging_has(prefix: str):
        def seen() -> bool:
            for e in os.scandir(wh):
                if e.name.startswith(".parquet-") and e.name not in generations:
                    try:
                        return any(f.name.startswith(prefix) for f in os.scandir(e.path))
                    except FileNotFoundError:  # a killed writer's leftover, removed by the next writer meanwhile
                        continue
            return False
        return seen

    moments = [
        ("staging folder created", new_entry(wh, ".parquet-", generations)),
        ("a Parquet file half written", staging_has(".")),
        ("all Parquet files written", staging_has("_metadata.json")),
        ("DuckDB temp file created", new_entry(wh, f".{DB}.tmp-", set())),
    ]
    rng = random.Random(11)
    moments += [(f"random {t:.3f} s into the publish", t) for t in sorted(rng.uniform(0, duration) for _ in range(3))]
    report = []
    for moment, when in moments:
        proc = start_writer(ref_wh / "parquet", wh)
        if isinstance(when, float):
            time.sleep(when)
            finished = proc.poll() is not None
            if not finished:
                kill_group(proc)
            if snapshot(wh)["generation"] != snap_a["generation"]:
                # the kill came after the commit (or the writer had finished): then all of B, never a mix
                assert snapshot(wh)["parquet"] == snap_b["parquet"] and read_published(wh) == ids_b, moment
                report.append(f"{moment}: {'finished' if finished else 'killed after the commit'}, B published whole")
                shutil.rmtree(wh)
                copy_warehouse(src, wh)
                continue
        else:
            kill_when(proc, when, timeout=60)
        report.append(f"{moment}: killed, previous publication intact")
        assert snapshot(wh) == snap_a, f"previous publication changed after a kill at: {moment}"
        assert read_published(wh) == ids_a
    print("\n".join(report))

    proc = start_writer(ref_wh / "parquet", wh)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert snapshot(wh)["parquet"] == snap_b["parquet"]
    assert read_published(wh) == ids_b
    assert leftovers(wh) == []


# ----------------------------------------------------------------------------------------- readers held open


def test_open_readers_keep_their_snapshot_while_a_publish_replaces_the_files(published_a, reference_b, tmp_path):
    from pipeline.publish.views import views_sql
    from pipeline.publish.writer import publish

    src, snap_a, ids_a = published_a
    ref_wh, snap_b, ids_b = reference_b
    wh = copy_warehouse(src, tmp_path / "wh")
    frames = {n: pq.read_table(ref_wh / "parquet" / f"{n}.parquet").to_pandas() for n in TABLE_ORDER}
    kv = {k.decode(): v.decode() for k, v in pq.read_schema(ref_wh / "parquet" / "articles.parquet").metadata.items()
          if k.startswith(b"newsledger.") and k != b"newsledger.schema_hash"}

    # a researcher's notebook in another process, holding the DuckDB file open read-only
    reader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(
            """
            import sys, duckdb
            con = duckdb.connect(sys.argv[1], read_only=True)
            q = "SELECT count(*) FROM articles"
            print(con.execute(q).fetchone()[0], flush=True)
            sys.stdin.readline()  # hold the file open until told to go on
            print(con.execute(q).fetchone()[0], con.execute("SELECT count(*) FROM figures_readable").fetchone()[0], flush=True)
            """
        ), str(wh / DB)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert int(reader.stdout.readline()) == len(ids_a["articles"])
    # and, in this process, a read-only DuckDB connection and an open Parquet file
    con = duckdb.connect(str(wh / DB), read_only=True)
    pf = pq.ParquetFile(wh / "parquet" / "articles.parquet")

    published = publish(wh, frames, kv, views_sql())
    assert published.rows["articles"] == len(ids_b["articles"])

    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == len(ids_a["articles"])
    assert sorted(pf.read().column("article_id").to_pylist()) == ids_a["articles"]
    out, _ = reader.communicate("go\n", timeout=60)
    n_articles, n_figures = map(int, out.split())
    assert n_articles == len(ids_a["articles"]) and n_figures > 0
    con.close()
    pf.close()

    assert snapshot(wh)["parquet"] == snap_b["parquet"]
    assert read_published(wh) == ids_b  # reopened: the new data


# --------------------------------------------------------------------------------------- two runs at the same time


@pytest.mark.parametrize("instances", ["one Dagster instance", "two Dagster instances"])
def test_two_runs_at_once_never_mix_their_publications(instances, sample_run, published_a, reference_b, corpus_b, tmp_path):
    _, snap_a, ids_a = published_a
    _, snap_b, ids_b = reference_b
    wh = tmp_path / "wh"
    states = [tmp_path / "state"] * 2 if instances == "one Dagster instance" else [tmp_path / "state1", tmp_path / "state2"]
    procs = [
        launch(corpus, wh, state, tmp_path / f"run{i}.log")
        for i, (corpus, state) in enumerate(zip([SAMPLE, corpus_b], states))
    ]
    for p in procs:
        assert p.wait(timeout=600) == 0
    logs = [(tmp_path / f"run{i}.log").read_text() for i in range(2)]
    for log in logs:
        assert "SUCCESS" in log and "Traceback" not in log, log[-3000:]
    run_ids = [run_id_of(log) for log in logs]

    steps = {}
    for state in dict.fromkeys(states):
        ids_here = [rid for rid, s in zip(run_ids, states) if s == state]
        steps.update(publish_steps(state, ids_here))
    (s0, e0), (s1, e1) = steps[run_ids[0]], steps[run_ids[1]]
    if instances == "one Dagster instance":
        # runs on one instance share its asset storage: the CLI runs them one after the other (the second
        # waits, and says so); so, a fortiori, the publish steps (pool duckdb_writer) never overlap
        assert sum("waiting for it to finish" in log for log in logs) == 1, logs
        assert e0 <= s1 or e1 <= s0, f"publish steps overlapped: {steps}"
    last = 0 if e0 > e1 else 1  # the run whose publish finished last is what the warehouse holds, whole
    expected_snap, expected_ids = [(snap_a, ids_a), (snap_b, ids_b)][last]
    assert snapshot(wh)["parquet"] == expected_snap["parquet"]
    assert read_published(wh) == expected_ids
    assert leftovers(wh) == []
    meta = json.loads((wh / "parquet" / "_metadata.json").read_text())
    assert meta["newsledger.inputs_sha256"] == pq.read_schema(wh / "parquet" / "figures.parquet").metadata[b"newsledger.inputs_sha256"].decode()


def test_writer_lock_refuses_with_a_clear_message_after_its_timeout(tmp_path):
    from pipeline.publish.writer import WriterBusy, writer_lock

    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from pipeline.publish.writer import writer_lock\n"
         "with writer_lock(Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.readline()", str(tmp_path)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(WriterBusy, match="another newsledger run is publishing to"):
        with writer_lock(tmp_path, timeout_s=0.5):
            pass
    holder.communicate("\n", timeout=30)
    with writer_lock(tmp_path, timeout_s=0.5):  # released when the holder is gone
        pass


# ------------------------------------------------------------------------------------------------ releases


def test_release_killed_midway_leaves_no_half_release(published_a, tmp_path):
    src, snap_a, ids_a = published_a
    wh = copy_warehouse(src, tmp_path / "wh")
    state = tmp_path / "state"
    releases = wh / "releases"
    releases.mkdir()
    cmd = [sys.executable, "-m", "pipeline", "release", "--from-warehouse", "--warehouse", str(wh), "--version", "2020.02.03"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=cli_env(state), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    kill_when(proc, new_entry(releases, ".staging-", set()))
    assert not (releases / "2020.02.03").exists(), "a killed release must not leave a release folder"
    assert snapshot(wh) == snap_a and read_published(wh) == ids_a

    done = subprocess.run(cmd, cwd=ROOT, env=cli_env(state), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert "was killed before it finished" in done.stderr
    from pipeline.release.verify import verify_release

    assert verify_release(releases / "2020.02.03") == []  # checksums, sizes, row counts, schemas
    assert snapshot(wh) == snap_a  # a release reads the publication, never changes it
