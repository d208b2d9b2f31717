"""The right executor by itself: one process for a handful of articles, parallel step processes on every core for
a corpus large enough to gain from them; NEWSLEDGER_EXECUTOR still overrides."""

from __future__ import annotations

import shutil

import dagster as dg
import pytest

from pipeline.launch import PARALLEL_MIN_BYTES, auto_mode, steps_mode
from tests.conftest import SAMPLE, run_cli


def test_auto_mode_follows_the_size_of_the_corpus(tmp_path, monkeypatch):
    monkeypatch.delenv("NEWSLEDGER_EXECUTOR", raising=False)
    assert auto_mode(SAMPLE) == "in_process"
    big = tmp_path / "big"
    big.mkdir()
    for i in range(4):
        (big / f"{i}.jsonl").write_bytes(b"x" * (PARALLEL_MIN_BYTES // 4 + 1))
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert auto_mode(big) == "multiprocess"
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert auto_mode(big) == "in_process"  # one core: nothing to gain
    monkeypatch.setenv("NEWSLEDGER_EXECUTOR", "in_process")
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert steps_mode(big) == "in_process"  # overridable as before


def _step_pids(state) -> dict[str, int]:
    from dagster._core.instance.ref import InstanceRef

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(state))) as inst:
        run = inst.get_runs(limit=1)[0]
        return {r.dagster_event.step_key: r.dagster_event.pid for r in inst.all_logs(run.run_id)
                if r.dagster_event and r.dagster_event.event_type_value == "STEP_START"}


@pytest.mark.slow
def test_a_large_input_runs_its_steps_in_parallel_processes(sample_run, tmp_path, monkeypatch):
    """Two articles and a megabyte that is quarantined (binary): large enough for `auto` to go parallel, fast to
    run. Every step runs in its own forked process; the sample's own run stayed in one process."""
    monkeypatch.delenv("NEWSLEDGER_EXECUTOR", raising=False)
    folder = tmp_path / "big"
    shutil.copytree(SAMPLE, folder)
    (folder / "scan.txt").write_bytes(bytes(range(256)) * (PARALLEL_MIN_BYTES // 256 + 1))
    run = run_cli(folder, tmp_path / "wh", tmp_path / "state")
    assert "steps run in parallel processes" in run.proc.stdout
    pids = _step_pids(tmp_path / "state")
    assert len(set(pids.values())) == len(pids) >= 8
    assert "steps run in one process" in sample_run.proc.stdout
