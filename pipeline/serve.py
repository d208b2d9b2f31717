"""`python -m pipeline ui` (what `make ui` runs): the Dagster UI and the daemon on the project's corpus.

Starts one code server with the definitions (`dagster code-server start`), then the webserver and the daemon, both
connected to it (so the definitions load once), on the Dagster instance of the warehouse that newsledger.yaml
names (`<warehouse>/.dagster/`). The daemon runs the queued runs, the daily schedule and the inbox sensor, which
are on by default. Ctrl-C (or SIGTERM) stops the three processes, each in its own process group, and waits for
them; if one of them dies, the others are stopped too.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from pipeline.paths import PROJECT_ROOT, ensure_dagster_home, project_config

STOP_TIMEOUT_S = 15
LOCATION = "newsledger"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()


def serve(host: str = "127.0.0.1", port: int = 3000) -> int:
    conf = project_config()
    ensure_dagster_home(conf["warehouse"])
    Path(conf["warehouse"]).mkdir(parents=True, exist_ok=True)
    bin_dir = Path(sys.executable).parent
    grpc = str(_free_port())
    quiet = ["--log-level", "warning"]
    print(f"newsledger UI: corpus {conf['articles']} (the inbox the sensor watches) -> warehouse {conf['warehouse']}\n"
          f"  Dagster instance {os.environ['NEWSLEDGER_STATE_DIR']}; http://{host}:{port} (Ctrl-C stops)", flush=True)
    procs: list[subprocess.Popen] = []
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    def start(*args: str) -> subprocess.Popen:
        p = subprocess.Popen([str(bin_dir / args[0]), *args[1:]], cwd=PROJECT_ROOT, start_new_session=True)
        procs.append(p)
        return p

    try:
        code = start("dagster", "code-server", "start", "-m", "pipeline.defs", "-h", "127.0.0.1", "-p", grpc, *quiet)
        if not _wait_for_port(int(grpc), code):
            print("error: the code server did not start", file=sys.stderr)
            return 1
        # A workspace naming the code location `newsledger` (job pages at /locations/newsledger/jobs/<job>).
        workspace = Path(os.environ["NEWSLEDGER_STATE_DIR"]) / "workspace.yaml"
        workspace.write_text("load_from:\n  - grpc_server:\n      host: 127.0.0.1\n"
                             f"      port: {grpc}\n      location_name: {LOCATION}\n")
        start("dagster-webserver", "-w", str(workspace), "-h", host, "-p", str(port), *quiet)
        start("dagster-daemon", "run", "-w", str(workspace), *quiet)
        while not stopping:
            dead = [p for p in procs if p.poll() is not None]
            if dead:
                print(f"error: {Path(dead[0].args[0]).name} exited ({dead[0].returncode}); stopping", file=sys.stderr)
                return 1
            time.sleep(0.5)
        print("newsledger UI: stopping", flush=True)
        return 0
    finally:
        _stop(procs)
