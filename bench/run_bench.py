"""`make bench`: throughput, peak memory and time per asset of the whole pipeline against the bare spaCy floor.

For each corpus size N (1,000 and 10,000 by default; 100,000 with --large) it builds a corpus of N distinct
articles from real text (bench/make_corpus.py, fixed seed) and runs, each in its own subprocess, on the same
corpus:

1. the floor: spaCy's full English pipeline (every component of the model, `spacy.load` defaults) over the
   texts with `nlp.pipe`, one process, nothing else;
2. the whole pipeline through Dagster (`python -m pipeline run`, the real CLI and job) from the files to the
   published Parquet and DuckDB, into a throwaway warehouse and Dagster instance under bench/out/;
3. the incremental runs: the same command again with nothing new (the CLI finds the publication up to date and
   launches no run), the same with `--force` (every step runs; extraction comes from the cache), then after
   adding 10 new articles.

For each it measures the wall time, articles/s and words/s, and the peak memory of the whole process tree
(sampled from /proc every 0.25 s, summed over the process and all its descendants: RSS, and PSS, which counts
pages shared by forked workers once). It also records the CPU
time (user + system) of the tree, which moves less than the wall time when other work shares the machine. The
time per asset comes from the Dagster event log of the run (STEP_START to STEP_SUCCESS of each step). Everything is
printed and written to bench/out/bench.json (or --json PATH).

    python bench/run_bench.py [--sizes 1000 10000] [--large] [--benchmarks ../shared/benchmarks]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench.make_corpus import DEFAULT_BENCHMARKS, SEED, write_corpus  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
# How often the process tree is sampled. Reading a large process's smaps_rollup costs 1-2 ms of kernel time, so a
# tree of ~15 step processes sampled every 0.1 s took a fifth of a core from the run being measured; every
# 0.25 s it is under a tenth (memory peaks last far longer than that: a batch, a step).
SAMPLE_EVERY_S = 0.25


# ------------------------------------------------------------------------------------------------------------
# Measuring a process tree
# ------------------------------------------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode("ascii", "replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree_memory(pid: int, cpu: dict | None = None) -> tuple[int, int]:
    """(RSS, PSS) in bytes of `pid` and all its descendants, summed ((0, 0) once it has ended).

    The RSS sum counts pages shared between processes (the spaCy model in forked workers) once per process;
    PSS shares them out, so the PSS sum is the memory the tree really holds. When `cpu` is given, it records
    each process's CPU time (user + system, from /proc/<pid>/stat) under (pid, start time), so that the CPU time
    of processes that are not reaped by the measured process (forked step workers) is counted too."""
    kids = _children()
    rss = pss = 0
    todo = [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                rss += int(fh.read().split()[1]) * PAGE
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
            if cpu is not None:
                with open(f"/proc/{p}/stat", "rb") as fh:
                    fields = fh.read().decode("ascii", "replace").rsplit(")", 1)[1].split()
                cpu[(p, fields[19])] = (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            pass
        todo.extend(kids.get(p, []))
    return rss, pss


def measured(cmd: list[str], env: dict | None = None, log: Path | None = None) -> dict:
    """Run `cmd`, sampling its process tree's RSS; wall time, peak RSS, exit code and output."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = [0, 0]
    cpu_by_process: dict = {}
    timeline: list[tuple[float, int]] = []  # (epoch seconds, tree PSS bytes), for the peak of each step
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, pss = tree_memory(proc.pid, cpu_by_process)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            timeline.append((time.time(), pss))
            done.wait(SAMPLE_EVERY_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    cpu = sum(cpu_by_process.values())  # as last sampled (every SAMPLE_EVERY_S) for each process of the tree
    if log:
        log.write_text(output)
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_rss_mib": round(peak[0] / 2**20, 1), "peak_pss_mib": round(peak[1] / 2**20, 1), "returncode": proc.returncode, "output": output,
            "loadavg_1m_at_end": round(os.getloadavg()[0], 2), "_timeline": timeline}


# ------------------------------------------------------------------------------------------------------------
# The floor: spaCy's full pipeline, nothing else (run as a subprocess of this script)
# ------------------------------------------------------------------------------------------------------------


def iter_texts(corpus: Path):
    for path in sorted(corpus.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)["text"]


def floor_main(corpus: Path, n_process: int) -> None:
    import spacy

    from pipeline.extract.nlp import MODEL_PACKAGE

    t0 = time.perf_counter()
    nlp = spacy.load(MODEL_PACKAGE)  # every component: tok2vec, tagger, parser, attribute_ruler, lemmatizer, ner
    t1 = time.perf_counter()
    n = words = 0
    for doc in nlp.pipe(iter_texts(corpus), n_process=n_process):
        n += 1
        words += sum(1 for t in doc if not t.is_space)
    t2 = time.perf_counter()
    print(json.dumps({"articles": n, "tokens": words, "load_s": round(t1 - t0, 2), "pipe_s": round(t2 - t1, 2), "components": nlp.pipe_names}))


