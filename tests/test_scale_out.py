"""Scale-out: the same definitions on a real dask.distributed cluster, chosen by configuration only.

A scheduler and two workers are started as separate processes (the `dask scheduler` / `dask worker` entry
points of the venv, on 127.0.0.1), the CLI runs the job with NEWSLEDGER_EXECUTOR=dask, and the published
Parquet files must be byte-identical to those of the local in-process run of the same sample corpus. Also run
by `make cluster-test`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.defs.executors import build_executor
from tests.conftest import ROOT, SAMPLE, run_cli

pytest.importorskip("dagster_dask")
pytest.importorskip("distributed")

DASK = Path(sys.executable).with_name("dask")


def _start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A local dask.distributed cluster: one scheduler and two single-threaded workers, each its own process."""
    d = tmp_path_factory.mktemp("dask")
    state = d / "dagster_state"
    state.mkdir()
    env = dict(os.environ, DAGSTER_HOME=str(ROOT), NEWSLEDGER_STATE_DIR=str(state))
    sched_file = d / "scheduler.json"
    procs = [
        _start([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                "--scheduler-file", str(sched_file)], env, d / "scheduler.log")
    ]
    try:
        deadline = time.monotonic() + 60
        while not sched_file.exists():
            if time.monotonic() > deadline or procs[0].poll() is not None:
                raise RuntimeError(f"dask scheduler did not start: {(d / 'scheduler.log').read_text()[-2000:]}")
            time.sleep(0.2)
        time.sleep(0.5)
        address = json.loads(sched_file.read_text())["address"]
        for i in range(2):
            procs.append(_start([str(DASK), "worker", "--scheduler-file", str(sched_file), "--nworkers", "1",
                                 "--nthreads", "1", "--no-dashboard", "--name", f"newsledger-worker-{i}"], env, d / f"worker{i}.log"))
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
            worker_pids = set(client.run(os.getpid).values())
        yield {"address": address, "state": state, "worker_pids": worker_pids, "dir": d}
    finally:
        for p in reversed(procs):
            _stop(p)


def _step_pids(state: Path, run_id: str) -> dict[str, int]:
    code = (
        "import dagster as dg, json, sys\n"
        "with dg.DagsterInstance.get() as inst:\n"
        "    out = {}\n"
        "    for r in inst.get_records_for_run(sys.argv[1], limit=100000).records:\n"
        "        e = r.event_log_entry\n"
        "        if e.is_dagster_event and e.dagster_event.event_type_value == 'STEP_START':\n"
        "            out[e.step_key] = e.dagster_event.pid\n"
        "print(json.dumps(out))\n"
    )
    env = dict(os.environ, DAGSTER_HOME=str(ROOT), NEWSLEDGER_STATE_DIR=str(state))
    proc = subprocess.run([sys.executable, "-c", code, run_id], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def test_executor_is_chosen_by_configuration(monkeypatch):
    assert build_executor("in_process").name == "in_process"
    assert build_executor("multiprocess").name == "multiprocess"
    assert build_executor("dask").name == "dask"
    monkeypatch.setenv("NEWSLEDGER_EXECUTOR", "celery-on-mars")
    with pytest.raises(ValueError):
        build_executor()


@pytest.mark.slow
def test_sample_corpus_on_a_dask_cluster_publishes_the_local_result(dask_cluster, sample_run, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSLEDGER_EXECUTOR", "dask")
    monkeypatch.setenv("NEWSLEDGER_DASK_SCHEDULER", dask_cluster["address"])
    run = run_cli(SAMPLE, tmp_path / "warehouse", dask_cluster["state"])
    assert "SUCCESS" in run.proc.stdout
    run_id = next(line.split()[2].rstrip(":") for line in run.proc.stdout.splitlines() if line.startswith("newsledger run "))

    pids = _step_pids(dask_cluster["state"], run_id)
    buckets = [k for k in pids if ".extract_bucket_" in k]
    assert len(buckets) >= 2, pids
    assert set(pids.values()) <= dask_cluster["worker_pids"], "every step must run on a dask worker"

    names = sorted(p.name for p in sample_run.parquet.glob("*.parquet"))
    assert names == sorted(p.name for p in run.parquet.glob("*.parquet"))
    for name in names:
        assert (run.parquet / name).read_bytes() == (sample_run.parquet / name).read_bytes(), name
