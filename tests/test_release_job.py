"""Releases are deliberate: the release is its own job (ops reporting on non-materialisable assets), never part of
"Materialize all" or of the `newsledger` job, and releasing unchanged data twice says so instead of minting a
version."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import dagster as dg
import pytest

from pipeline.defs import defs, newsledger_job, newsledger_release_job
from tests.conftest import ROOT


def test_release_assets_cannot_be_materialised_by_materialize_all():
    graph = defs.resolve_asset_graph()
    for key in ("release_snapshot", "release"):
        node = graph.get(dg.AssetKey(key))
        assert not node.is_executable and node.group_name == "release", key  # the UI leaves them out of "Materialize all"
    executable = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).is_executable}
    assert "release" not in executable and "warehouse" in executable
    assert not {"release", "release_snapshot"} & {k.to_user_string() for k in newsledger_job().asset_layer.selected_asset_keys}
    release_job = newsledger_release_job()
    assert set(release_job.graph.node_dict) == {"release_snapshot", "great_expectations_release", "release"}
    assert release_job.graph.dependency_structure.input_to_upstream_outputs_for_node("release")


@pytest.mark.slow
def test_releasing_unchanged_data_twice_says_so(sample_run, tmp_path):
    wh = tmp_path / "wh"
    shutil.copytree(sample_run.warehouse, wh, symlinks=True, ignore=shutil.ignore_patterns("releases", ".dagster"))
    env = dict(os.environ, DAGSTER_HOME=str(ROOT), NEWSLEDGER_STATE_DIR=str(tmp_path / "state"))

    def release(*extra):
        return subprocess.run([sys.executable, "-m", "pipeline", "release", "--from-warehouse", "--warehouse", str(wh), *extra],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)

    first = release()
    assert first.returncode == 0, first.stdout + first.stderr
    assert "written to" in first.stdout
    (version,) = [p.name for p in (wh / "releases").iterdir() if not p.name.startswith(".") and p.name != "full"]
    second = release()
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"nothing changed since release {version}: no new version written" in second.stdout
    assert [p.name for p in (wh / "releases").iterdir() if not p.name.startswith(".") and p.name != "full"] == [version]