# ------------------------------------------------------------------------------------------------------------
# The whole pipeline through Dagster
# ------------------------------------------------------------------------------------------------------------


def step_intervals(state_dir: Path, run_id: str) -> dict[str, tuple[float, float]]:
    """(start, end) epoch seconds of each step (asset or check) of a run, from STEP_START/STEP_SUCCESS in its
    Dagster event log."""
    os.environ["DAGSTER_HOME"] = str(ROOT)
    os.environ["NEWSLEDGER_STATE_DIR"] = str(state_dir)
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        records = instance.get_records_for_run(run_id, limit=100_000).records
        started: dict[str, float] = {}
        out: dict[str, float] = {}
        for rec in records:
            ev = rec.event_log_entry
            if not ev.is_dagster_event or not ev.step_key:
                continue
            kind = ev.dagster_event.event_type_value
            if kind == "STEP_START":
                started[ev.step_key] = ev.timestamp
            elif kind == "STEP_SUCCESS" and ev.step_key in started:
                out[ev.step_key] = (started[ev.step_key], ev.timestamp)
    return out


def step_peaks(intervals: dict[str, tuple[float, float]], timeline: list[tuple[float, int]]) -> dict[str, float]:
    """The peak PSS (MiB) of the whole process tree sampled while each step ran (steps that overlap, such as
    the extraction buckets, share what they hold together)."""
    out = {}
    for step, (start, end) in intervals.items():
        seen = [pss for t, pss in timeline if start <= t <= end]
        if seen:
            out[step] = round(max(seen) / 2**20, 1)
    return out


def pipeline_run(corpus: Path, warehouse: Path, state_dir: Path, label: str, extra_env: dict | None = None, *args: str) -> dict:
    env = dict(os.environ, DAGSTER_HOME=str(ROOT), NEWSLEDGER_STATE_DIR=str(state_dir), **(extra_env or {}))
    state_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pipeline", "run", "--articles", str(corpus), "--warehouse", str(warehouse), *args]
    res = measured(cmd, env, OUT / f"{label}.log")
    run_id = next((line.split()[2].rstrip(":") for line in res["output"].splitlines() if line.startswith("newsledger run ")), None)
    res["run_id"] = run_id
    res["success"] = res["returncode"] == 0
    res["launched_a_run"] = run_id is not None  # False: nothing new since the last publication, no run needed
    intervals = step_intervals(state_dir, run_id) if run_id else {}
    res["step_s"] = {k: round(e - s, 2) for k, (s, e) in intervals.items()}
    res["step_peak_pss_mib"] = step_peaks(intervals, res.pop("_timeline"))
    rows = {}
    for line in res["output"].splitlines():
        parts = line.split()
        if len(parts) == 2 and line.startswith("  ") and parts[1].isdigit():
            rows[parts[0]] = int(parts[1])
    res["rows"] = rows
    del res["output"]
    return res


def rates(n_articles: int, n_words: int, seconds: float) -> dict:
    return {"articles_per_s": round(n_articles / seconds, 2), "words_per_s": round(n_words / seconds, 1)}


def bench_size(n: int, benchmarks: Path, floor_processes: tuple[int, ...], incremental: bool, env: dict) -> dict:
    corpus = OUT / f"corpus_{n}"
    if corpus.exists():
        shutil.rmtree(corpus)
    stats = write_corpus(n, corpus, benchmarks, SEED)
    words = stats["words"]
    print(f"\n== N = {n:,} articles, {words:,} words ({stats['chars']:,} characters)", flush=True)
    result: dict = {"n_articles": n, "n_words": words, "corpus": stats}

    for n_proc in floor_processes:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--_floor", str(corpus), "--_floor-processes", str(n_proc)]
        res = measured(cmd, log=OUT / f"floor_{n}_p{n_proc}.log")
        res.pop("_timeline")
        if res["returncode"] != 0:
            raise SystemExit(f"floor run failed, see {OUT / f'floor_{n}_p{n_proc}.log'}")
        detail = json.loads(res["output"].strip().splitlines()[-1])
        del res["output"]
        res.update(detail, **rates(n, words, res["wall_s"]))
        result[f"floor_spacy_full_p{n_proc}"] = res
        print(f"floor (spaCy full pipeline, nlp.pipe, n_process={n_proc}): {res['wall_s']} s, "
              f"{res['articles_per_s']} articles/s, {res['words_per_s']} words/s, peak RSS {res['peak_rss_mib']} MiB (PSS {res['peak_pss_mib']} MiB)", flush=True)

    work = OUT / f"run_{n}"
    if work.exists():
        shutil.rmtree(work)
    warehouse, state = work / "warehouse", work / "state"
    res = pipeline_run(corpus, warehouse, state, f"pipeline_{n}", env)
    res.update(rates(n, words, res["wall_s"]))
    result["pipeline"] = res
    print(f"pipeline (Dagster, files -> Parquet + DuckDB): {res['wall_s']} s, {res['articles_per_s']} articles/s, "
          f"{res['words_per_s']} words/s, peak RSS {res['peak_rss_mib']} MiB (PSS {res['peak_pss_mib']} MiB), success={res['success']}", flush=True)
    for step, secs in sorted(res["step_s"].items(), key=lambda kv: -kv[1])[:12]:
        print(f"    {step:<40} {secs:>8.2f} s   tree PSS while it ran: {res['step_peak_pss_mib'].get(step, 0):>7.1f} MiB")
    floor = result.get("floor_spacy_full_p1")
    if floor:
        result["ratio_pipeline_to_floor"] = round(res["wall_s"] / floor["wall_s"], 3)
        print(f"ratio pipeline / floor (n_process=1): {result['ratio_pipeline_to_floor']}")
    if floor:
        result["cpu_ratio_pipeline_to_floor"] = round(res["cpu_s"] / max(floor["cpu_s"], 1e-9), 3)
        print(f"CPU-time ratio pipeline / floor (n_process=1; less sensitive to other load on the machine): "
              f"{result['cpu_ratio_pipeline_to_floor']}")
    floor2 = result.get("floor_spacy_full_p2")
    if floor2:
        result["ratio_pipeline_to_floor_p2"] = round(res["wall_s"] / floor2["wall_s"], 3)
        print(f"ratio pipeline / floor (n_process=2): {result['ratio_pipeline_to_floor_p2']}")

    if incremental:
        same = pipeline_run(corpus, warehouse, state, f"pipeline_{n}_nothing_new", env)
        print(f"incremental, nothing new: {same['wall_s']} s (success={same['success']}, "
              f"launched a Dagster run: {same['launched_a_run']})", flush=True)
        forced = pipeline_run(corpus, warehouse, state, f"pipeline_{n}_nothing_new_forced", env, "--force")
        print(f"incremental, nothing new, run forced (--force: every step runs, extraction from the cache): "
              f"{forced['wall_s']} s (success={forced['success']})", flush=True)
        result["incremental_nothing_new_forced"] = forced
        added = write_corpus(n + 10, corpus, benchmarks, SEED, start=n)
        plus = pipeline_run(corpus, warehouse, state, f"pipeline_{n}_plus_10", env)
        print(f"incremental, {added['articles']} new articles: {plus['wall_s']} s (success={plus['success']})", flush=True)
        result["incremental_nothing_new"] = same
        result["incremental_plus_10"] = plus
    shutil.rmtree(corpus, ignore_errors=True)
    return result


def machine() -> dict:
    mem = 0
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    load = os.getloadavg()
    return {"cores": os.cpu_count(), "memory_gib": round(mem / 2**30, 1), "cpu": cpu, "python": platform.python_version(),
            "loadavg_at_start": [round(x, 2) for x in load]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="corpus sizes (articles)")
    ap.add_argument("--large", action="store_true", help="add N = 100,000")
    ap.add_argument("--benchmarks", type=Path, default=DEFAULT_BENCHMARKS, help="the shared benchmark texts")
    ap.add_argument("--floor-processes", type=int, nargs="+", default=[1],
                    help="n_process values of the floor run (1, the default, is the bare floor the ratio is taken "
                    "against; add 2 for spaCy's own two-process pass as a reference)")
    ap.add_argument("--no-incremental", action="store_true")
    ap.add_argument("--no-floor", action="store_true",
                    help="skip the floor runs (e.g. with --large, to measure the pipeline's time and memory at "
                    "N = 100,000 without the ~2.6 h floor pass); no ratio is reported then")
    ap.add_argument("--executor", default="multiprocess", choices=("in_process", "multiprocess", "dask"),
                    help="NEWSLEDGER_EXECUTOR for the pipeline runs (multiprocess: parallel extraction buckets)")
    ap.add_argument("--json", type=Path, default=OUT / "bench.json")
    ap.add_argument("--_floor", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--_floor-processes", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._floor:
        floor_main(args._floor, args._floor_processes)
        return 0
    if not args.benchmarks.is_dir():
        print(f"error: the shared benchmark texts are not at {args.benchmarks} (clone next to shared/, or pass --benchmarks DIR)", file=sys.stderr)
        return 2
    sizes = list(args.sizes) + ([100_000] if args.large else [])
    OUT.mkdir(parents=True, exist_ok=True)
    report = {"machine": machine(), "seed": SEED, "executor": args.executor, "sizes": {}}
    print(f"machine: {report['machine']}")
    for n in sizes:
        env = {"NEWSLEDGER_EXECUTOR": args.executor}
        floors = () if args.no_floor else tuple(args.floor_processes)
        report["sizes"][str(n)] = bench_size(n, args.benchmarks, floors, not args.no_incremental, env)
        args.json.write_text(json.dumps(report, indent=2))
    print(f"\nwritten: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
